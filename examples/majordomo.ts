/**
 * A Majordomo-style service broker (after the Guide's mdbroker and RFC 7/MDP,
 * without heartbeats): workers register for a named service, clients ask for a
 * service by name, the broker queues requests per service and hands each to a
 * free worker of that service. A client can ask the broker whether a service
 * exists ("mmi.service", the Guide's Majordomo Management Interface).
 *
 * Wire format (as MDP 0.1, over one ROUTER on the broker side):
 *   client → broker   REQ:    ["MDPC01", service, ...body] (REQ puts "" in front)
 *   broker → client           ["MDPC01", service, ...reply]
 *   worker → broker   DEALER: ["", "MDPW01", READY,  service]
 *   broker → worker           ["", "MDPW01", REQUEST, client, "", ...body]
 *   worker → broker           ["", "MDPW01", REPLY,   client, "", ...reply]
 *   broker → worker           ["", "MDPW01", DISCONNECT]
 * (The ROUTER adds the sender's routing id in front of everything it receives,
 * and takes the addressee's off everything it sends.)
 *
 *   npm run build && node dist/examples/majordomo.js
 */
import { Context } from "zocket";

const CLIENT = "MDPC01";
const WORKER = "MDPW01";
const READY = "\x01";
const REQUEST = "\x02";
const REPLY = "\x03";
const DISCONNECT = "\x05";

/** One named service: its free workers and the requests waiting for one. */
interface Service {
  free: Buffer[];
  waiting: Buffer[][]; // [client, ...body]
}

class Broker {
  readonly socket;
  readonly services = new Map<string, Service>();
  readonly workers = new Map<string, string>(); // worker id (hex) → service name
  handled = 0;

  constructor(ctx: Context) {
    this.socket = ctx.socket("ROUTER");
  }

  async run(): Promise<void> {
    // Ends when the socket is closed (stop()).
    // Clients (REQ) and workers (DEALER) both put an empty frame first.
    for await (const [sender, , header, ...rest] of this.socket) {
      if (String(header) === CLIENT) await this.fromClient(sender!, rest);
      else if (String(header) === WORKER) await this.fromWorker(sender!, rest);
      else console.log("broker: dropping a malformed message");
    }
  }

  service(name: string): Service {
    let s = this.services.get(name);
    if (s === undefined) this.services.set(name, (s = { free: [], waiting: [] }));
    return s;
  }

  async fromClient(client: Buffer, [service, ...body]: Buffer[]): Promise<void> {
    const name = String(service);
    if (name === "mmi.service") {
      // 200 if a worker has registered for the service named in the body, else 404.
      const known = [...this.workers.values()].includes(String(body[0]));
      await this.socket.send([client, "", CLIENT, name, known ? "200" : "404"]);
      return;
    }
    this.service(name).waiting.push([client, ...body]);
    await this.dispatch(name);
  }

  async fromWorker(worker: Buffer, [command, ...rest]: Buffer[]): Promise<void> {
    const id = worker.toString("hex");
    const kind = String(command);
    if (kind === READY) {
      const name = String(rest[0]);
      this.workers.set(id, name);
      console.log(`broker: worker ${id} ready for "${name}"`);
      this.service(name).free.push(worker);
      await this.dispatch(name);
    } else if (kind === REPLY) {
      const name = this.workers.get(id);
      if (name === undefined) return; // not registered: ignore
      const [client, , ...reply] = rest;
      await this.socket.send([client!, "", CLIENT, name, ...reply]);
      this.handled++;
      this.service(name).free.push(worker); // a reply means the worker is free again
      await this.dispatch(name);
    }
  }

  /** Hands waiting requests of one service to its free workers. */
  async dispatch(name: string): Promise<void> {
    const s = this.service(name);
    while (s.free.length > 0 && s.waiting.length > 0) {
      const worker = s.free.shift()!;
      const [client, ...body] = s.waiting.shift()!;
      await this.socket.send([worker, "", WORKER, REQUEST, client!, "", ...body]);
    }
  }

  /** Tells every worker to disconnect, then closes (queued messages still go out: linger). */
  async stop(): Promise<void> {
    for (const s of this.services.values()) {
      for (const worker of s.free) await this.socket.send([worker, "", WORKER, DISCONNECT]);
    }
    this.socket.close();
  }
}

/** A worker for one service: registers, then answers requests until told to disconnect. */
async function worker(ctx: Context, endpoint: string, service: string, work: (body: string) => string): Promise<number> {
  const dealer = ctx.socket("DEALER");
  dealer.connect(endpoint);
  await dealer.send(["", WORKER, READY, service]);
  let done = 0;
  for await (const [, , command, client, , ...body] of dealer) {
    if (String(command) === DISCONNECT) break;
    await dealer.send(["", WORKER, REPLY, client!, "", work(body.map(String).join(" "))]);
    done++;
  }
  dealer.close();
  return done;
}

/** A client call: one request to one service, one reply. */
async function request(ctx: Context, endpoint: string, service: string, body: string): Promise<string> {
  const req = ctx.socket("REQ");
  req.connect(endpoint);
  await req.send([CLIENT, service, body]);
  const [, , ...reply] = await req.recv(); // "MDPC01", service, reply...
  req.close();
  return reply.map(String).join(" ");
}

async function main(): Promise<void> {
  const ctx = new Context();
  const broker = new Broker(ctx);
  const endpoint = await broker.socket.bind("ipc://*");
  console.log(`broker on ${endpoint}`);
  const brokering = broker.run();

  const workers = [
    worker(ctx, endpoint, "echo", (b) => b),
    worker(ctx, endpoint, "echo", (b) => b),
    worker(ctx, endpoint, "upper", (b) => b.toUpperCase()),
  ];

  // Requests may go out before the workers have registered: the broker queues them per service.
  const calls: [string, string][] = [
    ["echo", "hello"], ["upper", "hello"], ["echo", "majordomo"], ["upper", "service names"],
    ["echo", "third"], ["upper", "last"],
  ];
  const replies = await Promise.all(calls.map(([service, body]) => request(ctx, endpoint, service, body)));
  // Now that every worker has registered (they all answered), ask the broker what it offers.
  const lookups: [string, string][] = [["mmi.service", "echo"], ["mmi.service", "coffee"]];
  for (const [service, body] of lookups) replies.push(await request(ctx, endpoint, service, body));
  calls.push(...lookups);
  calls.forEach(([service, body], i) => console.log(`client: ${service}("${body}") → "${replies[i]}"`));

  await broker.stop();
  await brokering;
  const perWorker = await Promise.all(workers);
  console.log(`broker handled ${broker.handled} requests; workers did ${perWorker.join(" + ")}`);
  await ctx.term();

  const expected = ["hello", "HELLO", "majordomo", "SERVICE NAMES", "third", "LAST", "200", "404"];
  if (replies.some((r, i) => r !== expected[i])) process.exitCode = 1;
  console.log("done: majordomo");
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
