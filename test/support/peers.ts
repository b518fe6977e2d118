/**
 * One face for a zocket socket and a libzmq socket (through zeromq.js), so
 * interop scenarios run with either library on either side.
 */
import * as zmq from "zeromq";
import { Context, type Socket, type SocketType, type SocketOptions } from "../../src/index.js";

export type Lib = "zocket" | "libzmq";
export type Bytes = string | Buffer;

export interface Peer {
  readonly lib: Lib;
  /** The zocket socket itself (zocket peers only). */
  readonly socket?: Socket;
  bind(endpoint: string): Promise<string>;
  connect(endpoint: string): void;
  send(frames: Bytes | Bytes[]): Promise<void>;
  recv(): Promise<Buffer[]>;
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
  close(): void;
  /**
   * libzmq processes a socket's commands (a new peer's pipe, say) only when the
   * application calls into it; reading ZMQ_EVENTS does that. No-op for zocket.
   */
  nudge(): void;
}

const ZMQ: Record<SocketType, new (o?: object) => zmq.Socket> = {
  PAIR: zmq.Pair,
  PUB: zmq.Publisher,
  SUB: zmq.Subscriber,
  XPUB: zmq.XPublisher,
  XSUB: zmq.XSubscriber,
  REQ: zmq.Request,
  REP: zmq.Reply,
  DEALER: zmq.Dealer,
  ROUTER: zmq.Router,
  PUSH: zmq.Push,
  PULL: zmq.Pull,
};

export function zocketPeer(ctx: Context, type: SocketType, options: SocketOptions = {}): Peer {
  const s = ctx.socket(type, options);
  return {
    lib: "zocket",
    socket: s,
    bind: (ep) => s.bind(ep),
    connect: (ep) => s.connect(ep),
    send: (f) => s.send(f),
    recv: () => s.recv(),
    subscribe: (t) => s.subscribe(t),
    unsubscribe: (t) => s.unsubscribe(t),
    close: () => s.close(),
    nudge: () => {},
  };
}

/** zocket option names that zeromq.js spells differently. */
const ZMQ_NAMES: Record<string, string> = {
  routerMandatory: "mandatory",
  routerHandover: "handover",
  reqRelaxed: "relaxed",
  reqCorrelate: "correlate",
  xpubVerbose: "verbosity",
};

export function libzmqPeer(type: SocketType, options: Record<string, unknown> = {}): Peer {
  const named = Object.fromEntries(Object.entries(options).map(([k, v]) => [ZMQ_NAMES[k] ?? k, k === "xpubVerbose" ? (v ? "allSubs" : null) : v]));
  const s = new ZMQ[type]({ linger: 0, ...named }) as zmq.Socket & {
    send(m: unknown): Promise<void>;
    receive(): Promise<Buffer[]>;
    subscribe?(...t: string[]): void;
    unsubscribe?(...t: string[]): void;
  };
  return {
    lib: "libzmq",
    bind: async (ep) => {
      await s.bind(ep);
      return s.lastEndpoint!;
    },
    connect: (ep) => s.connect(ep),
    send: (f) => s.send(f),
    recv: () => s.receive(),
    subscribe: (t) => s.subscribe!(t),
    unsubscribe: (t) => s.unsubscribe!(t),
    close: () => s.close(),
    nudge: () => {
      if (!s.closed) void (s as unknown as { readable: boolean }).readable;
    },
  };
}

/** Waits for `p` while nudging idle libzmq peers so they take in new connections. */
export async function nudging<T>(p: Promise<T>, peers: Peer[], ms = 5000, what = "receive"): Promise<T> {
  const t = setInterval(() => peers.forEach((x) => x.nudge()), 10);
  try {
    return await within(p, ms, what);
  } finally {
    clearInterval(t);
  }
}

export function peer(lib: Lib, ctx: Context, type: SocketType, options: Record<string, unknown> = {}): Peer {
  return lib === "zocket" ? zocketPeer(ctx, type, options as SocketOptions) : libzmqPeer(type, options);
}

export const str = (frames: Buffer[]): string[] => frames.map((f) => f.toString("latin1"));

/** Rejects if `p` does not settle within `ms` (a hang becomes a clear failure). */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: ReturnType<typeof setTimeout>;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<T>((_, reject) => {
      t = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
    }),
  ]);
}
