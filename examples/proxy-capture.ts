/**
 * A ROUTER/DEALER broker made of zocket's proxy(), with a capture socket
 * that sees every message crossing it and a control socket that asks for
 * statistics and terminates it. Clients (REQ) and workers (REP) talk over
 * tcp; the capture and control sockets are inproc.
 *
 *   node dist/examples/proxy-capture.js
 */
import { Context, proxy } from "zocket";

const ctx = new Context({ blocky: false });
const frontend = ctx.socket("ROUTER");
const backend = ctx.socket("DEALER");
const capture = ctx.socket("PUSH");
const control = ctx.socket("REP");
const fe = await frontend.bind("tcp://127.0.0.1:*");
const be = await backend.bind("tcp://127.0.0.1:*");
await capture.bind("inproc://capture");
await control.bind("inproc://control");

const tap = ctx.socket("PULL");
tap.connect("inproc://capture");
const steer = ctx.socket("REQ");
steer.connect("inproc://control");

const broker = proxy(frontend, backend, { capture, control });
console.log(`broker: clients on ${fe}, workers on ${be}`);

// Two workers answer with their name and the request.
const reps = [ctx.socket("REP"), ctx.socket("REP")];
const workers = ["alpha", "beta"].map((name, i) => {
  const rep = reps[i]!;
  rep.connect(be);
  return (async () => {
    for await (const [request] of rep) await rep.send(`${name} did ${request}`);
  })();
});

// Three clients, three requests each.
await Promise.all(
  [1, 2, 3].map(async (n) => {
    const req = ctx.socket("REQ");
    req.connect(fe);
    for (let i = 1; i <= 3; i++) {
      await req.send(`job ${n}.${i}`);
      const [reply] = await req.recv();
      console.log(`client ${n}: ${reply}`);
    }
    req.close();
  }),
);

// The capture socket saw every request and reply, envelopes included.
let captured = 0;
while (tap.tryRecv() !== null) captured++;
console.log(`capture: ${captured} messages (9 requests + 9 replies)`);

await steer.send("STATISTICS");
const stats = (await steer.recv()).map((frame) => frame.readBigUInt64LE(0));
console.log(`statistics over the control socket: frontend in ${stats[0]} parts / ${stats[1]} bytes, backend in ${stats[4]} parts / ${stats[5]} bytes`);

await steer.send("TERMINATE");
await steer.recv();
await broker.done;
console.log("broker terminated");

// Closing a worker's socket ends its `for await` loop.
for (const s of [frontend, backend, capture, control, tap, steer, ...reps]) s.close();
await Promise.all(workers);
await ctx.term();
