/**
 * What every socket type shares: its pipes, the queues of pending send() and
 * recv() calls (served strictly in call order), timeouts, close/zombie/linger,
 * and the freeze/revive steps of migration. A socket type only decides where
 * an outgoing message goes (xsend) and where the next one comes from (xrecv),
 * as in libzmq's socket_base_t / xsend / xrecv split.
 */
import type { Transferable } from "../util/transfer.js";
import { MessageChannel, receiveMessageOnPort, type MessagePort } from "node:worker_threads";
import { zerr, ZocketError } from "../errors.js";
import { Deque } from "../util/deque.js";
import { toMsg, type Msg } from "../msg.js";
import { Pipe, type EndInfo, type PipeSink, type PipeState, type SocketTypeName } from "../pipe/pipe.js";
import { cloneOptions, type SocketOptionValues } from "../options.js";
import { SocketEvents } from "../events.js";
import { packBatch, unpackAll } from "../pipe/batch.js";
import { isCompatible } from "./compat.js";
import { NetTransports } from "../transport/net-transport.js";
import { NetLink, type NetLinkOwner, type NetLinkState } from "../transport/net-link.js";
import { parseEndpoint } from "../transport/endpoint.js";
import type { SocketEventName } from "../events.js";

/** The per-thread context as a socket sees it. */
export interface SocketHost {
  readonly terminated: boolean;
  socketClosed(socket: SocketBase): void;
  zombieDone(socket: SocketBase): void;
  keepAliveChanged(): void;
}

interface PendingSend {
  msg: Msg;
  resolve: () => void;
  reject: (err: Error) => void;
  timer: ReturnType<typeof setTimeout> | null;
}

interface PendingRecv {
  resolve: (msg: Msg) => void;
  reject: (err: Error) => void;
  timer: ReturnType<typeof setTimeout> | null;
}

/** The migratable part of a socket, cloned to another thread. */
export interface SocketState {
  sid: string;
  type: SocketTypeName;
  options: SocketOptionValues;
  pipes: PipeState[];
  typeState: unknown;
  pendingSends: ArrayBuffer | null;
  mailbox: MessagePort;
  address: MessagePort | null;
  bound: string[];
  connected: string[];
  pendingConnects: [string, string][];
  addressAtRoot: boolean;
  netLinks: NetLinkState[];
}

const RESOLVED: Promise<void> = Promise.resolve();

export abstract class SocketBase implements PipeSink, NetLinkOwner {
  readonly type: SocketTypeName;
  readonly sid: string;
  options: SocketOptionValues;
  host: SocketHost;
  events = new SocketEvents();

  /** Every pipe this socket holds, attached to the type logic or not yet. */
  readonly pipes: Pipe[] = [];
  /** inproc endpoints bound by this socket (registered with the context). */
  readonly bound = new Set<string>();
  /** Endpoints connect()ed and not disconnected. */
  readonly connected = new Set<string>();

  /** Our end of the signalling channel: commands reach the socket here wherever it lives. */
  mailbox: MessagePort;
  /** The other end: the address others post to. Given to the context's registry on first bind. */
  address: MessagePort | null;

  closed = false;
  detached = false;
  zombie = false;
  private lingerTimer: ReturnType<typeof setTimeout> | null = null;
  private pipesClosing = false;

  private sendq = new Deque<PendingSend>();
  private recvq = new Deque<PendingRecv>();
  private pumping = false;
  private pumpAgain = false;
  private refd = false;

  /** tcp/ipc listeners and sessions made in this thread (created on first use). */
  net: NetTransports | null = null;
  /** Threads we moved away from that still host some of our tcp/ipc connections. */
  netLinks: NetLink[] = [];

  /** The address port was handed to the registry (which will say "bye" when done with it). */
  addressAtRoot = false;
  /** inproc connects still waiting at the registry, by connect id. */
  readonly pendingConnects = new Map<string, string>();

  constructor(type: SocketTypeName, sid: string, options: SocketOptionValues, host: SocketHost, ports?: { mailbox: MessagePort; address: MessagePort | null }) {
    this.type = type;
    this.sid = sid;
    this.options = options;
    this.host = host;
    if (ports !== undefined) {
      this.mailbox = ports.mailbox;
      this.address = ports.address;
    } else {
      const ch = new MessageChannel();
      this.mailbox = ch.port1;
      this.address = ch.port2;
    }
    this.mailbox.on("message", (m: unknown) => this.onCommand(m));
    this.mailbox.unref();
  }

  /** Commands posted to our address: a peer's pipe for an inproc bind, or the registry's goodbye. */
  private onCommand(m: unknown): void {
    const cmd = m as { op?: string; port?: MessagePort; endpoint?: string };
    if (cmd.op === "attach" && cmd.port !== undefined) this.acceptPort(cmd.port, cmd.endpoint ?? "");
    else if (cmd.op === "bye") this.closeMailbox();
    else refuseCommand(m);
  }

  /** A connecting peer's pipe port reached our bound endpoint. */
  acceptPort(port: MessagePort, endpoint: string, pending = false): void {
    if (this.closed || this.detached) {
      port.close();
      return;
    }
    // The type logic sees the pipe once the peer's HELLO says who it is, unless
    // it is a connecting session's pipe (it queues before the peer is known).
    this.attachPipe(Pipe.overPort(port, this.ownInfo()), endpoint, !pending);
  }

  emitEvent(type: SocketEventName, address: string, error: ZocketError | undefined, reason?: "protocol" | "auth" | "other"): void {
    this.events.emit({ type, address, ...(error !== undefined ? { error } : {}), ...(reason !== undefined ? { reason } : {}) });
  }

  netLinkLost(link: NetLink, connected: string[]): void {
    const i = this.netLinks.indexOf(link);
    if (i >= 0) this.netLinks.splice(i, 1);
    if (this.closed || this.detached) return;
    // The thread that held these connections died: connect again from here.
    for (const e of connected) {
      this.net ??= new NetTransports(this);
      this.net.connect(parseEndpoint(e, `${this.type}.connect`));
    }
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
  /** Restores xfreeze()'s state once the pipes are back in `pipes`, in the same order. */
  protected xthaw(_state: unknown): void {}

  /** True while earlier send() calls are still queued (REQ/REP order their turns by it). */
  protected get sendsPending(): boolean {
    return this.sendq.length > 0;
  }

  protected get recvsPending(): boolean {
    return this.recvq.length > 0;
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
  }

  private checkPeer(pipe: Pipe): boolean {
    const peerType = pipe.peer!.type;
    if (isCompatible(this.type, peerType)) return true;
    const err = zerr("EPROTO", `${this.type} socket cannot talk to a ${peerType} peer on ${pipe.endpoint}`);
    this.events.emit({ type: "handshake:error", address: pipe.endpoint, error: err, reason: "protocol" });
    pipe.terminate(false);
    return false;
  }

  readActivated(pipe: Pipe): void {
    if (pipe.attached) this.xreadActivated(pipe);
  }

  writeActivated(pipe: Pipe): void {
    if (pipe.attached) this.xwriteActivated(pipe);
  }

  pipeHello(pipe: Pipe): void {
    if (!this.checkPeer(pipe)) return;
    if (!pipe.attached) {
      if (!this.closed) this.attachToType(pipe);
    } else this.xhello(pipe);
  }

  pipeHiccup(pipe: Pipe): void {
    if (pipe.attached) this.xhiccup(pipe);
  }

  pipeTerminated(pipe: Pipe): void {
    if (pipe.sink !== this) return;
    const i = this.pipes.indexOf(pipe);
    if (i >= 0) this.pipes.splice(i, 1);
    if (pipe.attached) this.xterminated(pipe);
    pipe.sink = null;
    if (this.zombie) this.zombieStep();
    else this.pump();
  }

  /** Terminates the pipes that came from `endpoint` (unbind / disconnect). */
  dropPipes(endpoint: string): void {
    for (const p of [...this.pipes]) if (p.endpoint === endpoint) p.terminate(false);
  }

  // ------------------------------------------------------------ send / recv

  send(message: unknown): Promise<void> {
    // Hot path: no closure is created here (a closure capturing `this` would
    // make V8 allocate a context on every call); the waiting path is apart.
    if (this.closed || this.detached || this.host.terminated) return Promise.reject(this.usable("send")!);
    if (!this.canSend) return Promise.reject(zerr("ENOTSUP", `${this.type} sockets cannot send`));
    let msg: Msg;
    try {
      msg = toMsg(message, `${this.type}.send`);
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.sendq.length === 0) {
      try {
        if (this.xsend(msg)) return RESOLVED;
      } catch (err) {
        return Promise.reject(err);
      }
      if (this.options.sendTimeout === 0) return Promise.reject(this.eagain("send"));
    }
    return this.queueSend(msg);
  }

  private queueSend(msg: Msg): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const op: PendingSend = { msg, resolve, reject, timer: null };
      const t = this.options.sendTimeout;
      if (t > 0) {
        op.timer = setTimeout(() => {
          if (this.sendq.removeWhere((x) => x === op).length > 0) {
            reject(this.eagain("send"));
            this.updateKeepAlive();
          }
        }, t);
      }
      this.sendq.push(op);
      this.updateKeepAlive();
    });
  }

  recv(): Promise<Msg> {
    if (this.closed || this.detached || this.host.terminated) return Promise.reject(this.usable("recv")!);
    if (!this.canRecv) return Promise.reject(zerr("ENOTSUP", `${this.type} sockets cannot receive`));
    if (this.recvq.length === 0) {
      let msg: Msg | null;
      try {
        msg = this.xrecv();
      } catch (err) {
        return Promise.reject(err);
      }
      if (msg !== null) return Promise.resolve(msg);
      if (this.options.receiveTimeout === 0) return Promise.reject(this.eagain("recv"));
    }
    return this.queueRecv();
  }

  private queueRecv(): Promise<Msg> {
    return new Promise<Msg>((resolve, reject) => {
      const op: PendingRecv = { resolve, reject, timer: null };
      const t = this.options.receiveTimeout;
      if (t > 0) {
        op.timer = setTimeout(() => {
          if (this.recvq.removeWhere((x) => x === op).length > 0) {
            reject(this.eagain("recv"));
            this.updateKeepAlive();
          }
        }, t);
      }
      this.recvq.push(op);
      this.updateKeepAlive();
    });
  }

  private eagain(what: string): ZocketError {
    return zerr("EAGAIN", `${this.type}.${what}: resource temporarily unavailable (timed out)`);
  }

  /** null if the socket can be used; otherwise the error to report. */
  usable(what: string): ZocketError | null {
    if (this.detached) return zerr("ENOTSOCK", `${this.type}.${what}: the socket was detached for migration`);
    if (this.closed) return zerr("ENOTSOCK", `${this.type}.${what}: the socket is closed`);
    if (this.host.terminated) return zerr("ETERM", `${this.type}.${what}: the context was terminated`);
    return null;
  }

  /** Serves queued send() and recv() calls as far as the pipes allow, in order. */
  pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        // A completed recv may unblock a send (REQ/REP turns) and vice versa.
        let progress = true;
        while (progress) {
          const sent = this.serveSends();
          const received = this.serveRecvs();
          progress = sent + received > 0;
        }
      } while (this.pumpAgain);
    } finally {
      this.pumping = false;
    }
    if (this.zombie) this.zombieStep();
    this.updateKeepAlive();
  }

  private serveSends(): number {
    let served = 0;
    while (this.sendq.length > 0) {
      const op = this.sendq.peek()!;
      let done: boolean;
      try {
        done = this.xsend(op.msg);
      } catch (err) {
        this.sendq.shift();
        if (op.timer !== null) clearTimeout(op.timer);
        op.reject(err as Error);
        served++;
        continue;
      }
      if (!done) break;
      this.sendq.shift();
      if (op.timer !== null) clearTimeout(op.timer);
      op.resolve();
      served++;
    }
    return served;
  }

  private serveRecvs(): number {
    let served = 0;
    while (this.recvq.length > 0) {
      let msg: Msg | null;
      try {
        msg = this.xrecv();
      } catch (err) {
        const op = this.recvq.shift()!;
        if (op.timer !== null) clearTimeout(op.timer);
        op.reject(err as Error);
        served++;
        continue;
      }
      if (msg === null) break;
      const op = this.recvq.shift()!;
      if (op.timer !== null) clearTimeout(op.timer);
      op.resolve(msg);
      served++;
    }
    return served;
  }

  // ------------------------------------------------------------ liveness

  /** Whether something pending on this socket must keep the thread alive. */
  get busy(): boolean {
    return this.sendq.length > 0 || this.recvq.length > 0 || this.zombie;
  }

  updateKeepAlive(): void {
    const need = this.busy;
    if (need) {
      if (!this.refd) {
        this.refd = true;
        this.mailbox.ref();
      }
    } else if (this.refd && !this.unrefScheduled) {
      // Let go lazily: a busy socket flips between pending and idle once per
      // message, and ref()/unref() on every flip costs more than the message.
      this.unrefScheduled = true;
      setImmediate(this.lazyUnref);
    }
  }

  private unrefScheduled = false;
  private lazyUnref = (): void => {
    this.unrefScheduled = false;
    if (this.refd && !this.busy) {
      this.refd = false;
      this.mailbox.unref();
    }
  };

  /** Rejects every pending call with `err` (ETERM on context termination). */
  failPending(err: ZocketError, sends = true): void {
    const recvs = this.recvq.toArray();
    this.recvq.clear();
    for (const op of recvs) {
      if (op.timer !== null) clearTimeout(op.timer);
      op.reject(err);
    }
    if (sends) {
      const ss = this.sendq.toArray();
      this.sendq.clear();
      for (const op of ss) {
        if (op.timer !== null) clearTimeout(op.timer);
        op.reject(err);
      }
    }
    this.updateKeepAlive();
  }

  // ------------------------------------------------------------ close / zombie

  close(): void {
    if (this.closed || this.detached) return;
    this.closed = true;
    this.failPending(zerr("ENOTSOCK", `${this.type}.recv: the socket was closed`), false);
    const linger = this.options.linger;
    this.net?.close();
    for (const link of this.netLinks) link.close();
    this.host.socketClosed(this);
    if (linger === 0) {
      this.failPending(zerr("ENOTSOCK", `${this.type}.send: the socket was closed with linger 0`));
      this.finishZombie();
      return;
    }
    this.zombie = true;
    if (linger > 0) this.lingerTimer = setTimeout(() => this.lingerExpired(), linger);
    this.updateKeepAlive();
    this.pump();
  }

  /** Zombie progress: first drain sends still queued, then shut the pipes down with a delimiter. */
  private zombieStep(): void {
    if (!this.zombie) return;
    if (this.sendq.length > 0 && this.pipes.length > 0) return;
    if (!this.pipesClosing) {
      this.pipesClosing = true;
      for (const p of [...this.pipes]) p.terminate(true);
    }
    if (this.sendq.length > 0) return; // no pipe to take them yet (connect pending): keep waiting
    if (this.pipes.length === 0) this.finishZombie();
  }

  private lingerExpired(): void {
    this.lingerTimer = null;
    this.failPending(zerr("ENOTSOCK", `${this.type}.send: linger expired before the message could be queued`));
    this.finishZombie();
  }

  /** @internal: called by the context's reaper and term. */
  checkZombie(): void {
    if (this.zombie) this.zombieStep();
  }

  private finishZombie(): void {
    this.zombie = false;
    if (this.lingerTimer !== null) {
      clearTimeout(this.lingerTimer);
      this.lingerTimer = null;
    }
    // Whatever is still open now is cut: linger is over (or was 0).
    const left = [...this.pipes];
    this.pipes.length = 0;
    for (const p of left) {
      p.sink = null;
      p.abort();
    }
    this.updateKeepAlive();
    this.events.emit({ type: "end", address: "" });
    this.host.zombieDone(this);
  }

  /** Closes the signalling channel; attach commands still queued are refused. */
  closeMailbox(): void {
    for (;;) {
      const m = receiveMessageOnPort(this.mailbox);
      if (m === undefined) break;
      refuseCommand(m.message);
    }
    this.mailbox.removeAllListeners();
    this.mailbox.close();
    if (this.address !== null) {
      this.address.close();
      this.address = null;
    }
  }

  // ------------------------------------------------------------ migration

  /** Freezes the socket for a move; the object is dead afterwards (ENOTSOCK). */
  freeze(): SocketState {
    this.detached = true;
    this.failPending(zerr("ENOTSOCK", `${this.type}.recv: the socket was detached for migration`), false);
    // Sends already accepted by send() but not yet queued travel with the socket.
    const sends = this.sendq.toArray();
    this.sendq.clear();
    for (const op of sends) {
      if (op.timer !== null) clearTimeout(op.timer);
      op.resolve();
    }
    const live = this.pipes.filter((p) => !p.isTerminated);
    this.pipes.length = 0;
    this.pipes.push(...live);
    const typeState = this.xfreeze();
    const pipes: PipeState[] = this.pipes.map((p) => p.detach());
    this.pipes.length = 0;
    this.mailbox.removeAllListeners();
    const state: SocketState = {
      sid: this.sid,
      type: this.type,
      options: cloneOptions(this.options),
      pipes,
      typeState,
      pendingSends: sends.length > 0 ? packBatch(sends.map((s) => s.msg)).buf : null,
      mailbox: this.mailbox,
      address: this.address,
      bound: [...this.bound],
      connected: [...this.connected],
      pendingConnects: [...this.pendingConnects],
      addressAtRoot: this.addressAtRoot,
      netLinks: this.freezeNet(),
    };
    this.address = null;
    this.updateKeepAlive();
    this.events.finish();
    return state;
  }

  /** Connections cannot move: the thread that holds them serves us over a link from now on. */
  private freezeNet(): NetLinkState[] {
    const links = this.netLinks.map((l) => l.freeze());
    this.netLinks = [];
    if (this.net !== null && this.net.active) links.push(this.net.handOver());
    this.net = null;
    return links;
  }

  static transferables(s: SocketState): Transferable[] {
    const list: Transferable[] = [s.mailbox];
    for (const l of s.netLinks) list.push(l.port);
    if (s.address !== null) list.push(s.address);
    if (s.pendingSends !== null) list.push(s.pendingSends);
    for (const p of s.pipes) list.push(...Pipe.transferables(p));
    return list;
  }

  /** Second half of migration: takes the frozen pipes and state in. */
  thaw(s: SocketState): void {
    for (const e of s.bound) this.bound.add(e);
    for (const e of s.connected) this.connected.add(e);
    for (const [cid, e] of s.pendingConnects) this.pendingConnects.set(cid, e);
    this.addressAtRoot = s.addressAtRoot;
    this.netLinks = s.netLinks.map((l) => new NetLink(l, this));
    for (const ps of s.pipes) {
      const p = Pipe.revive(ps);
      p.sink = this;
      this.pipes.push(p);
      if (p.attached) this.xattach(p, true);
    }
    this.xthaw(s.typeState);
    if (s.pendingSends !== null) {
      for (const msg of unpackAll(s.pendingSends)) {
        this.sendq.push({ msg, resolve: () => {}, reject: () => {}, timer: null });
      }
    }
    this.pump();
  }
}

/** Closes the pipe port inside a command we will never serve, so its owner sees the end. */
export function refuseCommand(m: unknown): void {
  if (m !== null && typeof m === "object" && "port" in m) {
    const port = (m as { port: unknown }).port;
    if (port !== null && typeof port === "object" && "close" in port) (port as MessagePort).close();
  }
}
