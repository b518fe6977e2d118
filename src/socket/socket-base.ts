/**
 * What every socket type shares: its pipes, its endpoints (endpoints.ts),
 * its pending send() and recv() calls (pending-calls.ts: served strictly in
 * call order), timeouts, close/zombie/linger, and the freeze/thaw steps of
 * migration. A socket type only decides where an outgoing message goes
 * (xsend) and where the next one comes from (xrecv), as in libzmq's
 * socket_base_t / xsend / xrecv split.
 *
 * Every fact about a socket is written here or in its endpoints record; the
 * thread, the registry and the transports reach it by commands (its mailbox,
 * acceptPipe/acceptPort, pipe events).
 */
import type { MessagePort } from "node:worker_threads";
import { zerr, ZocketError } from "../errors.js";
import { SocketEvents, type SocketEvent } from "../events.js";
import { toMsg, type Msg } from "../msg.js";
import { cloneOptions, type SocketOptionValues } from "../options.js";
import { packBatch, unpackAll } from "../pipe/batch.js";
import { overPort } from "../pipe/links.js";
import { freezePipe, revivePipe } from "../pipe/migration.js";
import type { EndInfo, Pipe, PipeSink } from "../pipe/pipe.js";
import { isCompatible, type SocketTypeName } from "../socket-type.js";
import type { ZapClient } from "../transport/zap.js";
import { SocketEndpoints, type EndpointOwner } from "./endpoints.js";
import type { SocketHost } from "./host.js";
import { Mailbox, type SocketPorts } from "./mailbox.js";
import type { FrozenSocket } from "./migration.js";
import { PendingCalls } from "./pending-calls.js";
import { Readiness } from "./readiness.js";
import { trace, TRACE } from "../debug.js";

export type { SocketPorts } from "./mailbox.js";

const RESOLVED: Promise<void> = Promise.resolve();

export abstract class SocketBase implements PipeSink, EndpointOwner {
  readonly type: SocketTypeName;
  readonly sid: string;
  options: SocketOptionValues;
  readonly host: SocketHost;
  readonly events = new SocketEvents();
  readonly endpoints: SocketEndpoints;

  /** Every pipe this socket holds, attached to the type logic or not yet. */
  readonly pipes: Pipe[] = [];

  closed = false;
  detached = false;
  zombie = false;

  /** Our signalling channel: commands reach the socket there wherever it lives. */
  private readonly mailbox: Mailbox;
  private lingerTimer: ReturnType<typeof setTimeout> | null = null;
  private pipesClosing = false;
  /** The send() and recv() calls waiting, served in call order (pending-calls.ts). */
  private readonly calls: PendingCalls;
  /** Pollers and proxies watching us (readiness.ts); unwatched, a pipe wake-up costs one size check. */
  readonly readiness = new Readiness(() => this.updateKeepAlive());

  constructor(type: SocketTypeName, sid: string, options: SocketOptionValues, host: SocketHost, ports?: SocketPorts) {
    this.type = type;
    this.sid = sid;
    this.options = options;
    this.host = host;
    this.endpoints = new SocketEndpoints(this);
    this.calls = new PendingCalls(type, { xsend: (m) => this.xsend(m), xrecv: () => this.xrecv() }, () => this.updateKeepAlive());
    // Commands posted to our address: a peer's pipe for an inproc bind, or the registry's goodbye.
    this.mailbox = new Mailbox(
      ports,
      (cmd) => (cmd.op === "attach" ? this.acceptPort(cmd.port, cmd.endpoint) : this.mailbox.close()),
      () => this.busy,
    );
  }

  // ------------------------------------------------------------ commands

  /**
   * A pipe port for one of our endpoints: a connecting peer's (inproc), or a
   * session's in the thread that hosts our tcp/ipc connections. `pending`: a
   * connecting session's pipe, queued on before its peer is known.
   */
  acceptPort(port: MessagePort, endpoint: string, pending = false): void {
    if (this.closed || this.detached) {
      port.close();
      return;
    }
    // The type logic sees the pipe once the peer's HELLO says who it is.
    this.attachPipe(overPort(port, this.ownInfo()), endpoint, !pending);
  }

  /** The binder's end of a same-thread inproc pipe. */
  acceptPipe(pipe: Pipe, endpoint: string): void {
    if (this.closed || this.detached) {
      pipe.terminate(false);
      return;
    }
    this.attachPipe(pipe, endpoint);
  }

  /** The registry's copy of our address, the first time it is asked for. */
  takeAddress(): MessagePort | null {
    return this.mailbox.takeAddress();
  }

  setOption<K extends keyof SocketOptionValues>(name: K, value: SocketOptionValues[K]): void {
    this.options[name] = value;
  }

  emit(event: SocketEvent): void {
    if (TRACE) trace("%s %s: %s %s%s", this.type, this.sid, event.type, event.address, "error" in event && event.error ? ` (${event.error.message})` : "");
    this.events.emit(event);
  }

  describeEndpoints(): string[] {
    return [...new Set([...this.endpoints.describe(), ...this.pipes.map((p) => p.endpoint)])].filter((e) => e !== "");
  }

  get zap(): ZapClient {
    return this.host.zap;
  }

  // ------------------------------------------------------------ type hooks

  /** Takes a message to send; false = would block (try again on writeActivated). May throw. */
  protected abstract xsend(msg: Msg): boolean;
  /** The next message for the application, or null. May throw (EFSM). */
  protected abstract xrecv(): Msg | null;
  /** A pipe joins the type logic; `revived` when it arrives with a migrating socket. */
  protected abstract xattach(pipe: Pipe, revived: boolean): void;
  protected abstract xterminated(pipe: Pipe): void;
  /** The peer's identity became known after attach (port pipes). */
  protected xhello(_pipe: Pipe): void {}
  /** The connection behind a pipe was re-established (XSUB resends subscriptions). */
  protected xhiccup(_pipe: Pipe): void {}
  protected xreadActivated(_pipe: Pipe): void {
    this.pump();
  }
  protected xwriteActivated(_pipe: Pipe): void {
    this.pump();
  }
  /** Whether this type can send / receive at all (ENOTSUP otherwise). */
  protected get canSend(): boolean {
    return true;
  }
  protected get canRecv(): boolean {
    return true;
  }
  /** Pipes of types that never read need not wait for the peer's delimiter. */
  protected get pipeDelay(): boolean {
    return true;
  }
  /** Type-specific state for migration (structured-cloneable); pipes are referred to by index in `pipes`. */
  protected xfreeze(): unknown {
    return null;
  }
  /**
   * Restores xfreeze()'s state once the pipes are back in `pipes`, in the same
   * order. The state may be forged: a type ignores what it cannot read.
   */
  protected xthaw(_state: unknown): void {}

  /** True while earlier send() calls are still queued (REQ/REP order their turns by it). */
  protected get sendsPending(): boolean {
    return this.calls.sends.length > 0;
  }

  protected get recvsPending(): boolean {
    return this.calls.recvs.length > 0;
  }

  // ------------------------------------------------------------ pipes

  ownInfo(): EndInfo {
    const o = this.options;
    return {
      type: this.type,
      routingId: o.routingId ?? Buffer.alloc(0),
      sndhwm: o.sendHighWaterMark,
      rcvhwm: o.receiveHighWaterMark,
      conflate: o.conflate,
    };
  }

  /** Takes a new pipe in. With `defer`, the type logic sees it only once the peer says hello. */
  attachPipe(pipe: Pipe, endpoint: string, defer = false): void {
    pipe.sink = this;
    pipe.endpoint = endpoint;
    pipe.delay = this.pipeDelay;
    this.pipes.push(pipe);
    if (TRACE) trace("%s %s: pipe attached (%s), peer %s", this.type, this.sid, endpoint || "-", pipe.peer?.type ?? "not known yet");
    if (pipe.peer !== null) {
      if (!this.checkPeer(pipe)) return;
    } else if (defer) {
      return;
    }
    this.attachToType(pipe);
  }

  private attachToType(pipe: Pipe): void {
    pipe.attached = true;
    this.xattach(pipe, false);
    this.pump();
    this.readiness.notify();
  }

  private checkPeer(pipe: Pipe): boolean {
    const peerType = pipe.peer!.type;
    if (isCompatible(this.type, peerType)) return true;
    const err = zerr("EPROTO", `${this.type} socket cannot talk to a ${peerType} peer on ${pipe.endpoint}`);
    this.emit({ type: "handshake:error", address: pipe.endpoint, error: err, reason: "protocol" });
    pipe.terminate(false);
    return false;
  }

  readActivated(pipe: Pipe): void {
    if (pipe.attached) this.xreadActivated(pipe);
    this.readiness.notify();
  }

  writeActivated(pipe: Pipe): void {
    if (pipe.attached) this.xwriteActivated(pipe);
    this.readiness.notify();
  }

  pipeHello(pipe: Pipe): void {
    if (!this.checkPeer(pipe)) return;
    if (!pipe.attached) {
      if (!this.closed) this.attachToType(pipe);
    } else this.xhello(pipe);
    this.readiness.notify();
  }

  pipeHiccup(pipe: Pipe): void {
    if (pipe.attached) this.xhiccup(pipe);
  }

  pipeTerminated(pipe: Pipe): void {
    if (pipe.sink !== this) return;
    if (TRACE) trace("%s %s: pipe terminated (%s)", this.type, this.sid, pipe.endpoint || "-");
    const i = this.pipes.indexOf(pipe);
    if (i >= 0) this.pipes.splice(i, 1);
    if (pipe.attached) this.xterminated(pipe);
    pipe.sink = null;
    if (this.zombie) this.zombieStep();
    else this.pump();
    this.readiness.notify();
  }

  /**
   * Terminates the pipes that came from `endpoint` (unbind / disconnect).
   * What was already sent on them still reaches the peer, ahead of the
   * delimiter, as libzmq's erase_pipes (`terminate (true)`): a message sent
   * to a peer in another thread just before an unbind must not vanish with
   * the batch it was waiting in.
   */
  dropPipes(endpoint: string): void {
    for (const p of [...this.pipes]) if (p.endpoint === endpoint) p.terminate(true);
  }

  // ------------------------------------------------------------ send / recv

  send(message: unknown, signal?: AbortSignal): Promise<void> {
    // Hot path: no closure is created here (a closure capturing `this` would
    // make V8 allocate a context on every call); the waiting path is apart.
    if (this.closed || this.detached || this.host.terminated) return Promise.reject(this.usable("send")!);
    if (signal?.aborted === true) return Promise.reject(signal.reason);
    if (!this.canSend) return Promise.reject(zerr("ENOTSUP", `${this.type} sockets cannot send`));
    let msg: Msg;
    try {
      msg = toMsg(message, `${this.type}.send`);
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.calls.sends.length === 0) {
      try {
        if (this.xsend(msg)) return RESOLVED;
      } catch (err) {
        return Promise.reject(err);
      }
      if (this.options.sendTimeout === 0) return Promise.reject(this.calls.timedOut("send"));
    }
    const p = this.calls.sends.wait(msg, this.options.sendTimeout, () => this.calls.timedOut("send"), signal);
    this.updateKeepAlive();
    return p;
  }

  recv(signal?: AbortSignal): Promise<Msg> {
    if (this.closed || this.detached || this.host.terminated) return Promise.reject(this.usable("recv")!);
    if (signal?.aborted === true) return Promise.reject(signal.reason);
    if (!this.canRecv) return Promise.reject(zerr("ENOTSUP", `${this.type} sockets cannot receive`));
    if (this.calls.recvs.length === 0) {
      let msg: Msg | null;
      try {
        msg = this.xrecv();
      } catch (err) {
        return Promise.reject(err);
      }
      if (msg !== null) return Promise.resolve(msg);
      if (this.options.receiveTimeout === 0) return Promise.reject(this.calls.timedOut("recv"));
    }
    const p = this.calls.recvs.wait(null, this.options.receiveTimeout, () => this.calls.timedOut("recv"), signal);
    this.updateKeepAlive();
    return p;
  }

  /**
   * libzmq's ZMQ_DONTWAIT send: queues the message now, or returns false where
   * send() would wait (the message is not queued). Errors are thrown.
   */
  trySend(message: unknown): boolean {
    this.check("trySend");
    if (!this.canSend) throw zerr("ENOTSUP", `${this.type} sockets cannot send`);
    return this.sendNow(toMsg(message, `${this.type}.trySend`));
  }

  /** trySend of a message already in our form and ours to give away (the proxy's received frames: no copy). */
  sendNow(msg: Msg): boolean {
    // Earlier send() calls still waiting go first: this one would wait behind them.
    if (this.calls.sends.length > 0) return false;
    return this.xsend(msg);
  }

  /** libzmq's ZMQ_DONTWAIT recv: the next message, or null where recv() would wait. */
  tryRecv(): Msg | null {
    this.check("tryRecv");
    if (!this.canRecv) throw zerr("ENOTSUP", `${this.type} sockets cannot receive`);
    if (this.calls.recvs.length > 0) return null;
    const msg = this.xrecv();
    // A reply taken may let a queued send go (REQ/REP turns).
    if (msg !== null && this.calls.sends.length > 0) this.pump();
    return msg;
  }

  /** null if the socket can be used; otherwise the error to report. */
  usable(what: string): ZocketError | null {
    if (this.detached) return zerr("ENOTSOCK", `${this.type}.${what}: the socket was detached for migration`);
    if (this.closed) return zerr("ENOTSOCK", `${this.type}.${what}: the socket is closed`);
    if (this.host.terminated) return zerr("ETERM", `${this.type}.${what}: the context was terminated`);
    return null;
  }

  /** Throws the error usable() reports. */
  check(what: string): void {
    const err = this.usable(what);
    if (err !== null) throw err;
  }

  /** Serves queued send() and recv() calls as far as the pipes allow, in order. */
  pump(): void {
    if (!this.calls.serve()) return;
    if (this.zombie) this.zombieStep();
    this.updateKeepAlive();
  }

  // ------------------------------------------------------------ readiness (Poller, proxy)

  /** libzmq's xhas_in / xhas_out: a message can be taken / queued now (or is dropped by a type that drops). */
  protected xhasIn(): boolean {
    return false;
  }
  protected xhasOut(): boolean {
    return false;
  }
  /** ZMQ_POLLIN / ZMQ_POLLOUT: tryRecv() / trySend() would succeed (calls already waiting go first). */
  hasIn(): boolean {
    return this.canRecv && this.calls.recvs.length === 0 && this.xhasIn();
  }
  hasOut(): boolean {
    return this.canSend && this.calls.sends.length === 0 && this.xhasOut();
  }

  // ------------------------------------------------------------ liveness

  /** Whether something pending on this socket (a call, a poller, lingering) must keep the thread alive. */
  get busy(): boolean {
    return this.calls.waiting || this.zombie || this.readiness.watched;
  }

  updateKeepAlive(): void {
    this.mailbox.keepAlive();
  }

  /** Rejects every pending call with `err` (ETERM on context termination). */
  failPending(err: ZocketError, sends = true): void {
    this.calls.rejectAll(err, sends);
    this.updateKeepAlive();
    this.readiness.notify(); // watchers learn of close, detach and term here
  }

  // ------------------------------------------------------------ close / zombie

  close(): void {
    if (this.closed || this.detached) return;
    this.closed = true;
    this.failPending(zerr("ENOTSOCK", `${this.type}.recv: the socket was closed`), false);
    this.endpoints.close();
    this.host.socketClosed(this, this.mailbox.addressAtRoot);
    if (this.options.linger === 0) {
      this.failPending(zerr("ENOTSOCK", `${this.type}.send: the socket was closed with linger 0`));
      this.finishZombie();
      return;
    }
    this.zombie = true;
    const linger = this.options.linger;
    if (linger > 0) this.lingerTimer = setTimeout(() => this.lingerExpired(), linger);
    this.updateKeepAlive();
    this.pump();
  }

  /** Zombie progress: first drain sends still queued, then shut the pipes down with a delimiter. */
  private zombieStep(): void {
    if (!this.zombie) return;
    if (this.calls.sends.length > 0 && this.pipes.length > 0) return;
    if (!this.pipesClosing) {
      this.pipesClosing = true;
      for (const p of [...this.pipes]) p.terminate(true);
    }
    if (this.calls.sends.length > 0) return; // no pipe to take them yet (connect pending): keep waiting
    if (this.pipes.length === 0) this.finishZombie();
  }

  private lingerExpired(): void {
    this.lingerTimer = null;
    this.failPending(zerr("ENOTSOCK", `${this.type}.send: linger expired before the message could be queued`));
    this.finishZombie();
  }

  /** Called by the thread's reaper and by term. */
  checkZombie(): void {
    if (this.zombie) this.zombieStep();
  }

  private finishZombie(): void {
    this.zombie = false;
    if (this.lingerTimer !== null) {
      clearTimeout(this.lingerTimer);
      this.lingerTimer = null;
    }
    // Whatever is still open now is cut: linger is over (or was 0). The peers
    // keep what already reached them.
    const left = [...this.pipes];
    this.pipes.length = 0;
    for (const p of left) {
      p.sink = null;
      p.abort();
    }
    this.endpoints.finish();
    this.updateKeepAlive();
    this.emit({ type: "end", address: "" });
    this.host.zombieDone(this);
    // Otherwise the registry's "bye" closes it, behind any attach still in flight.
    if (!this.mailbox.addressAtRoot) this.mailbox.close();
  }

  // ------------------------------------------------------------ migration

  /** Freezes the socket for a move; the object is dead afterwards (ENOTSOCK). */
  freeze(): FrozenSocket {
    if (this.endpoints.busy) throw zerr("EAGAIN", `${this.type}.detach: a bind is still in progress; detach once it has settled`);
    this.detached = true;
    if (TRACE) trace("%s %s: detached for migration with %d pipes", this.type, this.sid, this.pipes.length);
    this.failPending(zerr("ENOTSOCK", `${this.type}.recv: the socket was detached for migration`), false);
    // Sends already accepted by send() but not yet queued travel with the socket.
    const sends = this.calls.takeSends();
    const live = this.pipes.filter((p) => !p.isTerminated);
    this.pipes.length = 0;
    this.pipes.push(...live);
    const typeState = this.xfreeze();
    const pipes = this.pipes.map(freezePipe);
    this.pipes.length = 0;
    const frozen: FrozenSocket = {
      sid: this.sid,
      type: this.type,
      options: cloneOptions(this.options),
      pipes,
      typeState,
      pendingSends: sends.length > 0 ? packBatch(sends).buf : null,
      ...this.mailbox.freeze(),
      endpoints: this.endpoints.freeze(this.host.zap),
    };
    this.events.finish();
    return frozen;
  }

  /** Second half of migration: takes the frozen pipes, endpoints and state in. */
  thaw(s: FrozenSocket): void {
    if (TRACE) trace("%s %s: adopted after migration with %d pipes", this.type, this.sid, s.pipes.length);
    for (const ps of s.pipes) {
      const p = revivePipe(ps);
      p.sink = this;
      this.pipes.push(p);
      if (p.attached) this.xattach(p, true);
    }
    this.xthaw(s.typeState);
    this.endpoints.thaw(s.endpoints);
    if (s.pendingSends !== null) this.calls.restoreSends(unpackAll(s.pendingSends));
    this.pump();
  }
}
