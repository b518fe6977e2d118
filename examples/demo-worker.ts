/** The threads of the demo: pipeline workers, the migrated sink, and a late binder. */
import { parentPort, workerData } from "node:worker_threads";
import { Context, type DetachedSocket } from "../src/index.js";

const ctx = Context.attach(workerData.ctx);
const say = (text: string): void => console.log(`[${workerData.role}${workerData.id ?? ""}] ${text}`);

async function worker(): Promise<void> {
  const tasks = ctx.socket("PULL");
  const results = ctx.socket("PUSH");
  tasks.connect("inproc://tasks");
  results.connect("inproc://results");
  let done = 0;
  // The loop ends by itself when the context terminates.
  for await (const [task] of tasks) {
    await results.send(String(Number(task) * 2));
    done++;
  }
  say(`context terminated after ${done} tasks; closing`);
  tasks.close();
  results.close();
}

async function sink(): Promise<void> {
  const detached = await new Promise<DetachedSocket>((resolve) => parentPort!.once("message", resolve));
  const results = ctx.adopt(detached);
  let { count, sum } = workerData as { count: number; sum: number };
  while (count < workerData.total) {
    const [r] = await results.recv();
    sum += Number(r) / 2;
    count++;
  }
  results.close();
  parentPort!.postMessage({ count, sum });
}

async function late(): Promise<void> {
  const pull = ctx.socket("PULL", { receiveTimeout: 5000 });
  await pull.bind("inproc://late-binder");
  let received = 0;
  while (received < workerData.expect) {
    await pull.recv();
    received++;
  }
  pull.close();
  parentPort!.postMessage({ received });
}

const roles: Record<string, () => Promise<void>> = { worker, sink, late };
roles[workerData.role]!().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
