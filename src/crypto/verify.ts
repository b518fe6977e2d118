/**
 * Comparisons whose time does not depend on where the bytes differ (NaCl's
 * crypto_verify_16/32): tags and keys are compared with these, so a peer
 * cannot learn a tag byte by byte from how fast it is refused.
 */

/** True if a[aOff..aOff+n] equals b[bOff..bOff+n]; the time depends on n only. */
export function equalBytes(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number, n: number): boolean {
  let diff = 0;
  for (let i = 0; i < n; i++) diff |= a[aOff + i]! ^ b[bOff + i]!;
  return diff === 0;
}

/** True if two byte strings are equal; lengths are public, the contents are compared in constant time. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && equalBytes(a, 0, b, 0, a.length);
}
