/**
 * Push-pull pipeline (the Guide's "divide and conquer": taskvent, taskwork,
 * tasksink) over tcp, all in one process so it runs with a single command.
 *
 *   ventilator PUSH ──tasks──► 3 × worker (PULL → PUSH) ──results──► sink PULL
 *
 * PUSH hands tasks out round-robin to the workers connected to it; PULL
 * fair-queues the results from every worker. The ventilator waits until every
 * worker has finished its handshake before sending, so the first worker to
 * connect does not get the whole batch (the Guide's "slow joiner" problem).
 *
 *   npm run build && node dist/examples/pipeline.js
 */
import { Context } from "zocket";

const WORKERS = 3;
const TASKS = 90;

/** A worker: takes a task (a number n), "works" on it, sends back n². */
async function worker(ctx: Context, id: number, tasksAt: string, resultsAt: string): Promise<number> {
  const tasks = ctx.socket("PULL");
  const results = ctx.socket("PUSH");
  tasks.connect(tasksAt);
  results.connect(resultsAt);
  let done = 0;
  // The loop ends by itself when the context terminates (recv rejects ETERM,
  // which the iterator turns into a clean end).
  for await (const [task] of tasks) {
    const n = Number(String(task));
    await results.send([String(id), String(n * n)]);
    done++;
  }
  tasks.close();
  results.close();
  return done;
}

async function main(): Promise<void> {
  const ctx = new Context();

  // Bind both ends on free ports: the resolved endpoint says which one.
  const ventilator = ctx.socket("PUSH");
  const tasksAt = await ventilator.bind("tcp://127.0.0.1:*");
  const sink = ctx.socket("PULL");
  const resultsAt = await sink.bind("tcp://127.0.0.1:*");
  console.log(`ventilator on ${tasksAt}, sink on ${resultsAt}`);

  // Count the workers' handshakes on the ventilator: once all are in, the
  // round-robin spreads tasks evenly.
  let joined = 0;
  const allJoined = new Promise<void>((resolve) => {
    ventilator.events.on("handshake", () => {
      if (++joined === WORKERS) resolve();
    });
  });
  const workers = Array.from({ length: WORKERS }, (_, i) => worker(ctx, i + 1, tasksAt, resultsAt));
  await allJoined;
  console.log(`${WORKERS} workers connected; sending ${TASKS} tasks`);

  for (let n = 0; n < TASKS; n++) await ventilator.send(String(n));

  // The sink collects exactly one result per task.
  const perWorker = new Map<string, number>();
  let sum = 0;
  for (let i = 0; i < TASKS; i++) {
    const [who, square] = await sink.recv();
    perWorker.set(String(who), (perWorker.get(String(who)) ?? 0) + 1);
    sum += Number(String(square));
  }
  const expected = ((TASKS - 1) * TASKS * (2 * TASKS - 1)) / 6; // Σ n² for n < TASKS
  for (const [who, count] of [...perWorker].sort()) console.log(`worker ${who} did ${count} tasks`);
  console.log(`sink: ${TASKS} results, sum of squares ${sum} (${sum === expected ? "correct" : `WRONG, expected ${expected}`})`);

  // Shut down: close our sockets, then term() ends the workers' loops and
  // waits until every socket is closed. Nothing is left holding the process.
  ventilator.close();
  sink.close();
  await ctx.term();
  const counts = await Promise.all(workers);
  if (sum !== expected || counts.reduce((a, b) => a + b, 0) !== TASKS) process.exitCode = 1;
  console.log("done: pipeline");
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
