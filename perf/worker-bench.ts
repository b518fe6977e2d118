/**
 * Worker side of the two-worker inproc case: "pull" binds, warms up and
 * counts for a timed window, then posts its rate; "push" connects and sends
 * until the parent terminates it. `loop`: "await" uses `await send()` /
 * `await recv()`; "try" uses the synchronous `trySend()` / `tryRecv()`
 * (libzmq's ZMQ_DONTWAIT) and awaits only when they report that it would wait.
 */
import { parentPort, workerData } from "node:worker_threads";
import { Context } from "../src/index.js";
import { seconds } from "./stats.js";

const { role, endpoint, size, warm, warmCount, secs, loop } = workerData as {
  role: "push" | "pull";
  endpoint: string;
  size: number;
  warm: number;
  warmCount: number;
  secs: number;
  loop: "await" | "try";
};
const ctx = Context.attach(workerData.ctx);
if (role === "pull") {
  const pull = ctx.socket("PULL");
  await pull.bind(endpoint);
  parentPort!.postMessage({ ready: true });
  const next = loop === "try" ? (): unknown => pull.tryRecv() ?? pull.recv() : (): unknown => pull.recv();
  // A tryRecv() that returns a message gives no promise to await: the loop awaits only what it must.
  const take = async (): Promise<void> => {
    const m = next();
    if (m instanceof Promise) await m;
  };
  const w0 = process.hrtime.bigint();
  for (let i = 1; ; i++) {
    await take();
    if (i % 16 === 0 && i >= warmCount && seconds(w0) >= warm) break;
  }
  const t0 = process.hrtime.bigint();
  for (let counted = 1; ; counted++) {
    if (loop === "try") {
      const m = pull.tryRecv();
      if (m === null) await pull.recv();
    } else await pull.recv();
    if (counted % 16 === 0) {
      const s = seconds(t0);
      if (s >= secs) {
        parentPort!.postMessage({ rate: counted / s });
        break;
      }
    }
  }
} else {
  const push = ctx.socket("PUSH");
  push.connect(endpoint);
  const msg = Buffer.alloc(size, 7);
  if (loop === "try") {
    for (;;) if (!push.trySend(msg)) await push.send(msg);
  } else {
    for (;;) await push.send(msg);
  }
}
