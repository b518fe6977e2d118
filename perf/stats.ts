export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function seconds(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e9;
}

/** Rejects if `p` takes longer than `ms`: one stuck case must not hang the suite. */
export function deadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: ReturnType<typeof setTimeout>;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<T>((_, reject) => {
      t = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
    }),
  ]);
}

/** How many messages one throughput run sends: about 256 MiB, within [200, 300k]. */
export function countFor(size: number, parts = 1): number {
  return Math.max(200, Math.min(300_000, Math.floor((256 * 1024 * 1024) / (size * parts + 16))));
}

export function fmtSize(n: number): string {
  if (n >= 1 << 20) return `${n >> 20} MiB`;
  if (n >= 1024) return `${n >> 10} KiB`;
  return `${n} B`;
}
