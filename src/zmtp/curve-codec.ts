/**
 * CURVE's MESSAGE command (RFC 26 §"The MESSAGE Command", RFC 25): after the
 * handshake every ZMTP frame, commands included, travels as
 *
 *   "\x07MESSAGE", short nonce (8 bytes, big-endian counter),
 *   Box[flags + frame body](C'->S' or S'->C')
 *
 * under the nonce "CurveZMQMESSAGEC" (from the client) or "CurveZMQMESSAGES"
 * (from the server) + the short nonce; flags bit 0 is MORE, bit 1 COMMAND.
 * libzmq sends MESSAGE in a data frame without flags (a COMMAND bit there
 * would stay set on what it decodes), so we do too, and accept either.
 *
 * Short nonces strictly increase in each direction: a replayed, reordered or
 * forged box fails the connection before anything it carries is delivered.
 */
import { SecretBox } from "../crypto/secretbox.js";
import { equalBytes } from "../crypto/verify.js";
import { FLAG_COMMAND, FLAG_MORE } from "./commands.js";
import type { FrameTransform, FrameWriter } from "./transform.js";

const MESSAGE = Buffer.from("\x07MESSAGE", "latin1");
/** "\x07MESSAGE" + short nonce + tag + flags byte. */
const OVERHEAD = 8 + 8 + 16 + 1;
/** CURVE's flags byte: bit 0 MORE, bit 1 COMMAND (libzmq's msg_t flags). */
const CURVE_MORE = 1;
const CURVE_COMMAND = 2;

export const CLIENT_MESSAGE_PREFIX = Buffer.from("CurveZMQMESSAGEC", "latin1");
export const SERVER_MESSAGE_PREFIX = Buffer.from("CurveZMQMESSAGES", "latin1");

/** A 64-bit short nonce kept as two 32-bit halves (exact beyond 2^53). */
export class ShortNonce {
  hi = 0;
  lo = 0;

  /** Sets it from the 8 big-endian bytes at `off`. */
  read(b: Buffer, off: number): void {
    this.hi = b.readUInt32BE(off);
    this.lo = b.readUInt32BE(off + 4);
  }

  /** True if the 8 big-endian bytes at `off` are strictly greater. */
  isBelow(b: Buffer, off: number): boolean {
    const hi = b.readUInt32BE(off);
    return hi > this.hi || (hi === this.hi && b.readUInt32BE(off + 4) > this.lo);
  }

  /** Writes the next value (it increments first) as 8 big-endian bytes at `off`. */
  next(b: Buffer, off: number): void {
    if (this.lo === 0xffffffff) {
      this.lo = 0;
      this.hi++;
    } else {
      this.lo++;
    }
    b.writeUInt32BE(this.hi, off);
    b.writeUInt32BE(this.lo, off + 4);
  }
}

export class CurveCodec implements FrameTransform {
  readonly overhead = OVERHEAD;
  flags = 0;
  error = "";
  private readonly sealer: SecretBox;
  private readonly opener: SecretBox;

  /**
   * `key`: the connection's box key (crypto_box_beforenm of the two
   * transient keys); `sent`: the last short nonce we used in the handshake;
   * `received`: the last one the peer used (READY's or INITIATE's).
   */
  constructor(
    key: Uint8Array,
    asServer: boolean,
    private readonly sent: ShortNonce,
    private readonly received: ShortNonce,
  ) {
    this.sealer = new SecretBox(key, asServer ? SERVER_MESSAGE_PREFIX : CLIENT_MESSAGE_PREFIX);
    this.opener = new SecretBox(key, asServer ? CLIENT_MESSAGE_PREFIX : SERVER_MESSAGE_PREFIX);
  }

  seal(out: FrameWriter, body: Buffer, flags: number): void {
    const n = body.length;
    const buf = out.reserve(0, OVERHEAD + n);
    const at = out.at;
    MESSAGE.copy(buf, at);
    this.sent.next(buf, at + 8);
    const inner = ((flags & FLAG_MORE) !== 0 ? CURVE_MORE : 0) | ((flags & FLAG_COMMAND) !== 0 ? CURVE_COMMAND : 0);
    this.sealer.seal(buf, at + 8, inner, body, 0, n, buf, at + 16);
  }

  open(body: Buffer, _wireFlags: number): Buffer | null {
    if (body.length < OVERHEAD || !equalBytes(body, 0, MESSAGE, 0, 8)) return this.refuse("expected a CURVE MESSAGE");
    if (!this.received.isBelow(body, 8)) return this.refuse("CURVE MESSAGE nonce not above the last one (replayed or reordered)");
    // Verified, then decrypted in place: the frame's bytes become the plaintext.
    if (!this.opener.open(body, 8, body, 16, body.length - 16, body, 32)) return this.refuse("CURVE MESSAGE box does not open");
    this.received.read(body, 8);
    const f = body[32]!;
    this.flags = ((f & CURVE_MORE) !== 0 ? FLAG_MORE : 0) | ((f & CURVE_COMMAND) !== 0 ? FLAG_COMMAND : 0);
    return body.subarray(OVERHEAD);
  }

  private refuse(why: string): null {
    this.error = why;
    return null;
  }
}
