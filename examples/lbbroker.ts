/**
 * A load-balancing broker (the Guide's lbbroker): ROUTER to clients, ROUTER
 * to workers, and work goes only to a worker that has said it is free.
 *
 *   REQ clients ──► ROUTER frontend │ broker │ ROUTER backend ◄── REQ workers
 *
 * Workers are REQ sockets: they start by sending "READY", and every reply they
 * send doubles as "ready for more". The broker keeps a queue of free workers
 * and reads the frontend only while that queue is not empty, so requests wait
 * at the clients' sockets, not in the broker. Where the Guide polls the
 * frontend only when a worker is free, this broker awaits a free worker
 * before its next frontend recv().
 *
 * Envelopes: a client request arrives as [client, "", request]; it leaves for
 * a worker as [worker, "", client, "", request]; a worker's reply arrives as
 * [worker, "", client, "", reply] and goes out as [client, "", reply].
 *
 *   npm run build && node dist/examples/lbbroker.js
 */
import { Context } from "zocket";

const CLIENTS = 6;
const WORKERS = 3;

async function worker(ctx: Context, endpoint: string, name: string): Promise<void> {
  const req = ctx.socket("REQ", { routingId: name }); // a readable id, for the log
  req.connect(endpoint);
  await req.send("READY");
  for await (const [client, empty, request] of req) {
    await req.send([client!, empty!, `${String(request)} done by ${name}`]);
  }
  req.close();
}

async function client(ctx: Context, endpoint: string, name: string): Promise<string> {
  const req = ctx.socket("REQ", { routingId: name });
  req.connect(endpoint);
  await req.send(`HELLO from ${name}`);
  const [reply] = await req.recv();
  req.close();
  return String(reply);
}

async function main(): Promise<void> {
  const ctx = new Context();
  const frontend = ctx.socket("ROUTER");
  const backend = ctx.socket("ROUTER");
  const front = await frontend.bind("tcp://127.0.0.1:*");
  const back = await backend.bind("tcp://127.0.0.1:*");
  console.log(`broker: clients on ${front}, workers on ${back}`);

  // The queue of free workers, and a way to wait until it is not empty.
  const free: Buffer[] = [];
  const waiting: (() => void)[] = []; // the frontend loop, when it waits for a worker
  const workerFree = (): Promise<void> => (free.length > 0 ? Promise.resolve() : new Promise((r) => waiting.push(r)));

  let repliesLeft = CLIENTS;
  const perWorker = new Map<string, number>();

  // Backend: every message means "this worker is free"; a reply also goes to its client.
  const backendLoop = (async () => {
    for await (const [workerId, , clientOrReady, , reply] of backend) {
      free.push(workerId!);
      waiting.shift()?.();
      if (String(clientOrReady) === "READY") continue;
      const name = String(workerId);
      perWorker.set(name, (perWorker.get(name) ?? 0) + 1);
      await frontend.send([clientOrReady!, "", reply!]);
      if (--repliesLeft === 0) break; // every client has its answer
    }
  })();

  // Frontend: take a request only when a worker is free, and give it to that worker.
  const frontendLoop = (async () => {
    for (let served = 0; served < CLIENTS; served++) {
      await workerFree();
      const [clientId, , request] = await frontend.recv();
      const workerId = free.shift()!;
      await backend.send([workerId, "", clientId!, "", request!]);
    }
  })();

  const workers = Array.from({ length: WORKERS }, (_, i) => worker(ctx, back, `worker${i + 1}`));
  const replies = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(ctx, front, `client${i + 1}`)));
  for (const r of replies) console.log(r);
  await Promise.all([frontendLoop, backendLoop]);
  console.log(`load spread: ${[...perWorker].sort().map(([w, n]) => `${w} ${n}`).join(", ")}`);

  frontend.close();
  backend.close();
  await ctx.term(); // the workers' loops end; they close their sockets
  await Promise.all(workers);
  if (replies.length !== CLIENTS || repliesLeft !== 0) process.exitCode = 1;
  console.log("done: lbbroker");
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
