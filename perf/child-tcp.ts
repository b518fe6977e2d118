/**
 * Child-process side of the two-process cases. argv: mode lib ...
 * - recv <lib> <warm s> <warm count> <secs>: bind a PULL on tcp, print "ep <endpoint>", warm up, count, print "rate <msgs/s>".
 * - send <lib> <endpoint> <size>: connect a PUSH and send until killed.
 * - rep <lib>: bind a REP on tcp, print "ep <endpoint>", echo until killed.
 * - req <lib> <endpoint> <ms>: connect a REQ, 500 round trips of warm-up, then time round trips for ms; print "rtt <µs>".
 * - mem <lib>: bind a PULL on tcp, print "ep ...", receive one message, print "peak <bytes over baseline>".
 * - bigsend <lib> <endpoint> <bytes>: send one message of that size, then wait to be killed.
 * The parent kills both children once the measuring one printed its figure.
 * A failure prints "error <code>" and exits with 1 (the parent reports the run as failed with that code).
 */
import * as zmq from "zeromq";
import { Context, type SocketType } from "../src/index.js";
import { seconds } from "./stats.js";

const [mode, lib, ...args] = process.argv.slice(2) as [string, "zocket" | "zeromq", ...string[]];
const ctx = new Context();

type Sock = { bind(ep: string): Promise<string>; connect(ep: string): void; send(m: Buffer | Buffer[]): Promise<void>; recv(): Promise<Buffer[]>; close(): void };
function sock(type: "PUSH" | "PULL" | "REQ" | "REP"): Sock {
  if (lib === "zocket") {
    const s = ctx.socket(type as SocketType); // either type: the runtime-checked Socket
    return { bind: (ep) => s.bind(ep), connect: (ep) => s.connect(ep), send: (m) => s.send(m), recv: () => s.recv(), close: () => s.close() };
  }
  const kinds = { PUSH: zmq.Push, PULL: zmq.Pull, REQ: zmq.Request, REP: zmq.Reply } as const;
  const s = new kinds[type]() as zmq.Socket & { send(m: unknown): Promise<void>; receive(): Promise<Buffer[]> };
  return {
    bind: async (ep) => {
      await s.bind(ep);
      return s.lastEndpoint!;
    },
    connect: (ep) => s.connect(ep),
    send: (m) => s.send(m),
    recv: () => s.receive(),
    close: () => s.close(),
  };
}

// Whatever happens to the parent, a child does not outlive a case by long.
setTimeout(() => process.exit(3), 120_000).unref();

const gc = (globalThis as { gc?: () => void }).gc;
const say = (line: string): void => void process.stdout.write(`${line}\n`);
const forever = (): Promise<never> => new Promise(() => setInterval(() => {}, 1 << 30));

try {
  if (mode === "recv") {
    const pull = sock("PULL");
    say(`ep ${await pull.bind("tcp://127.0.0.1:*")}`);
    const [warm, warmCount, secs] = [Number(args[0]), Number(args[1]), Number(args[2])];
    const w0 = process.hrtime.bigint();
    for (let i = 1; ; i++) {
      await pull.recv();
      if (i % 16 === 0 && i >= warmCount && seconds(w0) >= warm) break;
    }
    const t0 = process.hrtime.bigint();
    for (let counted = 1; ; counted++) {
      await pull.recv();
      if (counted % 16 === 0 && seconds(t0) >= secs) {
        say(`rate ${counted / seconds(t0)}`);
        break;
      }
    }
    await forever();
  } else if (mode === "send") {
    const push = sock("PUSH");
    push.connect(args[0]!);
    const msg = Buffer.alloc(Number(args[1]), 7);
    for (;;) await push.send(msg);
  } else if (mode === "rep") {
    const rep = sock("REP");
    say(`ep ${await rep.bind("tcp://127.0.0.1:*")}`);
    for (;;) await rep.send(await rep.recv());
  } else if (mode === "req") {
    const req = sock("REQ");
    req.connect(args[0]!);
    const msg = Buffer.alloc(16, 7);
    for (let i = 0; i < 500; i++) {
      await req.send(msg);
      await req.recv();
    }
    const until = Date.now() + Number(args[1]);
    const t0 = process.hrtime.bigint();
    let n = 0;
    while (n < 10_000_000) {
      for (let i = 0; i < 64; i++) {
        await req.send(msg);
        await req.recv();
      }
      n += 64;
      if (Date.now() >= until) break;
    }
    say(`rtt ${(seconds(t0) * 1e6) / n}`);
    await forever();
  } else if (mode === "mem") {
    const pull = sock("PULL");
    const ep = await pull.bind("tcp://127.0.0.1:*");
    gc?.();
    const base = process.memoryUsage().rss;
    let peak = base;
    const t = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 2);
    say(`ep ${ep}`);
    const [m] = await pull.recv();
    peak = Math.max(peak, process.memoryUsage().rss);
    clearInterval(t);
    say(`peak ${peak - base} ${m!.length}`);
    await forever();
  } else if (mode === "bigsend") {
    const push = sock("PUSH");
    push.connect(args[0]!);
    await push.send(Buffer.alloc(Number(args[1]), 1));
    await forever();
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
} catch (err) {
  say(`error ${(err as { code?: string }).code ?? (err as Error).message}`);
  process.exit(1);
}
