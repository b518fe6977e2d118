/**
 * REQ/REP round-trip latency, two ways:
 * - roundTrip: a plain timed loop (send, await the reply, repeat), the way a
 *   REQ client runs; it measures the libraries and nothing else;
 * - roundTripBenchmarkJs: benchmark.js in deferred mode, one round trip per
 *   cycle, reported beside the loop as a cross-check of the harness.
 */
import Benchmark from "benchmark";
import { bindAddress, curveOptions, open, type BenchSocket, type Lib } from "../peers.js";
import { seconds } from "../stats.js";

type Transport = "inproc" | "ipc" | "tcp";

/** Runs `measure` with a REQ connected to an echoing REP; closes both afterwards. */
async function withEcho<T>(lib: Lib, transport: Transport, measure: (req: BenchSocket, msg: Buffer) => Promise<T>, curve = false): Promise<T> {
  const l = open(lib);
  const keys = curve ? curveOptions() : null;
  const rep = l.socket("REP", keys?.server);
  const req = l.socket("REQ", keys?.client);
  const ep = await rep.bind(bindAddress(transport));
  req.connect(ep);
  const echo = (async () => {
    try {
      for (;;) await rep.send(await rep.recv());
    } catch {}
  })();
  const msg = Buffer.alloc(16, 7);
  try {
    for (let i = 0; i < 500; i++) {
      await req.send(msg);
      await req.recv();
    }
    return await measure(req, msg);
  } finally {
    req.close();
    rep.close();
    await l.end();
    await Promise.race([echo, new Promise((r) => setTimeout(r, 100))]);
  }
}

/** µs per round trip over `ms` of back-to-back round trips (after a warm-up); `curve`: REP a CURVE server, REQ its client. */
export function roundTrip(lib: Lib, transport: Transport, ms = 800, curve = false): Promise<number> {
  return withEcho(lib, transport, async (req, msg) => {
    let n = 0;
    const t0 = process.hrtime.bigint();
    const until = Date.now() + ms;
    // Checking the clock every 64 round trips keeps it out of the figure.
    while (n < 10_000_000) {
      for (let i = 0; i < 64; i++) {
        await req.send(msg);
        await req.recv();
      }
      n += 64;
      if (Date.now() >= until) break;
    }
    return (seconds(t0) * 1e6) / n;
  }, curve);
}

/** µs per round trip as benchmark.js measures it (deferred: one round trip per cycle). */
export function roundTripBenchmarkJs(lib: Lib, transport: Transport, maxTime = 0.8): Promise<number> {
  return withEcho(lib, transport, async (req, msg) => {
    const hz = await new Promise<number>((resolve, reject) => {
      const bench = new Benchmark(`${lib} ${transport} rtt`, {
        defer: true,
        minSamples: 5,
        maxTime,
        fn(deferred: { resolve(): void }) {
          req
            .send(msg)
            .then(() => req.recv())
            .then(() => deferred.resolve(), reject);
        },
      });
      bench.on("complete", () => resolve(bench.hz));
      bench.on("error", () => reject(bench.error));
      bench.run({ async: true });
    });
    return 1e6 / hz;
  });
}
