/**
 * proxy(): libzmq's zmq_proxy_steerable in the event loop. Messages go from
 * the frontend to the backend, and back where the pair allows it
 * (ROUTER/DEALER, XSUB/XPUB with subscriptions flowing upstream, PAIR/PAIR;
 * PULL/PUSH one way; one socket as both ends is libzmq's "queue" case).
 *
 * How it moves: each turn drains up to BURST whole messages per direction
 * with tryRecv/trySend, and only while the destination (and the capture
 * socket) is writable, as libzmq's proxy forwards only on POLLIN at one end
 * and POLLOUT at the other. So a full backend stops the frontend being read
 * and nothing piles up here: the frontend's own pipes (bounded by its high-
 * water marks) hold the rest. A destination that took no message although it
 * said it was writable (ROUTER with routerMandatory and that peer full,
 * XPUB with xpubNoDrop) leaves one message held until it does. The proxy
 * sleeps on the sockets' readiness events (no timer, no busy loop) and
 * yields to I/O with setImmediate after a full burst.
 *
 * Statistics count message parts (frames), as libzmq's do.
 */
import { zerr, ZocketError } from "./errors.js";
import type { Msg } from "./msg.js";
import { coreOf, Socket } from "./socket.js";
import type { SocketBase } from "./socket/socket-base.js";
import { Coalesced, type ReadinessWatcher } from "./socket/readiness.js";
import type { AnySocket } from "./poller.js";
import { trace, TRACE } from "./debug.js";

/** Messages per direction per turn before the proxy yields to I/O (libzmq's proxy_burst_size is 1000). */
const BURST = 1000;

/** Types that can receive / send at all. */
const CANNOT_RECV = new Set(["PUSH", "PUB"]);
const CANNOT_SEND = new Set(["PULL", "SUB"]);

/** The optional sockets of a proxy (zmq_proxy_steerable's `capture` and `control`). */
export interface ProxyOptions {
  /** Gets a copy of every message forwarded in either direction, all its parts (libzmq's capture socket). */
  capture?: AnySocket | undefined;
  /**
   * Takes commands: `PAUSE`, `RESUME`, `TERMINATE`, `STATISTICS` (the first
   * frame of each message). A REP control socket gets a reply to every
   * command (empty, or the statistics); any other gets only the statistics,
   * if it can send.
   */
  control?: AnySocket | undefined;
}

/** One side's counters, in message parts and bytes (libzmq counts parts). */
export interface ProxyCounters {
  /** Message parts received on this socket. */
  messagesIn: number;
  /** Bytes of the parts received on this socket. */
  bytesIn: number;
  /** Message parts sent through this socket. */
  messagesOut: number;
  /** Bytes of the parts sent through this socket. */
  bytesOut: number;
}

/** What STATISTICS reports: the frontend's counters, then the backend's (libzmq's order). */
export interface ProxyStatistics {
  /** Counters of the frontend socket. */
  frontend: ProxyCounters;
  /** Counters of the backend socket. */
  backend: ProxyCounters;
}

/** A proxy forwards while "active", holds messages in the sockets' queues while "paused", and is done once "terminated". */
export type ProxyState = "active" | "paused" | "terminated";

interface Direction {
  readonly from: SocketBase;
  readonly to: SocketBase;
  readonly inStats: ProxyCounters;
  readonly outStats: ProxyCounters;
  /** A message taken from `from` that `to` refused; it goes first. */
  held: Msg | null;
}

const counters = (): ProxyCounters => ({ messagesIn: 0, bytesIn: 0, messagesOut: 0, bytesOut: 0 });

/**
 * Starts a proxy between `frontend` and `backend` (zmq_proxy_steerable);
 * it runs until terminate(), a TERMINATE command, or one of its sockets is
 * closed, detached or its context terminated.
 */
export function proxy(frontend: AnySocket, backend: AnySocket, options: ProxyOptions = {}): Proxy {
  return new Proxy(frontend, backend, options);
}

/** A running proxy, returned by {@link proxy}: steer it with its methods or through its control socket. */
export class Proxy {
  /**
   * Resolves when the proxy ends: terminate(), TERMINATE, or a socket of it
   * closed (ENOTSOCK), detached, or its context terminated (ETERM): those are
   * how a program shuts a proxy down, so they are not errors. Rejects with
   * any other error a socket raised (EHOSTUNREACH from a routerMandatory
   * ROUTER, EFSM from a REQ/REP used out of turn), as zmq_proxy returns -1.
   * A rejection nobody awaits is not reported as unhandled.
   */
  readonly done: Promise<void>;
  #state: ProxyState = "active";
  readonly #stats: ProxyStatistics = { frontend: counters(), backend: counters() };
  readonly #directions: Direction[] = [];
  readonly #capture: SocketBase | null;
  readonly #control: SocketBase | null;
  readonly #watched: SocketBase[];
  readonly #turn = new Coalesced(() => this.#run());
  readonly #watcher: ReadinessWatcher = { readinessChanged: () => this.#turn.schedule() };
  #immediate: ReturnType<typeof setImmediate> | null = null;
  #settle!: (err: unknown) => void;

  /** @internal Use proxy(). */
  constructor(frontend: AnySocket, backend: AnySocket, options: ProxyOptions) {
    const fe = liveCore(frontend, "frontend");
    const be = liveCore(backend, "backend");
    this.#capture = options.capture === undefined ? null : liveCore(options.capture, "capture");
    this.#control = options.control === undefined ? null : liveCore(options.control, "control");
    if (this.#capture !== null && CANNOT_SEND.has(this.#capture.type)) throw zerr("EINVAL", `proxy: a ${this.#capture.type} socket cannot be a capture socket (it cannot send)`);
    if (this.#control !== null && CANNOT_RECV.has(this.#control.type)) throw zerr("EINVAL", `proxy: a ${this.#control.type} socket cannot be a control socket (it cannot receive)`);
    const { frontend: f, backend: b } = this.#stats;
    if (!CANNOT_RECV.has(fe.type) && !CANNOT_SEND.has(be.type)) this.#directions.push({ from: fe, to: be, inStats: f, outStats: b, held: null });
    if (fe !== be && !CANNOT_RECV.has(be.type) && !CANNOT_SEND.has(fe.type)) this.#directions.push({ from: be, to: fe, inStats: b, outStats: f, held: null });
    if (this.#directions.length === 0) throw zerr("EINVAL", `proxy: nothing can flow between a ${fe.type} frontend and a ${be.type} backend`);
    this.#watched = [...new Set([fe, be, this.#capture, this.#control].filter((c): c is SocketBase => c !== null))];
    this.done = new Promise<void>((resolve, reject) => {
      this.#settle = (err) => (err === undefined ? resolve() : reject(err));
    });
    this.done.catch(() => {});
    for (const core of this.#watched) core.readiness.watch(this.#watcher);
    if (TRACE) trace("proxy start %s -> %s%s%s", fe.type, be.type, this.#capture ? ` capture ${this.#capture.type}` : "", this.#control ? ` control ${this.#control.type}` : "");
    this.#turn.schedule();
  }

  /** Whether it forwards, is paused, or has ended. */
  get state(): ProxyState {
    return this.#state;
  }

  /** Stops forwarding (messages wait in the sockets' queues); control commands are still served. */
  pause(): void {
    if (this.#state === "active") this.#state = "paused";
  }

  /** Forwards again after pause() or PAUSE. */
  resume(): void {
    if (this.#state !== "paused") return;
    this.#state = "active";
    this.#turn.schedule();
  }

  /** Ends the proxy; `done` resolves. The sockets stay open (they are the caller's). */
  terminate(): void {
    this.#end(undefined);
  }

  /** The counters so far (a copy). */
  statistics(): ProxyStatistics {
    return { frontend: { ...this.#stats.frontend }, backend: { ...this.#stats.backend } };
  }

  #run(): void {
    if (this.#state === "terminated") return;
    let more = false;
    try {
      for (const core of this.#watched) core.check("proxy");
      if (this.#control !== null) this.#serveControl(this.#control);
      if (this.#state === "active") {
        for (const d of this.#directions) if (this.#forward(d)) more = true;
      }
    } catch (err) {
      this.#end(err);
      return;
    }
    // A full burst: come back after I/O has had its turn.
    if (more && this.#immediate === null) this.#immediate = setImmediate(this.#again);
  }

  readonly #again = (): void => {
    this.#immediate = null;
    this.#run();
  };

  /** Moves up to BURST messages; true if it stopped only because of the burst limit. */
  #forward(d: Direction): boolean {
    const { from, to } = d;
    const capture = this.#capture;
    // Sockets were checked live at the start of the turn; received frames are ours to pass on uncopied.
    if (d.held !== null) {
      if (!to.sendNow(d.held)) return false;
      countOut(d.outStats, d.held);
      d.held = null;
    }
    for (let i = 0; i < BURST; i++) {
      if (!to.hasOut() || (capture !== null && !capture.hasOut())) return false;
      const msg = from.tryRecv();
      if (msg === null) return false;
      const inStats = d.inStats;
      inStats.messagesIn += msg.length;
      for (const f of msg) inStats.bytesIn += f.length;
      // The capture copy shares the frames' bytes, as libzmq's msg copy does (its own array, though).
      if (capture !== null) capture.sendNow(msg.slice());
      if (!to.sendNow(msg)) {
        d.held = msg;
        return false;
      }
      countOut(d.outStats, msg);
    }
    return true;
  }

  #serveControl(control: SocketBase): void {
    while (control.hasIn()) {
      const msg = control.tryRecv();
      if (msg === null) return;
      const command = msg[0]?.toString("latin1") ?? "";
      if (TRACE) trace("proxy control %s", JSON.stringify(command));
      let reply: Buffer[] | null = control.type === "REP" ? [Buffer.alloc(0)] : null;
      if (command === "PAUSE") this.pause();
      else if (command === "RESUME") this.resume();
      else if (command === "STATISTICS") reply = this.#statisticsFrames();
      if (reply !== null && !CANNOT_SEND.has(control.type)) control.trySend(reply);
      if (command === "TERMINATE") {
        this.terminate();
        return;
      }
    }
  }

  /** libzmq's STATISTICS reply: 8 parts of one uint64 each, host order (little-endian on every platform Node runs on). */
  #statisticsFrames(): Buffer[] {
    const { frontend: f, backend: b } = this.#stats;
    return [f.messagesIn, f.bytesIn, f.messagesOut, f.bytesOut, b.messagesIn, b.bytesIn, b.messagesOut, b.bytesOut].map((n) => {
      const frame = Buffer.alloc(8);
      frame.writeBigUInt64LE(BigInt(n));
      return frame;
    });
  }

  #end(err: unknown): void {
    if (this.#state === "terminated") return;
    this.#state = "terminated";
    if (this.#immediate !== null) clearImmediate(this.#immediate);
    this.#immediate = null;
    for (const core of this.#watched) core.readiness.unwatch(this.#watcher);
    const graceful = err === undefined || (err instanceof ZocketError && (err.code === "ETERM" || err.code === "ENOTSOCK"));
    if (TRACE) trace("proxy end%s", err === undefined ? "" : `: ${(err as Error).message}`);
    this.#settle(graceful ? undefined : err);
  }
}

function countOut(stats: ProxyCounters, msg: Msg): void {
  stats.messagesOut += msg.length;
  for (const f of msg) stats.bytesOut += f.length;
}

function liveCore(socket: AnySocket, role: string): SocketBase {
  if (!(socket instanceof Socket)) throw zerr("EINVAL", `proxy: the ${role} is not a zocket Socket`);
  const core = coreOf(socket);
  if (core === null) throw zerr("ENOTSOCK", `proxy: the ${role} (${socket.type}) was detached for migration`);
  core.check(`proxy ${role}`);
  return core;
}
