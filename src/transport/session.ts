/**
 * A session joins one socket pipe to one ZMTP connection at a time (libzmq's
 * session_base_t). A connecting session outlives its connections: it
 * reconnects with backoff and, without `immediate`, keeps the socket's queue
 * (its pipe) across reconnects. An accepting session lives and dies with its
 * one connection. Sessions never see routing; sockets never see bytes.
 */
import net from "node:net";
import { zerr } from "../errors.js";
import type { Msg } from "../msg.js";
import type { EndInfo, Pipe, PipeSink } from "../pipe/pipe.js";
import type { SocketEvent } from "../events.js";
import { curveKeyBytes, type SocketOptionValues } from "../options.js";
import type { SocketTypeName } from "../socket-type.js";
import { isErrorCode } from "../protocols.js";
import { subscriptionMessage } from "../msg.js";
import { ZmtpConnection, type EngineError, type ZmtpPeer } from "../zmtp/protocol.js";
import type { NetAddress } from "./address.js";
import type { ZapClient } from "./zap.js";
import { adopt, StreamReader } from "./stream-reader.js";
import { closeGracefully, writeAll } from "./stream-io.js";
import { trace, TRACE } from "../debug.js";

/**
 * What a session needs of the socket it serves. The socket may have moved to
 * another thread: then this is a stand-in that talks to it over a port.
 */
export interface SessionOwner {
  readonly type: SocketTypeName;
  readonly options: SocketOptionValues;
  readonly zap: ZapClient;
  emit(event: SocketEvent): void;
  /**
   * A new pipe to the socket for this endpoint; returns the session's end.
   * `peer` null: the peer is not known yet (announce it after the handshake).
   */
  newPipe(endpoint: string, peer: EndInfo | null): Pipe;
}

/** Stop pulling from the pipe while this much is waiting in the stream. */
const STREAM_HIGH_WATER = 4 * 1024 * 1024;
/** Hand a batch to the stream once it is this big, even mid-pull. */
const BATCH_BYTES = 256 * 1024;
/**
 * At most this much is written from inside send() (writerStalled) in one
 * burst: the turns of the loop in which the socket keeps filling its pipe,
 * until one in which it does not. Enough for a burst of several thousand
 * small messages; a sender that streams without pause goes on as before
 * once it is spent (the pipe fills each turn and is drained at the next):
 * draining into the kernel for as long as it takes bytes would only move the
 * queue there, where a receiver in the same process finds it cold.
 */
const STALLED_BUDGET = 256 * 1024;

export class Session implements PipeSink {
  private pipe: Pipe | null = null;
  private stream: net.Socket | null = null;
  private engine: ZmtpConnection | null = null;
  private ready = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private retryDelay: number;
  private stopped = false;
  private handshakes = 0;
  /** The engine of the current stream reported its failure (no second event when the stream then closes). */
  private engineFailed = false;
  /** That failure, when it came after the handshake: the disconnect it causes carries it. */
  private engineError: EngineError | null = null;
  /** Why the current stream failed, if it did (a reset, a broken pipe). */
  private streamError: Error | null = null;

  constructor(
    private readonly socket: SessionOwner,
    readonly endpoint: string,
    private readonly address: NetAddress | null,
    private readonly onEnd: (s: Session) => void,
  ) {
    this.retryDelay = socket.options.reconnectInterval;
    // Without `immediate`, a connecting socket's queue exists from connect() on.
    if (address !== null && !socket.options.immediate) this.createPipe(null);
  }

  // ------------------------------------------------------------ connections

  /** Connecting side: first attempt at once (fast start-up), then backoff. */
  connect(): void {
    if (this.stopped || this.address === null) return;
    const a = this.address;
    if (TRACE) trace("session %s: connecting", this.endpoint);
    const reader = new StreamReader();
    const { onread } = reader;
    const stream = a.kind === "tcp" ? net.connect({ host: a.host, port: a.port, noDelay: true, onread }) : net.connect({ path: a.path, onread });
    const onError = (err: Error): void => {
      stream.off("connect", onConnect);
      stream.destroy();
      this.socket.emit({ type: "connect:delay", address: this.endpoint, error: systemError(err, "ECONNREFUSED", "connect failed") });
      this.scheduleRetry();
    };
    const onConnect = (): void => {
      stream.off("error", onError);
      this.socket.emit({ type: "connect", address: this.endpoint });
      this.attachStream(stream, false, reader);
    };
    stream.once("error", onError);
    stream.once("connect", onConnect);
    stream.unref();
  }

  private scheduleRetry(): void {
    const ivl = this.socket.options.reconnectInterval;
    if (this.stopped || this.address === null || ivl < 0) {
      if (ivl < 0) this.end();
      return;
    }
    const max = this.socket.options.reconnectMaxInterval;
    // libzmq: interval plus random jitter up to the interval; doubling up to the max when set.
    const delay = this.retryDelay + Math.floor(Math.random() * ivl);
    if (max > 0) this.retryDelay = Math.min(this.retryDelay * 2, max);
    if (TRACE) trace("session %s: retry in %d ms", this.endpoint, delay);
    this.socket.emit({ type: "connect:retry", address: this.endpoint });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
    this.retryTimer.unref();
  }

  /**
   * Starts the ZMTP handshake on a connected stream (made with `reader`'s
   * onread option) or an accepted one (accepted paused: it is switched to a
   * reader here when Node allows, else read by `data` events).
   */
  attachStream(stream: net.Socket, asAccepted: boolean, reader: StreamReader | null = null): void {
    this.stream = stream;
    this.engineFailed = false;
    this.engineError = null;
    this.streamError = null;
    stream.setNoDelay(true);
    const o = this.socket.options;
    // CURVE when either CURVE role is set (it wins over PLAIN options), else PLAIN, else NULL.
    const curve = o.curveServer || o.curveServerKey !== null;
    const plain = !curve && (o.plainServer || o.plainUsername !== null);
    const asServer = curve ? o.curveServer : plain && o.plainServer;
    if (TRACE) {
      const where = `${stream.localAddress ?? ""}:${stream.localPort ?? ""} ${asAccepted ? "<-" : "->"} ${stream.remoteAddress ?? ""}:${stream.remotePort ?? ""}`;
      const mechanism = curve ? `CURVE ${asServer ? "server" : "client"}` : plain ? `PLAIN ${asServer ? "server" : "client"}` : "NULL";
      trace("session %s: %s (%s), handshake as %s, %s", this.endpoint, asAccepted ? "accepted" : "connected", where, this.socket.type, mechanism);
    }
    const engine = new ZmtpConnection(
      {
        socketType: this.socket.type,
        routingId: o.routingId ?? Buffer.alloc(0),
        asServer,
        mechanism: curve ? "CURVE" : plain ? "PLAIN" : "NULL",
        plainUsername: o.plainUsername ?? "",
        plainPassword: o.plainPassword ?? "",
        curvePublicKey: curveKeyBytes(o.curvePublicKey),
        curveSecretKey: curveKeyBytes(o.curveSecretKey),
        curveServerKey: curveKeyBytes(o.curveServerKey),
        zapAuthenticate: asServer ? this.socket.zap.authenticator(o.routingId, stream.remoteAddress ?? "", o.zapDomain) : undefined,
        maxMessageSize: o.maxMessageSize,
        heartbeatInterval: o.heartbeatInterval,
        heartbeatTimeout: o.heartbeatTimeout,
        heartbeatTimeToLive: o.heartbeatTimeToLive,
        handshakeInterval: o.handshakeInterval,
      },
      {
        write: (buffers) => writeAll(stream, buffers),
        setReading: (on) => this.setReading(stream, on),
        backlogged: () => stream.writableLength >= STREAM_HIGH_WATER,
        onReady: (peer) => this.onReady(peer),
        onMessage: (frames) => this.onMessage(frames),
        onSubscribe: (topic, subscribe) => this.pipe?.forceWrite(subscriptionMessage(subscribe, topic)),
        onError: (err) => this.onEngineError(err),
      },
    );
    this.engine = engine;
    if (reader !== null) {
      reader.attach(engine);
    } else {
      const adopted = new StreamReader();
      adopted.attach(engine);
      if (!adopt(stream, adopted)) stream.on("data", (chunk: Buffer) => engine.receive(chunk));
      stream.resume();
    }
    stream.on("drain", () => {
      engine.outputDrained();
      this.pullOut();
    });
    // The error is reported with the disconnect the close that follows it causes.
    stream.on("error", (err) => (this.streamError = err));
    stream.on("close", () => this.onStreamClosed(asAccepted));
    engine.start();
  }

  private setReading(stream: net.Socket, on: boolean): void {
    if (stream === this.stream) {
      if (on) stream.resume();
      else stream.pause();
    } else if (on) {
      // The stream closed while input was held: that input is now all through.
      this.afterHeldInput?.();
    }
  }

  /** Ends a closed stream's session once its held input is through (see onStreamClosed). */
  private afterHeldInput: (() => void) | null = null;

  private onReady(peer: ZmtpPeer): void {
    this.ready = true;
    this.retryDelay = this.socket.options.reconnectInterval;
    if (TRACE) trace("session %s: handshake done: ZMTP 3.%d, peer %s, routing id %s", this.endpoint, peer.minor, peer.socketType, peer.routingId.length > 0 ? peer.routingId.toString("hex") : "(none)");
    this.socket.emit({ type: "handshake", address: this.endpoint });
    const info: EndInfo = {
      type: peer.socketType,
      routingId: peer.routingId,
      // The wire side has no HWM of its own (-1 adds nothing): the socket's marks bound the pipe.
      sndhwm: -1,
      rcvhwm: -1,
      conflate: false,
    };
    if (this.pipe === null) {
      this.createPipe(info);
    } else {
      this.pipe.announce(info);
      if (this.handshakes > 0) this.pipe.hiccup();
    }
    this.handshakes++;
    this.pullOut();
  }

  private createPipe(peer: EndInfo | null): void {
    const end = this.socket.newPipe(this.endpoint, peer);
    this.pipe = end;
    end.sink = this;
    end.delay = true;
    end.keepOnPeerLoss = false;
  }

  private onEngineError(err: EngineError): void {
    const kind = err.kind === "auth" ? "auth" : err.kind === "other" ? "other" : "protocol";
    if (TRACE) trace("session %s: %s error (%s): %s", this.endpoint, this.ready ? "protocol" : "handshake", kind, err.message);
    this.engineFailed = true;
    if (this.ready) this.engineError = err;
    if (!this.ready) this.socket.emit({ type: "handshake:error", address: this.endpoint, error: err, reason: kind });
    // A protocol or auth failure is final for this peer: no reconnect (libzmq).
    if (kind !== "other") this.stopped = this.address !== null ? true : this.stopped;
    this.stream?.destroy();
    // A stream already closed while its held input was delivered: nothing more comes.
    this.afterHeldInput?.();
  }

  private onStreamClosed(asAccepted: boolean): void {
    const engine = this.engine;
    if (engine !== null && engine.alive && engine.holdsInput && this.ready && this.pipe !== null && !this.stopped) {
      // Whole messages the peer sent before it closed wait in the engine for
      // room in the socket's queue (at most one read buffer): libzmq sees the
      // end of a stream only after the bytes before it, so they are delivered
      // first, as the socket reads, and the close is handled after them.
      this.stream = null;
      this.afterHeldInput = () => {
        this.afterHeldInput = null;
        this.onStreamClosed(asAccepted);
      };
      return;
    }
    const wasReady = this.ready;
    if (TRACE) trace("session %s: stream closed%s", this.endpoint, this.streamError === null ? "" : `: ${this.streamError.message}`);
    // Lost during the handshake (the peer closed, e.g. libzmq on a mechanism mismatch, before
    // saying why): libzmq reports that as a handshake failure without detail, then reconnects.
    if (!wasReady && this.engine !== null && !this.engineFailed && !this.stopped) {
      this.socket.emit({
        type: "handshake:error",
        address: this.endpoint,
        error: zerr("EPROTO", "the connection closed during the handshake", this.streamError ?? undefined),
        reason: "other",
      });
    }
    this.ready = false;
    this.engine?.close();
    this.engine = null;
    this.stream = null;
    if (wasReady) {
      // A protocol error after the handshake (a forged CURVE box, a bad frame) says why; else the stream's error, if any.
      const cause = this.engineError ?? (this.streamError === null ? null : lostConnection(this.streamError));
      this.socket.emit(cause === null ? { type: "disconnect", address: this.endpoint } : { type: "disconnect", address: this.endpoint, error: cause });
    }
    if (asAccepted || this.socket.options.immediate || this.stopped) {
      // The queue of an accepted connection dies with it (as does an immediate one's):
      // what the socket had queued for the peer is dropped, but the messages that
      // arrived whole before the loss stay readable up to the delimiter (libzmq).
      const p = this.pipe;
      this.pipe = null;
      p?.terminate(true);
      if (asAccepted || this.stopped) this.end();
      else this.scheduleRetry();
      return;
    }
    this.scheduleRetry();
  }

  // ------------------------------------------------------------ data

  /**
   * Socket → wire: take every message the pipe has while the stream's backlog
   * is under `mark` bytes, frame them into batches and write each at once.
   */
  private pullOut(mark = STREAM_HIGH_WATER): void {
    const pipe = this.pipe;
    const engine = this.engine;
    const stream = this.stream;
    // A stream that failed takes nothing more: what is still in the pipe waits
    // for the next connection instead of vanishing into a dead socket.
    if (pipe === null || engine === null || stream === null || !this.ready || !stream.writable) return;
    const subscriber = this.socket.type === "SUB" || this.socket.type === "XSUB";
    // At most STREAM_HIGH_WATER bytes a turn: a write that fails (EPIPE) is
    // reported on a later turn, and what the kernel took at once never shows in
    // writableLength, so an unbounded loop could empty the whole pipe into a
    // connection that is already dead.
    if (stream.writableLength >= mark) return;
    let handed = 0;
    for (;;) {
      const msg = pipe.read();
      if (msg === null) break;
      const first = msg[0]!;
      if (subscriber && msg.length === 1 && first.length > 0 && (first[0] === 1 || first[0] === 0)) {
        engine.sendSubscribe(first.subarray(1), first[0] === 1);
      } else {
        engine.sendMessage(msg);
      }
      // The stream's state changes only when a batch is handed over: look at it then, not per message.
      if (engine.pendingBytes >= BATCH_BYTES) {
        handed += engine.pendingBytes;
        engine.flush();
        // `writable` turns false at once when a write fails (EPIPE): stop there.
        if (stream.writableLength >= mark || !stream.writable) break;
        if (handed >= STREAM_HIGH_WATER) {
          this.readActivated();
          break;
        }
      }
    }
    engine.flush();
  }

  /** Bytes handed to the stream from inside the socket's send() in the current burst (STALLED_BUDGET). */
  private stalledBytes = 0;
  /** The socket found its pipe full since the last scheduled pull. */
  private stalledThisTurn = false;

  /**
   * The socket queued something: pull on the next turn of the loop, so that
   * everything it queues until then goes out in one write.
   */
  private pullScheduled = false;
  private readonly scheduledPull = (): void => {
    this.pullScheduled = false;
    // A turn in which the socket never found its pipe full ends a burst.
    if (this.stalledThisTurn) this.stalledThisTurn = false;
    else this.stalledBytes = 0;
    this.pullOut();
  };

  /**
   * Wire → socket: a whole message. If the socket's queue is full it is
   * refused: the engine holds it and stops reading the stream until
   * writeActivated (libzmq's restart_input), so a peer that floods costs one
   * read buffer and one message.
   */
  private onMessage(frames: Msg): boolean {
    const pipe = this.pipe;
    return pipe === null || pipe.write(frames);
  }

  /**
   * The socket found its pipe to us full, inside its send(): while the kernel
   * takes at once everything written so far (no backlog in the stream), hand
   * it what the pipe holds now, so a tight send loop reaches the wire instead
   * of dropping (PUB) or waiting (PUSH) at the high-water mark; libzmq's I/O
   * thread drains the pipe in the same way while the application sends, and
   * its mark counts messages in the pipe, not bytes in the kernel. Once the
   * kernel stops taking bytes (a backlog appears) this stops too: the pipe
   * fills and the socket drops or waits, and the backlog never grows here.
   */
  writerStalled(): void {
    this.stalledThisTurn = true;
    const stream = this.stream;
    if (stream === null || stream.writableLength > 0 || this.stalledBytes >= STALLED_BUDGET) return;
    const before = stream.bytesWritten;
    this.pullOut(1);
    this.stalledBytes += stream.bytesWritten - before;
  }

  readActivated(): void {
    if (this.pullScheduled) return;
    this.pullScheduled = true;
    setImmediate(this.scheduledPull);
  }

  /** The socket's queue has room again: the engine goes on, at the next turn (not inside the socket's read). */
  writeActivated(): void {
    if (this.restartScheduled) return;
    this.restartScheduled = true;
    setImmediate(this.scheduledRestart);
  }

  private restartScheduled = false;
  private readonly scheduledRestart = (): void => {
    this.restartScheduled = false;
    this.engine?.restartInput();
  };

  pipeHello(): void {}

  pipeTerminated(pipe: Pipe): void {
    if (pipe !== this.pipe) return;
    this.pipe = null;
    // The socket closed (and its messages were taken) or disconnected: finish writing, then go.
    this.stopped = true;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    const stream = this.stream;
    // Nothing more is read for the socket once it drains: the engine closes (its decoder discards the rest).
    if (stream !== null) closeGracefully(stream, this.socket.options.linger, () => this.engine?.close());
    this.end();
    this.afterHeldInput?.();
  }

  /** Whether the socket has a pipe to this session (its queue), which then decides when the session ends. */
  get hasPipe(): boolean {
    return this.pipe !== null;
  }

  /** Ends the session now (disconnect, unbind, socket gone). */
  stop(): void {
    this.stopped = true;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const p = this.pipe;
    this.pipe = null;
    p?.terminate(false);
    this.stream?.destroy();
    this.end();
    this.afterHeldInput?.();
  }

  private ended = false;
  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd(this);
  }
}

/** A stream failure as a ZocketError, keeping the system error as its cause. */
function lostConnection(err: Error): Error {
  return systemError(err, "ECONNRESET", "the connection was lost");
}

function systemError(err: Error, fallback: "ECONNRESET" | "ECONNREFUSED", what: string): Error {
  const code = (err as NodeJS.ErrnoException).code;
  return zerr(isErrorCode(code) ? code : fallback, `${what}: ${err.message}`, err);
}
