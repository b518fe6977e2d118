/**
 * PUSH→PULL throughput in this process: a sender loop and a receiver loop
 * running together. Timed by duration, not by count: the sender streams
 * without pause, the receiver warms up for `window.warm` seconds and then
 * counts for `window.secs`, so the fast library gets as long a measurement as
 * the slow one (short runs are all JIT tiers and GC pauses), and no pipeline
 * drains mid-measurement.
 */
import { bindAddress, curveOptions, open, type BenchSocket, type Lib } from "../peers.js";
import { seconds, type Window } from "../stats.js";

/** What the sender sends: one message reused for every send, or a function that makes a fresh one each time. */
export type Payload = Buffer | Buffer[] | (() => Buffer);

/**
 * Streams from push to pull; returns messages/s received over `window.secs`
 * after `window.warm` seconds (and at least 16 messages) of warm-up. The
 * sender is left running (its last send may wait for room): closing the
 * sockets ends it, and messages still in flight are discarded (linger 0).
 */
export async function stream(push: BenchSocket, pull: BenchSocket, payload: Payload, window: Window): Promise<number> {
  let stop = false;
  const sending =
    typeof payload === "function"
      ? (async () => {
          while (!stop) await push.send(payload());
        })()
      : (async () => {
          while (!stop) await push.send(payload);
        })();
  sending.catch(() => {});
  try {
    const w0 = process.hrtime.bigint();
    // Looking at the clock every 16 messages keeps it out of the figure.
    for (let i = 1; ; i++) {
      await pull.recv();
      if (i % 16 === 0 && i >= window.warmCount && seconds(w0) >= window.warm) break;
    }
    const t0 = process.hrtime.bigint();
    for (let counted = 1; ; counted++) {
      await pull.recv();
      if (counted % 16 === 0) {
        const s = seconds(t0);
        if (s >= window.secs) return counted / s;
      }
    }
  } finally {
    stop = true;
  }
}

export interface PushPullOptions {
  parts?: number;
  /** The PULL is a CURVE server, the PUSH its client (every frame sealed and opened). */
  curve?: boolean;
  /** A new Buffer per message instead of one reused Buffer. */
  fresh?: boolean;
  /** zocket's context option (libzmq's ZMQ_IO_THREADS); zeromq.js keeps its default. */
  ioThreads?: number;
}

export async function pushPull(lib: Lib, transport: "inproc" | "ipc" | "tcp", size: number, window: Window, o: PushPullOptions = {}): Promise<number> {
  const l = open(lib, o.ioThreads !== undefined ? { ioThreads: o.ioThreads } : {});
  const keys = o.curve === true ? curveOptions() : null;
  const pull = l.socket("PULL", keys?.server);
  const push = l.socket("PUSH", keys?.client);
  try {
    const ep = await pull.bind(bindAddress(transport));
    push.connect(ep);
    const parts = o.parts ?? 1;
    const frame = Buffer.alloc(size, 7);
    const payload: Payload = o.fresh === true ? () => Buffer.alloc(size, 7) : parts === 1 ? frame : Array.from({ length: parts }, () => frame);
    return await stream(push, pull, payload, window);
  } finally {
    push.close();
    pull.close();
    await l.end();
  }
}
