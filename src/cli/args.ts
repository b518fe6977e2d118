/**
 * The command line of the `zocket` tool, checked into a Config. Everything
 * that can be wrong with it is found here, before any socket exists, and
 * reported as a UsageError (exit status 2).
 */
import { parseArgs } from "node:util";
import type { SocketType } from "../index.js";
import { parseFrame, type FrameFormat } from "./frames.js";

/** A bad command line: printed with a hint, exit status 2. */
export class UsageError extends Error {}

export const SOCKET_TYPES: readonly SocketType[] = ["PAIR", "PUB", "SUB", "XPUB", "XSUB", "REQ", "REP", "DEALER", "ROUTER", "PUSH", "PULL"];
/** Types whose send() is ENOTSUP / whose recv() is ENOTSUP. */
export const CANNOT_SEND: ReadonlySet<SocketType> = new Set<SocketType>(["PULL", "SUB"]);
export const CANNOT_RECV: ReadonlySet<SocketType> = new Set<SocketType>(["PUSH", "PUB"]);

export interface Attach {
  verb: "bind" | "connect";
  endpoint: string;
}

export interface SocketSpec {
  /** "" for the one socket, "front"/"back"/"capture" in proxy mode (a prefix for stderr lines). */
  label: string;
  type: SocketType;
  attach: Attach[];
}

export interface Credentials {
  user: string;
  pass: string;
}

export interface Security {
  plain: Credentials | null;
  /** PLAIN server: the credentials its in-process ZAP handler accepts (empty: not a PLAIN server). */
  plainServer: Credentials[];
  curveServer: boolean;
  curveSecretKey: string | null;
  curveServerKey: string | null;
}

export interface Config {
  mode: "socket" | "proxy";
  /** The one socket; in proxy mode front, back and maybe capture. */
  sockets: SocketSpec[];
  delimiter: string;
  format: FrameFormat;
  subscribe: Buffer[];
  identity: Buffer | null;
  security: Security;
  /** null: libzmq's default (-1, wait until delivered), or --timeout's value when that is given. */
  linger: number | null;
  delay: number;
  count: number | null;
  timeout: number | null;
  monitor: boolean;
}

const OPTIONS = {
  delimiter: { type: "string", short: "d" },
  hex: { type: "boolean" },
  text: { type: "boolean" },
  subscribe: { type: "string", short: "s", multiple: true },
  identity: { type: "string" },
  plain: { type: "string" },
  "plain-server": { type: "string", multiple: true },
  "curve-server": { type: "boolean" },
  "curve-secret-key": { type: "string" },
  "curve-server-key": { type: "string" },
  monitor: { type: "boolean" },
  count: { type: "string", short: "n" },
  timeout: { type: "string", short: "t" },
  linger: { type: "string" },
  delay: { type: "string" },
  capture: { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
} as const;

function parseType(text: string): SocketType {
  const upper = text.toUpperCase();
  const type = SOCKET_TYPES.find((t) => t === upper);
  if (type === undefined) throw new UsageError(`unknown socket type "${text}" (one of ${SOCKET_TYPES.join(", ")})`);
  return type;
}

function parseVerb(text: string | undefined, after: string): "bind" | "connect" {
  if (text === "bind" || text === "connect") return text;
  throw new UsageError(`expected bind or connect after ${after}${text === undefined ? "" : `, got "${text}"`}`);
}

function parseEndpoint(text: string | undefined, verb: string): string {
  if (text === undefined || text === "") throw new UsageError(`expected an endpoint after ${verb}`);
  if (!/^(tcp|ipc|inproc):\/\/./.test(text)) throw new UsageError(`"${text}" is not an endpoint (tcp://host:port, ipc://path or inproc://name)`);
  return text;
}

function parseCredentials(text: string, option: string): Credentials {
  const i = text.indexOf(":");
  if (i <= 0) throw new UsageError(`${option} expects user:password, got "${text}"`);
  return { user: text.slice(0, i), pass: text.slice(i + 1) };
}

function parseInteger(text: string | undefined, option: string, min: number): number | null {
  if (text === undefined) return null;
  const n = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(n) || n < min) throw new UsageError(`${option} expects an integer ≥ ${min}, got "${text}"`);
  return n;
}

function parseBytes(text: string, format: FrameFormat, option: string): Buffer {
  const bytes = parseFrame(text, format);
  if (bytes === null) throw new UsageError(`${option} "${text}" is not hex (--hex)`);
  return bytes;
}

/** `--capture [TYPE:bind|connect:]endpoint`; a bare endpoint is a PUB that binds it. */
function parseCapture(text: string): SocketSpec {
  const m = /^([A-Za-z]+):(bind|connect):(.*)$/.exec(text);
  if (m === null) return { label: "capture", type: "PUB", attach: [{ verb: "bind", endpoint: parseEndpoint(text, "--capture") }] };
  const type = parseType(m[1]!);
  if (CANNOT_SEND.has(type)) throw new UsageError(`--capture: a ${type} socket cannot send`);
  const verb = parseVerb(m[2], "--capture's type");
  return { label: "capture", type, attach: [{ verb, endpoint: parseEndpoint(m[3], verb) }] };
}

function parseSockets(pos: readonly string[]): Pick<Config, "mode" | "sockets"> {
  if (pos[0] === "proxy") {
    if (pos.length !== 7) {
      throw new UsageError(`proxy expects <frontType> <bind|connect> <endpoint> <backType> <bind|connect> <endpoint> (got ${pos.length - 1} arguments)`);
    }
    const sockets = (["front", "back"] as const).map((label, s): SocketSpec => {
      const k = 1 + 3 * s;
      const type = parseType(pos[k]!);
      const verb = parseVerb(pos[k + 1], `the ${label} type`);
      return { label, type, attach: [{ verb, endpoint: parseEndpoint(pos[k + 2], verb) }] };
    });
    return { mode: "proxy", sockets };
  }
  const type = parseType(pos[0]!);
  const attach: Attach[] = [];
  for (let k = 1; k < pos.length || attach.length === 0; k += 2) {
    const verb = parseVerb(pos[k], k === 1 ? "the socket type" : "an endpoint");
    attach.push({ verb, endpoint: parseEndpoint(pos[k + 1], verb) });
  }
  return { mode: "socket", sockets: [{ label: "", type, attach }] };
}

/** The command line, checked; "help"/"version" for those flags. */
export function parseCommandLine(argv: readonly string[]): Config | "help" | "version" {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const { values: v, positionals: pos } = parsed;
  if (v.help === true) return "help";
  if (v.version === true) return "version";
  if (pos.length === 0) throw new UsageError("missing the socket type (or proxy)");
  if (v.hex === true && v.text === true) throw new UsageError("--hex and --text exclude each other");
  const format: FrameFormat = v.hex === true ? "hex" : v.text === true ? "text" : "auto";
  const { mode, sockets } = parseSockets(pos);
  const timeout = parseInteger(v.timeout, "--timeout", 1);

  const config: Config = {
    mode,
    sockets,
    delimiter: v.delimiter ?? "\t",
    format,
    subscribe: (v.subscribe ?? []).map((s) => parseBytes(s, format, "--subscribe")),
    identity: v.identity === undefined ? null : parseBytes(v.identity, format, "--identity"),
    security: {
      plain: v.plain === undefined ? null : parseCredentials(v.plain, "--plain"),
      plainServer: (v["plain-server"] ?? []).map((c) => parseCredentials(c, "--plain-server")),
      curveServer: v["curve-server"] === true,
      curveSecretKey: v["curve-secret-key"] ?? null,
      curveServerKey: v["curve-server-key"] ?? null,
    },
    linger: parseInteger(v.linger, "--linger", -1) ?? timeout,
    delay: parseInteger(v.delay, "--delay", 0) ?? 0,
    count: parseInteger(v.count, "--count", 1),
    timeout,
    monitor: v.monitor === true,
  };
  checkCombinations(config, v.capture);
  if (v.capture !== undefined) config.sockets.push(parseCapture(v.capture));
  return config;
}

function checkCombinations(c: Config, capture: string | undefined): void {
  const sec = c.security;
  if (c.delimiter === "" || c.delimiter.includes("\n")) throw new UsageError("--delimiter expects a non-empty separator without a newline");
  if (c.subscribe.length > 0 && !c.sockets.some((s) => s.type === "SUB" || s.type === "XSUB")) throw new UsageError("--subscribe is for SUB and XSUB sockets");
  const security = sec.plain !== null || sec.plainServer.length > 0 || sec.curveServer || sec.curveServerKey !== null || sec.curveSecretKey !== null;
  if (c.mode === "proxy") {
    const given = [c.identity !== null && "--identity", security && "security options", c.count !== null && "--count", c.delay > 0 && "--delay"].filter((x) => x !== false);
    if (given.length > 0) throw new UsageError(`proxy mode does not take ${given.join(", ")}`);
    const [front, back] = c.sockets as [SocketSpec, SocketSpec];
    const flows = (a: SocketSpec, b: SocketSpec): boolean => !CANNOT_RECV.has(a.type) && !CANNOT_SEND.has(b.type);
    if (!flows(front, back) && !flows(back, front)) throw new UsageError(`proxy: no message can flow between ${front.type} and ${back.type}`);
    return;
  }
  if (capture !== undefined) throw new UsageError("--capture is for proxy mode");
  const type = c.sockets[0]!.type;
  if (c.count !== null && CANNOT_RECV.has(type)) throw new UsageError(`--count: a ${type} socket receives nothing`);
  const kinds = [sec.plain !== null, sec.plainServer.length > 0, sec.curveServer, sec.curveServerKey !== null].filter((x) => x).length;
  if (kinds > 1) throw new UsageError("choose one of --plain, --plain-server, --curve-server and --curve-server-key");
  if (sec.curveSecretKey !== null && !sec.curveServer && sec.curveServerKey === null) {
    throw new UsageError("--curve-secret-key goes with --curve-server or --curve-server-key");
  }
}
