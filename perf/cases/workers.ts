/** zocket PUSH in one worker thread → PULL in another, over inproc (zeromq.js cannot share a context across threads). */
import { Worker } from "node:worker_threads";
import { Context } from "../../src/index.js";
import { countFor } from "../stats.js";

export async function betweenWorkers(size: number): Promise<number> {
  const ctx = new Context({ blocky: false });
  const n = countFor(size) * 2;
  const endpoint = `inproc://bench-workers-${size}`;
  const url = new URL("../worker-bench.js", import.meta.url);
  const spawn = (role: string): Worker => {
    const h = ctx.share();
    return new Worker(url, { workerData: { role, endpoint, size, n, ctx: h }, transferList: h.transferList });
  };
  const puller = spawn("pull");
  const result = new Promise<number>((resolve, reject) => {
    puller.on("message", (m: { rate?: number }) => m.rate !== undefined && resolve(m.rate));
    puller.once("error", reject);
  });
  await new Promise((r) => puller.once("message", r));
  const pusher = spawn("push");
  try {
    return await result;
  } finally {
    await Promise.all([puller.terminate(), pusher.terminate()]);
    await ctx.term();
  }
}
