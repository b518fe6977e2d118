/**
 * Test harness for the transport-free ZMTP engine: connections that record
 * what they write and deliver, wiring two of them back to back, hand-built
 * peer streams, and an independent whole-buffer reference reader of a PUSH
 * peer's stream (for differential fuzzing).
 */
import { encodeCommand, encodeMetadata } from "../../src/zmtp/commands.js";
import { FrameEncoder } from "../../src/zmtp/encoder.js";
import { encodeGreeting, type MechanismName } from "../../src/zmtp/greeting.js";
import { ZmtpConnection, type EngineError, type ZmtpOptions, type ZmtpPeer } from "../../src/zmtp/protocol.js";
import type { SocketTypeName } from "../../src/socket-type.js";

export const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex");
export const latin = (s: string): Buffer => Buffer.from(s, "latin1");

export function options(type: SocketTypeName, extra: Partial<ZmtpOptions> = {}): ZmtpOptions {
  return {
    socketType: type,
    routingId: Buffer.alloc(0),
    mechanism: "NULL",
    asServer: false,
    plainUsername: "",
    plainPassword: "",
    maxMessageSize: -1,
    heartbeatInterval: 0,
    heartbeatTimeout: -1,
    heartbeatTimeToLive: 0,
    handshakeInterval: 0,
    ...extra,
  };
}

export type Event =
  | { t: "ready"; peer: ZmtpPeer }
  | { t: "message"; frames: Buffer[] }
  | { t: "sub"; topic: Buffer; on: boolean }
  | { t: "error"; err: EngineError };

export interface Rec {
  conn: ZmtpConnection;
  /** Every buffer handed to sink.write, in order (copied: the encoder reuses its slab). */
  out: Buffer[];
  /** Number of sink.write calls. */
  writes: number;
  events: Event[];
  messages: Buffer[][];
  ready: ZmtpPeer | null;
  errors: EngineError[];
  /** Resolves with the first error. */
  failure: Promise<EngineError>;
  /** Called on every write (tests hook it to forward bytes). */
  onWrite: ((bufs: Buffer[]) => void) | null;
}

/**
 * A connection whose sink records everything. `copy` false keeps delivered
 * frames as handed over (to inspect their backing store).
 */
export function rec(opts: ZmtpOptions, copy = true): Rec {
  let fail!: (e: EngineError) => void;
  const r: Rec = {
    conn: null as unknown as ZmtpConnection,
    out: [],
    writes: 0,
    events: [],
    messages: [],
    ready: null,
    errors: [],
    failure: new Promise<EngineError>((res) => (fail = res)),
    onWrite: null,
  };
  r.conn = new ZmtpConnection(opts, {
    write: (bufs) => {
      r.writes++;
      const copies = bufs.map((b) => Buffer.from(b));
      r.out.push(...copies);
      r.onWrite?.(copies);
    },
    onReady: (peer) => {
      r.ready = peer;
      r.events.push({ t: "ready", peer });
    },
    onMessage: (m) => {
      const frames = copy ? m.map((f) => Buffer.from(f)) : m;
      r.messages.push(frames);
      r.events.push({ t: "message", frames });
    },
    onSubscribe: (topic, on) => r.events.push({ t: "sub", topic: Buffer.from(topic), on }),
    onError: (err) => {
      r.errors.push(err);
      r.events.push({ t: "error", err });
      fail(err);
    },
  });
  return r;
}

/** Takes (and forgets) everything a connection wrote so far, as one buffer. */
export function drain(r: Rec): Buffer {
  return Buffer.concat(r.out.splice(0));
}

/**
 * What a connection wrote after its signature, without the rest of its
 * greeting (the major version, sent once the peer's signature arrived, and
 * the 53 bytes sent after the peer's revision byte): the commands that follow.
 */
export function afterGreeting(written: Buffer): Buffer {
  if (written.length < 54 || written[0] !== 3) throw new Error(`expected the rest of a 3.x greeting, got ${written.toString("hex").slice(0, 40)}`);
  return written.subarray(54);
}

/** Moves bytes between two connections synchronously until both are quiet. */
export function pump(a: Rec, b: Rec): void {
  for (let i = 0; i < 50 && (a.out.length > 0 || b.out.length > 0); i++) {
    for (const chunk of a.out.splice(0)) b.conn.receive(chunk);
    for (const chunk of b.out.splice(0)) a.conn.receive(chunk);
  }
}

/** Wires two connections so that whatever one writes reaches the other on the next macrotask. */
export function wire(a: Rec, b: Rec): void {
  const forward = (from: Rec, to: Rec): void => {
    from.onWrite = () => {
      const bufs = from.out.splice(0);
      setImmediate(() => {
        for (const c of bufs) if (to.conn.alive) to.conn.receive(c);
      });
    };
  };
  forward(a, b);
  forward(b, a);
}

/** Waits for the next macrotask turn (ZAP replies are promises). */
export const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

export interface StreamOptions {
  identity?: string;
  minor?: number;
  mechanism?: MechanismName;
  /** Commands to put between READY and the messages. */
  before?: Buffer[];
}

/** The bytes a NULL peer of `type` sends: greeting, READY, then `messages`. */
export function peerStream(type: string, messages: readonly (readonly Buffer[])[], o: StreamOptions = {}): Buffer {
  const g = encodeGreeting(o.mechanism ?? "NULL", false);
  if (o.minor !== undefined) g[11] = o.minor;
  const props: [string, Buffer][] = [["Socket-Type", latin(type)]];
  if (o.identity !== undefined) props.push(["Identity", latin(o.identity)]);
  const enc = new FrameEncoder();
  enc.raw(encodeCommand("READY", encodeMetadata(props)));
  for (const c of o.before ?? []) enc.raw(c);
  for (const m of messages) enc.message(m);
  return Buffer.concat([g, ...enc.take()]);
}

/** A message as one comparable string. */
export const key = (m: readonly Buffer[]): string => m.map((f) => f.toString("hex")).join("|");

/** Which protocol a peer's first bytes announce (as far as they go), libzmq's way. */
export function announcedVersion(b: Buffer): "1.0" | "1.0 after a greeting" | "2.0" | "3.x" | "unknown yet" {
  if (b.length === 0) return "unknown yet";
  if (b[0] !== 0xff) return "1.0";
  if (b.length < 10) return "unknown yet";
  if ((b[9]! & 1) === 0) return "1.0";
  if (b.length < 11) return "unknown yet";
  return b[10] === 0 ? "1.0 after a greeting" : b[10] === 1 ? "2.0" : "3.x";
}

/**
 * An independent, whole-buffer reading of a PUSH peer's NULL stream as the
 * specs describe it (RFC 23/37, and RFC 13/15 when the first bytes announce
 * an older protocol): the messages it carries up to the first thing that is
 * not valid, and whether such a thing was found.
 */
export function referenceDecode(b: Buffer, maxMessageSize: number): { messages: string[]; failed: boolean } {
  const v = announcedVersion(b);
  if (v === "1.0") return referenceOld(b, 0, 1, maxMessageSize);
  if (v === "1.0 after a greeting" || v === "2.0") {
    if (b.length < 12) return { messages: [], failed: false };
    // A PULL talks to a PUSH (8) only.
    if (v === "2.0" && b[11] !== 8) return { messages: [], failed: true };
    return referenceOld(b, 12, v === "2.0" ? 2 : 1, maxMessageSize);
  }
  const messages: string[] = [];
  const need = (n: number): boolean => b.length >= n;
  const fail = { messages, failed: true };
  if (!need(64)) return { messages, failed: false };
  let mechEnd = 32;
  while (mechEnd > 12 && b[mechEnd - 1] === 0) mechEnd--;
  if (b.toString("latin1", 12, mechEnd) !== "NULL") return fail;
  let at = 64;
  let ready = false;
  let frames: Buffer[] = [];
  let bytes = 0;
  while (at < b.length) {
    const flags = b[at]!;
    if ((flags & 0xf8) !== 0 || (flags & 5) === 5) return fail;
    const long = (flags & 2) !== 0;
    if (at + (long ? 9 : 2) > b.length) break;
    const size = long ? Number(b.readBigUInt64BE(at + 1)) : b[at + 1]!;
    at += long ? 9 : 2;
    const command = (flags & 4) !== 0;
    if (command) {
      if (!ready && size > 65536) return fail;
      if (frames.length > 0) return fail;
    } else if (!ready) return fail;
    // Handshake commands are bounded by the 64 KiB above, not by maxMessageSize.
    if (maxMessageSize >= 0 && ready && (command ? size : bytes + size) > maxMessageSize) return fail;
    if (at + size > b.length) break;
    const body = b.subarray(at, at + size);
    at += size;
    if (command) {
      if (body.length < 1) return fail;
      let name: string;
      let data: Buffer;
      if (body[0] === 0x5e && body.length >= 5 && body.toString("latin1", 1, 5) === "RROR") {
        name = "ERROR";
        data = body.subarray(5);
      } else {
        if (1 + body[0]! > body.length) return fail;
        name = body.toString("latin1", 1, 1 + body[0]!);
        data = body.subarray(1 + body[0]!);
      }
      if (!ready) {
        if (name !== "READY") return fail;
        const props = new Map<string, string>();
        for (let p = 0; p < data.length; ) {
          const n = data[p]!;
          if (n === 0 || p + 1 + n + 4 > data.length) return fail;
          const k = data.toString("latin1", p + 1, p + 1 + n).toLowerCase();
          const len = data.readUInt32BE(p + 1 + n);
          if (p + 5 + n + len > data.length) return fail;
          props.set(k, data.toString("latin1", p + 5 + n, p + 5 + n + len));
          p += 5 + n + len;
        }
        if (props.get("socket-type") !== "PUSH") return fail;
        ready = true;
      } else if (name === "ERROR" || (name === "PING" && data.length < 2)) {
        return fail;
      }
      continue;
    }
    frames.push(body);
    bytes += size;
    if ((flags & 1) === 0) {
      messages.push(key(frames));
      frames = [];
      bytes = 0;
    }
  }
  return { messages, failed: false };
}

/** RFC 13 (version 1) or RFC 15 (version 2) frames from `at`: an identity (≤ 255 bytes), then messages. */
function referenceOld(b: Buffer, at: number, version: 1 | 2, maxMessageSize: number): { messages: string[]; failed: boolean } {
  const messages: string[] = [];
  const fail = { messages, failed: true };
  let identity = true;
  let frames: Buffer[] = [];
  let bytes = 0;
  while (at < b.length) {
    let size: number;
    let flags: number;
    if (version === 1) {
      const long = b[at] === 0xff;
      if (at + (long ? 9 : 1) > b.length) break;
      const withFlags = long ? Number(b.readBigUInt64BE(at + 1)) : b[at]!;
      // The size counts the flags byte: 0 is invalid as soon as it is read.
      if (withFlags === 0) return fail;
      if (at + (long ? 10 : 2) > b.length) break;
      size = withFlags - 1;
      flags = b[at + (long ? 9 : 1)]!;
      if ((flags & 0xfe) !== 0) return fail;
      at += long ? 10 : 2;
    } else {
      flags = b[at]!;
      if ((flags & 0xfc) !== 0) return fail;
      const long = (flags & 2) !== 0;
      if (at + (long ? 9 : 2) > b.length) break;
      size = long ? Number(b.readBigUInt64BE(at + 1)) : b[at + 1]!;
      at += long ? 9 : 2;
    }
    if (identity && size > 255) return fail;
    if (!identity && maxMessageSize >= 0 && bytes + size + (frames.length > 0 ? 32 : 0) > maxMessageSize) return fail;
    if (at + size > b.length) break;
    const body = b.subarray(at, at + size);
    at += size;
    if (identity) {
      identity = false;
      continue;
    }
    bytes += size + (frames.length > 0 ? 32 : 0);
    frames.push(body);
    if ((flags & 1) === 0) {
      messages.push(key(frames));
      frames = [];
      bytes = 0;
    }
  }
  return { messages, failed: false };
}

/** Mulberry32: a small seeded generator, so failures can be replayed. */
export function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
