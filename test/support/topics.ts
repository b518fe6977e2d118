/**
 * Deterministic long topics for the subscription tests: the test process and
 * its children build the same bytes from a short name, so a topic of 1 MiB
 * never has to cross a pipe to be named.
 */

/** `len` bytes: the name's bytes, then a pattern seeded by the name (distinct names give distinct topics). */
export function topic(name: string, len: number): Buffer {
  const head = Buffer.from(`${name}:`, "latin1");
  const out = Buffer.allocUnsafe(Math.max(len, head.length));
  head.copy(out);
  let seed = 0;
  for (const b of head) seed = (seed * 31 + b) >>> 0;
  for (let i = head.length; i < out.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    out[i] = seed >>> 24;
  }
  return out.subarray(0, len);
}

export const KiB = 1024;
export const MiB = 1024 * 1024;
