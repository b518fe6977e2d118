/** zocket PUSH in one worker thread → PULL in another, over inproc (zeromq.js cannot share a context across threads). */
import { Worker } from "node:worker_threads";
import { Context } from "../../src/index.js";
import type { Window } from "../stats.js";
import { hold } from "../cleanup.js";

let seq = 0;

/** msgs/s between two workers, steady state; `loop`: "await" send/recv or "try" trySend/tryRecv. */
export async function betweenWorkers(size: number, w: Window, loop: "await" | "try" = "await"): Promise<number> {
  const ctx = new Context({ blocky: false });
  const endpoint = `inproc://bench-workers-${size}-${seq++}`;
  const url = new URL("../worker-bench.js", import.meta.url);
  const spawn = (role: string): Worker => {
    const h = ctx.share();
    return new Worker(url, { workerData: { role, endpoint, size, warm: w.warm, warmCount: w.warmCount, secs: w.secs, loop, ctx: h }, transferList: h.transferList });
  };
  const workers: Worker[] = [];
  // The pusher never ends by itself: the workers are terminated, then the context.
  const shut = async (): Promise<void> => {
    await Promise.all(workers.map((x) => x.terminate()));
    await ctx.term();
  };
  const release = hold(shut);
  try {
    const puller = spawn("pull");
    workers.push(puller);
    const failed = (x: Worker): Promise<never> =>
      new Promise((_, reject) => {
        x.once("error", reject);
        x.once("exit", (code) => reject(new Error(`a worker exited (${code}) before the figure`)));
      });
    const result = new Promise<number>((resolve) => puller.on("message", (m: { rate?: number }) => m.rate !== undefined && resolve(m.rate)));
    await Promise.race([new Promise((r) => puller.once("message", r)), failed(puller)]);
    const pusher = spawn("push");
    workers.push(pusher);
    return await Promise.race([result, failed(puller), failed(pusher)]);
  } finally {
    release();
    await shut();
  }
}
