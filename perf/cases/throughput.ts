/**
 * PUSH→PULL throughput in this process: a sender loop and a receiver loop
 * running together. Timed by duration, not by count: after a warm-up the
 * sender streams without pause and the receiver counts for MIN_SECONDS, so
 * the fast library gets as long a measurement as the slow one (short runs are
 * all JIT tiers and GC pauses), and no pipeline drains mid-measurement.
 */
import { bindAddress, curveOptions, open, type BenchSocket, type Lib } from "../peers.js";
import { countFor, seconds } from "../stats.js";

const MIN_SECONDS = Number(process.env.BENCH_SECONDS) > 0 ? Number(process.env.BENCH_SECONDS) : 0.5;

/**
 * Streams `msg` from push to pull; returns messages/s received over `secs`
 * once `warm` messages went through. The sender is left running (its last
 * send may wait for room): closing the sockets ends it, and messages still in
 * flight are discarded (linger 0).
 */
export async function stream(push: BenchSocket, pull: BenchSocket, msg: Buffer | Buffer[], warm: number, secs: number): Promise<number> {
  let stop = false;
  void (async () => {
    while (!stop) await push.send(msg);
  })().catch(() => {});
  try {
    for (let i = 0; i < warm; i++) await pull.recv();
    const t0 = process.hrtime.bigint();
    for (let counted = 1; ; counted++) {
      await pull.recv();
      // Looking at the clock every 16 messages keeps it out of the figure.
      if (counted % 16 === 0) {
        const s = seconds(t0);
        if (s >= secs) return counted / s;
      }
    }
  } finally {
    stop = true;
  }
}

/** `curve`: the PULL is a CURVE server, the PUSH its client (every frame sealed and opened). */
export async function pushPull(lib: Lib, transport: "inproc" | "ipc" | "tcp", size: number, parts = 1, curve = false): Promise<number> {
  const l = open(lib);
  const keys = curve ? curveOptions() : null;
  const pull = l.socket("PULL", keys?.server);
  const push = l.socket("PUSH", keys?.client);
  try {
    const ep = await pull.bind(bindAddress(transport));
    push.connect(ep);
    const frame = Buffer.alloc(size, 7);
    const msg = parts === 1 ? frame : Array.from({ length: parts }, () => frame);
    // Warm up (JIT, buffers, connection) on about 1/8 of 256 MiB, at most 20,000 messages.
    const warm = Math.max(16, Math.min(20_000, countFor(size, parts) >> 3));
    return await stream(push, pull, msg, warm, MIN_SECONDS);
  } finally {
    push.close();
    pull.close();
    await l.end();
  }
}
