/**
 * ZMTP 1.0 (RFC 13) and 2.0 (RFC 15) written from the RFCs for the tests,
 * independently of src/zmtp: frame encoders, the 2.0 greeting, an
 * incremental reader of what zocket sends to such a peer, and a scripted raw
 * TCP peer speaking either protocol.
 */
import net from "node:net";

export type OldVersion = "1.0" | "2.0";

/** RFC 15 socket types. */
export const TYPE = { PAIR: 0, PUB: 1, SUB: 2, REQ: 3, REP: 4, DEALER: 5, ROUTER: 6, PULL: 7, PUSH: 8 } as const;

function u64(n: number | bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

/** RFC 13: length (counting the flags byte; 0xFF then 8 bytes when ≥ 255), flags (bit 0 MORE), body. */
export function v1Frame(body: Buffer, more: boolean): Buffer {
  const size = body.length + 1;
  const head = size < 255 ? Buffer.from([size]) : Buffer.concat([Buffer.from([0xff]), u64(size)]);
  return Buffer.concat([head, Buffer.from([more ? 1 : 0]), body]);
}

/** RFC 15: flags (bit 0 MORE, bit 1 LONG), size (1 byte, or 8 when LONG), body. */
export function v2Frame(body: Buffer, more: boolean): Buffer {
  const long = body.length > 255;
  const flags = (more ? 1 : 0) | (long ? 2 : 0);
  return Buffer.concat([Buffer.from([flags]), long ? u64(body.length) : Buffer.from([body.length]), body]);
}

export function oldMessage(version: OldVersion, frames: readonly Buffer[]): Buffer {
  const frame = version === "1.0" ? v1Frame : v2Frame;
  return Buffer.concat(frames.map((f, i) => frame(f, i < frames.length - 1)));
}

/** RFC 15 signature: 0xFF, 8 bytes of padding, 0x7F. */
export const SIGNATURE = Buffer.from("ff00000000000000017f", "hex");

/** What a 2.0 peer sends after the other's signature: revision 1, its socket type. */
export const v2Rest = (type: number): Buffer => Buffer.from([0x01, type]);

/**
 * Reads what zocket sends to an old peer: for 2.0 its greeting (signature,
 * major version, socket type), for 1.0 nothing; then its identity (the first
 * frame: for 1.0 its header is the signature, whose flags byte is 0x7F), then
 * messages.
 */
export class OldReader {
  private buf: Buffer = Buffer.alloc(0);
  private frames: Buffer[] = [];
  greeting: Buffer | null = null;
  identity: Buffer | null = null;
  readonly messages: Buffer[][] = [];
  error: string | null = null;

  constructor(private readonly version: OldVersion) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    for (;;) if (!this.step()) return;
  }

  private step(): boolean {
    const b = this.buf;
    if (this.version === "2.0" && this.greeting === null) {
      if (b.length < 12) return false;
      this.greeting = b.subarray(0, 12);
      this.buf = b.subarray(12);
      return true;
    }
    let size: number;
    let flags: number;
    let at: number;
    if (this.version === "1.0") {
      if (b.length < 1) return false;
      const long = b[0] === 0xff;
      if (b.length < (long ? 10 : 2)) return false;
      size = (long ? Number(b.readBigUInt64BE(1)) : b[0]!) - 1;
      flags = b[long ? 9 : 1]!;
      at = long ? 10 : 2;
    } else {
      if (b.length < 2) return false;
      flags = b[0]!;
      const long = (flags & 2) !== 0;
      if (b.length < (long ? 9 : 2)) return false;
      size = long ? Number(b.readBigUInt64BE(1)) : b[1]!;
      at = long ? 9 : 2;
      if ((flags & 0xfc) !== 0) this.error = `reserved flags ${flags}`;
    }
    if (b.length < at + size) return false;
    const body = Buffer.from(b.subarray(at, at + size));
    this.buf = b.subarray(at + size);
    if (this.identity === null) {
      this.identity = body;
      return true;
    }
    if (this.version === "1.0" && (flags & 0xfe) !== 0) this.error = `reserved flags ${flags}`;
    this.frames.push(body);
    if ((flags & 1) === 0) {
      this.messages.push(this.frames);
      this.frames = [];
    }
    return true;
  }
}

/**
 * A scripted old peer on a TCP socket. A 2.0 peer sends its signature, then
 * (as libzmq 3.2 and JeroMQ 0.3 do) its revision and type once the other's
 * signature has arrived, then its identity frame; a 1.0 peer sends its
 * identity message at once. Messages are read with next().
 */
export class OldPeer {
  readonly reader: OldReader;
  private seen = 0;
  private wake: (() => void) | null = null;
  closed = false;
  /** Bytes written before the 2.0 greeting could go out: sent right after it. */
  private readonly held: Buffer[] = [];
  private ready: boolean;

  constructor(
    readonly socket: net.Socket,
    readonly version: OldVersion,
    type: number,
    identity: Buffer = Buffer.alloc(0),
  ) {
    this.reader = new OldReader(version);
    this.ready = version === "1.0";
    socket.on("error", () => {});
    socket.setNoDelay(true);
    socket.on("close", () => {
      this.closed = true;
      this.wake?.();
    });
    let sentRest = version === "1.0";
    const identityFrame = version === "1.0" ? v1Frame(identity, false) : v2Frame(identity, false);
    if (version === "2.0") socket.write(SIGNATURE);
    else socket.write(identityFrame);
    let received = 0;
    socket.on("data", (d: Buffer) => {
      received += d.length;
      if (!sentRest && received >= 10) {
        sentRest = true;
        socket.write(Buffer.concat([v2Rest(type), identityFrame]));
        // Messages wait for the greeting: a real peer sends none before its handshake.
        for (const b of this.held.splice(0)) socket.write(b);
        this.ready = true;
      }
      this.reader.push(d);
      this.wake?.();
    });
  }

  /** Connects to zocket. */
  static connect(port: number, version: OldVersion, type: number, identity?: Buffer): Promise<OldPeer> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: "127.0.0.1", port });
      s.once("error", reject);
      s.once("connect", () => resolve(new OldPeer(s, version, type, identity)));
    });
  }

  /** Writes a message, cut into pieces of random sizes (each its own write). */
  send(frames: readonly (Buffer | string)[], pieces = 1): void {
    const bytes = oldMessage(this.version, frames.map((f) => (typeof f === "string" ? Buffer.from(f, "latin1") : f)));
    if (!this.ready) return this.write(bytes);
    let at = 0;
    for (let i = 1; i < pieces && at < bytes.length; i++) {
      const n = 1 + Math.floor(Math.random() * Math.min(64, bytes.length - at));
      this.socket.write(bytes.subarray(at, at + n));
      at += n;
    }
    if (at < bytes.length) this.socket.write(bytes.subarray(at));
  }

  /** Writes raw bytes, after the greeting. */
  write(bytes: Buffer): void {
    if (this.ready) this.socket.write(bytes);
    else this.held.push(bytes);
  }

  /** The next message zocket sent, in order; rejects after `ms` or when the connection closes. */
  async next(ms = 5000): Promise<Buffer[]> {
    const deadline = Date.now() + ms;
    for (;;) {
      if (this.reader.error !== null) throw new Error(`bad framing from zocket: ${this.reader.error}`);
      const m = this.reader.messages[this.seen];
      if (m !== undefined) {
        this.seen++;
        return m;
      }
      const left = deadline - Date.now();
      if (this.closed || left <= 0) throw new Error(this.closed ? "connection closed" : `no message within ${ms} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A listening socket that wraps each accepted connection in an OldPeer; accepted(i) waits for the i-th (from 0). */
export function oldServer(version: OldVersion, type: number, identity?: Buffer, port = 0): Promise<{ server: net.Server; port: number; peers: OldPeer[]; accepted(i: number, ms?: number): Promise<OldPeer> }> {
  const peers: OldPeer[] = [];
  let wake: (() => void) | null = null;
  const server = net.createServer((s) => {
    peers.push(new OldPeer(s, version, type, identity));
    wake?.();
  });
  const accepted = async (i: number, ms = 10000): Promise<OldPeer> => {
    const deadline = Date.now() + ms;
    while (peers.length <= i) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`connection ${i} not accepted within ${ms} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wake = null;
    }
    return peers[i]!;
  };
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve({ server, port: (server.address() as net.AddressInfo).port, peers, accepted }));
  });
}
