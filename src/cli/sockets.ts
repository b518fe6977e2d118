/**
 * Opening the tool's sockets from a Config: options, security (with an
 * in-process ZAP handler for --plain-server), subscriptions, binds and
 * connects, and --monitor output.
 */
import { curveKeyPair, curvePublicKey, type Context, type SocketEvent, type SocketOptions, type SocketType } from "../index.js";
import type { Config, Credentials, SocketSpec } from "./args.js";

/**
 * What the tool uses of a socket, whatever its type: the type is only known
 * at run time, so the tool checks what a type can do itself (args.ts).
 */
export interface CliSocket extends AsyncIterable<Buffer[]> {
  readonly type: SocketType;
  readonly events: AsyncIterable<SocketEvent>;
  bind(endpoint: string): Promise<string>;
  connect(endpoint: string): void;
  send(message: Buffer[]): Promise<void>;
  recv(options?: { signal?: AbortSignal }): Promise<Buffer[]>;
  subscribe(...prefixes: Uint8Array[]): void;
  close(): void;
  linger: number;
}

/**
 * ctx.socket() for a type known only at run time. The cast: ctx.socket() may
 * type its result (and its options) per socket type, which a run-time value
 * cannot select; the tool checks what a type can do itself (args.ts).
 */
function socketOf(ctx: Context, type: SocketType, options: SocketOptions): CliSocket {
  const open = ctx.socket.bind(ctx) as unknown as (type: SocketType, options: SocketOptions) => CliSocket;
  return open(type, options);
}

/** Where the tool reports what is not a message (stderr). */
export type Log = (line: string) => void;

function securityOptions(config: Config, log: Log): SocketOptions {
  const sec = config.security;
  if (sec.plain !== null) return { plainUsername: sec.plain.user, plainPassword: sec.plain.pass };
  if (sec.plainServer.length > 0) return { plainServer: true };
  if (sec.curveServer) {
    let secretKey = sec.curveSecretKey;
    if (secretKey === null) {
      secretKey = curveKeyPair().secretKey;
      log(`curve server public key ${curvePublicKey(secretKey)}`);
    }
    return { curveServer: true, curveSecretKey: secretKey };
  }
  if (sec.curveServerKey !== null) {
    const secretKey = sec.curveSecretKey ?? curveKeyPair().secretKey;
    return { curveServerKey: sec.curveServerKey, curveSecretKey: secretKey, curvePublicKey: curvePublicKey(secretKey) };
  }
  return {};
}

/** A socket for `spec`, configured, subscribed and attached (binds awaited, each bound endpoint logged). */
export async function openSocket(ctx: Context, spec: SocketSpec, config: Config, log: Log): Promise<CliSocket> {
  const options: SocketOptions = spec.label === "" ? securityOptions(config, log) : {};
  if (config.linger !== null) options.linger = config.linger;
  if (config.identity !== null) options.routingId = config.identity;
  const sock = socketOf(ctx, spec.type, options);
  try {
    if (config.monitor) monitor(sock, spec.label, log);
    if (spec.type === "SUB" || spec.type === "XSUB") {
      if (config.subscribe.length > 0) sock.subscribe(...config.subscribe);
      else if (spec.type === "SUB") log(`note: a SUB receives nothing without --subscribe (as in libzmq); --subscribe '' receives everything`);
    }
    const prefix = spec.label === "" ? "" : `${spec.label} `;
    for (const { verb, endpoint } of spec.attach) {
      if (verb === "connect") sock.connect(endpoint);
      else log(`${prefix}bound ${await sock.bind(endpoint)}`);
    }
    return sock;
  } catch (err) {
    sock.linger = 0;
    sock.close();
    throw err;
  }
}

/** Prints a socket's monitor events. The iterator is made first, so events of the binds and connects that follow are seen. */
function monitor(sock: CliSocket, label: string, log: Log): void {
  const events = sock.events[Symbol.asyncIterator]();
  const prefix = label === "" ? "monitor" : `monitor ${label}`;
  void (async () => {
    for (let r = await events.next(); r.done !== true; r = await events.next()) {
      const e = r.value;
      if (e.type === "end") continue;
      const error = "error" in e && e.error instanceof Error ? e.error : undefined;
      const reason = "reason" in e && typeof e.reason === "string" ? `${e.reason}: ` : "";
      log(`${prefix}: ${e.type} ${e.address}${error === undefined ? "" : ` (${reason}${error.message})`}`);
    }
  })();
}

/**
 * An RFC 27 ZAP handler at inproc://zeromq.zap.01 for --plain-server: admits
 * exactly the given credentials. Bound before the PLAIN server so no
 * handshake finds it missing.
 */
export async function startPlainZap(ctx: Context, accepted: readonly Credentials[], log: Log, verbose: boolean): Promise<CliSocket> {
  const zap = socketOf(ctx, "REP", { linger: 0 });
  await zap.bind("inproc://zeromq.zap.01");
  const users = new Map(accepted.map((c) => [c.user, c.pass]));
  void (async () => {
    for await (const [version, requestId, , address, , mechanism, user, pass] of zap) {
      const name = user?.toString() ?? "";
      const ok = mechanism?.toString() === "PLAIN" && users.has(name) && users.get(name) === pass?.toString();
      if (verbose) log(`zap: ${ok ? "accepted" : "denied"} user "${name}" from ${address?.toString() ?? "?"}`);
      const reply = [version ?? Buffer.from("1.0"), requestId ?? Buffer.alloc(0), ok ? "200" : "400", ok ? "OK" : "invalid credentials", ok ? name : "", ""];
      await zap.send(reply.map((f) => (typeof f === "string" ? Buffer.from(f) : f)));
    }
  })().catch(() => {
    // Ends with the context (ETERM/ENOTSOCK); a PLAIN client then just fails its handshake.
  });
  return zap;
}
