/**
 * Soak run (`npm run soak`, not part of `npm test`): mixed patterns across
 * threads and transports for SOAK_SECONDS (default 300), with random closes,
 * migrations and reconnects.
 *
 * - Reliable flows: PUSH senders over inproc, tcp and ipc into one PULL. A
 *   sender is closed (linger flushes it) and replaced at random, or migrated
 *   to a worker that sends a burst and hands it back. Every message carries
 *   (sender id, sequence); all must arrive, in order per sender.
 * - Lossy flows: PUB → SUB over tcp; the SUB disconnects and reconnects at
 *   random. Drops are by design; duplicates or reordering are not.
 *
 * Prints sent / received / lost-by-design and peak RSS; exits 1 on any loss
 * where none is allowed.
 */
import { Worker } from "node:worker_threads";
import { Context, type DetachedSocket, type PushSocket } from "../../src/index.js";

const SECONDS = Number(process.env.SOAK_SECONDS ?? 300);
const ctx = new Context();
let peakRss = 0;
const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 250);

// ---------------------------------------------------------------- reliable flows

const pull = ctx.socket("PULL", { receiveHighWaterMark: 5000 });
const endpoints = ["inproc://soak", await pull.bind("tcp://127.0.0.1:*"), await pull.bind("ipc://*")];
await pull.bind("inproc://soak");

const sent = new Map<string, number>();
const nextExpected = new Map<string, number>();
let received = 0;
let reordered = 0;
const receiving = (async () => {
  for await (const [id, seq] of pull) {
    const key = String(id);
    const n = Number(String(seq));
    const want = nextExpected.get(key) ?? 0;
    if (n !== want) reordered++;
    nextExpected.set(key, n + 1);
    received++;
  }
})();

const h = ctx.share();
const worker = new Worker(
  new URL(
    `data:text/javascript,${encodeURIComponent(`
      import { parentPort, workerData } from "node:worker_threads";
      const { Context } = await import(workerData.lib);
      const ctx = Context.attach(workerData.ctx);
      parentPort.on("message", async ({ d, id, from, count }) => {
        const s = ctx.adopt(d);
        for (let i = 0; i < count; i++) await s.send([id, String(from + i)]);
        const back = s.detach();
        parentPort.postMessage({ id, back }, back.transferList);
      });`)}`,
  ),
  { workerData: { ctx: h, lib: new URL("../../src/index.js", import.meta.url).href }, transferList: h.transferList },
);

/** Sockets coming back from the worker, by sender id. */
const returns = new Map<string, (d: DetachedSocket) => void>();
worker.on("message", (m: { id: string; back: DetachedSocket }) => {
  const r = returns.get(m.id);
  returns.delete(m.id);
  r?.(m.back);
});

let senderIds = 0;
let closes = 0;
let migrations = 0;
async function reliableSender(deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    const id = `s${senderIds++}`;
    let sock: PushSocket = ctx.socket("PUSH");
    sock.connect(endpoints[Math.floor(Math.random() * endpoints.length)]!);
    let seq = 0;
    const life = 50 + Math.floor(Math.random() * 2000);
    for (let i = 0; i < life && Date.now() < deadline; i++) {
      await sock.send([id, String(seq++)]);
      if (Math.random() < 0.002) {
        // Migrate to the worker, which sends a burst and hands the socket back.
        const count = 1 + Math.floor(Math.random() * 200);
        const d = sock.detach();
        const back = new Promise<DetachedSocket>((r) => returns.set(id, r));
        worker.postMessage({ d, id, from: seq, count }, d.transferList);
        sock = ctx.adopt(await back) as PushSocket; // it left as a PUSH
        seq += count;
        migrations++;
      }
    }
    sent.set(id, seq);
    sock.close(); // linger -1: everything queued must still arrive
    closes++;
  }
}

// ---------------------------------------------------------------- lossy flows

const pub = ctx.socket("PUB");
const pubEp = await pub.bind("tcp://127.0.0.1:*");
let published = 0;
let subReceived = 0;
let subDisorder = 0;
let reconnects = 0;
async function lossyFlow(deadline: number): Promise<void> {
  const sub = ctx.socket("SUB", { reconnectInterval: 20 });
  sub.subscribe("t");
  sub.connect(pubEp);
  let last = -1;
  const reading = (async () => {
    for await (const [, n] of sub) {
      const v = Number(String(n));
      if (v <= last) subDisorder++;
      last = v;
      subReceived++;
    }
  })();
  while (Date.now() < deadline) {
    for (let i = 0; i < 100; i++) await pub.send(["t", String(published++)]);
    await new Promise((r) => setImmediate(r));
    if (Math.random() < 0.01) {
      sub.disconnect(pubEp);
      sub.connect(pubEp);
      reconnects++;
    }
  }
  sub.close();
  await reading;
}

// ---------------------------------------------------------------- run

const deadline = Date.now() + SECONDS * 1000;
const progress = setInterval(() => {
  const left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
  process.stderr.write(`\rsoak: ${left}s left, ${received} reliable received, ${subReceived} pub/sub received   `);
}, 1000);
await Promise.all([reliableSender(deadline), reliableSender(deadline), reliableSender(deadline), lossyFlow(deadline)]);

// Let the lingering senders drain into the PULL (bounded wait).
const expected = [...sent.values()].reduce((a, b) => a + b, 0);
const drainBy = Date.now() + 30000;
while (received < expected && Date.now() < drainBy) await new Promise((r) => setTimeout(r, 50));
clearInterval(progress);
let missing = 0;
for (const [id, n] of sent) missing += Math.max(0, n - (nextExpected.get(id) ?? 0));
pull.close();
pub.close();
await receiving;
await worker.terminate();
await ctx.term();
clearInterval(rssTimer);

const report = {
  seconds: SECONDS,
  reliable: { senders: senderIds, closes, migrations, sent: expected, received, missing, reordered },
  pubsub: { published, received: subReceived, lostByDesign: published - subReceived, reconnects, disorder: subDisorder },
  peakRssMiB: Math.round(peakRss / 1048576),
};
process.stderr.write("\n");
console.log(JSON.stringify(report, null, 2));
const ok = missing === 0 && reordered === 0 && subDisorder === 0;
console.log(ok ? "soak: OK" : "soak: FAILED (messages that should have arrived did not, or arrived out of order)");
process.exitCode = ok ? 0 : 1;
