/**
 * Packs messages into one ArrayBuffer for a cross-thread post, and unpacks
 * them as Buffer views of that ArrayBuffer. One postMessage carries a whole
 * batch, so the per-message cost of structured clone disappears, and the
 * receiver copies nothing. Layout: u32 count, then per message u32 frames,
 * then per frame u32 length + bytes (all little-endian).
 */
import type { Msg } from "../msg.js";

export interface PackedBatch {
  buf: ArrayBuffer;
  count: number;
}

export function packBatch(msgs: readonly Msg[]): PackedBatch {
  let size = 4;
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i]!;
    size += 4;
    for (let j = 0; j < m.length; j++) size += 4 + m[j]!.length;
  }
  const buf = new ArrayBuffer(size);
  const bytes = new Uint8Array(buf);
  const view = new DataView(buf);
  view.setUint32(0, msgs.length, true);
  let off = 4;
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i]!;
    view.setUint32(off, m.length, true);
    off += 4;
    for (let j = 0; j < m.length; j++) {
      const f = m[j]!;
      view.setUint32(off, f.length, true);
      off += 4;
      bytes.set(f, off);
      off += f.length;
    }
  }
  return { buf, count: msgs.length };
}

export function unpackBatch(buf: ArrayBuffer, into: (msg: Msg) => void): number {
  const view = new DataView(buf);
  const count = view.getUint32(0, true);
  let off = 4;
  for (let i = 0; i < count; i++) {
    const frames = view.getUint32(off, true);
    off += 4;
    const msg: Msg = new Array<Buffer>(frames);
    for (let j = 0; j < frames; j++) {
      const len = view.getUint32(off, true);
      off += 4;
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
