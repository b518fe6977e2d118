/**
 * `npm run bench`: zocket and zeromq.js side by side in one run, alternating
 * (zocket, zeromq.js, then zeromq.js, zocket, ...) so that machine drift hits
 * both; each figure is the median of the runs. Writes a table to the
 * terminal, perf/results/latest.json, perf/results/latest.md and
 * perf/results/throughput.svg. BENCH_FULL=1 runs more sizes and repetitions.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { betweenWorkers } from "./cases/workers.js";
import { pushPull } from "./cases/throughput.js";
import { fanOut } from "./cases/fanout.js";
import { roundTrip, roundTripBenchmarkJs } from "./cases/latency.js";
import { peakMemory, twoProcesses } from "./cases/processes.js";
import { LIBS, type Lib } from "./peers.js";
import { abortAll } from "./cleanup.js";
import { markdown, table, type Row } from "./report.js";
import { deadline, fmtSize, median } from "./stats.js";
import { throughputChart } from "./svg.js";

const FULL = process.env.BENCH_FULL === "1";
const RUNS = FULL ? 5 : 3;
const SIZES = [16, 256, 4096, 65536, 1 << 20];
const CASE_TIMEOUT = 60_000;

interface Spec {
  group: Row["group"];
  name: string;
  transport: string;
  size: number;
  unit: Row["unit"];
  libs: Lib[];
  /** Why a library has no figure for this case (shown as n/a). */
  unsupported?: Partial<Record<Lib, string>>;
  runs?: number;
  measure(lib: Lib): Promise<number>;
  /** `rows`: the rows measured before this one (a target may compare with another case). */
  target?: { text: string; check(r: { zocket: number | null; zeromq: number | null; ratio: number | null }, rows: readonly Row[]): boolean };
}

const specs: Spec[] = [];
const tp = (transport: "inproc" | "ipc" | "tcp", size: number, target?: Spec["target"]): Spec => ({
  group: "throughput",
  name: "PUSH→PULL",
  transport,
  size,
  unit: "msgs/s",
  libs: LIBS,
  measure: (lib) => pushPull(lib, transport, size),
  ...(target ? { target } : {}),
});
for (const size of SIZES) {
  specs.push(tp("inproc", size, size === 16 ? { text: "≥ 10× zeromq.js", check: (r) => (r.ratio ?? 0) >= 10 } : undefined));
}
for (const size of SIZES) specs.push(tp("ipc", size));
for (const size of SIZES) {
  specs.push(
    tp(
      "tcp",
      size,
      size === 16
        ? { text: "≥ 5× zeromq.js", check: (r) => (r.ratio ?? 0) >= 5 }
        : size === 65536
          ? { text: "≥ 1× zeromq.js", check: (r) => (r.ratio ?? 0) >= 1 }
          : undefined,
    ),
  );
}
for (const size of FULL ? SIZES : SIZES.slice(0, 4)) {
  specs.push({
    group: "throughput",
    name: "PUSH→PULL",
    transport: "workers",
    size,
    unit: "msgs/s",
    libs: ["zocket"],
    unsupported: { zeromq: "zeromq.js has no context shared between worker threads (inproc cannot cross them)" },
    measure: () => betweenWorkers(size),
    ...(size === 16 ? { target: { text: "≥ 3 M msgs/s", check: (r: { zocket: number | null }) => (r.zocket ?? 0) >= 3e6 } } : {}),
  });
}
for (const size of FULL ? SIZES : [16, 65536]) {
  specs.push({ group: "throughput", name: "PUSH→PULL", transport: "tcp, 2 processes", size, unit: "msgs/s", libs: LIBS, measure: (lib) => twoProcesses(lib, size) });
}
for (const transport of ["inproc", "tcp"] as const) {
  specs.push({ group: "throughput", name: "multipart 3×", transport, size: 16, unit: "msgs/s", libs: LIBS, measure: (lib) => pushPull(lib, transport, 16, 3) });
}
for (const transport of ["inproc", "ipc", "tcp"] as const) {
  specs.push({
    group: "latency",
    name: "REQ/REP round trip",
    transport,
    size: 16,
    unit: "µs",
    libs: LIBS,
    measure: (lib) => roundTrip(lib, transport, FULL ? 2000 : 800),
    ...(transport === "tcp" ? { target: { text: "≤ 1/3 of zeromq.js", check: (r: { ratio: number | null }) => r.ratio !== null && r.ratio <= 1 / 3 } } : {}),
  });
}
specs.push({
  group: "latency",
  name: "REQ/REP round trip, benchmark.js deferred",
  transport: "tcp",
  size: 16,
  unit: "µs",
  libs: LIBS,
  measure: (lib) => roundTripBenchmarkJs(lib, "tcp", FULL ? 2 : 0.8),
});
// PUB fan-out: 1 SUB, then 1000 SUBs of which one matches; the second row's target compares it with the first.
const FAN_OUT = "PUB fan-out, one matching";
for (const subscribers of [1, 1000]) {
  specs.push({
    group: "throughput",
    name: FAN_OUT,
    transport: `inproc, ${subscribers} SUB${subscribers > 1 ? "s" : ""}`,
    size: 16,
    unit: "msgs/s",
    libs: LIBS,
    measure: (lib) => fanOut(lib, subscribers),
    ...(subscribers > 1
      ? {
          target: {
            text: "≥ 0.3 × zocket's 1-SUB rate",
            check: (r: { zocket: number | null }, rows: readonly Row[]) => {
              const one = rows.find((x) => x.name === FAN_OUT && x.transport === "inproc, 1 SUB")?.zocket ?? null;
              return r.zocket !== null && one !== null && r.zocket >= 0.3 * one;
            },
          },
        }
      : {}),
  });
}
// CURVE (RFC 26): every frame sealed by the sender and opened by the receiver,
// both in this process for zocket (libzmq does it in its I/O thread).
for (const size of [16, 65536]) {
  specs.push({
    group: "throughput",
    name: "PUSH→PULL, CURVE",
    transport: "tcp",
    size,
    unit: "msgs/s",
    libs: LIBS,
    measure: (lib) => pushPull(lib, "tcp", size, 1, true),
    ...(size === 16 ? { target: { text: "≥ 2× zeromq.js", check: (r: { ratio: number | null }) => (r.ratio ?? 0) >= 2 } } : {}),
  });
}
specs.push({
  group: "latency",
  name: "REQ/REP round trip, CURVE",
  transport: "tcp",
  size: 16,
  unit: "µs",
  libs: LIBS,
  measure: (lib) => roundTrip(lib, "tcp", FULL ? 2000 : 800, true),
});
const BIG = 256 * 1024 * 1024;
specs.push({
  group: "memory",
  name: "peak RSS receiving one message",
  transport: "tcp",
  size: BIG,
  unit: "MiB over baseline",
  libs: LIBS,
  measure: async (lib) => (await peakMemory(lib, BIG)) / (1 << 20),
  target: { text: "≤ 1.25 × 256 MiB", check: (r) => r.zocket !== null && r.zocket <= 1.25 * 256 },
});

// BENCH_ONLY=<regexp> keeps the cases whose "name (transport) size" matches, e.g. BENCH_ONLY='inproc.* 16 B$'.
const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : null;
if (only !== null) {
  const kept = specs.filter((s) => only.test(`${s.name} (${s.transport}) ${fmtSize(s.size)}`));
  specs.splice(0, specs.length, ...kept);
}

function progress(text: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${text}`);
  else process.stderr.write(`${text}\n`);
}

const rows: Row[] = [];
const started = Date.now();
for (const [i, spec] of specs.entries()) {
  const runs: Row["runs"] = { zocket: [], zeromq: [] };
  const errors: Row["errors"] = { ...spec.unsupported };
  const n = spec.runs ?? RUNS;
  for (let run = 0; run < n; run++) {
    // Alternate who goes first so drift is shared.
    const order = run % 2 === 0 ? spec.libs : [...spec.libs].reverse();
    for (const lib of order) {
      if (errors[lib] !== undefined) continue;
      progress(`[${i + 1}/${specs.length}] ${spec.name} ${spec.transport} ${fmtSize(spec.size)}: ${lib} run ${run + 1}/${n} (${Math.round((Date.now() - started) / 1000)} s)`);
      try {
        runs[lib].push(await deadline(spec.measure(lib), CASE_TIMEOUT, `${lib} ${spec.name}`));
      } catch (err) {
        errors[lib] = (err as { code?: string }).code ?? (err as Error).message;
        // Whatever the failed or stuck run still holds is torn down before the next one.
        await abortAll();
      }
    }
  }
  const zocket = runs.zocket.length > 0 ? median(runs.zocket) : null;
  const zeromq = runs.zeromq.length > 0 ? median(runs.zeromq) : null;
  const ratio = zocket !== null && zeromq !== null ? zocket / zeromq : null;
  const row: Row = { group: spec.group, name: spec.name, transport: spec.transport, size: spec.size, unit: spec.unit, zocket, zeromq, ratio, runs };
  if (Object.keys(errors).length > 0) row.errors = errors;
  if (spec.target) {
    row.target = spec.target.text;
    row.met = spec.target.check({ zocket, zeromq, ratio }, rows);
  }
  rows.push(row);
}
progress(`done in ${Math.round((Date.now() - started) / 1000)} s\n`);

const machine = {
  cpu: os.cpus()[0]?.model ?? "unknown",
  cores: os.cpus().length,
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  platform: `${os.platform()} ${os.release()}`,
  date: new Date().toISOString(),
  full: FULL,
  runsPerFigure: RUNS,
};
const dir = fileURLToPath(new URL("../../perf/results/", import.meta.url));
mkdirSync(dir, { recursive: true });
// A filtered run (BENCH_ONLY) goes to partial.* and leaves the full results alone.
const base = only === null ? "latest" : "partial";
writeFileSync(`${dir}${base}.json`, JSON.stringify({ machine, rows }, null, 2) + "\n");
writeFileSync(`${dir}${base}.md`, markdown(rows) + "\n");
if (only === null) writeFileSync(`${dir}throughput.svg`, throughputChart(rows) + "\n");
console.log(table(rows));
const notes = new Set<string>();
for (const r of rows) {
  for (const [lib, e] of Object.entries(r.errors ?? {})) notes.add(/^E[A-Z0-9]+$/.test(e) ? `  ${lib === "zeromq" ? "zeromq.js" : lib}, ${r.name} (${r.transport}, ${fmtSize(r.size)}): ${e}` : `  ${lib === "zeromq" ? "zeromq.js" : lib} n/a (${r.transport}): ${e}`);
}
for (const n of notes) console.log(n);
console.log(`\nmachine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}; results in perf/results/`);

// Everything the suite started is closed by now, so the process ends by itself.
// If something still holds it, say what and end anyway.
setTimeout(() => {
  console.error(`warning: the suite left handles open: ${process.getActiveResourcesInfo().join(", ")}`);
  process.exit(1);
}, 10_000).unref();
