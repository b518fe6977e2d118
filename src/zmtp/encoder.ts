/**
 * Frames outgoing messages into as few buffers as possible. Small frames are
 * packed, headers and all, into one shared slab; a large body is not copied:
 * its header closes the current slab and the body itself is queued as is.
 * `take()` hands the caller everything written since the last call, to be
 * written to the stream in one go (writev when corked).
 *
 * ZMTP 3.x and 2.0 frame alike (flags, then a 1- or 8-byte size); for a 1.0
 * peer (RFC 13) the size comes first, counts the flags byte, and 0xFF escapes
 * an 8-byte size (used, as libzmq does, once the size with flags reaches 255).
 */
import { FLAG_COMMAND, FLAG_LONG, FLAG_MORE } from "./commands.js";
import type { FrameTransform, FrameWriter } from "./transform.js";

/** Bodies above this are queued by reference instead of being copied into the slab. */
const COPY_LIMIT = 8 * 1024;
const SLAB_SIZE = 64 * 1024;

export class FrameEncoder implements FrameWriter {
  private slab = Buffer.allocUnsafe(SLAB_SIZE);
  /** Start of the bytes not yet handed out, and the write position. */
  private start = 0;
  private pos = 0;
  private pending: Buffer[] = [];
  /** Bytes written since the last take(). */
  bytes = 0;
  /** Set after a handshake that seals frames (CURVE): every frame then goes through it. */
  transform: FrameTransform | null = null;
  /** Where the body of the frame reserve() made room for starts. */
  at = 0;
  /** Set for a ZMTP 1.0 peer: RFC 13 frame headers. */
  v1 = false;

  /** Frames of one message (all but the last with MORE). */
  message(frames: readonly Buffer[]): void {
    const last = frames.length - 1;
    for (let i = 0; i <= last; i++) this.frame(frames[i]!, i < last ? FLAG_MORE : 0);
  }

  /** A pre-encoded frame (handshake commands): copied into the slab or queued, never transformed. */
  raw(frame: Buffer): void {
    if (frame.length > COPY_LIMIT) {
      this.cut();
      this.pending.push(frame);
    } else {
      this.room(frame.length);
      frame.copy(this.slab, this.pos);
      this.pos += frame.length;
    }
    this.bytes += frame.length;
  }

  command(body: Buffer): void {
    this.frame(body, FLAG_COMMAND);
  }

  private frame(body: Buffer, flags: number): void {
    if (this.transform !== null) {
      this.transform.seal(this, body, flags);
      return;
    }
    const n = body.length;
    const copy = n <= COPY_LIMIT;
    const header = this.headerSize(n);
    this.room(copy ? header + n : header);
    const p = this.header(flags, n);
    if (copy) {
      if (n > 0) body.copy(this.slab, p);
      this.pos = p + n;
    } else {
      this.pos = p;
      this.cut();
      this.pending.push(body);
    }
    this.bytes += header + n;
  }

  /**
   * Room for a frame of `n` body bytes that the caller fills in (a sealed
   * frame): the header goes into the slab, the body into the slab after it
   * when small, else into a buffer of its own queued after the header.
   */
  reserve(flags: number, n: number): Buffer {
    const header = n > 255 ? 9 : 2;
    this.bytes += header + n;
    if (n <= COPY_LIMIT) {
      this.room(header + n);
      this.at = this.header(flags, n);
      this.pos = this.at + n;
      return this.slab;
    }
    this.room(header);
    this.pos = this.header(flags, n);
    this.cut();
    const body = Buffer.allocUnsafe(n);
    this.pending.push(body);
    this.at = 0;
    return body;
  }

  private headerSize(n: number): number {
    if (this.v1) return n + 1 < 255 ? 2 : 10;
    return n > 255 ? 9 : 2;
  }

  /** Writes a frame header at the write position (room checked); returns where the body starts. */
  private header(flags: number, n: number): number {
    const s = this.slab;
    const p = this.pos;
    if (this.v1) {
      // Only MORE exists in 1.0; the size includes the flags byte.
      const size = n + 1;
      if (size < 255) {
        s[p] = size;
        s[p + 1] = flags & FLAG_MORE;
        return p + 2;
      }
      s[p] = 0xff;
      s.writeUInt32BE(Math.floor(size / 0x100000000), p + 1);
      s.writeUInt32BE(size >>> 0, p + 5);
      s[p + 9] = flags & FLAG_MORE;
      return p + 10;
    }
    if (n > 255) {
      s[p] = flags | FLAG_LONG;
      // Sizes fit in 53 bits; write the high and low words.
      s.writeUInt32BE(Math.floor(n / 0x100000000), p + 1);
      s.writeUInt32BE(n >>> 0, p + 5);
      return p + 9;
    }
    s[p] = flags;
    s[p + 1] = n;
    return p + 2;
  }

  /** Everything written since the last take, in order; [] when nothing. */
  take(): Buffer[] {
    this.cut();
    const out = this.pending;
    this.pending = [];
    this.bytes = 0;
    return out;
  }

  /** Closes the current run of slab bytes into the pending list. */
  private cut(): void {
    if (this.pos > this.start) {
      this.pending.push(this.slab.subarray(this.start, this.pos));
      this.start = this.pos;
    }
  }

  /** Makes sure `n` bytes fit in the slab; a full slab is handed off (its bytes stay owned by the pending views). */
  private room(n: number): void {
    if (this.pos + n <= this.slab.length) return;
    this.cut();
    this.slab = Buffer.allocUnsafe(Math.max(SLAB_SIZE, n));
    this.start = 0;
    this.pos = 0;
  }
}
