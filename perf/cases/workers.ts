/** zocket PUSH in one worker thread → PULL in another, over inproc (zeromq.js cannot share a context across threads). */
import { Worker } from "node:worker_threads";
import { Context } from "../../src/index.js";
import { countFor } from "../stats.js";
import { hold } from "../cleanup.js";

export async function betweenWorkers(size: number): Promise<number> {
  const ctx = new Context({ blocky: false });
  const n = countFor(size) * 2;
  const endpoint = `inproc://bench-workers-${size}`;
  const url = new URL("../worker-bench.js", import.meta.url);
  const spawn = (role: string): Worker => {
    const h = ctx.share();
    return new Worker(url, { workerData: { role, endpoint, size, n, ctx: h }, transferList: h.transferList });
  };
  const workers: Worker[] = [];
  const shut = async (): Promise<void> => {
    await Promise.all(workers.map((w) => w.terminate()));
    await ctx.term();
  };
  const release = hold(shut);
  const puller = spawn("pull");
  workers.push(puller);
  const result = new Promise<number>((resolve, reject) => {
    puller.on("message", (m: { rate?: number }) => m.rate !== undefined && resolve(m.rate));
    puller.once("error", reject);
  });
  await Promise.race([new Promise((r) => puller.once("message", r)), result]);
  const pusher = spawn("push");
  workers.push(pusher);
  try {
    await Promise.race([result, new Promise<never>((_, reject) => pusher.once("error", reject))]);
    return await result;
  } finally {
    release();
    await shut();
  }
}
