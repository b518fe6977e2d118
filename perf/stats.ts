/** Figures from repeated runs: checking one, summarizing several, formatting sizes and rates. */

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function seconds(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e9;
}

/**
 * A run's figure, or a thrown error if it is not a finite positive number: a
 * child that exits without printing its figure, a division by a zero
 * duration or a parse of garbage must fail the run, not enter the median as
 * 0 ("perfect" memory) or NaN.
 */
export function checkFigure(v: unknown, what: string): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
    throw Object.assign(new Error(`${what}: no valid figure (got ${String(v)})`), { code: "ENOFIGURE" });
  }
  return v;
}

/** The runs of one library in one case: median, spread, and how many of the planned runs gave a figure. */
export interface Figure {
  median: number;
  min: number;
  max: number;
  runs: number[];
  planned: number;
  /** Why the runs that gave no figure failed (the first failure; later runs were skipped). */
  failure?: string;
}

/** null when no run gave a figure; otherwise the median of the runs that did, marked partial by `runs.length < planned`. */
export function summarize(runs: readonly number[], planned: number, failure?: string): Figure | null {
  for (const v of runs) checkFigure(v, "summarize");
  if (runs.length === 0) return null;
  const f: Figure = { median: median(runs), min: Math.min(...runs), max: Math.max(...runs), runs: [...runs], planned };
  if (failure !== undefined) f.failure = failure;
  return f;
}

export function isPartial(f: Figure): boolean {
  return f.runs.length < f.planned;
}

/** Rejects if `p` takes longer than `ms`: one stuck case must not hang the suite. */
export function deadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: ReturnType<typeof setTimeout>;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<T>((_, reject) => {
      t = setTimeout(() => reject(Object.assign(new Error(`${what}: timed out after ${ms} ms`), { code: "ETIMEDOUT" })), ms);
    }),
  ]);
}

/** How many messages one count-timed run sends: about 256 MiB, within [200, 300k]. */
export function countFor(size: number, parts = 1): number {
  return Math.max(200, Math.min(300_000, Math.floor((256 * 1024 * 1024) / (size * parts + 16))));
}

/**
 * How long a throughput case warms up and then counts, in seconds. Large
 * messages get longer windows and more warm-up: at 1 MiB a 0.5 s window holds
 * only a few hundred messages, and one GC pause or a TCP window that is still
 * opening moves the figure by a factor.
 */
export interface Window {
  /** Warm-up: at least this many seconds... */
  warm: number;
  /** ...and at least this many messages (JIT tiers, socket buffers, the TCP window: a count, for a loaded machine). */
  warmCount: number;
  secs: number;
}

export function windowFor(size: number, quick: boolean): Window {
  const scale = Number(process.env.BENCH_SECONDS) > 0 ? Number(process.env.BENCH_SECONDS) / 0.5 : 1;
  const w = size >= 65536 ? { warm: 0.6, secs: 1.2 } : { warm: 0.25, secs: 0.5 };
  const q = quick ? 0.5 : 1;
  // About 1/8 of 256 MiB, at most 20,000 messages: the count-based warm-up the suite had before it was timed.
  const warmCount = Math.max(16, Math.min(20_000, countFor(size) >> 3));
  return { warm: w.warm * scale * q, warmCount, secs: w.secs * scale * q };
}

export function fmtSize(n: number): string {
  if (n >= 1 << 20) return `${n / (1 << 20)} MiB`;
  if (n >= 1024) return `${n / 1024} KiB`;
  return `${n} B`;
}

export function fmtRate(v: number): string {
  return v >= 1e6 ? `${(v / 1e6).toFixed(2)} M` : v >= 1e3 ? `${(v / 1e3).toFixed(1)} k` : v.toFixed(0);
}

/** Bytes per second in decimal units (MB/s, GB/s), as network figures are given. */
export function fmtBytesPerSec(v: number): string {
  if (v >= 1e9) return `${(v / 1e9).toFixed(2)} GB/s`;
  if (v >= 1e6) return `${(v / 1e6).toFixed(v >= 1e8 ? 0 : 1)} MB/s`;
  return `${(v / 1e3).toFixed(1)} kB/s`;
}
