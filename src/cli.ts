#!/usr/bin/env node
/**
 * The `zocket` command: one socket (or a two-socket proxy) from a shell.
 *
 *   zocket PULL bind tcp://127.0.0.1:5555
 *   printf 'a\nb\n' | zocket PUSH connect tcp://127.0.0.1:5555
 *   zocket proxy XSUB connect tcp://pub:5556 XPUB bind tcp://*:5557
 *
 * Each line of stdin is sent as one message; each message received is printed
 * as one line (see USAGE). Exit status: 0 after a clean end, 1 on a runtime
 * error, 2 on bad arguments. Not part of the library's API (ESM only).
 */
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { Context, ZocketError, type Message, type SocketEvent, type SocketOptions, type SocketType } from "./index.js";

const USAGE = `Usage:
  zocket [options] <type> <bind|connect> <endpoint> [<bind|connect> <endpoint> ...]
  zocket [options] proxy <frontType> <bind|connect> <frontEndpoint> <backType> <bind|connect> <backEndpoint>

<type> is a socket type, in any case: PAIR PUB SUB XPUB XSUB REQ REP DEALER
ROUTER PUSH PULL. <endpoint> is tcp://host:port (tcp://127.0.0.1:* binds a free
port), ipc://path or inproc://name. A bound endpoint is printed to stderr.

Each line of stdin is sent as one message, each message received is printed to
stdout as one line: its frames separated by " | " (or the --multipart
separator). A frame prints as text when it is valid UTF-8 without control
characters, does not start with "0x" and does not contain the separator;
otherwise as 0x and its bytes in hex (an empty frame prints as nothing). On
stdin, a frame written 0x<hex digits> is sent as those bytes (so a routing id
printed by a ROUTER can be pasted back); any other frame is sent as UTF-8 text.

  REQ        sends a line, prints the reply, sends the next line.
  REP        prints a request, replies with the next line of stdin.
  PULL, SUB  never read stdin; they run until SIGINT/SIGTERM (or --count).
  others     send the lines of stdin while printing what arrives.

The program ends when stdin ends (once the messages sent have left, within
--linger), after --count messages received, or on SIGINT/SIGTERM (closes at
once, dropping what is still queued; a signal while closing, that is while
messages still wait to leave within --linger, exits at once with status
130/143). Exit status: 0 after a clean end, 1 on a runtime error, 2 on bad
arguments.

proxy: forwards whole multipart messages from the front socket to the back one
and from the back one to the front one (each way where the types can), e.g.
XSUB/XPUB, ROUTER/DEALER, PULL/PUSH. Runs until SIGINT/SIGTERM; ignores stdin.

Options:
  -m, --multipart <sep>     split each stdin line into frames at <sep>, and
                            join the frames of printed messages with it
  -s, --subscribe <prefix>  SUB/XSUB: subscribe to <prefix> (repeatable; a SUB
                            given none subscribes to everything)
      --plain <user:pass>   PLAIN security, as a client with these credentials
      --plain-server        PLAIN security, as a server; an in-process ZAP
                            handler accepts the --zap credentials
      --zap <user:pass>     credentials the --plain-server accepts (repeatable)
      --identity <id>       the socket's routing id (routingId)
      --linger <ms>         how long messages still queued when stdin ends may
                            take to leave (default -1: until delivered)
      --delay <ms>          wait this long after bind/connect before sending
                            the first line (a PUB's subscribers connect first)
  -n, --count <n>           exit after receiving n messages
      --monitor             print monitor events (and ZAP decisions) to stderr
  -h, --help                print this help
      --version             print the version

Examples:
  zocket PULL bind 'tcp://127.0.0.1:5555'
  seq 3 | zocket PUSH connect tcp://127.0.0.1:5555
  zocket SUB connect tcp://127.0.0.1:5556 --subscribe weather --subscribe news
  echo ping | zocket REQ connect tcp://127.0.0.1:5557
  zocket REP bind tcp://127.0.0.1:5557 --plain-server --zap admin:secret
  zocket proxy ROUTER bind tcp://*:5559 DEALER bind tcp://*:5560
`;

/** A bad command line: printed with a hint, exit status 2. */
class UsageError extends Error {}

const TYPES: readonly SocketType[] = ["PAIR", "PUB", "SUB", "XPUB", "XSUB", "REQ", "REP", "DEALER", "ROUTER", "PUSH", "PULL"];
const CANNOT_SEND = new Set<SocketType>(["PULL", "SUB"]);
const CANNOT_RECV = new Set<SocketType>(["PUSH", "PUB"]);

/**
 * What the CLI uses of a socket, whatever its type: the type is only known at
 * run time (ctx.socket() may type its result per socket type).
 */
interface CliSocket extends AsyncIterable<Buffer[]> {
  readonly type: SocketType;
  readonly events: AsyncIterable<SocketEvent>;
  bind(endpoint: string): Promise<string>;
  connect(endpoint: string): void;
  send(message: Message): Promise<void>;
  recv(): Promise<Buffer[]>;
  subscribe(...prefixes: string[]): void;
  close(): void;
  linger: number;
}

interface Attach {
  verb: "bind" | "connect";
  endpoint: string;
}

interface SocketSpec {
  type: SocketType;
  attach: Attach[];
}

interface Config {
  mode: "socket" | "proxy";
  sockets: SocketSpec[];
  separator: string | null;
  subscribe: string[];
  plain: { user: string; pass: string } | null;
  plainServer: boolean;
  zap: { user: string; pass: string }[];
  identity: string | null;
  linger: number | null;
  delay: number;
  count: number | null;
  monitor: boolean;
}

const OPTIONS = {
  multipart: { type: "string", short: "m" },
  subscribe: { type: "string", short: "s", multiple: true },
  plain: { type: "string" },
  "plain-server": { type: "boolean" },
  zap: { type: "string", multiple: true },
  identity: { type: "string" },
  linger: { type: "string" },
  delay: { type: "string" },
  count: { type: "string", short: "n" },
  monitor: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
} as const;

function parseType(text: string): SocketType {
  const upper = text.toUpperCase();
  const type = TYPES.find((t) => t === upper);
  if (type === undefined) throw new UsageError(`unknown socket type "${text}" (expected one of ${TYPES.join(", ")})`);
  return type;
}

function parseVerb(text: string | undefined, after: string): "bind" | "connect" {
  if (text === "bind" || text === "connect") return text;
  throw new UsageError(text === undefined ? `expected bind or connect after ${after}` : `expected bind or connect after ${after}, got "${text}"`);
}

function parseEndpoint(text: string | undefined, verb: string): string {
  if (text === undefined || text === "") throw new UsageError(`expected an endpoint after ${verb}`);
  if (!/^(tcp|ipc|inproc):\/\/./.test(text)) throw new UsageError(`"${text}" is not an endpoint (tcp://host:port, ipc://path or inproc://name)`);
  return text;
}

function parseCredentials(text: string, option: string): { user: string; pass: string } {
  const i = text.indexOf(":");
  if (i <= 0) throw new UsageError(`${option} expects user:password, got "${text}"`);
  return { user: text.slice(0, i), pass: text.slice(i + 1) };
}

function parseInteger(text: string | undefined, option: string, min: number): number | null {
  if (text === undefined) return null;
  if (!/^-?\d+$/.test(text) || Number(text) < min || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`${option} expects an integer ≥ ${min}, got "${text}"`);
  }
  return Number(text);
}

/** The command line, checked; "help"/"version" for those flags. */
export function parseCommandLine(argv: string[]): Config | "help" | "version" {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values: v, positionals: pos } = parsed;
  if (v.help === true) return "help";
  if (v.version === true) return "version";
  if (pos.length === 0) throw new UsageError("missing the socket type");

  const sockets: SocketSpec[] = [];
  let mode: Config["mode"] = "socket";
  if (pos[0] === "proxy") {
    mode = "proxy";
    if (pos.length !== 7) throw new UsageError(`proxy expects <frontType> <bind|connect> <frontEndpoint> <backType> <bind|connect> <backEndpoint> (${pos.length - 1} arguments given)`);
    for (const [side, k] of [["front", 1], ["back", 4]] as const) {
      const type = parseType(pos[k]!);
      const verb = parseVerb(pos[k + 1], `the ${side} type`);
      sockets.push({ type, attach: [{ verb, endpoint: parseEndpoint(pos[k + 2], verb) }] });
    }
  } else {
    const type = parseType(pos[0]!);
    const attach: Attach[] = [];
    for (let k = 1; k < pos.length || attach.length === 0; k += 2) {
      const verb = parseVerb(pos[k], k === 1 ? "the socket type" : "an endpoint");
      attach.push({ verb, endpoint: parseEndpoint(pos[k + 1], verb) });
    }
    sockets.push({ type, attach });
  }

  const config: Config = {
    mode,
    sockets,
    separator: v.multipart ?? null,
    subscribe: v.subscribe ?? [],
    plain: v.plain === undefined ? null : parseCredentials(v.plain, "--plain"),
    plainServer: v["plain-server"] === true,
    zap: (v.zap ?? []).map((z) => parseCredentials(z, "--zap")),
    identity: v.identity ?? null,
    linger: parseInteger(v.linger, "--linger", -1),
    delay: parseInteger(v.delay, "--delay", 0) ?? 0,
    count: parseInteger(v.count, "--count", 1),
    monitor: v.monitor === true,
  };
  if (config.separator === "") throw new UsageError("--multipart expects a non-empty separator");
  if (config.subscribe.length > 0 && !sockets.some((s) => s.type === "SUB" || s.type === "XSUB")) {
    throw new UsageError("--subscribe is for SUB and XSUB sockets");
  }
  if (config.plain !== null && config.plainServer) throw new UsageError("--plain and --plain-server exclude each other");
  if (config.plainServer && config.zap.length === 0) throw new UsageError("--plain-server needs at least one --zap user:password");
  if (!config.plainServer && config.zap.length > 0) throw new UsageError("--zap is for --plain-server");
  if (mode === "proxy") {
    const unsupported = (["multipart", "plain", "plain-server", "zap", "identity", "delay", "count"] as const).filter((o) => v[o] !== undefined);
    if (unsupported.length > 0) throw new UsageError(`proxy mode does not take ${unsupported.map((o) => `--${o}`).join(", ")}`);
  } else {
    const type = sockets[0]!.type;
    if (config.count !== null && CANNOT_RECV.has(type)) throw new UsageError(`--count: a ${type} socket does not receive`);
    if (config.separator !== null && CANNOT_SEND.has(type) && CANNOT_RECV.has(type)) throw new UsageError("--multipart has nothing to do");
  }
  return config;
}

/** One frame for printing: text when it reads back unambiguously, else 0x + hex. */
export function formatFrame(frame: Buffer, separator: string): string {
  if (frame.length === 0) return "";
  const text = frame.toString("utf8");
  const printable =
    !text.startsWith("0x") &&
    !text.includes(separator) &&
    // eslint-disable-next-line no-control-regex
    !/[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\ufffd]/.test(text) &&
    Buffer.byteLength(text) === frame.length;
  return printable ? text : `0x${frame.toString("hex")}`;
}

/** One stdin line as frames: split at the separator; 0x<hex> frames are bytes. */
export function parseLine(line: string, separator: string | null): Buffer[] {
  const parts = separator === null ? [line] : line.split(separator);
  return parts.map((p) => (/^0x([0-9a-fA-F]{2})*$/.test(p) ? Buffer.from(p.slice(2), "hex") : Buffer.from(p, "utf8")));
}

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: unknown };
    return String(pkg.version);
  } catch {
    return "unknown";
  }
}

const SIGNAL_STATUS = { SIGINT: 130, SIGTERM: 143 } as const;

/** The running program: its context, its sockets and how it ends. */
class Run {
  readonly ctx = new Context();
  readonly sockets: CliSocket[] = [];
  #zap: CliSocket | null = null;
  #ending: Promise<void> | null = null;
  #received = 0;
  #keepAlive: NodeJS.Timeout | null = setInterval(() => {}, 1 << 30);
  readonly #out: string;

  constructor(readonly config: Config) {
    this.#out = config.separator ?? " | ";
  }

  async start(): Promise<void> {
    const c = this.config;
    process.once("SIGINT", () => this.signal("SIGINT"));
    process.once("SIGTERM", () => this.signal("SIGTERM"));
    process.stdout.on("error", () => void this.end(0, { drop: true }));
    try {
      await this.setUp();
    } catch (err) {
      // A malformed endpoint or option value is a bad command line, as is a bad argument.
      if (err instanceof ZocketError && (err.code === "EINVAL" || err.code === "EPROTONOSUPPORT")) throw new UsageError(err.message);
      throw err;
    }
    if (c.mode === "proxy") {
      const [front, back] = this.sockets as [CliSocket, CliSocket];
      const ways: Promise<void>[] = [];
      if (!CANNOT_RECV.has(front.type) && !CANNOT_SEND.has(back.type)) ways.push(this.forward(front, back));
      if (!CANNOT_RECV.has(back.type) && !CANNOT_SEND.has(front.type)) ways.push(this.forward(back, front));
      if (ways.length === 0) throw new UsageError(`proxy: nothing can flow between ${front.type} and ${back.type}`);
      await Promise.all(ways);
      return;
    }
    const sock = this.sockets[0]!;
    if (c.delay > 0) await new Promise((r) => setTimeout(r, c.delay));
    if (sock.type === "REQ") return this.runReq(sock);
    if (sock.type === "REP") return this.runRep(sock);
    const loops: Promise<void>[] = [];
    if (!CANNOT_RECV.has(sock.type)) loops.push(this.receive(sock));
    if (!CANNOT_SEND.has(sock.type)) loops.push(this.sendLines(sock));
    await Promise.all(loops);
  }

  /** The sockets, bound and connected (a bound endpoint is printed to stderr). */
  async setUp(): Promise<void> {
    const c = this.config;
    if (c.plainServer) await this.startZap();
    const labels = c.mode === "proxy" ? ["front", "back"] : [""];
    for (const [i, spec] of c.sockets.entries()) {
      const sock = this.makeSocket(spec.type);
      if (c.monitor) this.monitor(sock, labels[i]!);
      for (const { verb, endpoint } of spec.attach) {
        if (verb === "connect") {
          sock.connect(endpoint);
        } else {
          const bound = await sock.bind(endpoint);
          process.stderr.write(`${labels[i] === "" ? "" : `${labels[i]} `}bound ${bound}\n`);
        }
      }
    }
  }

  makeSocket(type: SocketType): CliSocket {
    const c = this.config;
    const options: SocketOptions = {};
    if (c.linger !== null) options.linger = c.linger;
    if (c.identity !== null) options.routingId = c.identity;
    if (c.plain !== null) {
      options.plainUsername = c.plain.user;
      options.plainPassword = c.plain.pass;
    }
    if (c.plainServer) options.plainServer = true;
    const sock = this.ctx.socket(type, options) as unknown as CliSocket;
    this.sockets.push(sock);
    if (type === "SUB" || type === "XSUB") {
      if (c.subscribe.length > 0) sock.subscribe(...c.subscribe);
      else if (type === "SUB") sock.subscribe("");
    }
    return sock;
  }

  /** An RFC 27 handler for PLAIN: accepts exactly the --zap credentials. */
  async startZap(): Promise<void> {
    const zap = this.ctx.socket("REP") as unknown as CliSocket;
    this.#zap = zap;
    await zap.bind("inproc://zeromq.zap.01");
    const accepted = new Map(this.config.zap.map((z) => [z.user, z.pass]));
    void (async () => {
      for await (const req of zap) {
        const [ver, id, , address, , mechanism, user, pass] = req;
        const name = user?.toString() ?? "";
        const ok = mechanism?.toString() === "PLAIN" && accepted.has(name) && accepted.get(name) === pass?.toString();
        if (this.config.monitor) process.stderr.write(`zap: ${ok ? "accepted" : "denied"} "${name}" from ${address?.toString() ?? "?"}\n`);
        await zap.send([ver ?? "1.0", id ?? "", ok ? "200" : "400", ok ? "OK" : "invalid credentials", ok ? name : "", ""]);
      }
    })().catch((err: unknown) => this.fail(err));
  }

  monitor(sock: CliSocket, label: string): void {
    // The iterator is registered when it is created: events from the bind/connect that follows are seen.
    const events = sock.events[Symbol.asyncIterator]();
    const prefix = label === "" ? "monitor" : `monitor ${label}`;
    void (async () => {
      for (let r = await events.next(); r.done !== true; r = await events.next()) {
        const e = r.value;
        if (e.type === "end") continue;
        const detail = e.error === undefined ? "" : ` (${e.reason === undefined ? "" : `${e.reason}: `}${e.error.message})`;
        process.stderr.write(`${prefix}: ${e.type} ${e.address}${detail}\n`);
      }
    })();
  }

  async print(msg: Buffer[]): Promise<void> {
    const line = `${msg.map((f) => formatFrame(f, this.#out)).join(this.#out)}\n`;
    if (!process.stdout.write(line)) await new Promise<void>((r) => process.stdout.once("drain", r));
  }

  /** Counts a message received; ends the run at --count. */
  counted(): void {
    this.#received++;
    if (this.config.count !== null && this.#received >= this.config.count) void this.end(0);
  }

  get countDone(): boolean {
    return this.config.count === null || this.#received >= this.config.count;
  }

  async receive(sock: CliSocket): Promise<void> {
    for await (const msg of sock) {
      if (this.#ending !== null) return;
      await this.print(msg);
      this.counted();
    }
  }

  async sendLines(sock: CliSocket): Promise<void> {
    for await (const line of this.lines()) {
      if (this.#ending !== null) return;
      await sock.send(parseLine(line, this.config.separator));
    }
    this.stdinEnded();
  }

  async runReq(sock: CliSocket): Promise<void> {
    for await (const line of this.lines()) {
      if (this.#ending !== null) return;
      await sock.send(parseLine(line, this.config.separator));
      const reply = await sock.recv();
      await this.print(reply);
      this.counted();
    }
    await this.end(0);
  }

  async runRep(sock: CliSocket): Promise<void> {
    const lines = this.lines()[Symbol.asyncIterator]();
    for (;;) {
      // The reply is the next line, read while the request is awaited: stdin
      // ending then ends the run at once (nothing left to reply with).
      const reply = lines.next();
      void reply.then((r) => r.done === true && this.end(0));
      const request = await sock.recv();
      await this.print(request);
      const next = await reply;
      if (next.done === true) return;
      await sock.send(parseLine(next.value, this.config.separator));
      this.counted();
      if (this.#ending !== null) return;
    }
  }

  lines(): AsyncIterable<string> {
    return createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
  }

  stdinEnded(): void {
    if (this.countDone) void this.end(0);
  }

  async forward(from: CliSocket, to: CliSocket): Promise<void> {
    for await (const msg of from) {
      await to.send(msg);
    }
  }

  signal(name: keyof typeof SIGNAL_STATUS): void {
    if (this.#ending !== null) {
      process.stderr.write(`zocket: ${name} while closing: exiting now\n`);
      process.exit(SIGNAL_STATUS[name]);
    }
    process.on(name, () => this.signal(name));
    void this.end(0, { drop: true });
  }

  fail(err: unknown): void {
    if (this.#ending !== null && err instanceof ZocketError && (err.code === "ETERM" || err.code === "ENOTSOCK")) return;
    const usage = err instanceof UsageError;
    process.stderr.write(`zocket: ${err instanceof Error ? err.message : String(err)}\n${usage ? "Try 'zocket --help'.\n" : ""}`);
    void this.end(usage ? 2 : 1, { drop: true });
  }

  /** Closes every socket (at once with drop, else within linger), terminates, exits. */
  end(status: number, { drop = false } = {}): Promise<void> {
    if (this.#ending !== null) return this.#ending;
    this.#ending = (async () => {
      for (const sock of this.sockets) {
        try {
          if (drop) sock.linger = 0;
          sock.close();
        } catch {
          // already closed
        }
      }
      this.#zap?.close();
      await this.ctx.term();
      if (this.#keepAlive !== null) clearInterval(this.#keepAlive);
      this.#keepAlive = null;
      process.stdout.write("", () => process.exit(status));
    })();
    return this.#ending;
  }
}

function main(argv: string[]): void {
  let config: Config | "help" | "version";
  try {
    config = parseCommandLine(argv);
  } catch (err) {
    process.stderr.write(`zocket: ${(err as Error).message}\nTry 'zocket --help'.\n`);
    process.exit(2);
  }
  if (config === "help") {
    process.stdout.write(USAGE);
    return;
  }
  if (config === "version") {
    process.stdout.write(`${version()}\n`);
    return;
  }
  const run = new Run(config);
  run.start().catch((err: unknown) => run.fail(err));
}

main(process.argv.slice(2));
