/**
 * Received bytes as a list of chunks (as ws's receiver keeps them). Reading
 * hands out a view when the bytes lie inside one chunk and copies only when
 * they span chunks; large frames are filled into one buffer of their final
 * size, so nothing is ever concatenated twice.
 */
export class ChunkQueue {
  private chunks: Buffer[] = [];
  /** Read position inside chunks[0]. */
  private offset = 0;
  /** Bytes available to read. */
  length = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  clear(): void {
    this.chunks = [];
    this.offset = 0;
    this.length = 0;
  }

  /** One byte; the caller has checked `length >= 1`. */
  byte(): number {
    const head = this.chunks[0]!;
    const b = head[this.offset++]!;
    this.length--;
    if (this.offset === head.length) this.dropHead();
    return b;
  }

  /** Looks at byte `i` ahead without consuming; the caller has checked `length > i`. */
  peek(i: number): number {
    let off = this.offset + i;
    for (const c of this.chunks) {
      if (off < c.length) return c[off]!;
      off -= c.length;
    }
    throw new RangeError("ChunkQueue.peek past the end");
  }

  /** The size of the memory the first queued chunk is a view of (what a view of it keeps alive). */
  headBacking(): number {
    const head = this.chunks[0];
    return head === undefined ? 0 : head.buffer.byteLength;
  }

  /** Exactly `n` bytes (caller checked `length >= n`): a view when possible, else one copy. */
  take(n: number): Buffer {
    const head = this.chunks[0];
    if (n === 0 || head === undefined) return EMPTY;
    if (head.length - this.offset >= n) {
      const view = head.subarray(this.offset, this.offset + n);
      this.offset += n;
      this.length -= n;
      if (this.offset === head.length) this.dropHead();
      return view;
    }
    const out = Buffer.allocUnsafe(n);
    this.fill(out, 0, n);
    return out;
  }

  /** Exactly `n` bytes (caller checked `length >= n`) in a buffer of their own (small ones come from Node's pool). */
  copy(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    const head = this.chunks[0];
    if (head !== undefined && n <= 64 && head.length - this.offset >= n) {
      // A loop beats a native copy call at this size.
      const off = this.offset;
      for (let i = 0; i < n; i++) out[i] = head[off + i]!;
      this.offset += n;
      this.length -= n;
      if (this.offset === head.length) this.dropHead();
      return out;
    }
    this.fill(out, 0, n);
    return out;
  }

  /** Copies up to `n` bytes into `target` at `at`; returns how many were copied. */
  fill(target: Buffer, at: number, n: number): number {
    let copied = 0;
    while (copied < n && this.chunks.length > 0) {
      const head = this.chunks[0]!;
      const k = Math.min(n - copied, head.length - this.offset);
      head.copy(target, at + copied, this.offset, this.offset + k);
      copied += k;
      this.offset += k;
      if (this.offset === head.length) this.dropHead();
    }
    this.length -= copied;
    return copied;
  }

  /** A 64-bit big-endian size as a number, or -1 if it exceeds 2^53 (the caller checked `length >= 8`). */
  u64(): number {
    const hi = this.u32();
    const lo = this.u32();
    if (hi > 0x1fffff) return -1;
    return hi * 0x100000000 + lo;
  }

  private u32(): number {
    return ((this.byte() << 24) >>> 0) + (this.byte() << 16) + (this.byte() << 8) + this.byte();
  }

  private dropHead(): void {
    this.chunks.shift();
    this.offset = 0;
  }
}

const EMPTY = Buffer.alloc(0);
