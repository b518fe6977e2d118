/**
 * One thread's share of a context: the sockets and zombies living in this
 * thread, its index of inproc endpoints bound here, its ZAP client, and its
 * side of migration and termination. It implements what a socket asks of its
 * thread (socket/host.ts) by talking to the root over the context tree; the
 * root's own work is in root.ts (only the root thread has one).
 */
import { MessageChannel, type MessagePort } from "node:worker_threads";
import { zerr } from "../errors.js";
import { localPair, overPort } from "../pipe/links.js";
import type { Pipe } from "../pipe/pipe.js";
import type { EndInfo, LifelineMsg, TreeDown, TreeUp } from "../protocols.js";
import type { SocketBase } from "../socket/socket-base.js";
import type { HostedSocket, SocketHost } from "../socket/host.js";
import type { SocketState } from "../socket/migration.js";
import { ZapClient, type ZapThread } from "../transport/zap.js";
import { RootCoordinator } from "./root.js";
import { ContextTree } from "./tree.js";
import { trace, TRACE } from "../debug.js";

export interface ThreadOptions {
  blocky: boolean;
  maxSockets: number;
  /** The context's I/O threads (0: tcp/ipc run in the socket's own thread). */
  ioThreads: number;
}

export class ThreadContext implements SocketHost, ZapThread {
  readonly path: string;
  /** Names the context across its threads (detached sockets must come back to it). */
  readonly contextId: string;
  readonly opts: ThreadOptions;
  terminated = false;
  readonly zap: ZapClient;

  private readonly tree: ContextTree;
  /** Only in the root thread. */
  private readonly root: RootCoordinator | null;
  /** Open sockets of this thread, by sid. */
  private readonly sockets = new Map<string, SocketBase>();
  private readonly zombies = new Map<string, SocketBase>();
  /** inproc endpoints bound by sockets living in this thread (same-thread connects skip the registry). */
  private readonly localBinds = new Map<string, HostedSocket>();
  private nextSocket = 1;
  private nextConnect = 1;
  private termWaiters: (() => void)[] = [];
  private termFinished = false;
  private termKeepAlive: ReturnType<typeof setInterval> | null = null;
  private lastStatus = "";

  constructor(path: string, contextId: string, opts: ThreadOptions, parent: MessagePort | null) {
    this.path = path;
    this.contextId = contextId;
    this.opts = opts;
    this.zap = new ZapClient(this);
    this.tree = new ContextTree(path, parent, {
      atRoot: (m) => this.root?.handle(m),
      atThread: (m) => this.atThread(m),
      parentLost: () => this.parentLost(),
    });
    this.root =
      parent === null
        ? new RootCoordinator(this.tree, (sid, endpoint, port) => this.deliverHere(sid, endpoint, port), opts.ioThreads, () => ({
            contextId,
            blocky: opts.blocky,
            maxSockets: opts.maxSockets,
            ...this.tree.share(),
          }))
        : null;
  }

  newSocketId(): string {
    return `${this.path}/${this.nextSocket++}`;
  }

  /** A link for one new thread of this context. */
  share(): { path: string; port: MessagePort } {
    return this.tree.share();
  }

  private up(m: TreeUp): void {
    this.tree.up(m);
  }

  private atThread(m: TreeDown): void {
    if (m.op === "term") this.onTerm();
    else if (m.op === "termDone") this.finishTerm();
  }

  private parentLost(): void {
    // The thread that linked us to the context is gone: we can reach nobody.
    this.terminated = true;
    for (const s of this.sockets.values()) s.failPending(zerr("ETERM", "the context is gone (its parent thread exited)"));
    this.finishTerm();
  }

  /** The registry at the root delivers straight to a socket of the root thread. */
  private deliverHere(sid: string, endpoint: string, port: MessagePort): boolean {
    const socket = this.sockets.get(sid);
    if (socket === undefined) return false;
    socket.acceptPort(port, endpoint);
    return true;
  }

  // ------------------------------------------------------------ inproc (SocketHost)

  registerInprocBind(sid: string, endpoint: string, address: MessagePort | null): Promise<void> {
    return this.tree.request({ op: "bind", endpoint, sid, addr: address });
  }

  unregisterInprocBind(sid: string, endpoint: string): Promise<void> {
    return this.tree.request({ op: "unbind", endpoint, sid });
  }

  boundHere(endpoint: string, socket: HostedSocket): void {
    this.localBinds.set(endpoint, socket);
  }

  unboundHere(endpoint: string, socket: HostedSocket): void {
    if (this.localBinds.get(endpoint) === socket) this.localBinds.delete(endpoint);
  }

  openInprocPipe(endpoint: string, own: EndInfo): { pipe: Pipe; cid: string | null } {
    const binder = this.localBinds.get(endpoint);
    if (binder !== undefined) {
      // Both ends in this thread: a local pipe, no ports involved.
      const [ours, theirs] = localPair(own, binder.ownInfo());
      binder.acceptPipe(theirs, endpoint);
      return { pipe: ours, cid: null };
    }
    const { port1, port2 } = new MessageChannel();
    const cid = `${this.path}:${this.nextConnect++}`;
    this.up({ op: "connect", from: this.path, endpoint, cid, port: port2 });
    return { pipe: overPort(port1, own), cid };
  }

  /** A link to one of the context's I/O threads, or null when it has none (ioThreads 0). */
  openIoLink(): MessagePort | null {
    if (this.opts.ioThreads === 0 || this.terminated) return null;
    const { port1, port2 } = new MessageChannel();
    if (this.root !== null) this.root.openIo(port2);
    else this.up({ op: "io", from: this.path, port: port2 });
    return port1;
  }

  cancelInprocConnect(cid: string): void {
    this.up({ op: "cancel", from: this.path, cid });
  }

  /** True if some thread of the context has bound `endpoint`. */
  async isInprocBound(endpoint: string): Promise<boolean> {
    try {
      await this.tree.request({ op: "lookup", endpoint });
      return true;
    } catch {
      // The one answer besides "bound" is ECONNREFUSED (or ETERM: the context is gone).
      return false;
    }
  }

  // ------------------------------------------------------------ socket lifecycle

  checkCanCreate(): void {
    if (this.terminated) throw zerr("ETERM", "ctx.socket: the context was terminated");
    this.reap();
    if (this.sockets.size + this.zombies.size >= this.opts.maxSockets) {
      throw zerr("EMFILE", `ctx.socket: maxSockets (${this.opts.maxSockets}) reached`);
    }
  }

  added(socket: SocketBase): void {
    this.sockets.set(socket.sid, socket);
    this.reportStatus();
  }

  /** Lets zombies whose linger ran out or whose pipes drained go. */
  reap(): void {
    for (const z of [...this.zombies.values()]) z.checkZombie();
  }

  socketClosed(socket: HostedSocket, addressAtRoot: boolean): void {
    const s = this.sockets.get(socket.sid);
    if (s === undefined) return;
    this.sockets.delete(socket.sid);
    this.zombies.set(s.sid, s);
    // libzmq frees the endpoints at close; the zombie only flushes.
    if (addressAtRoot) this.up({ op: "closed", from: this.path, sid: socket.sid });
    this.reportStatus();
  }

  zombieDone(socket: HostedSocket): void {
    this.zombies.delete(socket.sid);
    this.reportStatus();
  }

  // ------------------------------------------------------------ migration

  /** Freezes `socket` for a move; the root counts it as in flight until its lifeline says otherwise. */
  detachSocket(socket: SocketBase): SocketState {
    const frozen = socket.freeze();
    this.sockets.delete(socket.sid);
    const { port1, port2 } = new MessageChannel();
    this.up({ op: "detached", from: this.path, sid: socket.sid, lifeline: port1 });
    this.reportStatus();
    return { ...frozen, contextId: this.contextId, lifeline: port2 };
  }

  /** Takes a socket in (`state` was checked by takeDetached) and tells the root where it landed. */
  adoptSocket(state: SocketState, socket: SocketBase): void {
    this.sockets.set(socket.sid, socket);
    socket.thaw(state);
    // Posted before the close: the root reads "adopted" first, then the end of the lifeline.
    state.lifeline.postMessage({ op: "adopted", path: this.path } satisfies LifelineMsg);
    state.lifeline.close();
    if (this.terminated) socket.failPending(zerr("ETERM", `${socket.type}: the context was terminated`));
    this.reportStatus();
  }

  // ------------------------------------------------------------ term

  term(): Promise<void> {
    if (this.termFinished) return Promise.resolve();
    const p = new Promise<void>((resolve) => this.termWaiters.push(resolve));
    // A pending term() holds the thread, as zmq_ctx_term blocks: a socket left
    // open makes it wait (and warn) instead of the process ending unsettled.
    this.termKeepAlive ??= setInterval(() => {}, 1 << 30);
    this.tree.hold(true);
    this.up({ op: "term", from: this.path });
    return p;
  }

  private onTerm(): void {
    if (TRACE) trace("context %s: term (%d sockets open, %d lingering)", this.path || "root", this.sockets.size, this.zombies.size);
    if (this.terminated) {
      this.reportStatus();
      return;
    }
    this.terminated = true;
    const err = zerr("ETERM", "the context was terminated");
    for (const s of this.sockets.values()) s.failPending(err);
    this.zap.close();
    this.reap();
    this.lastStatus = "";
    this.reportStatus();
  }

  private holders(): string[] {
    const describe = (s: SocketBase, what: string): string => {
      const eps = s.describeEndpoints();
      return `${s.type} socket ${what}${eps.length > 0 ? ` (${eps.join(", ")})` : ""}`;
    };
    return [
      ...[...this.sockets.values()].map((s) => describe(s, "still open")),
      ...[...this.zombies.values()].map((z) => describe(z, "closed, still flushing within linger")),
    ];
  }

  /** After term started, every change of "anything left here?" goes to the root. */
  private reportStatus(): void {
    if (!this.terminated || this.termFinished) return;
    const idle = this.sockets.size === 0 && this.zombies.size === 0;
    const holders = idle ? [] : this.holders();
    const key = `${idle}|${holders.join(";")}`;
    if (key === this.lastStatus) return;
    this.lastStatus = key;
    this.up({ op: "status", from: this.path, idle, holders });
  }

  private finishTerm(): void {
    if (this.termFinished) return;
    if (TRACE) trace("context %s: term done", this.path || "root");
    this.termFinished = true;
    this.terminated = true;
    this.zap.close();
    if (this.termKeepAlive !== null) clearInterval(this.termKeepAlive);
    this.termKeepAlive = null;
    const waiters = this.termWaiters;
    this.termWaiters = [];
    for (const w of waiters) w();
    // Nothing of ours may hold the thread any more.
    this.tree.close();
  }
}
