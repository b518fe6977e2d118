/**
 * crypto_secretbox_xsalsa20poly1305 (NaCl), in the "easy" layout CurveZMQ
 * puts on the wire: a 16-byte Poly1305 tag, then the ciphertext. The first
 * 32 bytes of the XSalsa20 keystream key Poly1305; the message is XORed with
 * the keystream from byte 32 on; the tag covers the ciphertext.
 *
 * crypto_box (curve25519xsalsa20poly1305) is the same box under the key
 * box.ts derives from an X25519 shared secret.
 */
import { zerr } from "../errors.js";
import { Poly1305 } from "./poly1305.js";
import { SalsaStream, hsalsa20 } from "./salsa20.js";
import { equalBytes } from "./verify.js";

export const MAC_BYTES = 16;
export const KEY_BYTES = 32;
export const NONCE_BYTES = 24;

/**
 * One key and one fixed 16-byte nonce prefix: XSalsa20's HSalsa20 step runs
 * once here, and each message needs only its 8-byte nonce suffix. CurveZMQ's
 * MESSAGE nonces are exactly that ("CurveZMQMESSAGEC" + a counter), so a
 * connection seals and opens every frame with one of these, without
 * allocating.
 */
export class SecretBox {
  private readonly stream = new SalsaStream();
  private readonly poly = new Poly1305();
  private readonly tag = new Uint8Array(MAC_BYTES);

  constructor(key: Uint8Array, prefix: Uint8Array, prefixOff = 0) {
    const subkey = new Uint8Array(32);
    hsalsa20(subkey, 0, key, 0, prefix, prefixOff);
    this.stream.setKey(subkey);
    subkey.fill(0);
  }

  /**
   * Seals `head` (one byte, when ≥ 0) followed by src[srcOff..srcOff+len]
   * under the nonce suffix nonce[nonceOff..+8], writing the tag and the
   * ciphertext (16 + len (+1) bytes) at out[outOff]. `out` must not overlap `src`.
   */
  seal(nonce: Uint8Array, nonceOff: number, head: number, src: Uint8Array, srcOff: number, len: number, out: Uint8Array, outOff: number): void {
    const s = this.stream;
    s.setNonce(nonce, nonceOff);
    s.seek(0);
    this.poly.init(s.block, 0);
    let c = outOff + MAC_BYTES;
    let total = len;
    if (head >= 0) {
      out[c++] = head ^ s.block[32]!;
      total++;
    }
    s.xor(src, srcOff, out, c, len, head >= 0 ? 33 : 32);
    this.poly.update(out, outOff + MAC_BYTES, total).finish(out, outOff);
  }

  /**
   * Opens the box at box[boxOff..boxOff+boxLen] (tag, then ciphertext) under
   * the nonce suffix nonce[nonceOff..+8], writing boxLen − 16 plaintext bytes
   * at out[outOff] (which may be the ciphertext's own place: in-place
   * decryption). False, with nothing written, if the tag does not verify.
   */
  open(nonce: Uint8Array, nonceOff: number, box: Uint8Array, boxOff: number, boxLen: number, out: Uint8Array, outOff: number): boolean {
    if (boxLen < MAC_BYTES) return false;
    const s = this.stream;
    s.setNonce(nonce, nonceOff);
    s.seek(0);
    const len = boxLen - MAC_BYTES;
    this.poly.init(s.block, 0).update(box, boxOff + MAC_BYTES, len).finish(this.tag, 0);
    if (!equalBytes(this.tag, 0, box, boxOff, MAC_BYTES)) return false;
    s.xor(box, boxOff + MAC_BYTES, out, outOff, len, 32);
    return true;
  }

  /** Forgets the key. */
  wipe(): void {
    this.stream.wipe();
    this.poly.wipe();
    this.tag.fill(0);
  }
}

/** crypto_secretbox_easy: tag + ciphertext of `msg` under a 32-byte key and a 24-byte nonce. */
export function secretbox(msg: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array {
  checkSizes(nonce, key);
  const out = new Uint8Array(MAC_BYTES + msg.length);
  const box = new SecretBox(key, nonce, 0);
  box.seal(nonce, 16, -1, msg, 0, msg.length, out, 0);
  box.wipe();
  return out;
}

/** crypto_secretbox_open_easy: the plaintext, or null if the box is forged, damaged or under another key or nonce. */
export function secretboxOpen(boxed: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array | null {
  checkSizes(nonce, key);
  if (boxed.length < MAC_BYTES) return null;
  const out = new Uint8Array(boxed.length - MAC_BYTES);
  const box = new SecretBox(key, nonce, 0);
  const ok = box.open(nonce, 16, boxed, 0, boxed.length, out, 0);
  box.wipe();
  return ok ? out : null;
}

function checkSizes(nonce: Uint8Array, key: Uint8Array): void {
  if (nonce.length !== NONCE_BYTES || key.length !== KEY_BYTES) throw zerr("EINVAL", "secretbox: needs a 24-byte nonce and a 32-byte key");
}
