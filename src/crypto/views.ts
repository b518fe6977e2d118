/**
 * DataViews over whole ArrayBuffers, remembered: data comes in read chunks
 * and goes out through encoder slabs, so consecutive calls mostly touch the
 * same buffer, and a view is made once per buffer instead of once per call.
 * Only buffers up to 64 KiB are remembered, so that a connection's crypto
 * never keeps a big message alive after it has been handled.
 */
const REMEMBER_UP_TO = 64 * 1024;

export class ViewCache {
  private buffer: ArrayBufferLike | null = null;
  private view: DataView | null = null;

  /** A view of the whole buffer under `b` (offsets into it are b.byteOffset + i). */
  of(b: Uint8Array): DataView {
    if (b.buffer.byteLength > REMEMBER_UP_TO) return new DataView(b.buffer);
    if (b.buffer !== this.buffer) {
      this.buffer = b.buffer;
      this.view = new DataView(b.buffer);
    }
    return this.view!;
  }

  /** Lets go of the buffer (so a wiped object keeps nothing alive). */
  clear(): void {
    this.buffer = null;
    this.view = null;
  }
}
