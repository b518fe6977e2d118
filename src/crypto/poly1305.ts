/**
 * Poly1305 (Bernstein, "The Poly1305-AES message-authentication code";
 * RFC 8439 §2.5): h = (h + block + 2^128) · r mod 2^130 − 5 over 16-byte
 * blocks, tag = (h + s) mod 2^128.
 *
 * Arithmetic in doubles, six limbs of radix 2^22 (132 bits): each product of
 * a limb of h (< 2^23 after adding a block) and a limb of r (< 2^22, or
 * 20·r < 2^26.4 for the wrapped terms) is below 2^49.4, and a sum of six
 * below 2^52, so every step is exact in a double's 53 bits. 2^132 ≡ 4·5 = 20
 * (mod 2^130 − 5) folds the upper half of the product back. 36 multiplies a
 * block instead of the 100 of 13-bit limbs; carries use Math.floor on exact
 * powers of two.
 */

import { ViewCache } from "./views.js";

const TWO22 = 4194304; // 2^22
const INV22 = 1 / TWO22;
const TWO20 = 1048576; // 2^20
const INV20 = 1 / TWO20;
const INV32 = 1 / 4294967296;

export class Poly1305 {
  /** r in six 22-bit limbs (0-5) and the accumulator h (6-11), unboxed. */
  private readonly v = new Float64Array(12);
  /** s, the second half of the key, as four little-endian words. */
  private s0 = 0; private s1 = 0; private s2 = 0; private s3 = 0;
  private readonly views = new ViewCache();
  /** A partial block waiting for more bytes (update() across calls). */
  private readonly buffer = new Uint8Array(16);
  private buffered = 0;

  /** Starts a MAC with the 32-byte one-time key at `key[off..off+32]`. */
  init(key: Uint8Array, off = 0): this {
    const t0 = load(key, off), t1 = load(key, off + 4), t2 = load(key, off + 8), t3 = load(key, off + 12);
    // Clamp r (RFC 8439 §2.5): clear the top 4 bits of bytes 3, 7, 11, 15 and the low 2 bits of bytes 4, 8, 12.
    const w0 = t0 & 0x0fffffff, w1 = t1 & 0x0ffffffc, w2 = t2 & 0x0ffffffc, w3 = t3 & 0x0ffffffc;
    const v = this.v;
    v[0] = w0 & 0x3fffff;
    v[1] = ((w0 >>> 22) | (w1 << 10)) & 0x3fffff;
    v[2] = ((w1 >>> 12) | (w2 << 20)) & 0x3fffff;
    v[3] = (w2 >>> 2) & 0x3fffff;
    v[4] = ((w2 >>> 24) | (w3 << 8)) & 0x3fffff;
    v[5] = w3 >>> 14;
    for (let i = 6; i < 12; i++) v[i] = 0;
    this.s0 = load(key, off + 16);
    this.s1 = load(key, off + 20);
    this.s2 = load(key, off + 24);
    this.s3 = load(key, off + 28);
    this.buffered = 0;
    return this;
  }

  update(m: Uint8Array, off: number, len: number): this {
    const b = this.buffer;
    if (this.buffered > 0) {
      const take = 16 - this.buffered < len ? 16 - this.buffered : len;
      for (let i = 0; i < take; i++) b[this.buffered + i] = m[off + i]!;
      this.buffered += take;
      off += take;
      len -= take;
      if (this.buffered < 16) return this;
      this.blocks(b, 0, 16, 1);
      this.buffered = 0;
    }
    const whole = len & ~15;
    if (whole > 0) this.blocks(m, off, whole, 1);
    for (let i = whole; i < len; i++) b[i - whole] = m[off + i]!;
    this.buffered = len - whole;
    return this;
  }

  /** Writes the 16-byte tag at `out[off]` and forgets the key. */
  finish(out: Uint8Array, off: number): void {
    if (this.buffered > 0) {
      // The last partial block: its bytes, a 1 after them, zeros; no 2^128 bit.
      const b = this.buffer;
      b[this.buffered] = 1;
      for (let i = this.buffered + 1; i < 16; i++) b[i] = 0;
      this.blocks(b, 0, 16, 0);
      this.buffered = 0;
    }
    const v = this.v;
    let h0 = v[6]!, h1 = v[7]!, h2 = v[8]!, h3 = v[9]!, h4 = v[10]!, h5 = v[11]!;
    let c: number;
    // Carry fully, bringing h below 2^130 (bits at and above 130 fold back times 5).
    for (let pass = 0; pass < 3; pass++) {
      c = Math.floor(h0 * INV22); h0 -= c * TWO22; h1 += c;
      c = Math.floor(h1 * INV22); h1 -= c * TWO22; h2 += c;
      c = Math.floor(h2 * INV22); h2 -= c * TWO22; h3 += c;
      c = Math.floor(h3 * INV22); h3 -= c * TWO22; h4 += c;
      c = Math.floor(h4 * INV22); h4 -= c * TWO22; h5 += c;
      c = Math.floor(h5 * INV20); h5 -= c * TWO20; h0 += 5 * c;
    }
    // h mod p: g = h + 5 − 2^130; take g if it did not go negative (h ≥ p). Chosen by arithmetic, not a branch.
    let g0 = h0 + 5;
    c = Math.floor(g0 * INV22); g0 -= c * TWO22;
    let g1 = h1 + c; c = Math.floor(g1 * INV22); g1 -= c * TWO22;
    let g2 = h2 + c; c = Math.floor(g2 * INV22); g2 -= c * TWO22;
    let g3 = h3 + c; c = Math.floor(g3 * INV22); g3 -= c * TWO22;
    let g4 = h4 + c; c = Math.floor(g4 * INV22); g4 -= c * TWO22;
    let g5 = h5 + c; c = Math.floor(g5 * INV20); g5 -= c * TWO20;
    // c is 1 exactly when h + 5 ≥ 2^130.
    h0 += c * (g0 - h0); h1 += c * (g1 - h1); h2 += c * (g2 - h2);
    h3 += c * (g3 - h3); h4 += c * (g4 - h4); h5 += c * (g5 - h5);
    // (h + s) mod 2^128, as four words.
    let f = ((h0 | (h1 << 22)) >>> 0) + this.s0;
    store(out, off, f);
    f = (((h1 >>> 10) | (h2 << 12)) >>> 0) + this.s1 + Math.floor(f * INV32);
    store(out, off + 4, f);
    f = (((h2 >>> 20) | (h3 << 2) | (h4 << 24)) >>> 0) + this.s2 + Math.floor(f * INV32);
    store(out, off + 8, f);
    f = (((h4 >>> 8) | (h5 << 14)) >>> 0) + this.s3 + Math.floor(f * INV32);
    store(out, off + 12, f);
    this.wipe();
  }

  /** Forgets the key and the accumulator. */
  wipe(): void {
    const v = this.v;
    for (let i = 0; i < 12; i++) v[i] = 0;
    this.s0 = this.s1 = this.s2 = this.s3 = 0;
    const b = this.buffer;
    for (let i = 0; i < 16; i++) b[i] = 0;
    this.buffered = 0;
  }

  /** The hot loop: `len` (a multiple of 16) bytes of whole blocks; `hibit` 1 adds 2^128 to each. */
  private blocks(m: Uint8Array, off: number, len: number, hibit: number): void {
    const v = this.v;
    const r0 = v[0]!, r1 = v[1]!, r2 = v[2]!, r3 = v[3]!, r4 = v[4]!, r5 = v[5]!;
    const t1 = 20 * r1, t2 = 20 * r2, t3 = 20 * r3, t4 = 20 * r4, t5 = 20 * r5;
    const top = hibit << 18; // 2^128 is bit 18 of the sixth limb (bits 110-131)
    let h0 = v[6]!, h1 = v[7]!, h2 = v[8]!, h3 = v[9]!, h4 = v[10]!, h5 = v[11]!;
    // Long runs read words through a DataView (unaligned little-endian loads), short ones byte by byte.
    const view = len >= 256 ? this.views.of(m) : null;
    const base = m.byteOffset + off;
    for (let i = 0; i < len; i += 16) {
      let w0: number, w1: number, w2: number, w3: number;
      if (view !== null) {
        w0 = view.getInt32(base + i, true);
        w1 = view.getInt32(base + i + 4, true);
        w2 = view.getInt32(base + i + 8, true);
        w3 = view.getInt32(base + i + 12, true);
      } else {
        const j = off + i;
        w0 = m[j]! | (m[j + 1]! << 8) | (m[j + 2]! << 16) | (m[j + 3]! << 24);
        w1 = m[j + 4]! | (m[j + 5]! << 8) | (m[j + 6]! << 16) | (m[j + 7]! << 24);
        w2 = m[j + 8]! | (m[j + 9]! << 8) | (m[j + 10]! << 16) | (m[j + 11]! << 24);
        w3 = m[j + 12]! | (m[j + 13]! << 8) | (m[j + 14]! << 16) | (m[j + 15]! << 24);
      }
      h0 += w0 & 0x3fffff;
      h1 += ((w0 >>> 22) | (w1 << 10)) & 0x3fffff;
      h2 += ((w1 >>> 12) | (w2 << 20)) & 0x3fffff;
      h3 += (w2 >>> 2) & 0x3fffff;
      h4 += ((w2 >>> 24) | (w3 << 8)) & 0x3fffff;
      h5 += (w3 >>> 14) | top;

      let d0 = h0 * r0 + h1 * t5 + h2 * t4 + h3 * t3 + h4 * t2 + h5 * t1;
      let d1 = h0 * r1 + h1 * r0 + h2 * t5 + h3 * t4 + h4 * t3 + h5 * t2;
      let d2 = h0 * r2 + h1 * r1 + h2 * r0 + h3 * t5 + h4 * t4 + h5 * t3;
      let d3 = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * t5 + h5 * t4;
      let d4 = h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0 + h5 * t5;
      let d5 = h0 * r5 + h1 * r4 + h2 * r3 + h3 * r2 + h4 * r1 + h5 * r0;

      let c = Math.floor(d0 * INV22); d0 -= c * TWO22; d1 += c;
      c = Math.floor(d1 * INV22); d1 -= c * TWO22; d2 += c;
      c = Math.floor(d2 * INV22); d2 -= c * TWO22; d3 += c;
      c = Math.floor(d3 * INV22); d3 -= c * TWO22; d4 += c;
      c = Math.floor(d4 * INV22); d4 -= c * TWO22; d5 += c;
      c = Math.floor(d5 * INV22); d5 -= c * TWO22; d0 += 20 * c;
      c = Math.floor(d0 * INV22); d0 -= c * TWO22; d1 += c;
      h0 = d0; h1 = d1; h2 = d2; h3 = d3; h4 = d4; h5 = d5;
    }
    v[6] = h0; v[7] = h1; v[8] = h2; v[9] = h3; v[10] = h4; v[11] = h5;
  }
}

function load(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
}

/** The low 32 bits of `v` (a non-negative integer below 2^33), little-endian. */
function store(b: Uint8Array, i: number, v: number): void {
  const w = v >>> 0;
  b[i] = w;
  b[i + 1] = w >>> 8;
  b[i + 2] = w >>> 16;
  b[i + 3] = w >>> 24;
}

/** One-shot Poly1305 (crypto_onetimeauth): the tag of `m` under the 32-byte key. */
export function poly1305(m: Uint8Array, key: Uint8Array): Uint8Array {
  const out = new Uint8Array(16);
  new Poly1305().init(key).update(m, 0, m.length).finish(out, 0);
  return out;
}
