/**
 * `npm run bench`: zocket, zeromq.js and raw baselines side by side in one
 * run, alternating (zocket, zeromq.js, then zeromq.js, zocket, ...) so that
 * machine drift hits both; each figure is the median of the runs, shown with
 * its min–max. A run that fails or gives no finite positive figure is left
 * out and the figure is marked "(k/n runs: why)"; every failure is listed
 * under the table. Writes the table to the terminal, perf/results/latest.json,
 * latest.md and throughput.svg.
 *
 * Options (after `npm run bench --`):
 *   --quick        1 run per figure and half-length windows (for iteration; writes partial.*)
 *   --only <re>    only the cases whose "name (transport) size" matches (case-insensitive; writes partial.*)
 *   --full         5 runs per figure and more sizes (also BENCH_FULL=1)
 * BENCH_ONLY=<re> is the same as --only; BENCH_SECONDS scales the windows (0.5 = as written).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { abortAll } from "./cleanup.js";
import { failureNotes, markdown, table, WHO_NAME, type Row, type Who } from "./report.js";
import { buildSpecs, NOTES } from "./specs.js";
import { checkFigure, deadline, fmtSize, summarize, windowFor } from "./stats.js";
import { throughputChart } from "./svg.js";

const argv = process.argv.slice(2);
const flag = (name: string): boolean => argv.includes(name);
const value = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const FULL = flag("--full") || process.env.BENCH_FULL === "1";
const QUICK = flag("--quick");
const RUNS = QUICK ? 1 : FULL ? 5 : 3;
const CASE_TIMEOUT = 60_000;
const onlyText = value("--only") ?? process.env.BENCH_ONLY;
const only = onlyText !== undefined ? new RegExp(onlyText, "i") : null;

let specs = buildSpecs({ full: FULL, quick: QUICK });
if (only !== null) specs = specs.filter((s) => only.test(`${s.name} (${s.transport}) ${fmtSize(s.size)}`));
if (specs.length === 0) {
  console.error(`no case matches ${onlyText}`);
  process.exit(2);
}

function progress(text: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${text}`);
  else process.stderr.write(`${text}\n`);
}

const rows: Row[] = [];
const started = Date.now();
for (const [i, spec] of specs.entries()) {
  const runs: Record<Who, number[]> = { zocket: [], zeromq: [], baseline: [] };
  const failed: Partial<Record<Who, string>> = {};
  const failures: string[] = [];
  const window = windowFor(spec.size, QUICK);
  for (let run = 0; run < RUNS; run++) {
    // Alternate who goes first so drift is shared.
    const order = run % 2 === 0 ? spec.who : [...spec.who].reverse();
    for (const who of order) {
      // After a failure the library sits out the rest of the case (a stuck one would cost a timeout per run).
      if (failed[who] !== undefined) continue;
      progress(`[${i + 1}/${specs.length}] ${spec.name} ${spec.transport} ${fmtSize(spec.size)}: ${WHO_NAME[who]} run ${run + 1}/${RUNS} (${Math.round((Date.now() - started) / 1000)} s)`);
      try {
        const v = await deadline(spec.measure(who, window), CASE_TIMEOUT, `${WHO_NAME[who]} ${spec.name}`);
        runs[who].push(checkFigure(v, `${WHO_NAME[who]} ${spec.name}`));
      } catch (err) {
        const why = (err as { code?: string }).code ?? (err as Error).message;
        failed[who] = why;
        failures.push(`${WHO_NAME[who]}, run ${run + 1}/${RUNS}: ${(err as Error).message}${why !== (err as Error).message ? ` (${why})` : ""}`);
        // Whatever the failed or stuck run still holds is torn down before the next one.
        await abortAll();
      }
    }
  }
  const fig = (who: Who) => (spec.who.includes(who) ? summarize(runs[who], RUNS, failed[who]) : null);
  const zocket = fig("zocket");
  const zeromq = fig("zeromq");
  const row: Row = {
    group: spec.group,
    name: spec.name,
    transport: spec.transport,
    size: spec.size,
    unit: spec.unit,
    who: spec.who,
    ...(spec.bytes !== undefined ? { bytes: spec.bytes } : {}),
    zocket,
    zeromq,
    baseline: fig("baseline"),
    ratio: zocket !== null && zeromq !== null ? zocket.median / zeromq.median : null,
  };
  if (spec.absent) row.absent = spec.absent;
  if (spec.notes) row.notes = spec.notes;
  if (failures.length > 0) row.failures = failures;
  rows.push(row);
}
// Targets are judged once every row is in: some compare with a baseline measured later.
for (const [i, spec] of specs.entries()) {
  if (!spec.target) continue;
  const row = rows[i]!;
  const j = spec.target.judge(row, rows);
  row.target = spec.target.text;
  row.actual = j.actual;
  row.met = j.met;
}
progress(`done in ${Math.round((Date.now() - started) / 1000)} s\n`);

const machine = {
  cpu: os.cpus()[0]?.model ?? "unknown",
  cores: os.cpus().length,
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  loadAverage: os.loadavg().map((x) => Math.round(x * 10) / 10),
  node: process.version,
  platform: `${os.platform()} ${os.release()}`,
  date: new Date().toISOString(),
  full: FULL,
  quick: QUICK,
  runsPerFigure: RUNS,
  seconds: Math.round((Date.now() - started) / 1000),
};
const used = new Set(rows.flatMap((r) => r.notes ?? []));
const notes = [...used].sort((a, b) => a - b).map((n) => `[${n}] ${NOTES[n]}`);
const fails = failureNotes(rows);
const unjudged = rows.filter((r) => r.target !== undefined && r.met === null).map((r) => `${r.name} (${r.transport}, ${fmtSize(r.size)}): target not judged, ${r.actual}`);
const legend =
  "Each figure: median of the runs (min–max); ratio = zocket / zeromq.js (for µs and MiB lower is better). " +
  "bytes/s = messages/s × message size (all parts), one per figure in column order.";

const dir = fileURLToPath(new URL("../../perf/results/", import.meta.url));
mkdirSync(dir, { recursive: true });
// A quick or filtered run goes to partial.* and leaves the full results alone.
const base = only === null && !QUICK ? "latest" : "partial";
const md = [
  markdown(rows),
  "",
  legend,
  "",
  ...notes.flatMap((n) => [n, ""]),
  fails.length > 0 ? "Failed runs (left out of the medians):" : "Failed runs: none.",
  ...fails.map((f) => `- ${f}`),
  ...(unjudged.length > 0 ? ["", ...unjudged.map((u) => `- ${u}`)] : []),
  "",
  `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, load average ${machine.loadAverage.join(" ")} at the end; ${RUNS} run(s) per figure; ${machine.seconds} s in all; ${machine.date}.`,
];
writeFileSync(`${dir}${base}.json`, JSON.stringify({ machine, notes: NOTES, rows }, null, 2) + "\n");
writeFileSync(`${dir}${base}.md`, md.join("\n") + "\n");
if (base === "latest") writeFileSync(`${dir}throughput.svg`, throughputChart(rows) + "\n");
console.log(table(rows));
console.log(`\n${legend}`);
for (const n of notes) console.log(n);
if (fails.length > 0) console.log(`\nFailed runs (left out of the medians):\n${fails.map((f) => `  ${f}`).join("\n")}`);
for (const u of unjudged) console.log(`  ${u}`);
console.log(`\nmachine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}; results in perf/results/${base}.*`);

// Everything the suite started is closed by now, so the process ends by itself.
// If something still holds it, say what and end anyway.
setTimeout(() => {
  console.error(`warning: the suite left handles open: ${process.getActiveResourcesInfo().join(", ")}`);
  process.exit(1);
}, 10_000).unref();
