/**
 * A scripted CURVE client for hostile tests: it builds each command of the
 * handshake from the crypto primitives (not from src/zmtp/curve.ts), so a
 * test can send them whole, cut, corrupted, replayed or out of order, over a
 * raw TCP connection whose incoming frames it reads one by one.
 */
import net from "node:net";
import { box, boxBeforenm, boxKeyPair, boxOpen, randomBytes, type KeyPair } from "../../src/crypto/box.js";
import { SecretBox, secretbox, secretboxOpen } from "../../src/crypto/secretbox.js";
import { encodeCommand, encodeMetadata, parseMetadata } from "../../src/zmtp/commands.js";
import { encodeGreeting } from "../../src/zmtp/greeting.js";

const latin = (s: string): Buffer => Buffer.from(s, "latin1");
const n24 = (prefix: string, tail: Uint8Array): Buffer => Buffer.concat([latin(prefix), tail]);
const u64 = (n: bigint): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(n);
  return b;
};

export const CURVE_GREETING = encodeGreeting("CURVE", false);

/** A raw TCP connection that reads whole ZMTP frames after the 64-byte greeting. */
export class RawWire {
  private buf = Buffer.alloc(0);
  private greeted = false;
  private waiters: (() => void)[] = [];
  closed = false;
  /** Resolves when the other side closes (or the socket fails). */
  readonly gone: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.on("data", (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.wake();
    });
    socket.on("error", () => {});
    this.gone = new Promise((resolve) =>
      socket.on("close", () => {
        this.closed = true;
        this.wake();
        resolve();
      }),
    );
  }

  static connect(port: number): Promise<RawWire> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: "127.0.0.1", port });
      s.once("connect", () => resolve(new RawWire(s)));
      s.once("error", reject);
    });
  }

  write(b: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(b);
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private async need(n: number, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (this.buf.length < n) {
      if (this.closed || Date.now() >= deadline) return false;
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    return true;
  }

  /** The next frame's body (the peer's greeting is skipped first); null if the peer closed or `ms` passed. */
  async frame(ms = 3000): Promise<{ flags: number; body: Buffer } | null> {
    if (!this.greeted) {
      if (!(await this.need(64, ms))) return null;
      this.buf = this.buf.subarray(64);
      this.greeted = true;
    }
    if (!(await this.need(2, ms))) return null;
    const flags = this.buf[0]!;
    const long = (flags & 2) !== 0;
    if (long && !(await this.need(9, ms))) return null;
    const size = long ? Number(this.buf.readBigUInt64BE(1)) : this.buf[1]!;
    const head = long ? 9 : 2;
    if (!(await this.need(head + size, ms))) return null;
    const body = this.buf.subarray(head, head + size);
    this.buf = this.buf.subarray(head + size);
    return { flags, body };
  }
}

/** The client side of RFC 26, one command at a time. */
export class ScriptedCurveClient {
  readonly transient: KeyPair = boxKeyPair();
  private nonce = 0n;
  private key: Uint8Array | null = null;
  private serverTransient: Uint8Array | null = null;
  private cookie: Uint8Array | null = null;

  constructor(
    readonly serverPublic: Buffer,
    readonly longTerm: KeyPair,
  ) {}

  /** A HELLO command frame; `padding` false leaves out the 72 zero bytes, `corrupt` flips a bit of the signature box. */
  hello(o: { padding?: boolean; corrupt?: boolean } = {}): Buffer {
    const short = u64(++this.nonce);
    const signature = Buffer.from(box(Buffer.alloc(64), n24("CurveZMQHELLO---", short), this.serverPublic, this.transient.secretKey));
    if (o.corrupt === true) signature[20]! ^= 0x10;
    const data = Buffer.concat([Buffer.from([1, 0]), o.padding === false ? Buffer.alloc(0) : Buffer.alloc(72), this.transient.publicKey, short, signature]);
    return encodeCommand("HELLO", data);
  }

  /** Reads a WELCOME body ("\x07WELCOME" + data); false if it does not open. */
  welcome(body: Buffer): boolean {
    if (body.subarray(0, 8).toString("latin1") !== "\x07WELCOME" || body.length !== 168) return false;
    const plain = boxOpen(body.subarray(24), n24("WELCOME-", body.subarray(8, 24)), this.serverPublic, this.transient.secretKey);
    if (plain === null) return false;
    this.serverTransient = plain.subarray(0, 32);
    this.cookie = plain.subarray(32, 128);
    this.key = boxBeforenm(this.serverTransient, this.transient.secretKey);
    return this.key !== null;
  }

  /**
   * An INITIATE command frame. `corrupt`: flip a bit of its box; `vouchFor`:
   * vouch for another server key; `socketType`: the metadata's Socket-Type.
   */
  initiate(o: { corrupt?: boolean; vouchFor?: Buffer; socketType?: string } = {}): Buffer {
    const vouchNonce = randomBytes(16);
    const vouch = box(Buffer.concat([this.transient.publicKey, o.vouchFor ?? this.serverPublic]), n24("VOUCH---", vouchNonce), this.serverTransient!, this.longTerm.secretKey);
    const metadata = encodeMetadata([["Socket-Type", latin(o.socketType ?? "PUSH")]]);
    const short = u64(++this.nonce);
    const sealed = Buffer.from(secretbox(Buffer.concat([this.longTerm.publicKey, vouchNonce, vouch, metadata]), n24("CurveZMQINITIATE", short), this.key!));
    if (o.corrupt === true) sealed[40]! ^= 0x01;
    return encodeCommand("INITIATE", Buffer.concat([this.cookie!, short, sealed]));
  }

  /** Reads a READY body; its metadata's Socket-Type, or null if it does not open. */
  ready(body: Buffer): string | null {
    if (body.subarray(0, 6).toString("latin1") !== "\x05READY") return null;
    const plain = secretboxOpen(body.subarray(14), n24("CurveZMQREADY---", body.subarray(6, 14)), this.key!);
    if (plain === null) return null;
    const props = parseMetadata(Buffer.from(plain));
    return typeof props === "string" ? "" : (props.get("socket-type")?.toString("latin1") ?? "");
  }

  /**
   * One MESSAGE data frame carrying `body` (flags: 1 MORE, 2 COMMAND), under
   * the next nonce or the one given (a stale one, say).
   */
  message(body: Buffer, flags = 0, nonce?: bigint): Buffer {
    const n = nonce ?? ++this.nonce;
    const short = u64(n);
    const sealer = new SecretBox(this.key!, latin("CurveZMQMESSAGEC"));
    const out = Buffer.alloc(16 + 1 + body.length);
    sealer.seal(short, 0, flags, body, 0, body.length, out, 0);
    const frameBody = Buffer.concat([latin("\x07MESSAGE"), short, out]);
    const header = frameBody.length > 255 ? Buffer.concat([Buffer.from([2]), u64(BigInt(frameBody.length))]) : Buffer.from([0, frameBody.length]);
    return Buffer.concat([header, frameBody]);
  }

  /** The nonce the last command or message used. */
  get lastNonce(): bigint {
    return this.nonce;
  }
}

/**
 * Connects, greets, and runs HELLO/WELCOME/INITIATE/READY; returns the wire,
 * the client, and the frames it sent (to replay them).
 */
export async function curveHandshake(port: number, serverPublic: Buffer, longTerm: KeyPair): Promise<{ wire: RawWire; client: ScriptedCurveClient; sent: Buffer[] }> {
  const wire = await RawWire.connect(port);
  const client = new ScriptedCurveClient(serverPublic, longTerm);
  const hello = client.hello();
  wire.write(Buffer.concat([CURVE_GREETING, hello]));
  const welcome = await wire.frame();
  if (welcome === null || !client.welcome(welcome.body)) throw new Error("no WELCOME");
  const initiate = client.initiate();
  wire.write(initiate);
  const ready = await wire.frame();
  if (ready === null || client.ready(ready.body) === null) throw new Error("no READY");
  return { wire, client, sent: [hello, initiate] };
}
