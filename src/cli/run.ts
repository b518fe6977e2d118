/**
 * One run of the tool: sockets opened from the Config, the loops that move
 * lines and messages, and the ways a run ends (stdin, --count, --timeout,
 * a signal, an error), each closing the sockets and terminating the context
 * before the process exits with its status.
 */
import { Context, proxy, ZocketError, type AnySocket } from "../index.js";
import { CANNOT_RECV, CANNOT_SEND, UsageError, type Config } from "./args.js";
import { formatMessage, parseLine } from "./frames.js";
import { LineSource } from "./lines.js";
import { openSocket, startPlainZap, type CliSocket } from "./sockets.js";

export const EXIT = { ok: 0, error: 1, usage: 2, timedOut: 3, SIGINT: 130, SIGTERM: 143 } as const;

const log = (line: string): void => void process.stderr.write(`${line}\n`);

export class Run {
  readonly #config: Config;
  readonly #ctx = new Context();
  readonly #sockets: CliSocket[] = [];
  /** The ZAP handler of --plain-server, closed with the rest. */
  #zap: CliSocket | null = null;
  #ending: Promise<void> | null = null;
  #received = 0;
  /** A REQ has sent and not yet printed the reply. */
  #awaitingReply = false;
  #idle: NodeJS.Timeout | null = null;
  // Sockets with only inproc peers hold no handle: this keeps the process up until the run ends.
  readonly #keepAlive = setInterval(() => {}, 1 << 30);

  constructor(config: Config) {
    this.#config = config;
  }

  async start(): Promise<void> {
    process.once("SIGINT", () => this.#signal("SIGINT"));
    process.once("SIGTERM", () => this.#signal("SIGTERM"));
    // A reader that went away (`| head -1`): nothing more to print to.
    process.stdout.on("error", () => void this.end(EXIT.ok, true));
    try {
      await this.#open();
    } catch (err) {
      // A malformed endpoint or option value is a bad command line, as a bad argument is.
      if (err instanceof ZocketError && (err.code === "EINVAL" || err.code === "EPROTONOSUPPORT")) throw new UsageError(err.message);
      throw err;
    }
    this.#activity();
    const c = this.#config;
    if (c.mode === "proxy") {
      // CliSocket is the Socket's own object seen through the tool's interface (sockets.ts).
      const [front, back, capture] = this.#sockets as unknown as [AnySocket, AnySocket, AnySocket | undefined];
      // Ends (resolves) when the sockets close at the end of the run.
      await proxy(front, back, { capture }).done;
      return;
    }
    const sock = this.#sockets[0]!;
    if (c.delay > 0) await new Promise((r) => setTimeout(r, c.delay));
    if (sock.type === "REQ") return this.#runReq(sock, new LineSource(process.stdin));
    if (sock.type === "REP") return this.#runRep(sock, new LineSource(process.stdin));
    const loops: Promise<void>[] = [];
    if (!CANNOT_RECV.has(sock.type)) loops.push(this.#receive(sock));
    if (!CANNOT_SEND.has(sock.type)) loops.push(this.#sendLines(sock, new LineSource(process.stdin)));
    await Promise.all(loops);
  }

  async #open(): Promise<void> {
    const c = this.#config;
    if (c.security.plainServer.length > 0) this.#zap = await startPlainZap(this.#ctx, c.security.plainServer, log, c.monitor);
    for (const spec of c.sockets) this.#sockets.push(await openSocket(this.#ctx, spec, c, log));
  }

  async #print(msg: Buffer[]): Promise<void> {
    const line = `${formatMessage(msg, this.#config.format, this.#config.delimiter)}\n`;
    if (!process.stdout.write(line)) await new Promise<void>((r) => process.stdout.once("drain", r));
  }

  /** A message received and printed; ends the run at --count. */
  #counted(): void {
    this.#received++;
    this.#activity();
    if (this.#config.count !== null && this.#received >= this.#config.count) void this.end(EXIT.ok);
  }

  #toFrames(line: string): Buffer[] {
    return parseLine(line, this.#config.format, this.#config.delimiter);
  }

  async #receive(sock: CliSocket): Promise<void> {
    for await (const msg of sock) {
      if (this.#ending !== null) return;
      await this.#print(msg);
      this.#counted();
    }
  }

  async #sendLines(sock: CliSocket, lines: LineSource): Promise<void> {
    for (let line = await lines.next(); line !== null && this.#ending === null; line = await lines.next()) {
      await sock.send(this.#toFrames(line));
      this.#activity();
    }
    // stdin has ended: so has the run, unless --count still waits for messages.
    if (this.#config.count === null || this.#received >= this.#config.count) void this.end(EXIT.ok);
  }

  async #runReq(sock: CliSocket, lines: LineSource): Promise<void> {
    for (let line = await lines.next(); line !== null && this.#ending === null; line = await lines.next()) {
      await sock.send(this.#toFrames(line));
      this.#activity();
      this.#awaitingReply = true;
      const reply = await sock.recv();
      this.#awaitingReply = false;
      await this.#print(reply);
      this.#counted();
    }
    void this.end(EXIT.ok);
  }

  async #runRep(sock: CliSocket, lines: LineSource): Promise<void> {
    // Waiting for a request stops once stdin has no line left to answer it with:
    // the aborted recv() takes no message.
    const noMoreLines = lines.exhausted;
    while (this.#ending === null && !noMoreLines.aborted) {
      let request: Buffer[];
      try {
        request = await sock.recv({ signal: noMoreLines });
      } catch (err) {
        if (noMoreLines.aborted) break;
        throw err;
      }
      await this.#print(request);
      const line = await lines.next();
      if (line === null) break;
      await sock.send(this.#toFrames(line));
      this.#counted();
    }
    void this.end(EXIT.ok);
  }

  /** Something was sent or received: --timeout counts from now. */
  #activity(): void {
    const ms = this.#config.timeout;
    if (ms === null || this.#ending !== null) return;
    if (this.#idle !== null) clearTimeout(this.#idle);
    this.#idle = setTimeout(() => this.#timedOut(ms), ms);
  }

  #timedOut(ms: number): void {
    const c = this.#config;
    const short = c.count !== null && this.#received < c.count;
    if (!short && !this.#awaitingReply) return void this.end(EXIT.ok);
    const what = this.#awaitingReply ? "no reply" : `${this.#received} of ${c.count} messages`;
    log(`zocket: timed out after ${ms} ms without a message (${what})`);
    void this.end(EXIT.timedOut, true);
  }

  #signal(name: "SIGINT" | "SIGTERM"): void {
    if (this.#ending !== null) process.exit(EXIT[name]);
    process.once(name, () => this.#signal(name));
    void this.end(EXIT[name], true);
  }

  /** Reports an error (a UsageError with a hint) and ends the run with its status. */
  fail(err: unknown): void {
    // Calls cut short by our own close are not errors.
    if (this.#ending !== null && err instanceof ZocketError && (err.code === "ETERM" || err.code === "ENOTSOCK")) return;
    const usage = err instanceof UsageError;
    log(`zocket: ${err instanceof Error ? err.message : String(err)}${usage ? "\nTry 'zocket --help'." : ""}`);
    void this.end(usage ? EXIT.usage : EXIT.error, true);
  }

  /** Closes every socket (at once with `drop`, else within linger), terminates the context, exits. */
  end(status: number, drop = false): Promise<void> {
    if (this.#ending !== null) return this.#ending;
    if (this.#idle !== null) clearTimeout(this.#idle);
    this.#ending = (async () => {
      for (const sock of this.#sockets) {
        if (drop) sock.linger = 0;
        sock.close();
      }
      this.#zap?.close();
      await this.#ctx.term();
      clearInterval(this.#keepAlive);
      process.stdout.write("", () => process.exit(status));
    })();
    return this.#ending;
  }
}
