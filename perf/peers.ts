/** A minimal common face over zocket and zeromq.js sockets for the benchmarks. */
import * as zmq from "zeromq";
import { Context, curveKeyPair, type SocketType } from "../src/index.js";
import { hold } from "./cleanup.js";

export type Lib = "zocket" | "zeromq";
export const LIBS: Lib[] = ["zocket", "zeromq"];

export interface BenchSocket {
  bind(ep: string): Promise<string>;
  connect(ep: string): void;
  send(m: Buffer | Buffer[]): Promise<void>;
  recv(): Promise<Buffer[]>;
  /** SUB only. */
  subscribe(topic: string): void;
  close(): void;
}

export type BenchType = "PUSH" | "PULL" | "REQ" | "REP" | "PUB" | "SUB";

/**
 * Socket options both libraries understand under the same names (the CURVE
 * ones), plus `noDrop` (PUB: wait for room at every matching subscriber
 * instead of dropping, ZMQ_XPUB_NODROP: zocket's xpubNoDrop).
 */
export type BenchOptions = Record<string, string | boolean>;

/**
 * CURVE options for one case: the binding side is the server, the connecting
 * side a client (fresh keys each time; zocket's generator, which both take).
 */
export function curveOptions(): { server: BenchOptions; client: BenchOptions } {
  const server = curveKeyPair();
  const client = curveKeyPair();
  return {
    server: { curveServer: true, curveSecretKey: server.secretKey },
    client: { curveServerKey: server.publicKey, curvePublicKey: client.publicKey, curveSecretKey: client.secretKey },
  };
}

export interface BenchLib {
  socket(type: BenchType, options?: BenchOptions): BenchSocket;
  /** Closes what is left (contexts). */
  end(): Promise<void>;
}

let inprocSeq = 0;
/** An endpoint to bind for a transport ("inproc" gets a fresh name). */
export function bindAddress(transport: "inproc" | "ipc" | "tcp"): string {
  if (transport === "inproc") return `inproc://bench-${process.pid}-${inprocSeq++}`;
  return transport === "tcp" ? "tcp://127.0.0.1:*" : "ipc://*";
}

/**
 * Opens a library for one case. `end()` closes what is left; if the case
 * overruns its deadline, the runner's abortAll() does the same (zocket: the
 * context terminates, which rejects pending calls with ETERM; zeromq.js: every
 * socket closes).
 */
export function open(lib: Lib, opts: { sockets?: number; ioThreads?: number } = {}): BenchLib {
  if (lib === "zocket") {
    const ctx = new Context({ blocky: false, ...(opts.ioThreads !== undefined ? { ioThreads: opts.ioThreads } : {}) });
    const socks: { close(): void }[] = [];
    const shut = (): Promise<void> => {
      for (const s of socks) s.close();
      return ctx.term();
    };
    const release = hold(shut);
    return {
      socket(type, options = {}) {
        const { noDrop, ...rest } = options;
        // One wrapper for every type: the runtime-checked Socket (SocketType, not a literal).
        const s = ctx.socket(type as SocketType, noDrop === true ? { ...rest, xpubNoDrop: true } : rest);
        socks.push(s);
        return {
          bind: (ep) => s.bind(ep),
          connect: (ep) => s.connect(ep),
          send: (m) => s.send(m),
          recv: () => s.recv(),
          subscribe: (t) => s.subscribe(t),
          close: () => s.close(),
        };
      },
      end: () => {
        release();
        return shut();
      },
    };
  }
  const kinds = { PUSH: zmq.Push, PULL: zmq.Pull, REQ: zmq.Request, REP: zmq.Reply, PUB: zmq.Publisher, SUB: zmq.Subscriber } as const;
  // libzmq's default context takes 1023 sockets; a case that needs more gets its own (inproc stays within it).
  const context = (opts.sockets ?? 0) > 500 ? new zmq.Context({ maxSockets: (opts.sockets ?? 0) + 64 }) : undefined;
  const socks: zmq.Socket[] = [];
  const shut = async (): Promise<void> => {
    for (const s of socks) if (!s.closed) s.close();
  };
  const release = hold(shut);
  return {
    socket(type, options = {}) {
      const s = new kinds[type]({ linger: 0, ...(context ? { context } : {}), ...options }) as zmq.Socket & {
        send(m: unknown): Promise<void>;
        receive(): Promise<Buffer[]>;
        subscribe?(t: string): void;
      };
      socks.push(s);
      return {
        bind: async (ep) => {
          await s.bind(ep);
          return s.lastEndpoint!;
        },
        connect: (ep) => s.connect(ep),
        send: (m) => s.send(m),
        recv: () => s.receive(),
        subscribe: (t) => s.subscribe!(t),
        close: () => s.close(),
      };
    },
    end: () => {
      release();
      return shut();
    },
  };
}
