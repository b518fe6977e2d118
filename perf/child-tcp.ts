/**
 * Child-process side of the two-process cases. argv: mode lib ...
 * - recv <lib> <n>: bind a PULL on tcp, print "ep <endpoint>", time n messages, print "rate <msgs/s>".
 * - send <lib> <endpoint> <size> <n>: connect a PUSH, send n messages, flush, exit.
 * - mem <lib>: bind a PULL on tcp, print "ep ...", receive one message, print "peak <bytes over baseline>".
 * - bigsend <lib> <endpoint> <bytes>: send one message of that size, flush, exit.
 * A failure prints "error <code>" and exits with 1 (the parent reports n/a with that code).
 */
import * as zmq from "zeromq";
import { Context, type SocketType } from "../src/index.js";

const [mode, lib, ...args] = process.argv.slice(2) as [string, "zocket" | "zeromq", ...string[]];
const ctx = new Context();

type Sock = { bind(ep: string): Promise<string>; connect(ep: string): void; send(m: Buffer): Promise<void>; recv(): Promise<Buffer[]>; close(): void };
function sock(type: "PUSH" | "PULL"): Sock {
  if (lib === "zocket") {
    const s = ctx.socket(type as SocketType); // either type: the runtime-checked Socket
    return { bind: (ep) => s.bind(ep), connect: (ep) => s.connect(ep), send: (m) => s.send(m), recv: () => s.recv(), close: () => s.close() };
  }
  const s = type === "PUSH" ? new zmq.Push({ linger: -1 }) : new zmq.Pull();
  return {
    bind: async (ep) => {
      await s.bind(ep);
      return s.lastEndpoint!;
    },
    connect: (ep) => s.connect(ep),
    send: (m) => (s as zmq.Push).send(m),
    recv: () => (s as zmq.Pull).receive(),
    close: () => s.close(),
  };
}

const gc = (globalThis as { gc?: () => void }).gc;

try {
if (mode === "recv" || mode === "mem") {
  const pull = sock("PULL");
  const ep = await pull.bind("tcp://127.0.0.1:*");
  if (mode === "mem") {
    gc?.();
    const base = process.memoryUsage().rss;
    let peak = base;
    const t = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 2);
    process.stdout.write(`ep ${ep}\n`);
    const [m] = await pull.recv();
    peak = Math.max(peak, process.memoryUsage().rss);
    clearInterval(t);
    process.stdout.write(`peak ${peak - base} ${m!.length}\n`);
  } else {
    process.stdout.write(`ep ${ep}\n`);
    const n = Number(args[0]);
    await pull.recv();
    const t0 = process.hrtime.bigint();
    for (let i = 1; i < n; i++) await pull.recv();
    process.stdout.write(`rate ${(n - 1) / (Number(process.hrtime.bigint() - t0) / 1e9)}\n`);
  }
  pull.close();
} else {
  const push = sock("PUSH");
  push.connect(args[0]!);
  if (mode === "send") {
    const msg = Buffer.alloc(Number(args[1]), 7);
    const n = Number(args[2]);
    for (let i = 0; i < n; i++) await push.send(msg);
  } else {
    const big = Buffer.alloc(Number(args[1]), 1);
    await push.send(big);
  }
  push.close();
}
} catch (err) {
  process.stdout.write(`error ${(err as { code?: string }).code ?? (err as Error).message}\n`);
  process.exitCode = 1;
  if (lib === "zeromq") setTimeout(() => process.exit(1), 100).unref();
}
await ctx.term();
