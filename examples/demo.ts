/**
 * zocket demo: a ventilator → workers → sink pipeline across worker threads
 * over inproc, a socket migrated mid-stream, a close whose queued messages are
 * flushed by linger, and ctx.term() ending it all. No server needed.
 *
 *   npm run demo
 */
import { Worker } from "node:worker_threads";
import { Context } from "../src/index.js";

const TASKS = 200_000;
const WORKERS = 2;
const say = (text: string): void => console.log(`[main]   ${text}`);

const exits: Promise<unknown>[] = [];

function startWorker(role: string, ctx: Context, extra: Record<string, unknown> = {}): Worker {
  const handle = ctx.share();
  const w = new Worker(new URL("./demo-worker.js", import.meta.url), {
    workerData: { role, ctx: handle, ...extra },
    transferList: handle.transferList,
  });
  exits.push(new Promise((resolve) => w.once("exit", resolve)));
  return w;
}

function nextMessage<T>(w: Worker): Promise<T> {
  return new Promise((resolve, reject) => {
    w.once("message", resolve);
    w.once("error", reject);
  });
}

async function main(): Promise<void> {
  const started = performance.now();
  const ctx = new Context();

  // 1. The pipeline: tasks fan out to workers, results fan in to the sink.
  const ventilator = ctx.socket("PUSH");
  const sink = ctx.socket("PULL");
  await ventilator.bind("inproc://tasks");
  await sink.bind("inproc://results");
  Array.from({ length: WORKERS }, (_, i) => startWorker("worker", ctx, { id: i + 1 }));
  say(`pipeline up: ventilator → ${WORKERS} worker threads → sink, all over inproc://`);

  const sending = (async () => {
    for (let i = 0; i < TASKS; i++) await ventilator.send(String(i));
  })();

  // 2. The sink collects half of the results here, then migrates to another thread mid-stream.
  let count = 0;
  let sum = 0;
  while (count < TASKS / 2) {
    const [result] = await sink.recv();
    sum += Number(result) / 2;
    count++;
  }
  const sinkThread = startWorker("sink", ctx, { count, sum, total: TASKS });
  const detached = sink.detach();
  sinkThread.postMessage(detached, detached.transferList);
  say(`sink moved to another thread after ${count} results, while workers keep sending`);
  const final = await nextMessage<{ count: number; sum: number }>(sinkThread);
  await sending;
  const expected = (TASKS * (TASKS - 1)) / 2; // each task i comes back as i (workers return i*2, sink halves)
  const ok = final.count === TASKS && final.sum === expected;
  say(`sink thread counted ${final.count} of ${TASKS} results, checksum ${ok ? "matches: none lost, none duplicated" : "MISMATCH"}`);
  const elapsed = (performance.now() - started) / 1000;
  say(`pipeline throughput: ${Math.round((TASKS * 2) / elapsed).toLocaleString("en-US")} messages/s (tasks + results, ${elapsed.toFixed(2)} s)`);

  // 3. Linger: a PUSH queues messages for a peer that does not exist yet, and closes at once.
  const early = ctx.socket("PUSH");
  early.connect("inproc://late-binder");
  for (let i = 0; i < 1000; i++) await early.send(`late ${i}`);
  early.close();
  say("closed a PUSH holding 1000 undelivered messages; its peer binds only now, in another thread");
  const late = startWorker("late", ctx, { expect: 1000 });
  const lateResult = await nextMessage<{ received: number }>(late);
  say(`linger delivered ${lateResult.received} of 1000 messages after close()`);

  // 4. Shut down: term() tells every thread; workers' loops end, they close, term resolves.
  ventilator.close();
  const t0 = performance.now();
  await ctx.term();
  say(`ctx.term() resolved in ${(performance.now() - t0).toFixed(0)} ms: every socket in every thread closed and flushed`);
  await Promise.all(exits);
  say("all threads exited by themselves; the process ends now with nothing left behind");
  if (!ok || lateResult.received !== 1000) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
