/**
 * One thread's share of a context. The threads of a context form a tree: the
 * thread that called `new Context()` is the root (it holds the inproc registry
 * and runs termination), and every `share()` adds a child linked by a
 * MessageChannel. Requests travel up to the root, replies and broadcasts down.
 * Paths name threads: "0" is the root, "0.2" its second child, and so on.
 *
 * Liveness: links are unref'd, so a context never keeps a thread alive by
 * itself; they are ref'd only while this thread awaits an answer (a bind, a
 * term). Sockets ref their own mailbox while a call is pending on them.
 */
import type { Transferable } from "../util/transfer.js";
import { MessageChannel, type MessagePort } from "node:worker_threads";
import { zerr, type ErrorCode } from "../errors.js";
import type { SocketBase, SocketHost, SocketState } from "../socket/socket-base.js";
import { InprocRegistry } from "./registry.js";
import { Pipe } from "../pipe/pipe.js";
import { createSocketCore } from "../socket/factory.js";
import { defaultOptions } from "../options.js";
import { ZAP_ENDPOINT } from "../transport/zap.js";

export interface ThreadOptions {
  blocky: boolean;
  maxSockets: number;
}

/** Messages on the context tree (always plain objects). */
interface TreeMsg {
  op: string;
  from?: string;
  to?: string;
  rid?: number;
  endpoint?: string;
  sid?: string;
  cid?: string;
  port?: MessagePort;
  addr?: MessagePort;
  err?: { code: ErrorCode; message: string };
  idle?: boolean;
  holders?: string[];
  path?: string;
  delta?: number;
}

/** How long term() waits before its one warning (ZOCKET_TERM_WARN_MS overrides, for tests). */
const TERM_WARN_MS = Number(process.env.ZOCKET_TERM_WARN_MS) > 0 ? Number(process.env.ZOCKET_TERM_WARN_MS) : 5000;

export class ThreadContext implements SocketHost {
  readonly path: string;
  readonly isRoot: boolean;
  readonly opts: ThreadOptions;
  terminated = false;

  readonly sockets = new Set<SocketBase>();
  readonly zombies = new Set<SocketBase>();
  /** inproc endpoints bound by sockets living in this thread (confirmed by the registry). */
  readonly localBinds = new Map<string, SocketBase>();

  private parent: MessagePort | null;
  private children = new Map<number, MessagePort>();
  private nextChild = 1;
  private nextSocket = 1;
  private nextConnect = 1;
  private nextRequest = 1;
  private requests = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private termWaiters: (() => void)[] = [];
  private termFinished = false;
  private linksRefd = false;
  private lastStatus = "";

  // root only
  private registry: InprocRegistry | null;
  private termStarted = false;
  private threads = new Map<string, { idle: boolean; holders: string[] }>();
  private inFlight = new Map<string, number>();
  private warnTimer: ReturnType<typeof setTimeout> | null = null;
  private termKeepAlive: ReturnType<typeof setInterval> | null = null;

  /** Sockets of this thread, by sid, for the socket factory (set by the public Context). */
  revive: ((state: SocketState, host: ThreadContext) => SocketBase) | null = null;

  constructor(path: string, opts: ThreadOptions, parent: MessagePort | null) {
    this.path = path;
    this.opts = opts;
    this.isRoot = parent === null;
    this.parent = parent;
    this.registry = this.isRoot ? new InprocRegistry() : null;
    if (this.isRoot) {
      this.threads.set(path, { idle: true, holders: [] });
    } else {
      parent!.on("message", (m: TreeMsg) => this.fromParent(m));
      parent!.on("close", () => this.parentLost());
      parent!.unref();
      this.up({ op: "hello" });
    }
  }

  // ------------------------------------------------------------ ids

  newSocketId(): string {
    return `${this.path}/${this.nextSocket++}`;
  }

  // ------------------------------------------------------------ tree plumbing

  /** A handle for one new thread: a child link. */
  share(): { path: string; port: MessagePort } {
    const { port1, port2 } = new MessageChannel();
    const idx = this.nextChild++;
    const path = `${this.path}.${idx}`;
    this.children.set(idx, port1);
    port1.on("message", (m: TreeMsg) => this.fromChild(m));
    port1.on("close", () => this.childLost(idx, path));
    if (!this.linksRefd) port1.unref();
    return { path, port: port2 };
  }

  private up(m: TreeMsg, transfer: Transferable[] = []): void {
    m.from ??= this.path;
    if (this.isRoot) this.atRoot(m);
    else this.parent!.postMessage(m, transfer);
  }

  private fromChild(m: TreeMsg): void {
    if (this.isRoot) this.atRoot(m);
    else this.parent!.postMessage(m, portsOf(m));
  }

  private down(m: TreeMsg): void {
    if (m.to === undefined) {
      for (const c of this.children.values()) c.postMessage(m);
      this.atThread(m);
      return;
    }
    if (m.to === this.path) {
      this.atThread(m);
      return;
    }
    const rest = m.to.slice(this.path.length + 1);
    const idx = Number(rest.split(".")[0]);
    this.children.get(idx)?.postMessage(m, portsOf(m));
  }

  private fromParent(m: TreeMsg): void {
    this.down(m);
  }

  private childLost(idx: number, path: string): void {
    this.children.delete(idx);
    this.up({ op: "gone", path });
  }

  private parentLost(): void {
    // The thread that linked us to the context is gone: we can reach nobody.
    this.parent = null;
    this.terminated = true;
    for (const s of this.sockets) s.failPending(zerr("ETERM", "the context is gone (its parent thread exited)"));
    this.finishTerm();
  }

  private request(m: TreeMsg, transfer: Transferable[]): Promise<void> {
    const rid = this.nextRequest++;
    m.rid = rid;
    return new Promise<void>((resolve, reject) => {
      this.requests.set(rid, { resolve, reject });
      this.updateLinkRefs();
      this.up(m, transfer);
    });
  }

  private reply(to: string, rid: number, err?: { code: ErrorCode; message: string }): void {
    this.down({ op: "reply", to, rid, ...(err !== undefined ? { err } : {}) });
  }

  /** Links keep the thread alive only while it waits for the tree (a reply, a term). */
  private updateLinkRefs(): void {
    const need = this.requests.size > 0 || (this.termWaiters.length > 0 && !this.termFinished);
    if (need === this.linksRefd) return;
    this.linksRefd = need;
    const ports = [...this.children.values()];
    if (this.parent !== null) ports.push(this.parent);
    for (const p of ports) {
      if (need) p.ref();
      else p.unref();
    }
  }

  // ------------------------------------------------------------ handlers

  /** Messages addressed to this thread. */
  private atThread(m: TreeMsg): void {
    switch (m.op) {
      case "reply": {
        const r = this.requests.get(m.rid!);
        if (r === undefined) return;
        this.requests.delete(m.rid!);
        this.updateLinkRefs();
        if (m.err !== undefined) r.reject(zerr(m.err.code, m.err.message));
        else r.resolve();
        return;
      }
      case "term":
        this.onTerm();
        return;
      case "termDone":
        this.finishTerm();
        return;
    }
  }

  /** Requests, handled by the root. */
  private atRoot(m: TreeMsg): void {
    const reg = this.registry!;
    switch (m.op) {
      case "hello":
        this.threads.set(m.from!, { idle: !this.termStarted, holders: [] });
        if (this.termStarted) this.down({ op: "term", to: m.from! });
        return;
      case "bind": {
        const res = reg.bind(m.endpoint!, m.sid!, m.from!, m.addr ?? null, null);
        this.reply(m.from!, m.rid!, res.ok ? undefined : { code: res.code, message: res.message });
        return;
      }
      case "unbind":
        reg.unbind(m.endpoint!, m.sid!);
        return;
      case "lookup":
        this.reply(m.from!, m.rid!, reg.isBound(m.endpoint!) ? undefined : { code: "ECONNREFUSED", message: `${m.endpoint} is not bound` });
        return;
      case "connect":
        reg.connect(m.endpoint!, m.cid!, m.from!, m.port!);
        return;
      case "cancel":
        reg.cancel(m.cid!);
        return;
      case "closed":
        reg.closed(m.sid!);
        return;
      case "moved": {
        const n = (this.inFlight.get(m.sid!) ?? 0) + m.delta!;
        if (n === 0) this.inFlight.delete(m.sid!);
        else this.inFlight.set(m.sid!, n);
        if (m.delta! < 0) reg.moved(m.sid!, m.from!, null);
        this.checkTermDone();
        return;
      }
      case "term":
        this.startTerm();
        return;
      case "status":
        this.threads.set(m.from!, { idle: m.idle!, holders: m.holders! });
        this.checkTermDone();
        return;
      case "gone": {
        const p = m.path!;
        reg.gone(p);
        for (const t of [...this.threads.keys()]) if (t === p || t.startsWith(p + ".")) this.threads.delete(t);
        this.checkTermDone();
        return;
      }
    }
  }

  // ------------------------------------------------------------ inproc

  async bindInproc(socket: SocketBase, endpoint: string): Promise<void> {
    if (socket.bound.has(endpoint)) throw zerr("EADDRINUSE", `${socket.type}.bind: ${endpoint} is already bound by this socket`);
    const addr = socket.address;
    socket.address = null;
    socket.addressAtRoot = true;
    if (this.isRoot) {
      const res = this.registry!.bind(endpoint, socket.sid, this.path, addr, socket);
      if (!res.ok) throw zerr(res.code, `${socket.type}.bind: ${res.message}`);
    } else {
      const m: TreeMsg = { op: "bind", endpoint, sid: socket.sid };
      if (addr !== null) m.addr = addr;
      try {
        await this.request(m, addr !== null ? [addr] : []);
      } catch (err) {
        const e = err as { code: ErrorCode; message: string };
        throw zerr(e.code, `${socket.type}.bind: ${e.message}`);
      }
    }
    if (socket.closed || socket.detached) {
      // Closed (or moved) while the bind was in flight: give the endpoint back.
      if (socket.closed) this.up({ op: "unbind", endpoint, sid: socket.sid });
      return;
    }
    socket.bound.add(endpoint);
    this.localBinds.set(endpoint, socket);
  }

  unbindInproc(socket: SocketBase, endpoint: string): void {
    socket.bound.delete(endpoint);
    if (this.localBinds.get(endpoint) === socket) this.localBinds.delete(endpoint);
    this.up({ op: "unbind", endpoint, sid: socket.sid });
    socket.dropPipes(endpoint);
  }

  connectInproc(socket: SocketBase, endpoint: string): void {
    socket.connected.add(endpoint);
    const binder = this.localBinds.get(endpoint);
    if (binder !== undefined && !binder.closed && !binder.detached) {
      // Both sockets in this thread: a local pipe, no ports involved.
      const [ours, theirs] = Pipe.localPair(socket.ownInfo(), binder.ownInfo());
      socket.attachPipe(ours, endpoint);
      binder.attachPipe(theirs, endpoint);
      return;
    }
    const { port1, port2 } = new MessageChannel();
    const cid = `${this.path}:${this.nextConnect++}`;
    socket.pendingConnects.set(cid, endpoint);
    // Without `immediate` the queue exists at once (connect before bind works).
    socket.attachPipe(Pipe.overPort(port1, socket.ownInfo()), endpoint, socket.options.immediate);
    this.up({ op: "connect", endpoint, cid, port: port2 }, [port2]);
  }

  disconnectInproc(socket: SocketBase, endpoint: string): void {
    socket.connected.delete(endpoint);
    for (const [cid, e] of [...socket.pendingConnects]) {
      if (e !== endpoint) continue;
      socket.pendingConnects.delete(cid);
      this.up({ op: "cancel", cid });
    }
    socket.dropPipes(endpoint);
  }

  /** True if some thread of the context has bound `endpoint`. */
  async isInprocBound(endpoint: string): Promise<boolean> {
    if (this.isRoot) return this.registry!.isBound(endpoint);
    try {
      await this.request({ op: "lookup", endpoint }, []);
      return true;
    } catch {
      return false;
    }
  }

  /** One request/reply with the ZAP handler (RFC 27); null if none is bound. */
  async zapExchange(frames: Buffer[], timeoutMs: number): Promise<Buffer[] | null> {
    if (this.terminated || !(await this.isInprocBound(ZAP_ENDPOINT))) return null;
    const values = defaultOptions(0);
    values.receiveTimeout = timeoutMs;
    values.sendTimeout = timeoutMs;
    const dealer = createSocketCore("DEALER", this.newSocketId(), values, this);
    try {
      this.connectInproc(dealer, ZAP_ENDPOINT);
      await dealer.send([Buffer.alloc(0), ...frames]);
      const reply = await dealer.recv();
      return reply[0]!.length === 0 ? reply.slice(1) : reply;
    } catch {
      return null;
    } finally {
      dealer.close();
    }
  }

  // ------------------------------------------------------------ socket lifecycle (SocketHost)

  checkCanCreate(): void {
    if (this.terminated) throw zerr("ETERM", "ctx.socket: the context was terminated");
    this.reap();
    if (this.sockets.size + this.zombies.size >= this.opts.maxSockets) {
      throw zerr("EMFILE", `ctx.socket: maxSockets (${this.opts.maxSockets}) reached`);
    }
  }

  added(socket: SocketBase): void {
    this.sockets.add(socket);
    this.reportStatus();
  }

  /** Lets zombies whose linger ran out or whose pipes drained go. */
  reap(): void {
    for (const z of [...this.zombies]) z.checkZombie();
  }

  socketClosed(socket: SocketBase): void {
    this.sockets.delete(socket);
    this.zombies.add(socket);
    for (const e of socket.bound) if (this.localBinds.get(e) === socket) this.localBinds.delete(e);
    // libzmq frees the endpoints at close; the zombie only flushes.
    if (socket.addressAtRoot) this.up({ op: "closed", sid: socket.sid });
    socket.bound.clear();
    this.reportStatus();
  }

  zombieDone(socket: SocketBase): void {
    this.zombies.delete(socket);
    // Connects still waiting for a bind die with the socket.
    for (const cid of socket.pendingConnects.keys()) this.up({ op: "cancel", cid });
    socket.pendingConnects.clear();
    if (!socket.addressAtRoot) socket.closeMailbox();
    this.reportStatus();
  }

  keepAliveChanged(): void {}

  detachSocket(socket: SocketBase): SocketState {
    const state = socket.freeze();
    this.sockets.delete(socket);
    for (const e of state.bound) if (this.localBinds.get(e) === socket) this.localBinds.delete(e);
    if (this.isRoot) this.registry!.moved(socket.sid, "", null);
    this.up({ op: "moved", sid: socket.sid, delta: 1 });
    this.reportStatus();
    return state;
  }

  adoptSocket(state: SocketState, socket: SocketBase): void {
    this.sockets.add(socket);
    socket.thaw(state);
    for (const e of socket.bound) this.localBinds.set(e, socket);
    this.up({ op: "moved", sid: socket.sid, delta: -1 });
    if (this.isRoot) this.registry!.moved(socket.sid, this.path, socket);
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
    this.updateLinkRefs();
    this.up({ op: "term" });
    return p;
  }

  /** Root: tell every thread, then wait for all of them to report idle. */
  private startTerm(): void {
    if (this.termStarted) return;
    this.termStarted = true;
    // Every thread counts as busy until it has answered the broadcast.
    for (const t of this.threads.values()) t.idle = false;
    this.warnTimer = setTimeout(() => this.warnStuck(), TERM_WARN_MS);
    this.warnTimer.unref();
    this.down({ op: "term" });
  }

  private onTerm(): void {
    if (this.terminated) {
      this.reportStatus();
      return;
    }
    this.terminated = true;
    const err = zerr("ETERM", "the context was terminated");
    for (const s of this.sockets) s.failPending(err);
    this.reap();
    this.lastStatus = "";
    this.reportStatus();
  }

  private holders(): string[] {
    const out: string[] = [];
    const describe = (s: SocketBase, what: string): string => {
      const eps = [...s.bound, ...s.connected, ...new Set(s.pipes.map((p) => p.endpoint))].filter((e) => e !== "");
      return `${s.type} socket ${what}${eps.length > 0 ? ` (${[...new Set(eps)].join(", ")})` : ""}`;
    };
    for (const s of this.sockets) out.push(describe(s, "still open"));
    for (const z of this.zombies) out.push(describe(z, "closed, still flushing within linger"));
    return out;
  }

  /** After term started, every change of "anything left here?" goes to the root. */
  private reportStatus(): void {
    if (!this.terminated || this.termFinished) return;
    const idle = this.sockets.size === 0 && this.zombies.size === 0;
    const holders = idle ? [] : this.holders();
    const key = `${idle}|${holders.join(";")}`;
    if (key === this.lastStatus) return;
    this.lastStatus = key;
    this.up({ op: "status", idle, holders });
  }

  private checkTermDone(): void {
    if (!this.termStarted || this.termFinished) return;
    if (this.inFlight.size > 0) return;
    for (const t of this.threads.values()) if (!t.idle) return;
    if (this.warnTimer !== null) clearTimeout(this.warnTimer);
    this.down({ op: "termDone" });
  }

  private warnStuck(): void {
    const lines: string[] = [];
    for (const [path, t] of this.threads) {
      if (t.idle) continue;
      for (const h of t.holders) lines.push(`${path === this.path ? "main thread" : `thread ${path}`}: ${h}`);
    }
    if (this.inFlight.size > 0) lines.push(`${this.inFlight.size} socket(s) detached and not yet adopted`);
    if (lines.length === 0) return;
    process.emitWarning(`ctx.term() has waited ${TERM_WARN_MS / 1000} s; still waiting for: ${lines.join("; ")}`, {
      code: "ZOCKET_TERM_WAIT",
    });
  }

  private finishTerm(): void {
    if (this.termFinished) return;
    this.termFinished = true;
    this.terminated = true;
    if (this.termKeepAlive !== null) clearInterval(this.termKeepAlive);
    this.termKeepAlive = null;
    const waiters = this.termWaiters;
    this.termWaiters = [];
    for (const w of waiters) w();
    // Nothing of ours may hold the thread any more.
    for (const c of this.children.values()) c.unref();
    if (this.parent !== null) {
      this.parent.removeAllListeners();
      this.parent.close();
      this.parent = null;
    }
    this.linksRefd = false;
  }
}

function portsOf(m: TreeMsg): Transferable[] {
  const out: Transferable[] = [];
  if (m.port !== undefined) out.push(m.port);
  if (m.addr !== undefined) out.push(m.addr);
  return out;
}
