/**
 * Frames outgoing messages into as few buffers as possible. Small frames are
 * packed, headers and all, into one shared slab; a large body is not copied:
 * its header closes the current slab and the body itself is queued as is.
 * `take()` hands the caller everything written since the last call, to be
 * written to the stream in one go (writev when corked).
 */
import { FLAG_COMMAND, FLAG_LONG, FLAG_MORE } from "./commands.js";

/** Bodies above this are queued by reference instead of being copied into the slab. */
const COPY_LIMIT = 8 * 1024;
const SLAB_SIZE = 64 * 1024;

export class FrameEncoder {
  private slab = Buffer.allocUnsafe(SLAB_SIZE);
  /** Start of the bytes not yet handed out, and the write position. */
  private start = 0;
  private pos = 0;
  private pending: Buffer[] = [];
  /** Bytes written since the last take(). */
  bytes = 0;

  /** Frames of one message (all but the last with MORE). */
  message(frames: readonly Buffer[]): void {
    const last = frames.length - 1;
    for (let i = 0; i <= last; i++) this.frame(frames[i]!, i < last ? FLAG_MORE : 0);
  }

  /** A pre-encoded frame (commands): copied into the slab or queued. */
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
    const n = body.length;
    const long = n > 255;
    const header = long ? 9 : 2;
    const copy = n <= COPY_LIMIT;
    this.room(copy ? header + n : header);
    const s = this.slab;
    let p = this.pos;
    if (long) {
      s[p] = flags | FLAG_LONG;
      // Sizes fit in 53 bits; write the high and low words.
      s.writeUInt32BE(Math.floor(n / 0x100000000), p + 1);
      s.writeUInt32BE(n >>> 0, p + 5);
      p += 9;
    } else {
      s[p] = flags;
      s[p + 1] = n;
      p += 2;
    }
    if (copy) {
      if (n > 0) body.copy(s, p);
      this.pos = p + n;
    } else {
      this.pos = p;
      this.cut();
      this.pending.push(body);
    }
    this.bytes += header + n;
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
