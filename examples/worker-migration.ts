/**
 * A socket that moves to a worker thread in the middle of a stream.
 *
 * The main thread runs a producer (PUSH, bound on tcp) and a collector (PULL,
 * connected to it over tcp). Halfway through, the collector is detached and
 * posted to a worker thread, which adopts it and keeps receiving from the same
 * connection: its queued messages, its options and its tcp connection go with
 * it, the producer never sees a disconnect, and no message is lost or
 * received twice. The worker then reports back over inproc://, which reaches
 * across the threads of one context.
 *
 * This one file is both programs: the main thread starts itself again as the
 * worker (`new Worker(new URL(import.meta.url))`) and `isMainThread` tells
 * which part runs.
 *
 *   npm run build && node dist/examples/worker-migration.js
 */
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { Context, type ContextHandle, type DetachedSocket } from "zocket";

const MESSAGES = 10_000;
const MIGRATE_AFTER = 3_000;
const RESULTS = "inproc://migration-results";

interface Progress {
  ctx: ContextHandle;
  count: number;
  sum: number;
}

/** The main thread: producer, first half of the collecting, and the final check. */
async function main(): Promise<void> {
  const ctx = new Context();
  const producer = ctx.socket("PUSH");
  const endpoint = await producer.bind("tcp://127.0.0.1:*");
  let disconnects = 0;
  producer.events.on("disconnect", () => disconnects++);

  const results = ctx.socket("PULL");
  await results.bind(RESULTS);

  const collector = ctx.socket("PULL", { receiveHighWaterMark: 500 });
  collector.connect(endpoint);
  console.log(`main: producer on ${endpoint}, collector connected to it`);

  // The producer keeps sending while the collector moves.
  const producing = (async () => {
    for (let i = 1; i <= MESSAGES; i++) await producer.send(String(i));
  })();

  let count = 0;
  let sum = 0;
  while (count < MIGRATE_AFTER) {
    const [n] = await collector.recv();
    sum += Number(String(n));
    count++;
  }

  // One context handle per thread; the detached socket travels as a message.
  const handle = ctx.share();
  const worker = new Worker(new URL(import.meta.url), {
    workerData: { ctx: handle, count, sum } satisfies Progress,
    transferList: handle.transferList,
  });
  const exited = new Promise<number>((resolve) => worker.once("exit", resolve));
  const detached = collector.detach(); // `collector` is dead from here on (ENOTSOCK)
  worker.postMessage(detached, detached.transferList);
  console.log(`main: collector moved to a worker thread after ${count} messages`);

  const [total, checksum] = (await results.recv()).map((f) => Number(String(f)));
  // Counted now: the worker closes the collector (a real disconnect) only when told.
  const disconnectsDuringMove = disconnects;
  worker.postMessage("close");
  await producing;
  const expected = (MESSAGES * (MESSAGES + 1)) / 2;
  const ok = total === MESSAGES && checksum === expected && disconnectsDuringMove === 0;
  console.log(`main: worker reports ${total} of ${MESSAGES} messages, checksum ${checksum === expected ? "correct" : "WRONG"}`);
  console.log(`main: the producer saw ${disconnectsDuringMove} disconnects during the move`);

  producer.close();
  results.close();
  await ctx.term(); // waits for the worker's sockets too
  const code = await exited;
  if (!ok || code !== 0) process.exitCode = 1;
  console.log("done: worker-migration");
}

/** The worker thread: adopts the collector and finishes the stream. */
async function workerMain(): Promise<void> {
  const { ctx: handle, count: before, sum: sumBefore } = workerData as Progress;
  const ctx = Context.attach(handle);
  const detached = await new Promise<DetachedSocket>((resolve) => parentPort!.once("message", resolve));
  const collector = ctx.adopt(detached); // same queue, same tcp connection, same options

  let count = before;
  let sum = sumBefore;
  while (count < MESSAGES) {
    const [n] = await collector.recv();
    sum += Number(String(n));
    count++;
  }
  console.log(`worker: received the other ${count - before} messages on the adopted socket`);

  const report = ctx.socket("PUSH");
  report.connect(RESULTS); // bound in the main thread
  await report.send([String(count), String(sum)]);
  await new Promise((resolve) => parentPort!.once("message", resolve)); // main has read the producer's events
  collector.close();
  report.close(); // linger delivers the report; then nothing holds this thread and it exits
}

(isMainThread ? main() : workerMain()).catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
