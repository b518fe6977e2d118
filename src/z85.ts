/**
 * Z85 (RFC 32): binary as printable text, 4 bytes to 5 characters, for
 * CURVE keys in configuration files and source code (a 32-byte key is 40
 * characters). Each 4-byte group is a big-endian number written in base 85,
 * most significant digit first, in the alphabet below.
 */
import { zerr } from "./errors.js";

const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

/** Character code → digit, 0xff where the character is not in the alphabet. */
const DIGITS = new Uint8Array(128).fill(0xff);
for (let i = 0; i < ALPHABET.length; i++) DIGITS[ALPHABET.charCodeAt(i)] = i;

/** Bytes (a length divisible by 4) to Z85 text; EINVAL for another length. */
export function encode(data: Uint8Array | ArrayBuffer): string {
  const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : data;
  if (!(bytes instanceof Uint8Array)) throw zerr("EINVAL", "z85.encode: expected a Uint8Array, Buffer or ArrayBuffer");
  if (bytes.length % 4 !== 0) throw zerr("EINVAL", `z85.encode: the length must be a multiple of 4 (got ${bytes.length})`);
  let out = "";
  for (let i = 0; i < bytes.length; i += 4) {
    let v = ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0;
    const d4 = v % 85; v = (v - d4) / 85;
    const d3 = v % 85; v = (v - d3) / 85;
    const d2 = v % 85; v = (v - d2) / 85;
    const d1 = v % 85; v = (v - d1) / 85;
    out += ALPHABET[v]! + ALPHABET[d1]! + ALPHABET[d2]! + ALPHABET[d3]! + ALPHABET[d4]!;
  }
  return out;
}

/**
 * Z85 text (a length divisible by 5) to bytes. EINVAL for another length, a
 * character outside the alphabet, or a group worth 2^32 or more (which no
 * four bytes encode to).
 */
export function decode(text: string): Buffer {
  if (typeof text !== "string") throw zerr("EINVAL", "z85.decode: expected a string");
  if (text.length % 5 !== 0) throw zerr("EINVAL", `z85.decode: the length must be a multiple of 5 (got ${text.length})`);
  const out = Buffer.allocUnsafe((text.length / 5) * 4);
  for (let i = 0, o = 0; i < text.length; i += 5, o += 4) {
    let v = 0;
    for (let j = 0; j < 5; j++) {
      const c = text.charCodeAt(i + j);
      const d = c < 128 ? DIGITS[c]! : 0xff;
      if (d === 0xff) throw zerr("EINVAL", `z85.decode: invalid character at offset ${i + j}`);
      v = v * 85 + d;
    }
    if (v > 0xffffffff) throw zerr("EINVAL", `z85.decode: the group at offset ${i} is out of range`);
    out.writeUInt32BE(v, o);
  }
  return out;
}

/** The `z85` export: `z85.encode(bytes)`, `z85.decode(text)`. */
export const z85 = {
  /** Bytes (a length divisible by 4) to Z85 text; `EINVAL` for another length. */
  encode,
  /** Z85 text (a length divisible by 5) to bytes; `EINVAL` for another length or a character outside the alphabet. */
  decode,
} as const;
