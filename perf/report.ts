/** The results table (terminal) and the JSON file. */
import { fmtSize } from "./stats.js";

export interface Row {
  group: "throughput" | "latency" | "memory";
  name: string;
  transport: string;
  size: number;
  unit: "msgs/s" | "µs" | "MiB over baseline";
  zocket: number | null;
  zeromq: number | null;
  /** zocket / zeromq.js (for latency and memory lower is better). */
  ratio: number | null;
  target?: string;
  met?: boolean;
  errors?: Partial<Record<"zocket" | "zeromq", string>>;
  runs: Record<"zocket" | "zeromq", number[]>;
}

function fmt(v: number | null, unit: Row["unit"], error?: string): string {
  if (v === null) return error !== undefined && /^E[A-Z0-9]+$/.test(error) ? `n/a (${error})` : "n/a";
  if (unit === "msgs/s") return v >= 1e6 ? `${(v / 1e6).toFixed(2)} M` : v >= 1e3 ? `${(v / 1e3).toFixed(1)} k` : v.toFixed(0);
  if (unit === "µs") return `${v.toFixed(1)} µs`;
  return `${v.toFixed(0)} MiB`;
}

export function table(rows: Row[]): string {
  const head = ["figure", "size", "zocket", "zeromq.js", "ratio", "target"];
  const body = rows.map((r) => [
    `${r.name} (${r.transport})`,
    fmtSize(r.size),
    fmt(r.zocket, r.unit, r.errors?.zocket),
    fmt(r.zeromq, r.unit, r.errors?.zeromq),
    r.ratio === null ? "" : `${r.ratio.toFixed(2)}×`,
    r.target === undefined ? "" : `${r.target} ${r.met ? "met" : "NOT met"}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}

/** The same table in Markdown (for the README). */
export function markdown(rows: Row[]): string {
  const out = ["| figure | size | zocket | zeromq.js | zocket / zeromq.js | target |", "|---|---|---|---|---|---|"];
  for (const r of rows) {
    out.push(
      `| ${r.name} (${r.transport}) | ${fmtSize(r.size)} | ${fmt(r.zocket, r.unit, r.errors?.zocket)} | ${fmt(r.zeromq, r.unit, r.errors?.zeromq)} | ${r.ratio === null ? "" : r.ratio.toFixed(2)} | ${r.target === undefined ? "" : `${r.target}: ${r.met ? "met" : "not met"}`} |`,
    );
  }
  return out.join("\n");
}
