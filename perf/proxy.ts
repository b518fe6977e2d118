/**
 * Proxy throughput: PUSH → [PULL frontend ⇒ proxy() ⇒ PUSH backend] → PULL,
 * 16-byte messages, over inproc and over tcp (every hop on 127.0.0.1), with
 * the direct PUSH → PULL figure beside it. One process, one thread: the
 * figure is what one event loop moves through a proxy while also producing
 * and consuming. Median of 3 runs. For context, the same topology over tcp
 * with zeromq.js: libzmq's own zmq_proxy (on a libzmq thread) and zeromq.js
 * PUSH/PULL ends (each send and receive awaited, as zeromq.js requires).
 *
 *   npx tsc -p . && node dist/perf/proxy.js [messages]
 */
import * as zmq from "zeromq";
import { Context, Poller, proxy, type BaseSocket as Socket, type ReceivingSocket, type SendingSocket } from "../src/index.js";

const N = Number(process.argv[2] ?? 300_000);
const RUNS = 3;
const PAYLOAD = Buffer.alloc(16, 7);

async function produce(push: SendingSocket, n: number): Promise<void> {
  const poller = new Poller().add(push, "writable");
  let sent = 0;
  while (sent < n) {
    while (sent < n && push.trySend(PAYLOAD)) sent++;
    if (sent < n) await poller.wait();
  }
}

async function consume(pull: ReceivingSocket, n: number): Promise<void> {
  const poller = new Poller().add(pull, "readable");
  let got = 0;
  while (got < n) {
    while (got < n && pull.tryRecv() !== null) got++;
    if (got < n) await poller.wait();
  }
}

async function once(transport: "inproc" | "tcp", viaProxy: boolean): Promise<number> {
  const ctx = new Context({ blocky: false });
  let seq = 0;
  const ep = (s: Socket): Promise<string> => s.bind(transport === "tcp" ? "tcp://127.0.0.1:*" : `inproc://bench-${seq++}`);
  const src = ctx.socket("PUSH");
  const sink = ctx.socket("PULL");
  const sockets = [src, sink];
  let stop = (): void => {};
  if (viaProxy) {
    const frontend = ctx.socket("PULL");
    const backend = ctx.socket("PUSH");
    sockets.push(frontend, backend);
    src.connect(await ep(frontend));
    sink.connect(await ep(backend));
    const p = proxy(frontend, backend);
    stop = () => p.terminate();
  } else {
    src.connect(await ep(sink));
  }
  const t0 = performance.now();
  await Promise.all([produce(src, N), consume(sink, N)]);
  const ms = performance.now() - t0;
  stop();
  for (const s of sockets) s.close();
  await ctx.term();
  return N / (ms / 1000);
}

async function libzmqOnce(): Promise<number> {
  const frontend = new zmq.Pull({ linger: 0 });
  const backend = new zmq.Push({ linger: 0 });
  await frontend.bind("tcp://127.0.0.1:*");
  await backend.bind("tcp://127.0.0.1:*");
  const src = new zmq.Push({ linger: 0 });
  const sink = new zmq.Pull({ linger: 0 });
  src.connect(frontend.lastEndpoint!);
  sink.connect(backend.lastEndpoint!);
  const p = new zmq.Proxy(frontend, backend);
  const running = p.run();
  const t0 = performance.now();
  await Promise.all([
    (async () => {
      for (let i = 0; i < N; i++) await src.send(PAYLOAD);
    })(),
    (async () => {
      for (let i = 0; i < N; i++) await sink.receive();
    })(),
  ]);
  const ms = performance.now() - t0;
  p.terminate();
  await running;
  for (const s of [src, sink, frontend, backend]) s.close();
  return N / (ms / 1000);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

for (const transport of ["inproc", "tcp"] as const) {
  for (const viaProxy of [false, true]) {
    const rates: number[] = [];
    for (let i = 0; i < RUNS; i++) rates.push(await once(transport, viaProxy));
    console.log(`${transport.padEnd(6)} ${viaProxy ? "through proxy" : "direct       "}  ${Math.round(median(rates)).toLocaleString("en")} msg/s  (16 B, ${N.toLocaleString("en")} messages, median of ${RUNS})`);
  }
}

{
  const rates: number[] = [];
  for (let i = 0; i < RUNS; i++) rates.push(await libzmqOnce());
  console.log(`tcp    zeromq.js: libzmq's zmq_proxy, zeromq.js ends  ${Math.round(median(rates)).toLocaleString("en")} msg/s`);
}
