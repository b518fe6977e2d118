/**
 * The cases `npm run bench` measures, in the order it measures them, with
 * the targets of issue 13 (and of earlier issues) judged on the same run.
 * A baseline row sits next to the rows that are compared with it, so that
 * machine drift during the run hits both alike.
 */
import { betweenWorkers } from "./cases/workers.js";
import { pushPull } from "./cases/throughput.js";
import { pubBurst } from "./cases/burst.js";
import { fanOut } from "./cases/fanout.js";
import { roundTrip, roundTripBenchmarkJs } from "./cases/latency.js";
import { netBulkTwoProcesses, netPingPongTwoProcesses, peakMemory, twoProcesses, twoProcessRoundTrip } from "./cases/processes.js";
import { netBulkOneProcess, netPingPongOneProcess } from "./cases/net.js";
import { sabRing } from "./cases/ring.js";
import type { Row, Who } from "./report.js";
import { windowFor, type Window } from "./stats.js";

export interface Judged {
  actual: string;
  met: boolean | null;
}

export interface Spec {
  group: Row["group"];
  name: string;
  transport: string;
  size: number;
  unit: Row["unit"];
  bytes?: number;
  /** The columns this case measures. */
  who: Who[];
  absent?: Partial<Record<Who, string>>;
  notes?: number[];
  measure(who: Who, w: Window): Promise<number>;
  target?: Target;
}

export interface Target {
  text: string;
  judge(row: Row, rows: readonly Row[]): Judged;
}

/** Footnotes, numbered as the rows' marks. */
export const NOTES: Record<number, string> = {
  1: "Reused buffer: the sender sends one Buffer again and again. zocket's inproc hands a Buffer to the receiver by reference (no copy: the receiver gets the very object), so at 64 KiB and 1 MiB this row measures the pipe and not the bytes, and its bytes/s is not a memory bandwidth. The fresh-buffer rows allocate a new Buffer per message (Buffer.alloc(size, 7), both libraries), as an application that produces its data does.",
  2: "Raw baselines use no messaging library. Node net bulk: one Buffer written again and again over loopback tcp (writableHighWaterMark 16 MiB, TCP_NODELAY), the receiver counts bytes; shown as size-byte messages/s. Node net ping-pong: 16 bytes there and back, callbacks only. SAB ring: a single-producer/single-consumer ring of 64 Ki 16-byte slots in a SharedArrayBuffer between two workers; a side that finds it empty or full looks again a while, then sleeps in Atomics.wait, and the other calls Atomics.notify only when it sees that; the consumer copies each message into a Buffer of its own.",
  3: "Between workers, `await send()/recv()` and the synchronous `trySend()/tryRecv()` (libzmq's ZMQ_DONTWAIT; a loop awaits only when they report it would wait).",
  4: "ioThreads: 1: zocket's tcp listeners, sessions and engines run in one I/O thread owned by the context (libzmq's ZMQ_IO_THREADS; zeromq.js has one by default); the other tcp/ipc rows run them in the socket's thread (ioThreads: 0, zocket's default).",
};

const fmtX = (v: number): string => `${v.toFixed(2)}×`;

/** zocket / zeromq.js at least (or, for latency, at most) `k`. */
function vsZeromq(k: number, atMost = false): Target {
  return {
    text: `${atMost ? "≤" : "≥"} ${k}× zeromq.js`,
    judge: (r) => (r.ratio === null ? { actual: "no ratio", met: null } : { actual: fmtX(r.ratio), met: atMost ? r.ratio <= k : r.ratio >= k }),
  };
}

/** zocket's median over the baseline median of the row named `base`, at least (or at most) `k`. */
function vsBaseline(k: number, label: string, base: (r: Row) => boolean, atMost = false): Target {
  return {
    text: `${atMost ? "≤" : "≥"} ${k}× ${label}`,
    judge: (r, rows) => {
      const b = rows.find(base)?.baseline ?? null;
      if (r.zocket === null || b === null) return { actual: "a figure is missing", met: null };
      const x = r.zocket.median / b.median;
      return { actual: fmtX(x), met: atMost ? x <= k : x >= k };
    },
  };
}

const isRow = (name: string, transport: string, size: number) => (r: Row) => r.name === name && r.transport === transport && r.size === size;
const NET_BULK = "raw Node net bulk";
const NET_PING = "raw Node net ping-pong";
const SAB = "raw SharedArrayBuffer ring";
const BOTH: Who[] = ["zocket", "zeromq"];
const BASE: Who[] = ["baseline"];
const NO_ZMQ_WORKERS = { zeromq: "n/a (no context shared by threads)" };

export function buildSpecs(opts: { full: boolean; quick: boolean }): Spec[] {
  const SIZES = [16, 256, 4096, 65536, 1 << 20];
  const win = (size: number): Window => windowFor(size, opts.quick);
  const rttMs = opts.full ? 2000 : opts.quick ? 400 : 800;
  const specs: Spec[] = [];
  const tp = (transport: "inproc" | "ipc" | "tcp", size: number, extra: Partial<Spec> & { fresh?: boolean; ioThreads?: number } = {}): Spec => {
    const { fresh, ioThreads, ...rest } = extra;
    return {
      group: "throughput",
      name: "PUSH→PULL",
      transport,
      size,
      bytes: size,
      unit: "msgs/s",
      who: BOTH,
      measure: (who) => pushPull(who as "zocket" | "zeromq", transport, size, win(size), { ...(fresh ? { fresh } : {}), ...(ioThreads !== undefined ? { ioThreads } : {}) }),
      ...rest,
    };
  };

  for (const size of SIZES) {
    specs.push(tp("inproc", size, { ...(size >= 65536 ? { notes: [1] } : {}), ...(size === 16 ? { target: vsZeromq(15) } : {}) }));
  }
  for (const size of [65536, 1 << 20]) specs.push(tp("inproc", size, { name: "PUSH→PULL, fresh buffer", fresh: true, notes: [1] }));
  for (const size of SIZES) specs.push(tp("ipc", size));
  for (const size of SIZES) specs.push(tp("tcp", size, size === 16 ? { target: vsZeromq(10) } : size >= 65536 ? { target: vsZeromq(1) } : {}));
  for (const size of [16, 65536, 1 << 20]) {
    specs.push(tp("tcp", size, { name: "PUSH→PULL, ioThreads: 1", ioThreads: 1, notes: [4], ...(size >= 65536 ? { target: vsZeromq(1) } : {}) }));
  }
  for (const size of [65536, 1 << 20]) {
    specs.push({ group: "throughput", name: NET_BULK, transport: "tcp, 1 process", size, bytes: size, unit: "msgs/s", who: BASE, notes: [2], measure: () => netBulkOneProcess(size, win(size)) });
  }

  for (const size of opts.full ? SIZES : SIZES.slice(0, 4)) {
    specs.push({
      group: "throughput",
      name: "PUSH→PULL",
      transport: "workers",
      size,
      bytes: size,
      unit: "msgs/s",
      who: ["zocket"],
      absent: NO_ZMQ_WORKERS,
      notes: [3],
      measure: (_, w) => betweenWorkers(size, w),
      ...(size === 16 ? { target: vsBaseline(0.5, "SAB ring", isRow(SAB, "workers", 16)) } : {}),
    });
  }
  specs.push({
    group: "throughput",
    name: "PUSH→PULL, trySend/tryRecv",
    transport: "workers",
    size: 16,
    bytes: 16,
    unit: "msgs/s",
    who: ["zocket"],
    absent: NO_ZMQ_WORKERS,
    notes: [3],
    measure: (_, w) => betweenWorkers(16, w, "try"),
    target: vsBaseline(0.5, "SAB ring", isRow(SAB, "workers", 16)),
  });
  specs.push({ group: "throughput", name: SAB, transport: "workers", size: 16, bytes: 16, unit: "msgs/s", who: BASE, notes: [2], measure: (_, w) => sabRing(w) });

  for (const size of opts.full ? SIZES : [16, 65536]) {
    specs.push({
      group: "throughput",
      name: "PUSH→PULL",
      transport: "tcp, 2 processes",
      size,
      bytes: size,
      unit: "msgs/s",
      who: BOTH,
      measure: (who, w) => twoProcesses(who as "zocket" | "zeromq", size, w),
      ...(size === 65536 ? { target: vsBaseline(0.9, "raw net, 2 processes", isRow(NET_BULK, "tcp, 2 processes", 65536)) } : {}),
    });
  }
  for (const size of [65536, 1 << 20]) {
    specs.push({ group: "throughput", name: NET_BULK, transport: "tcp, 2 processes", size, bytes: size, unit: "msgs/s", who: BASE, notes: [2], measure: (_, w) => netBulkTwoProcesses(size, w) });
  }

  for (const transport of ["inproc", "tcp"] as const) {
    specs.push({ group: "throughput", name: "multipart 3×", transport, size: 16, bytes: 48, unit: "msgs/s", who: BOTH, measure: (who, w) => pushPull(who as "zocket" | "zeromq", transport, 16, w, { parts: 3 }) });
  }
  for (const transport of ["inproc", "ipc", "tcp"] as const) {
    specs.push({
      group: "latency",
      name: "REQ/REP round trip",
      transport,
      size: 16,
      unit: "µs",
      who: BOTH,
      measure: (who) => roundTrip(who as "zocket" | "zeromq", transport, rttMs),
      ...(transport === "tcp" ? { target: vsBaseline(1.25, "raw net ping-pong", isRow(NET_PING, "tcp, 1 process", 16), true) } : {}),
    });
  }
  specs.push({ group: "latency", name: NET_PING, transport: "tcp, 1 process", size: 16, unit: "µs", who: BASE, notes: [2], measure: () => netPingPongOneProcess(rttMs) });
  specs.push({
    group: "latency",
    name: "REQ/REP round trip",
    transport: "tcp, 2 processes",
    size: 16,
    unit: "µs",
    who: BOTH,
    measure: (who) => twoProcessRoundTrip(who as "zocket" | "zeromq", rttMs),
  });
  specs.push({ group: "latency", name: NET_PING, transport: "tcp, 2 processes", size: 16, unit: "µs", who: BASE, notes: [2], measure: () => netPingPongTwoProcesses(rttMs) });
  specs.push({
    group: "latency",
    name: "REQ/REP round trip, benchmark.js deferred",
    transport: "tcp",
    size: 16,
    unit: "µs",
    who: BOTH,
    measure: (who) => roundTripBenchmarkJs(who as "zocket" | "zeromq", "tcp", rttMs / 1000),
  });

  // PUB fan-out: 1 SUB, then 1000 SUBs of which one matches; the second row's target compares it with the first.
  const FAN_OUT = "PUB fan-out, one matching";
  for (const subscribers of [1, 1000]) {
    specs.push({
      group: "throughput",
      name: FAN_OUT,
      transport: `inproc, ${subscribers} SUB${subscribers > 1 ? "s" : ""}`,
      size: 16,
      bytes: 16,
      unit: "msgs/s",
      who: BOTH,
      measure: (who, w) => fanOut(who as "zocket" | "zeromq", subscribers, w),
      ...(subscribers > 1
        ? {
            target: {
              text: "≥ 0.3× zocket's 1-SUB rate",
              judge: (r: Row, rows: readonly Row[]): Judged => {
                const one = rows.find((x) => x.name === FAN_OUT && x.transport === "inproc, 1 SUB")?.zocket ?? null;
                if (r.zocket === null || one === null) return { actual: "a figure is missing", met: null };
                const x = r.zocket.median / one.median;
                return { actual: fmtX(x), met: x >= 0.3 };
              },
            },
          }
        : {}),
    });
  }
  // A burst: 5000 × 16 B published in one tight `await send()` loop; how many reach a subscriber that reads after it.
  for (const transport of ["tcp", "ipc"] as const) {
    specs.push({
      group: "throughput",
      name: "PUB burst, 5000 in one loop",
      transport,
      size: 16,
      unit: "of 5000 delivered",
      who: BOTH,
      measure: (who) => pubBurst(who as "zocket" | "zeromq", transport),
      target: {
        text: "≥ 4500 delivered (90%)",
        judge: (r: Row): Judged => (r.zocket === null ? { actual: "a figure is missing", met: null } : { actual: `${r.zocket.median.toFixed(0)}`, met: r.zocket.median >= 4500 }),
      },
    });
  }
  specs.push({
    group: "throughput",
    name: "PUB burst, 5000 in one loop, ioThreads: 1",
    transport: "tcp",
    size: 16,
    unit: "of 5000 delivered",
    who: BOTH,
    notes: [4],
    measure: (who) => pubBurst(who as "zocket" | "zeromq", "tcp", 5000, 16, 1),
  });
  // CURVE (RFC 26): every frame sealed by the sender and opened by the receiver,
  // both in this process for zocket (libzmq does it in its I/O thread).
  for (const size of [16, 65536]) {
    specs.push({
      group: "throughput",
      name: "PUSH→PULL, CURVE",
      transport: "tcp",
      size,
      bytes: size,
      unit: "msgs/s",
      who: BOTH,
      measure: (who, w) => pushPull(who as "zocket" | "zeromq", "tcp", size, w, { curve: true }),
      ...(size === 16 ? { target: vsZeromq(2) } : {}),
    });
  }
  specs.push({
    group: "latency",
    name: "REQ/REP round trip, CURVE",
    transport: "tcp",
    size: 16,
    unit: "µs",
    who: BOTH,
    measure: (who) => roundTrip(who as "zocket" | "zeromq", "tcp", rttMs, true),
  });
  const BIG = 256 * 1024 * 1024;
  specs.push({
    group: "memory",
    name: "peak RSS receiving one message",
    transport: "tcp, 2 processes",
    size: BIG,
    unit: "MiB over baseline",
    who: BOTH,
    measure: async (who) => (await peakMemory(who as "zocket" | "zeromq", BIG)) / (1 << 20),
    target: {
      text: "≤ 1.25 × 256 MiB",
      judge: (r) => (r.zocket === null ? { actual: "no figure", met: null } : { actual: `${r.zocket.median.toFixed(0)} MiB`, met: r.zocket.median <= 1.25 * 256 }),
    },
  });
  return specs;
}
