/**
 * Reads a stream into buffers its engine chooses, with Node's `onread` mode
 * (net.connect's `onread: { buffer, callback }`): after each read Node asks
 * where the next one should land. The decoder answers with the rest of the
 * big frame it is filling, so a large body goes from the kernel straight
 * into the message's own buffer (no copy, no 64 KiB chunk per read, and a
 * read as large as the body), and otherwise with the free part of its slab.
 *
 * Streams we connect get the mode through the documented option. Accepted
 * streams are made by net.Server, which has no such option: they are
 * accepted paused and switched over with the same fields the option sets,
 * found once by constructing a socket with the option and looking. If this
 * Node keeps them some other way, accepted streams fall back to `data`
 * events (adopt() returns false); nothing else changes.
 */
import net from "node:net";

/** Where the bytes of one stream go (a ZMTP engine). */
export interface ReadInto {
  readBuffer(): Buffer;
  bytesRead(buf: Buffer, n: number): void;
}

/** Size of the buffer read into before the engine is attached. */
const EARLY_READ = 16 * 1024;

export class StreamReader {
  private into: ReadInto | null = null;
  /** Bytes read before attach() (not expected: the engine is attached in the connect event). */
  private early: Buffer[] = [];

  /** The `onread` option for net.connect. */
  readonly onread = {
    buffer: (): Buffer => this.into?.readBuffer() ?? Buffer.allocUnsafe(EARLY_READ),
    // true: keep reading (false would pause the stream; the engine pauses it through the session instead).
    callback: (n: number, buf: Uint8Array): boolean => {
      const b = buf as Buffer;
      if (this.into !== null) this.into.bytesRead(b, n);
      else this.early.push(b.subarray(0, n));
      return true;
    },
  };

  /** From now on reads go to `into` (after whatever was read before). */
  attach(into: ReadInto): void {
    this.into = into;
    const early = this.early;
    this.early = [];
    for (const chunk of early) into.bytesRead(chunk, chunk.length);
  }
}

interface OnreadFields {
  buffer: symbol;
  callback: symbol;
  generator: symbol;
}

let fields: OnreadFields | null | undefined;

/** The fields net.Socket keeps its `onread` option in, or null if they are not found as expected. */
function onreadFields(): OnreadFields | null {
  if (fields !== undefined) return fields;
  fields = null;
  try {
    const generator = (): Buffer => Buffer.alloc(1);
    const callback = (): boolean => true;
    // The constructor takes the option as net.connect does (the typings list it for connect only).
    const probe = new net.Socket({ onread: { buffer: generator, callback } } as net.SocketConstructorOpts);
    const own = probe as unknown as Record<symbol, unknown>;
    const named = (d: string): symbol | undefined => Object.getOwnPropertySymbols(probe).find((s) => s.description === d);
    const buffer = named("kBuffer");
    const cb = named("kBufferCb");
    const gen = named("kBufferGen");
    // A generator option is kept as: buffer = true, the generator and the callback beside it.
    if (buffer !== undefined && cb !== undefined && gen !== undefined && own[buffer] === true && own[gen] === generator && own[cb] === callback) {
      fields = { buffer, callback: cb, generator: gen };
    }
    probe.destroy();
  } catch {
    fields = null;
  }
  return fields;
}

interface StreamHandle {
  reading?: boolean;
  useUserBuffer?: (buf: Uint8Array) => void;
}

/**
 * Switches an accepted stream that has not started reading (the listener
 * accepts paused) to `reader`; false if this Node does not allow it, and
 * the caller reads `data` events instead. Either way the caller resumes it.
 */
export function adopt(stream: net.Socket, reader: StreamReader): boolean {
  const f = onreadFields();
  const handle = (stream as unknown as { _handle?: StreamHandle | null })._handle;
  if (f === null || handle == null || handle.reading === true || typeof handle.useUserBuffer !== "function") return false;
  const own = stream as unknown as Record<symbol, unknown>;
  const first = reader.onread.buffer();
  own[f.generator] = reader.onread.buffer;
  own[f.callback] = reader.onread.callback;
  own[f.buffer] = first;
  handle.useUserBuffer(first);
  return true;
}
