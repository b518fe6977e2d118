/**
 * A request-reply broker (the Guide's rrbroker): ROUTER in front, DEALER at
 * the back, so clients and workers can come and go without knowing each other.
 *
 *   REQ clients ──► ROUTER frontend │ broker │ DEALER backend ──► REP workers
 *
 * The ROUTER prefixes each request with the client's routing id; the DEALER
 * spreads requests over the workers and fair-queues their replies; each REP
 * hands the envelope back with its reply, and the ROUTER uses it to find the
 * client. The broker never looks inside a message: it moves whole multipart
 * messages in both directions, one async loop per direction (where the
 * Guide's C code polls both sockets).
 *
 *   npm run build && node dist/examples/rrbroker.js
 */
import { Context } from "zocket";

const CLIENTS = 4;
const WORKERS = 2;
const REQUESTS = 5;

async function worker(ctx: Context, endpoint: string, name: string, served: Map<string, number>): Promise<void> {
  const rep = ctx.socket("REP");
  rep.connect(endpoint);
  for await (const [request] of rep) {
    served.set(name, (served.get(name) ?? 0) + 1);
    await rep.send(`${String(request)} → handled by ${name}`);
  }
  rep.close();
}

async function client(ctx: Context, endpoint: string, name: string): Promise<string> {
  const req = ctx.socket("REQ");
  req.connect(endpoint);
  let last = "";
  for (let i = 1; i <= REQUESTS; i++) {
    await req.send(`${name}#${i}`);
    last = String((await req.recv())[0]);
  }
  req.close();
  return last;
}

async function main(): Promise<void> {
  const ctx = new Context();

  // The broker: frontend for clients, backend for workers.
  const frontend = ctx.socket("ROUTER");
  const backend = ctx.socket("DEALER");
  const front = await frontend.bind("tcp://127.0.0.1:*");
  const back = await backend.bind("tcp://127.0.0.1:*");
  console.log(`broker: clients connect to ${front}, workers to ${back}`);
  const forward = async (from: AsyncIterable<Buffer[]>, to: { send(m: Buffer[]): Promise<void> }): Promise<void> => {
    for await (const message of from) await to.send(message); // [client id, "", request] and back
  };
  const broker = Promise.all([forward(frontend, backend), forward(backend, frontend)]);

  const served = new Map<string, number>();
  const workers = Array.from({ length: WORKERS }, (_, i) => worker(ctx, back, `worker${i + 1}`, served));
  const last = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(ctx, front, `client${i + 1}`)));
  for (const line of last) console.log(line);
  const total = [...served.values()].reduce((a, b) => a + b, 0);
  console.log(`${total} requests served: ${[...served].sort().map(([w, n]) => `${w} ${n}`).join(", ")}`);

  // term() ends every loop (broker and workers); each closes its sockets.
  const terminated = ctx.term();
  await Promise.all([broker, ...workers]);
  frontend.close();
  backend.close();
  await terminated;
  if (total !== CLIENTS * REQUESTS) process.exitCode = 1;
  console.log("done: rrbroker");
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
