import { zerr } from "./errors.js";

/** A whole multipart message: zocket moves messages, never loose frames. */
export type Msg = Buffer[];

/**
 * What `send()` accepts for one frame: text (UTF-8), bytes, a number (sent as
 * its decimal text, as zeromq.js does) or null (an empty frame).
 */
export type Frame = string | Buffer | Uint8Array | ArrayBuffer | SharedArrayBuffer | ArrayBufferView | number | null;

/** What `send()` accepts: one frame or the frames of a multipart message. */
export type Message = Frame | readonly Frame[];

export const EMPTY_FRAME: Buffer = Buffer.alloc(0);

/**
 * Frames at least this big are taken by reference, not copied (as zeromq.js
 * does for large buffers): the caller must not modify such a buffer after
 * passing it to send(). Copying large bodies would double the memory and
 * bandwidth of every big message.
 */
export const ZERO_COPY_MIN = 32 * 1024;

/**
 * Turns one user frame into a Buffer for the message. Small frames are
 * copied, as zmq_send does, so a caller may reuse its buffer at once; large
 * ones are shared (see ZERO_COPY_MIN).
 */
export function toFrame(value: unknown, where: string): Buffer {
  if (typeof value === "string") return Buffer.from(value, "utf8");
  if (value === null) return EMPTY_FRAME;
  if (typeof value === "number") return Buffer.from(String(value), "latin1");
  if (value instanceof Uint8Array) {
    const n = value.byteLength;
    if (n >= ZERO_COPY_MIN) {
      return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, n);
    }
    if (n === 0) return EMPTY_FRAME;
    return copyToSlab(value, n);
  }
  if (value instanceof ArrayBuffer || value instanceof SharedArrayBuffer) {
    return Buffer.from(new Uint8Array(value));
  }
  if (ArrayBuffer.isView(value)) {
    return Buffer.from(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
  }
  throw zerr("EINVAL", `${where}: a frame must be a string, Buffer, Uint8Array, ArrayBuffer, ArrayBufferView, number or null, got ${describe(value)}`);
}

/**
 * Small frames are copied into a shared slab (as Node's Buffer pool does, but
 * for frames up to ZERO_COPY_MIN): one allocation per slab instead of one per
 * frame. A frame kept alive keeps its slab alive, so slabs stay small.
 */
const SLAB_SIZE = 64 * 1024;
let slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
let slabUsed = 0;

function copyToSlab(value: Uint8Array, n: number): Buffer {
  if (slabUsed + n > SLAB_SIZE) {
    slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
    slabUsed = 0;
  }
  const frame = slab.subarray(slabUsed, slabUsed + n);
  // Keep frames 8-byte aligned, like Node's pool.
  slabUsed += (n + 7) & ~7;
  frame.set(value);
  return frame;
}

export function toMsg(message: unknown, where: string): Msg {
  if (Array.isArray(message)) {
    if (message.length === 0) throw zerr("EINVAL", `${where}: a message needs at least one frame`);
    const out = new Array<Buffer>(message.length);
    for (let i = 0; i < message.length; i++) out[i] = toFrame(message[i], where);
    return out;
  }
  return [toFrame(message, where)];
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return (value as object).constructor?.name ?? "object";
  return typeof value;
}

/** A subscription as a message (RFC 29): 1 (subscribe) or 0 (cancel), then the topic. */
export function subscriptionMessage(subscribe: boolean, topic: Uint8Array): Msg {
  const b = Buffer.allocUnsafe(topic.length + 1);
  b[0] = subscribe ? 1 : 0;
  b.set(topic, 1);
  return [b];
}
