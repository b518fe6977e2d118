/**
 * One ZMTP connection (libzmq's stream engine without the stream): bytes in
 * through receive(), bytes out through the sink's write(). It sends the
 * greeting in libzmq's steps (version.ts), runs the mechanism's handshake,
 * checks the peer's socket type, then carries messages, subscriptions and
 * heartbeats. A ZMTP 2.0 or 1.0 peer gets the old handshake instead (socket
 * type byte for 2.0, identity frames both ways; NULL only) and no heartbeats.
 * Transport-free: the session owns the stream and decides about reconnecting.
 */
import { zerr, type ErrorCode, type ZocketError } from "../errors.js";
import type { SocketTypeName } from "../socket-type.js";
import { assumedPeer, isCompatible, isSocketType } from "../socket-type.js";
import { commandBody, encodeMetadata, errorData, parseCommand, type Metadata } from "./commands.js";
import { CurveClient, CurveServer } from "./curve.js";
import { Decoder, type DecoderHandler, type FailureKind, type RunResult } from "./decoder.js";
import { FrameEncoder } from "./encoder.js";
import { Heartbeats, type HeartbeatHost } from "./heartbeat.js";
import type { MechanismName, PeerGreeting } from "./greeting.js";
import { NullMechanism, type Mechanism, type MechanismHost } from "./mechanism.js";
import { PlainClient, PlainServer, type Authenticate } from "./plain.js";
import type { FrameTransform } from "./transform.js";
import { GreetingSteps, isOldRevision, socketTypeNumber, socketTypeOf, type ProtocolVersion } from "./version.js";

export interface ZmtpOptions {
  socketType: SocketTypeName;
  routingId: Buffer;
  mechanism: MechanismName;
  asServer: boolean;
  plainUsername: string;
  plainPassword: string;
  /** CURVE keys, 32 bytes each: ours (both halves) and, for a client, the server's public key. */
  curvePublicKey?: Buffer | null | undefined;
  curveSecretKey?: Buffer | null | undefined;
  curveServerKey?: Buffer | null | undefined;
  zapAuthenticate?: Authenticate | undefined;
  maxMessageSize: number;
  heartbeatInterval: number;
  heartbeatTimeout: number;
  heartbeatTimeToLive: number;
  handshakeInterval: number;
}

export interface ZmtpPeer {
  socketType: SocketTypeName;
  routingId: Buffer;
  /** 0 for a ZMTP 3.0 (or 2.0, 1.0) peer, 1 for 3.1: whether it takes SUBSCRIBE/CANCEL commands. */
  minor: number;
  /** What the peer speaks. A 1.0 peer sends no socket type: socketType is then one ours can talk to. */
  protocol: ProtocolVersion;
  metadata: Metadata;
  userId: string;
}

export type EngineError = ZocketError & { kind: FailureKind };

export interface ZmtpSink {
  write(buffers: Buffer[]): void;
  onReady(peer: ZmtpPeer): void;
  /**
   * A whole message. `false`: the socket's queue is full; the engine holds the
   * message, stops reading, and offers it again on restartInput().
   */
  onMessage(frames: Buffer[]): boolean | void;
  /**
   * Stop (false) or restart (true) reading from the peer. The engine stops
   * while it cannot take more: a message refused, a ZAP answer awaited, or its
   * turn used up (it goes on at the next turn of the event loop).
   */
  setReading?(on: boolean): void;
  /** True while the stream's outbound backlog is over its mark (replies such as PONG then wait). */
  backlogged?(): boolean;
  /** A SUBSCRIBE/CANCEL command (3.1); the 3.0 message form arrives through onMessage. */
  onSubscribe(topic: Buffer, subscribe: boolean): void;
  /** The connection failed; the sink should close the stream. Called at most once. */
  onError(err: EngineError): void;
}

const CODES: Record<FailureKind, ErrorCode> = { protocol: "EPROTO", auth: "EACCES", size: "EMSGSIZE", other: "ETIMEDOUT" };

/** Types that send their Identity in READY (libzmq does so for these). */
const SENDS_IDENTITY = new Set<SocketTypeName>(["REQ", "DEALER", "ROUTER"]);

export class ZmtpConnection implements DecoderHandler, MechanismHost, HeartbeatHost {
  private readonly decoder: Decoder;
  private readonly encoder = new FrameEncoder();
  private mechanism: Mechanism | null = null;
  private peerMinor = 1;
  private protocol: ProtocolVersion = "3.1";
  /** The socket type a 2.0 peer announced in its greeting. */
  private oldPeerType: SocketTypeName | null = null;
  private readonly steps: GreetingSteps;
  /** A peer without a greeting (RFC 13): it sends no subscriptions. */
  private unversionedPeer = false;
  private ready = false;
  private closed = false;
  /** Counts received chunks: heartbeat checks compare it instead of resetting timers per chunk. */
  received = 0;
  private handshakeTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly heartbeats: Heartbeats;
  /** We asked the sink to stop reading. */
  inputHeld = false;
  private continueScheduled = false;

  constructor(
    private readonly opts: ZmtpOptions,
    private readonly sink: ZmtpSink,
  ) {
    this.decoder = new Decoder(this, opts.maxMessageSize);
    this.steps = new GreetingSteps(opts.mechanism, opts.asServer, opts.routingId.length);
    this.heartbeats = new Heartbeats(this, opts);
  }

  get alive(): boolean {
    return !this.closed;
  }

  /**
   * True while input is held: bytes already received wait undecoded, or a
   * decoded message waits for room in the socket's queue. The sink learns
   * that they are all through when it is told to read again (setReading(true)).
   */
  get holdsInput(): boolean {
    return this.inputHeld;
  }

  /** Bytes written since the last flush (the session bounds its batches with it). */
  get pendingBytes(): number {
    return this.encoder.bytes;
  }

  /** Sends our signature (the rest follows the peer's: version.ts) and starts the handshake clock. */
  start(): void {
    this.sink.write([this.steps.signature()]);
    const ivl = this.opts.handshakeInterval;
    if (ivl > 0) {
      this.handshakeTimer = setTimeout(() => {
        this.handshakeTimer = null;
        if (!this.ready) this.failed("other", `handshake not completed within ${ivl} ms`);
      }, ivl);
      this.handshakeTimer.unref?.();
    }
  }

  receive(chunk: Buffer): void {
    this.received++;
    this.decoder.push(chunk);
    this.pump();
  }

  /** Where the next read should land (the stream reads into buffers we choose: stream-reader.ts). */
  readBuffer(): Buffer {
    return this.decoder.readBuffer();
  }

  /** `n` bytes were read into `buf` (what readBuffer() returned). */
  bytesRead(buf: Buffer, n: number): void {
    this.received++;
    this.decoder.bytesRead(buf, n);
    this.pump();
  }

  /** The socket's queue has room again: the held message first, then whatever is buffered. */
  restartInput(): void {
    if (this.closed) return;
    let delivered: boolean;
    try {
      delivered = this.decoder.retry();
    } catch (err) {
      return this.failed("protocol", `unexpected input: ${(err as Error).message}`);
    }
    if (delivered) this.pump();
  }

  /** The stream drained its outbound backlog: a PONG that waited goes out now. */
  outputDrained(): void {
    this.heartbeats.answer();
  }

  /**
   * Decodes what is buffered, one turn's worth, and tells the sink whether to
   * keep reading: only while the decoder needs more bytes. Bytes that arrive
   * while input is held wait in the decoder (at most one read buffer).
   */
  private pump(): void {
    if (this.closed) return;
    let r: RunResult;
    try {
      r = this.decoder.run();
    } catch (err) {
      // Whatever a peer sends costs at most its connection, never the process.
      return this.failed("protocol", `unexpected input: ${(err as Error).message}`);
    }
    if (this.closed) return;
    this.heartbeats.answer();
    if (r === "more") {
      if (this.inputHeld) {
        this.inputHeld = false;
        this.sink.setReading?.(true);
      }
      return;
    }
    if (!this.inputHeld) {
      this.inputHeld = true;
      this.sink.setReading?.(false);
    }
    if (r === "yield" && !this.continueScheduled) {
      this.continueScheduled = true;
      setImmediate(this.continueInput);
    }
  }

  private readonly continueInput = (): void => {
    this.continueScheduled = false;
    this.pump();
  };

  /** Queues one message; written on the next flush(). */
  sendMessage(frames: readonly Buffer[]): void {
    this.encoder.message(frames);
  }

  /** Queues a subscription: a SUBSCRIBE/CANCEL command for 3.1 peers, the message form for 3.0. */
  sendSubscribe(topic: Buffer, subscribe: boolean): void {
    if (this.peerMinor >= 1) {
      const name = subscribe ? "SUBSCRIBE" : "CANCEL";
      const body = Buffer.allocUnsafe(1 + name.length + topic.length);
      body[0] = name.length;
      body.write(name, 1, "latin1");
      topic.copy(body, 1 + name.length);
      this.encoder.command(body);
    } else {
      const msg = Buffer.allocUnsafe(1 + topic.length);
      msg[0] = subscribe ? 1 : 0;
      topic.copy(msg, 1);
      this.encoder.message([msg]);
    }
  }

  /** Hands everything queued to the sink in one write. */
  flush(): void {
    if (this.closed) return;
    const out = this.encoder.take();
    if (out.length > 0) this.sink.write(out);
  }

  /** The stream is gone (or being closed): stop timers and decoding. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.decoder.kill();
    this.stopTimers();
  }

  // ------------------------------------------------------- decoder handler

  signature(): void {
    this.sink.write([this.steps.major()]);
  }

  revision(revision: number): void {
    if (!isOldRevision(revision)) return this.sink.write([this.steps.rest()]);
    if (this.refusedAsOld(revision === 1 ? "2.0" : "1.0")) return;
    // The rest of a 2.0 greeting: our socket type (libzmq sends it to revision 0 peers too).
    this.sink.write([Buffer.from([socketTypeNumber(this.opts.socketType)])]);
  }

  unversioned(): void {
    if (this.refusedAsOld("1.0")) return;
    this.oldProtocol("1.0");
    this.unversionedPeer = true;
    // The signature we sent reads, to a 1.0 peer, as our identity message's header: its body follows.
    if (this.opts.routingId.length > 0) this.sink.write([this.opts.routingId]);
  }

  oldGreeting(revision: number, typeNumber: number): void {
    if (revision === 1) {
      this.oldProtocol("2.0");
      const type = socketTypeOf(typeNumber);
      if (type === null) return this.failed("protocol", `the ZMTP 2.0 peer announced no known socket type (${typeNumber})`);
      // 2.0 has no ERROR command: an incompatible peer is just closed.
      if (!isCompatible(this.opts.socketType, type)) {
        return this.failed("protocol", `incompatible peer: ${this.opts.socketType} cannot talk to ${type}`);
      }
      this.oldPeerType = type;
    } else {
      // Revision 0 (libzmq 3.0/3.1 era): a greeting, then 1.0 framing.
      this.oldProtocol("1.0");
    }
    // Our identity goes first, as a single frame.
    this.encoder.message([this.opts.routingId]);
    this.flush();
  }

  /** A 1.0/2.0 peer's identity: the handshake is done (a 1.0 PUB peer is sent everything, as libzmq does). */
  identity(id: Buffer): void {
    const identity = Buffer.from(id);
    if (this.refusedIdentity(identity)) return;
    this.becomeReady(this.oldPeerType ?? assumedPeer(this.opts.socketType), identity, new Map(), "");
    // 1.0 subscribers filter for themselves and send no subscriptions: subscribe them to everything.
    const publisher = this.opts.socketType === "PUB" || this.opts.socketType === "XPUB";
    if (publisher && this.unversionedPeer) this.sink.onSubscribe(Buffer.alloc(0), true);
  }

  private oldProtocol(version: "1.0" | "2.0"): void {
    this.protocol = version;
    this.peerMinor = 0;
    this.encoder.v1 = version === "1.0";
  }

  /** Older peers have no mechanisms: a socket set up for PLAIN or CURVE refuses them (libzmq does). */
  private refusedAsOld(version: "1.0" | "2.0"): boolean {
    if (this.opts.mechanism === "NULL") return false;
    this.failed("protocol", `a ZMTP ${version} peer cannot use ${this.opts.mechanism} (it needs ZMTP 3.0 or later)`);
    return true;
  }

  greeting(g: PeerGreeting): void {
    const o = this.opts;
    if (g.mechanism !== o.mechanism) {
      return this.failed("protocol", `mechanism mismatch: we use ${o.mechanism}, the peer ${g.mechanism || "(none)"}`);
    }
    // The as-server flag is not checked: libzmq 4.3 sends 0 there even from a PLAIN
    // server; the roles show in the commands (HELLO from a server is a protocol error).
    this.peerMinor = g.minor;
    this.protocol = g.minor >= 1 ? "3.1" : "3.0";
    this.mechanism = this.createMechanism();
    this.mechanism.start();
  }

  private createMechanism(): Mechanism {
    const o = this.opts;
    switch (o.mechanism) {
      case "NULL":
        return new NullMechanism(this);
      case "PLAIN":
        return o.asServer ? new PlainServer(this, o.zapAuthenticate) : new PlainClient(this, o.plainUsername, o.plainPassword);
      case "CURVE":
        return o.asServer
          ? new CurveServer(this, o.curveSecretKey ?? null, o.zapAuthenticate)
          : new CurveClient(this, o.curvePublicKey ?? null, o.curveSecretKey ?? null, o.curveServerKey ?? null);
    }
  }

  command(body: Buffer): void {
    const cmd = parseCommand(body);
    if (cmd === null) return this.failed("protocol", "malformed command frame");
    if (!this.ready) return this.mechanism!.command(cmd.name, cmd.data);
    switch (cmd.name) {
      case "PING":
        // A 3.0 peer that PINGs has PING/PONG after all (libzmq 4.2 to 4.3.2 announce 3.0): heartbeat it too.
        if (this.protocol === "3.0") this.heartbeats.start();
        return this.heartbeats.ping(cmd.data);
      case "PONG":
        return; // any traffic counts as a sign of life
      case "SUBSCRIBE":
        return this.sink.onSubscribe(cmd.data, true);
      case "CANCEL":
        return this.sink.onSubscribe(cmd.data, false);
      case "ERROR":
        return this.failed("protocol", "peer sent ERROR");
      default:
        // Unknown commands after the handshake are ignored (forward compatibility).
        return;
    }
  }

  message(frames: Buffer[]): boolean {
    return this.sink.onMessage(frames) !== false;
  }

  failed(kind: FailureKind, reason: string): void {
    if (this.closed) return;
    const err = zerr(CODES[kind], reason) as EngineError;
    err.kind = kind;
    this.flush();
    this.close();
    this.sink.onError(err);
  }

  // ------------------------------------------------------- mechanism host

  sendCommand(frame: Buffer): void {
    if (this.closed) return;
    this.encoder.raw(frame);
    this.flush();
  }

  metadata(): Buffer {
    const props: [string, Uint8Array][] = [["Socket-Type", Buffer.from(this.opts.socketType, "latin1")]];
    if (SENDS_IDENTITY.has(this.opts.socketType)) props.push(["Identity", this.opts.routingId]);
    return encodeMetadata(props);
  }

  established(props: Metadata, userId: string, transform: FrameTransform | null = null): void {
    if (this.closed) return;
    // From here on every frame, both ways, goes through the mechanism's transform (CURVE seals them).
    this.encoder.transform = transform;
    this.decoder.transform = transform;
    const type = props.get("socket-type")?.toString("latin1");
    if (type === undefined || !isSocketType(type)) return this.failed("protocol", "peer sent no valid Socket-Type");
    if (!isCompatible(this.opts.socketType, type)) {
      this.encoder.command(commandBody("ERROR", errorData("Invalid socket type")));
      return this.failed("protocol", `incompatible peer: ${this.opts.socketType} cannot talk to ${type}`);
    }
    const identity = props.get("identity") ?? Buffer.alloc(0);
    if (this.refusedIdentity(identity)) return;
    this.becomeReady(type, identity, props, userId);
  }

  /**
   * A leading zero byte marks the ids a ROUTER generates (ZMQ_ROUTING_ID):
   * a peer claiming one could take the id of another peer, or the next one.
   */
  private refusedIdentity(identity: Buffer): boolean {
    if (this.opts.socketType !== "ROUTER" || identity.length === 0 || identity[0] !== 0) return false;
    this.failed("protocol", "the peer claims a routing id starting with a zero byte (reserved for generated ids)");
    return true;
  }

  private becomeReady(type: SocketTypeName, identity: Buffer, props: Metadata, userId: string): void {
    this.ready = true;
    this.decoder.handshaken = true;
    if (this.handshakeTimer !== null) clearTimeout(this.handshakeTimer);
    this.handshakeTimer = null;
    this.startHeartbeats();
    this.sink.onReady({ socketType: type, routingId: identity, minor: this.peerMinor, protocol: this.protocol, metadata: props, userId });
  }

  pause(): void {
    this.decoder.paused = true;
  }

  resume(): void {
    this.decoder.paused = false;
    this.pump();
  }

  // ------------------------------------------------------- heartbeat host

  sendCommandBody(body: Buffer): void {
    this.encoder.command(body);
    this.flush();
  }

  backlogged(): boolean {
    return this.sink.backlogged?.() === true;
  }

  /**
   * PING/PONG came with ZMTP 3.1: a 3.0, 2.0 or 1.0 peer is never PINGed, nor
   * dropped for not answering (libzmq does, then reconnects every timeout).
   */
  private startHeartbeats(): void {
    if (this.protocol === "3.1") this.heartbeats.start();
  }

  private stopTimers(): void {
    if (this.handshakeTimer !== null) clearTimeout(this.handshakeTimer);
    this.handshakeTimer = null;
    this.heartbeats.stop();
  }
}
