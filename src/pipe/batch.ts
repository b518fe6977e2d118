/**
 * Packs messages into one ArrayBuffer for a cross-thread post, and unpacks
 * them as Buffer views of that ArrayBuffer. One postMessage carries a whole
 * batch, so the per-message cost of structured clone disappears, and the
 * receiver copies nothing.
 *
 * A writer that owns its frames (a session handing what it decoded to its
 * socket) may move big ones instead of copying them: a frame that is the
 * whole of its own ArrayBuffer goes in the post's transfer list, so a 1 MiB
 * body read from the wire into its own buffer crosses threads with no copy.
 * A user's buffer is never moved (moving detaches it from the sender).
 *
 * Layout (little-endian): u32 message count, u32 moved-frame count; per
 * message u32 frame count; per frame u32 length, then (only when frames were
 * moved) a u8 that is 1 for a moved frame, then the bytes of a packed frame.
 */
import type { Msg } from "../msg.js";

export interface PackedBatch {
  buf: ArrayBuffer;
  count: number;
  /** The ArrayBuffers of moved frames, in frame order (transfer them with buf). */
  moved: ArrayBuffer[];
}

/** Moving a frame costs a transfer; below this size copying it is cheaper. */
export const MOVE_MIN = 64 * 1024;

/** True if `f` may be moved by a writer that owns it: big, and the whole of an ArrayBuffer of its own. */
export function movable(f: Buffer): boolean {
  return f.length >= MOVE_MIN && f.byteOffset === 0 && f.buffer instanceof ArrayBuffer && f.buffer.byteLength === f.length;
}

const NONE: ArrayBuffer[] = [];
const UNZEROED_FROM = 4096;

/** Packs `msgs`; with `move`, frames movable() are moved rather than copied (the caller owns them and lets go). */
export function packBatch(msgs: readonly Msg[], move = false): PackedBatch {
  let moved = NONE;
  let size = 8;
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i]!;
    size += 4;
    for (let j = 0; j < m.length; j++) {
      const f = m[j]!;
      // The same memory twice in one transfer list is refused: a repeat is copied.
      if (move && movable(f) && !moved.includes(f.buffer as ArrayBuffer)) {
        if (moved === NONE) moved = [];
        moved.push(f.buffer as ArrayBuffer);
        size += 4;
      } else size += 4 + f.length;
    }
  }
  const flagged = moved.length > 0;
  if (flagged) for (let i = 0; i < msgs.length; i++) size += msgs[i]!.length;
  // Big batches skip the zero-fill of new ArrayBuffer (every byte is written below).
  const buf = size < UNZEROED_FROM ? new ArrayBuffer(size) : (Buffer.allocUnsafeSlow(size).buffer as ArrayBuffer);
  const bytes = new Uint8Array(buf);
  const view = new DataView(buf);
  view.setUint32(0, msgs.length, true);
  view.setUint32(4, moved.length, true);
  let off = 8;
  let next = 0;
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i]!;
    view.setUint32(off, m.length, true);
    off += 4;
    for (let j = 0; j < m.length; j++) {
      const f = m[j]!;
      view.setUint32(off, f.length, true);
      off += 4;
      if (flagged) {
        if (next < moved.length && f.buffer === moved[next]) {
          bytes[off++] = 1;
          next++;
          continue;
        }
        bytes[off++] = 0;
      }
      bytes.set(f, off);
      off += f.length;
    }
  }
  return { buf, count: msgs.length, moved };
}

/** Unpacks a batch (with the frames that were moved beside it); returns how many messages it held. */
export function unpackBatch(buf: ArrayBuffer, into: (msg: Msg) => void, moved: readonly ArrayBuffer[] = NONE): number {
  const view = new DataView(buf);
  const count = view.getUint32(0, true);
  const flagged = view.getUint32(4, true) > 0;
  let off = 8;
  let next = 0;
  for (let i = 0; i < count; i++) {
    const frames = view.getUint32(off, true);
    off += 4;
    const msg: Msg = new Array<Buffer>(frames);
    for (let j = 0; j < frames; j++) {
      const len = view.getUint32(off, true);
      off += 4;
      if (flagged && view.getUint8(off++) === 1) {
        const ab = moved[next++];
        msg[j] = ab !== undefined ? Buffer.from(ab) : Buffer.alloc(0);
        continue;
      }
      msg[j] = Buffer.from(buf, off, len);
      off += len;
    }
    into(msg);
  }
  return count;
}

export function unpackAll(buf: ArrayBuffer): Msg[] {
  const out: Msg[] = [];
  unpackBatch(buf, (m) => out.push(m));
  return out;
}
