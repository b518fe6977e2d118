/** The results table (terminal and Markdown), its footnotes and the failure notes. */
import { fmtBytesPerSec, fmtRate, fmtSize, isPartial, type Figure } from "./stats.js";

/** The three figure columns: the two libraries, and a raw baseline (Node `net`, a SharedArrayBuffer ring) with no library. */
export type Who = "zocket" | "zeromq" | "baseline";
export const WHO: readonly Who[] = ["zocket", "zeromq", "baseline"];
export const WHO_NAME: Record<Who, string> = { zocket: "zocket", zeromq: "zeromq.js", baseline: "raw baseline" };

export interface Row {
  group: "throughput" | "latency" | "memory";
  name: string;
  transport: string;
  size: number;
  unit: "msgs/s" | "µs" | "MiB over baseline" | "of 5000 delivered";
  /** The columns this case measures (the others stay empty, or show `absent`). */
  who: Who[];
  /** Bytes per message (all parts), for the bytes/s column of throughput rows. */
  bytes?: number;
  zocket: Figure | null;
  zeromq: Figure | null;
  baseline: Figure | null;
  /** zocket / zeromq.js medians (for latency and memory lower is better). */
  ratio: number | null;
  /** Shown instead of a figure where a column has none by design (not a failure). */
  absent?: Partial<Record<Who, string>>;
  /** Footnote numbers that apply to this row. */
  notes?: number[];
  target?: string;
  /** The figure the target is judged on (a ratio), as text. */
  actual?: string;
  /** null: the target could not be judged (a figure it needs is missing). */
  met?: boolean | null;
  /** One line per failed run: who, which run, why. */
  failures?: string[];
}

function fmtValue(v: number, unit: Row["unit"]): string {
  if (unit === "msgs/s") return fmtRate(v);
  if (unit === "µs") return `${v.toFixed(1)} µs`;
  if (unit === "of 5000 delivered") return `${v.toFixed(0)}/5000`;
  return `${v.toFixed(0)} MiB`;
}

/** "median (min–max)", marked "(k/n runs: why)" when some runs gave no figure. */
export function fmtFigure(f: Figure | null, unit: Row["unit"]): string {
  if (f === null) return "failed";
  let s = fmtValue(f.median, unit);
  if (f.runs.length > 1) s += ` (${fmtValue(f.min, unit)}–${fmtValue(f.max, unit)})`;
  if (isPartial(f)) s += ` (${f.runs.length}/${f.planned} runs: ${f.failure ?? "failed"})`;
  return s;
}

function bytesPerSec(r: Row): string {
  if (r.unit !== "msgs/s" || r.bytes === undefined) return "";
  const bytes = r.bytes;
  return WHO.map((w) => r[w])
    .filter((f): f is Figure => f !== null)
    .map((f) => fmtBytesPerSec(f.median * bytes))
    .join(" / ");
}

function targetCell(r: Row): string {
  if (r.target === undefined) return "";
  const verdict = r.met === null || r.met === undefined ? "not judged" : r.met ? "met" : "NOT met";
  return `${r.target}: ${r.actual ?? "?"}, ${verdict}`;
}

function cells(r: Row): string[] {
  const marks = r.notes?.length ? ` [${r.notes.join(",")}]` : "";
  return [
    `${r.name} (${r.transport})${marks}`,
    fmtSize(r.size),
    ...WHO.map((w) => (r.who.includes(w) ? fmtFigure(r[w], r.unit) : (r.absent?.[w] ?? ""))),
    r.ratio === null ? "" : `${r.ratio.toFixed(2)}×`,
    bytesPerSec(r),
    targetCell(r),
  ];
}

const HEAD = ["figure", "size", "zocket", "zeromq.js", "raw baseline", "zocket / zeromq.js", "bytes/s (same order)", "target (this run)"];

export function table(rows: readonly Row[]): string {
  const body = rows.map(cells);
  const widths = HEAD.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (c: string[]): string => c.map((x, i) => (i < 2 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join("  ");
  return [line(HEAD), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}

export function markdown(rows: readonly Row[]): string {
  const out = [`| ${HEAD.join(" | ")} |`, `|${HEAD.map(() => "---").join("|")}|`];
  for (const r of rows) out.push(`| ${cells(r).join(" | ")} |`);
  return out.join("\n");
}

/** Every failed run, one line each (written under the table, so a partial median can be traced). */
export function failureNotes(rows: readonly Row[]): string[] {
  return rows.flatMap((r) => (r.failures ?? []).map((f) => `${r.name} (${r.transport}, ${fmtSize(r.size)}): ${f}`));
}
