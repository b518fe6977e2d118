/** REQ/REP round-trip latency, measured with benchmark.js (deferred: one round trip per cycle). */
import Benchmark from "benchmark";
import { bindAddress, open, type Lib } from "../peers.js";

export async function roundTrip(lib: Lib, transport: "inproc" | "ipc" | "tcp", maxTime = 0.8): Promise<number> {
  const l = open(lib);
  const rep = l.socket("REP");
  const req = l.socket("REQ");
  const ep = await rep.bind(bindAddress(transport));
  req.connect(ep);
  const echo = (async () => {
    try {
      for (;;) await rep.send(await rep.recv());
    } catch {}
  })();
  const msg = Buffer.alloc(16, 7);
  await req.send(msg);
  await req.recv();
  try {
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
  } finally {
    req.close();
    rep.close();
    await l.end();
    await Promise.race([echo, new Promise((r) => setTimeout(r, 100))]);
  }
}
