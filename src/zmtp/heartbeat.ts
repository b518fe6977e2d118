/**
 * ZMTP 3.1 heartbeats (RFC 37, libzmq's ZMQ_HEARTBEAT_*): PINGs on an
 * interval with a timeout for silence after one, PONGs for the peer's PINGs,
 * and a watch on the peer's TTL. Silence is measured by the connection's
 * count of received chunks, not by timers reset per chunk.
 */
import { commandBody, pingBody } from "./commands.js";
import type { FailureKind } from "./decoder.js";

export interface HeartbeatHost {
  /** Queues a command body and writes it out. */
  sendCommandBody(body: Buffer): void;
  failed(kind: FailureKind, reason: string): void;
  /** Chunks received so far. */
  readonly received: number;
  /** True while we hold the peer's input (our queue is full): its traffic waits unread, which is not silence. */
  readonly inputHeld: boolean;
  /** True while the stream's outbound backlog is over its mark. */
  backlogged(): boolean;
  readonly alive: boolean;
}

export interface HeartbeatOptions {
  heartbeatInterval: number;
  heartbeatTimeout: number;
  heartbeatTimeToLive: number;
}

export class Heartbeats {
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private timeoutTimer: ReturnType<typeof setTimeout> | null = null;
  private ttlTimer: ReturnType<typeof setTimeout> | null = null;
  /** The context of the last PING not answered yet: many PINGs get one PONG (libzmq coalesces them too). */
  private pendingPong: Buffer | null = null;

  constructor(
    private readonly host: HeartbeatHost,
    private readonly opts: HeartbeatOptions,
  ) {}

  /** Starts PINGing (when an interval is set). */
  start(): void {
    const ivl = this.opts.heartbeatInterval;
    if (ivl <= 0 || this.pingTimer !== null) return;
    this.pingTimer = setInterval(() => this.sendPing(), ivl);
    this.pingTimer.unref?.();
  }

  private sendPing(): void {
    this.host.sendCommandBody(pingBody(this.opts.heartbeatTimeToLive));
    const timeout = this.opts.heartbeatTimeout >= 0 ? this.opts.heartbeatTimeout : this.opts.heartbeatInterval;
    if (this.timeoutTimer !== null || timeout <= 0) return;
    const seen = this.host.received;
    this.timeoutTimer = setTimeout(() => {
      this.timeoutTimer = null;
      if (this.host.received === seen && !this.host.inputHeld) this.host.failed("other", `no traffic within heartbeatTimeout (${timeout} ms)`);
    }, timeout);
    this.timeoutTimer.unref?.();
  }

  /**
   * A PING is answered with a PONG echoing its context, once the decoder's
   * turn is over and only while the stream is not backlogged: a peer that
   * floods PINGs and never reads costs one pending PONG. A TTL makes us watch
   * the peer too.
   */
  ping(data: Buffer): void {
    if (data.length < 2) return this.host.failed("protocol", "malformed PING");
    this.pendingPong = Buffer.from(data.subarray(2, 18));
    const ttl = data.readUInt16BE(0) * 100;
    if (ttl > 0) this.watchTtl(ttl);
  }

  /** Sends the pending PONG, if any and if the stream has room. */
  answer(): void {
    const context = this.pendingPong;
    if (context === null || !this.host.alive || this.host.backlogged()) return;
    this.pendingPong = null;
    this.host.sendCommandBody(commandBody("PONG", context));
  }

  private watchTtl(ttl: number): void {
    if (this.ttlTimer !== null) clearTimeout(this.ttlTimer);
    const seen = this.host.received;
    this.ttlTimer = setTimeout(() => {
      this.ttlTimer = null;
      if (this.host.received === seen && !this.host.inputHeld) this.host.failed("other", `peer silent past its heartbeat TTL (${ttl} ms)`);
    }, ttl);
    this.ttlTimer.unref?.();
  }

  stop(): void {
    for (const t of [this.timeoutTimer, this.ttlTimer]) if (t !== null) clearTimeout(t);
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    this.timeoutTimer = this.ttlTimer = null;
    this.pingTimer = null;
  }
}
