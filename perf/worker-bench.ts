/** Worker side of the two-worker inproc case: "pull" binds and times, "push" connects and sends. */
import { parentPort, workerData } from "node:worker_threads";
import { Context } from "../src/index.js";

const { role, endpoint, size, n } = workerData as { role: "push" | "pull"; endpoint: string; size: number; n: number };
const ctx = Context.attach(workerData.ctx);
if (role === "pull") {
  const pull = ctx.socket("PULL");
  await pull.bind(endpoint);
  parentPort!.postMessage({ ready: true });
  await pull.recv();
  const t0 = process.hrtime.bigint();
  for (let i = 1; i < n; i++) await pull.recv();
  const rate = (n - 1) / (Number(process.hrtime.bigint() - t0) / 1e9);
  pull.close();
  parentPort!.postMessage({ rate });
} else {
  // The context is non-blocky (linger 0 by default): this socket must flush on close.
  const push = ctx.socket("PUSH", { linger: -1 });
  push.connect(endpoint);
  const msg = Buffer.alloc(size, 7);
  for (let i = 0; i < n; i++) await push.send(msg);
  push.close();
}
