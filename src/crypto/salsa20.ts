/**
 * Salsa20 (Bernstein, "Salsa20 specification"), HSalsa20 and XSalsa20
 * ("Extending the Salsa20 nonce"), as NaCl's crypto_core_salsa20,
 * crypto_core_hsalsa20 and crypto_stream_xsalsa20 define them. Words are
 * little-endian; the state is 16 words: the constant "expand 32-byte k" on
 * the diagonal (0, 5, 10, 15), the key in 1-4 and 11-14, the nonce in 6-7 and
 * the 64-bit block counter in 8-9 (HSalsa20: a 16-byte input in 6-9).
 */

import { ViewCache } from "./views.js";

/** "expand 32-byte k" as four little-endian words. */
export const SIGMA0 = 0x61707865;
export const SIGMA1 = 0x3320646e;
export const SIGMA2 = 0x79622d32;
export const SIGMA3 = 0x6b206574;

/** From this many bytes on, xor() works in words. */
const WORDS_FROM = 256;

/** True on little-endian hosts: a Uint8Array over a Uint32Array then reads Salsa20's byte order directly. */
export const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * The Salsa20 core: `out` = 20 rounds of `input`, plus `input` (the
 * feed-forward). HSalsa20 is the same rounds without the feed-forward, so it
 * subtracts `input` again from the words it keeps.
 */
export function salsa20Core(out: Int32Array | Uint32Array, input: Int32Array | Uint32Array): void {
  const j0 = input[0]! | 0, j1 = input[1]! | 0, j2 = input[2]! | 0, j3 = input[3]! | 0;
  const j4 = input[4]! | 0, j5 = input[5]! | 0, j6 = input[6]! | 0, j7 = input[7]! | 0;
  const j8 = input[8]! | 0, j9 = input[9]! | 0, j10 = input[10]! | 0, j11 = input[11]! | 0;
  const j12 = input[12]! | 0, j13 = input[13]! | 0, j14 = input[14]! | 0, j15 = input[15]! | 0;
  let x0 = j0, x1 = j1, x2 = j2, x3 = j3, x4 = j4, x5 = j5, x6 = j6, x7 = j7;
  let x8 = j8, x9 = j9, x10 = j10, x11 = j11, x12 = j12, x13 = j13, x14 = j14, x15 = j15;
  let u: number;
  for (let i = 0; i < 20; i += 2) {
    // Column round: quarter-rounds down the columns (0 4 8 12), (5 9 13 1), (10 14 2 6), (15 3 7 11).
    u = (x0 + x12) | 0; x4 ^= (u << 7) | (u >>> 25);
    u = (x4 + x0) | 0; x8 ^= (u << 9) | (u >>> 23);
    u = (x8 + x4) | 0; x12 ^= (u << 13) | (u >>> 19);
    u = (x12 + x8) | 0; x0 ^= (u << 18) | (u >>> 14);

    u = (x5 + x1) | 0; x9 ^= (u << 7) | (u >>> 25);
    u = (x9 + x5) | 0; x13 ^= (u << 9) | (u >>> 23);
    u = (x13 + x9) | 0; x1 ^= (u << 13) | (u >>> 19);
    u = (x1 + x13) | 0; x5 ^= (u << 18) | (u >>> 14);

    u = (x10 + x6) | 0; x14 ^= (u << 7) | (u >>> 25);
    u = (x14 + x10) | 0; x2 ^= (u << 9) | (u >>> 23);
    u = (x2 + x14) | 0; x6 ^= (u << 13) | (u >>> 19);
    u = (x6 + x2) | 0; x10 ^= (u << 18) | (u >>> 14);

    u = (x15 + x11) | 0; x3 ^= (u << 7) | (u >>> 25);
    u = (x3 + x15) | 0; x7 ^= (u << 9) | (u >>> 23);
    u = (x7 + x3) | 0; x11 ^= (u << 13) | (u >>> 19);
    u = (x11 + x7) | 0; x15 ^= (u << 18) | (u >>> 14);

    // Row round: the same along the rows (0 1 2 3), (5 6 7 4), (10 11 8 9), (15 12 13 14).
    u = (x0 + x3) | 0; x1 ^= (u << 7) | (u >>> 25);
    u = (x1 + x0) | 0; x2 ^= (u << 9) | (u >>> 23);
    u = (x2 + x1) | 0; x3 ^= (u << 13) | (u >>> 19);
    u = (x3 + x2) | 0; x0 ^= (u << 18) | (u >>> 14);

    u = (x5 + x4) | 0; x6 ^= (u << 7) | (u >>> 25);
    u = (x6 + x5) | 0; x7 ^= (u << 9) | (u >>> 23);
    u = (x7 + x6) | 0; x4 ^= (u << 13) | (u >>> 19);
    u = (x4 + x7) | 0; x5 ^= (u << 18) | (u >>> 14);

    u = (x10 + x9) | 0; x11 ^= (u << 7) | (u >>> 25);
    u = (x11 + x10) | 0; x8 ^= (u << 9) | (u >>> 23);
    u = (x8 + x11) | 0; x9 ^= (u << 13) | (u >>> 19);
    u = (x9 + x8) | 0; x10 ^= (u << 18) | (u >>> 14);

    u = (x15 + x14) | 0; x12 ^= (u << 7) | (u >>> 25);
    u = (x12 + x15) | 0; x13 ^= (u << 9) | (u >>> 23);
    u = (x13 + x12) | 0; x14 ^= (u << 13) | (u >>> 19);
    u = (x14 + x13) | 0; x15 ^= (u << 18) | (u >>> 14);
  }
  out[0] = x0 + j0; out[1] = x1 + j1; out[2] = x2 + j2; out[3] = x3 + j3;
  out[4] = x4 + j4; out[5] = x5 + j5; out[6] = x6 + j6; out[7] = x7 + j7;
  out[8] = x8 + j8; out[9] = x9 + j9; out[10] = x10 + j10; out[11] = x11 + j11;
  out[12] = x12 + j12; out[13] = x13 + j13; out[14] = x14 + j14; out[15] = x15 + j15;
}

/** A little-endian word of `b` at `i`. */
export function load32(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
}

function store32(b: Uint8Array, i: number, v: number): void {
  b[i] = v;
  b[i + 1] = v >>> 8;
  b[i + 2] = v >>> 16;
  b[i + 3] = v >>> 24;
}

/** Puts the constants and a 32-byte key (at `keyOff`) into a state. */
export function setKey(state: Int32Array | Uint32Array, key: Uint8Array, keyOff = 0): void {
  state[0] = SIGMA0;
  state[5] = SIGMA1;
  state[10] = SIGMA2;
  state[15] = SIGMA3;
  for (let i = 0; i < 4; i++) {
    state[1 + i] = load32(key, keyOff + 4 * i);
    state[11 + i] = load32(key, keyOff + 16 + 4 * i);
  }
}

const hState = new Int32Array(16);
const hOut = new Int32Array(16);
/** Where HSalsa20 takes its eight output words from. */
const HSALSA_WORDS = [0, 5, 10, 15, 6, 7, 8, 9] as const;

/**
 * HSalsa20: a 32-byte key and a 16-byte input (at `inOff`) to a 32-byte
 * output written at `outOff` (NaCl's crypto_core_hsalsa20 with sigma).
 */
export function hsalsa20(out: Uint8Array, outOff: number, key: Uint8Array, keyOff: number, input: Uint8Array, inOff: number): void {
  setKey(hState, key, keyOff);
  for (let i = 0; i < 4; i++) hState[6 + i] = load32(input, inOff + 4 * i);
  salsa20Core(hOut, hState);
  for (let i = 0; i < 8; i++) {
    const w = HSALSA_WORDS[i]!;
    store32(out, outOff + 4 * i, (hOut[w]! - hState[w]!) >>> 0);
  }
  hState.fill(0);
  hOut.fill(0);
}

/**
 * A Salsa20 keystream for one key and one 8-byte nonce, read at any byte
 * position. It keeps one 64-byte block: XORing data in order computes each
 * block once. Reused across messages (no allocation per call).
 */
export class SalsaStream {
  // Int32Array: V8 keeps the words in integer registers (Uint32 loads above 2^31 become doubles).
  readonly state = new Int32Array(16);
  private readonly words = new Int32Array(16);
  /** The current block's keystream bytes (a view of `words`, byte-swapped on big-endian hosts). */
  readonly block = new Uint8Array(this.words.buffer);
  /** Index of the block in `block`, -1 when none. */
  private current = -1;
  private readonly srcViews = new ViewCache();
  private readonly dstViews = new ViewCache();

  /** Sets the key (32 bytes at `off`); the nonce is set per message. */
  setKey(key: Uint8Array, off = 0): void {
    setKey(this.state, key, off);
    this.current = -1;
  }

  /** Sets the 8-byte nonce (at `off`) and rewinds to block 0. */
  setNonce(nonce: Uint8Array, off: number): void {
    this.state[6] = load32(nonce, off);
    this.state[7] = load32(nonce, off + 4);
    this.current = -1;
  }

  /** Makes block `n` (64-bit counter, n < 2^53) current. */
  seek(n: number): void {
    if (n === this.current) return;
    const s = this.state;
    s[8] = n >>> 0;
    s[9] = Math.floor(n / 0x100000000) >>> 0;
    salsa20Core(this.words, s);
    if (!LITTLE_ENDIAN) swapWords(this.words);
    this.current = n;
  }

  /**
   * dst[dstOff..+len] = src[srcOff..+len] XOR keystream[pos..+len]. `src` and
   * `dst` may be the same bytes (in place) but must not overlap otherwise.
   */
  xor(src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number, len: number, pos: number): void {
    const ks = this.block;
    // Up to the next block boundary, byte by byte.
    const at = pos & 63;
    if (at !== 0) {
      this.seek((pos - at) / 64);
      const n = len < 64 - at ? len : 64 - at;
      for (let i = 0; i < n; i++) dst[dstOff + i] = src[srcOff + i]! ^ ks[at + i]!;
      srcOff += n;
      dstOff += n;
      pos += n;
      len -= n;
    }
    // Whole blocks a word at a time: DataViews read and write unaligned words
    // four times faster than byte loops (worth their allocation from a few blocks on).
    if (len >= WORDS_FROM) {
      const sv = this.srcViews.of(src);
      const dv = this.dstViews.of(dst);
      const so = src.byteOffset + srcOff;
      const d0 = dst.byteOffset + dstOff;
      const w = this.words;
      const whole = len & ~63;
      for (let o = 0; o < whole; o += 64) {
        this.seek(pos / 64);
        for (let i = 0; i < 64; i += 4) dv.setInt32(d0 + o + i, sv.getInt32(so + o + i, LITTLE_ENDIAN) ^ w[i >> 2]!, LITTLE_ENDIAN);
        pos += 64;
      }
      srcOff += whole;
      dstOff += whole;
      len -= whole;
    }
    while (len > 0) {
      this.seek(pos / 64);
      const n = len < 64 ? len : 64;
      for (let i = 0; i < n; i++) dst[dstOff + i] = src[srcOff + i]! ^ ks[i]!;
      srcOff += n;
      dstOff += n;
      pos += n;
      len -= n;
    }
  }

  /** Forgets the key material. */
  wipe(): void {
    this.state.fill(0);
    this.words.fill(0);
    this.current = -1;
    this.srcViews.clear();
    this.dstViews.clear();
  }
}

function swapWords(w: Int32Array): void {
  for (let i = 0; i < 16; i++) {
    const v = w[i]!;
    w[i] = ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
  }
}

/**
 * XSalsa20 (crypto_stream_xsalsa20_xor): `len` bytes of `src` XORed with the
 * keystream of `key` and a 24-byte nonce, from keystream byte `pos` on.
 */
export function xsalsa20Xor(
  key: Uint8Array,
  nonce: Uint8Array,
  src: Uint8Array,
  dst: Uint8Array,
  pos = 0,
): void {
  const subkey = new Uint8Array(32);
  hsalsa20(subkey, 0, key, 0, nonce, 0);
  const s = new SalsaStream();
  s.setKey(subkey);
  s.setNonce(nonce, 16);
  s.xor(src, 0, dst, 0, src.length, pos);
  s.wipe();
  subkey.fill(0);
}
