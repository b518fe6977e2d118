/**
 * The tcp:// and ipc:// side of one socket: its listeners (one accept path
 * per bound endpoint) and its sessions (one per connect, one per accepted
 * connection).
 *
 * Streams cannot move between threads, so connections stay in the thread
 * where they were made (libzmq keeps engines in I/O threads for the same
 * reason). When the socket migrates, `handOver()` turns this object into a
 * host that serves the socket from afar: new pipes reach it over a link port
 * (see net-link.ts), monitor events are posted to it, and it obeys its
 * unbind/disconnect/close. While it hosts connections for a socket that has
 * moved away, the link keeps this thread alive.
 */
import { dirname } from "node:path";
import { MessageChannel, type MessagePort } from "node:worker_threads";
import { zerr } from "../errors.js";
import type { SocketEvent } from "../events.js";
import { cloneOptions, type SocketOptionValues } from "../options.js";
import { Pipe, type EndInfo, type SocketTypeName } from "../pipe/pipe.js";
import type { SocketBase } from "../socket/socket-base.js";
import { parseIpc, parseTcp } from "./address.js";
import type { Endpoint } from "./endpoint.js";
import { Listener } from "./listener.js";
import type { HostToSocket, SocketToHost } from "./net-link.js";
import { Session, type SessionOwner } from "./session.js";
import type { ZapHost } from "./zap.js";

export class NetTransports implements SessionOwner {
  private listeners = new Map<string, Listener>();
  /** Connect-side sessions by the endpoint given to connect(). */
  private connects = new Map<string, Session>();
  /** Accepted sessions by the listener's endpoint. */
  private accepted = new Map<string, Set<Session>>();

  /** The socket while it is in this thread; null once it moved away. */
  private socket: SocketBase | null;
  /** After handOver: the port to the socket, and what we knew of it then. */
  private link: MessagePort | null = null;
  private ownerClosed = false;
  readonly type: SocketTypeName;
  private frozenOptions: SocketOptionValues | null = null;
  readonly zap: ZapHost | null;

  constructor(socket: SocketBase) {
    this.socket = socket;
    this.type = socket.type;
    const host = socket.host as unknown as Partial<ZapHost>;
    this.zap = typeof host.zapExchange === "function" ? (host as ZapHost) : null;
  }

  get active(): boolean {
    return this.listeners.size > 0 || this.connects.size > 0 || this.accepted.size > 0;
  }

  // ------------------------------------------------------------ session owner

  get options(): SocketOptionValues {
    return this.socket?.options ?? this.frozenOptions!;
  }

  emit(event: SocketEvent): void {
    if (this.socket !== null) {
      this.socket.events.emit(event);
      return;
    }
    const err = event.error as (Error & { code?: string }) | undefined;
    const m: HostToSocket = {
      op: "event",
      type: event.type,
      address: event.address,
      ...(err !== undefined ? { code: err.code ?? "EPROTO", message: err.message } : {}),
      ...(event.reason !== undefined ? { reason: event.reason } : {}),
    };
    this.post(m);
  }

  newPipe(endpoint: string, peer: EndInfo | null): Pipe {
    const placeholder: EndInfo = { type: this.type, routingId: Buffer.alloc(0), sndhwm: -1, rcvhwm: -1, conflate: false };
    const socket = this.socket;
    if (socket !== null) {
      const [socketEnd, sessionEnd] =
        peer === null ? Pipe.localPairPending(socket.ownInfo(), placeholder) : Pipe.localPair(socket.ownInfo(), peer);
      socket.attachPipe(socketEnd, endpoint);
      return sessionEnd;
    }
    // The socket is elsewhere: the pipe goes to it over a port of its own.
    const { port1, port2 } = new MessageChannel();
    const end = peer === null ? Pipe.overPort(port1, placeholder, false) : Pipe.overPort(port1, peer);
    if (this.ownerClosed || this.link === null) {
      port2.close();
      return end;
    }
    const m: HostToSocket = { op: "attach", port: port2, endpoint, pending: peer === null };
    this.link.postMessage(m, [port2]);
    return end;
  }

  // ------------------------------------------------------------ endpoints

  async bind(ep: Endpoint): Promise<string> {
    const socket = this.socket!;
    const where = `${this.type}.bind`;
    const address = ep.transport === "tcp" ? parseTcp(ep.address, true, where) : parseIpc(ep.address, true, where);
    const generated = address.kind === "ipc" && ep.address === "*" ? dirname(address.path) : null;
    const listener = new Listener(
      address,
      {
        accept: (stream, endpoint) => this.onAccept(stream, endpoint),
        acceptError: (error, endpoint) => this.emit({ type: "accept:error", address: endpoint, error }),
      },
      generated,
    );
    let endpoint: string;
    try {
      endpoint = await listener.listen(socket.options.backlog);
    } catch (err) {
      this.emit({ type: "bind:error", address: ep.text, error: err as Error });
      throw err;
    }
    if (socket.closed || this.socket === null || this.listeners.has(endpoint)) {
      listener.close();
      if (this.listeners.has(endpoint)) throw zerr("EADDRINUSE", `${where}: ${endpoint} is already bound by this socket`);
      throw zerr("ENOTSOCK", `${where}: the socket was closed or moved during bind`);
    }
    this.listeners.set(endpoint, listener);
    if (endpoint !== ep.text) this.listeners.set(ep.text, listener);
    this.emit({ type: "bind", address: endpoint });
    return endpoint;
  }

  private onAccept(stream: import("node:net").Socket, endpoint: string): void {
    if (this.ownerClosed) {
      stream.destroy();
      return;
    }
    this.emit({ type: "accept", address: endpoint });
    let set = this.accepted.get(endpoint);
    if (set === undefined) this.accepted.set(endpoint, (set = new Set()));
    const session = new Session(this, endpoint, null, (s) => {
      const group = this.accepted.get(endpoint);
      group?.delete(s);
      if (group !== undefined && group.size === 0) this.accepted.delete(endpoint);
      this.checkDone();
    });
    set.add(session);
    session.attachStream(stream, true);
  }

  /** Endpoints this object serves: the ones the user bound/connected (for migration bookkeeping). */
  endpoints(): { bound: string[]; connected: string[] } {
    return { bound: [...new Set([...this.listeners.values()].map((l) => l.endpoint))], connected: [...this.connects.keys()] };
  }

  hasBound(endpoint: string): boolean {
    return this.listeners.has(endpoint);
  }

  unbind(endpoint: string): boolean {
    const listener = this.listeners.get(endpoint);
    if (listener === undefined) return false;
    for (const [k, l] of [...this.listeners]) if (l === listener) this.listeners.delete(k);
    listener.close();
    // libzmq drops the connections that came in through that endpoint.
    for (const s of [...(this.accepted.get(listener.endpoint) ?? [])]) s.stop();
    this.emit({ type: "unbind", address: listener.endpoint });
    this.checkDone();
    return true;
  }

  connect(ep: Endpoint): void {
    const where = `${this.type}.connect`;
    const address = ep.transport === "tcp" ? parseTcp(ep.address, false, where) : parseIpc(ep.address, false, where);
    if (this.connects.has(ep.text)) return; // libzmq: connecting twice to one endpoint is a no-op
    const session = new Session(this, ep.text, address, (s) => {
      if (this.connects.get(ep.text) === s) this.connects.delete(ep.text);
      this.checkDone();
    });
    this.connects.set(ep.text, session);
    session.connect();
  }

  disconnect(endpoint: string): boolean {
    const s = this.connects.get(endpoint);
    if (s === undefined) return false;
    this.connects.delete(endpoint);
    s.stop();
    this.checkDone();
    return true;
  }

  /**
   * The socket closed: endpoints are freed now; sessions finish when their
   * pipe does (after linger), except those that have no pipe to wait for.
   */
  close(): void {
    this.ownerClosed = true;
    for (const l of new Set(this.listeners.values())) {
      l.close();
      this.emit({ type: "close", address: l.endpoint });
    }
    this.listeners.clear();
    // Sessions with a pipe end when the socket's linger lets go of it; those
    // without one (still handshaking, or connecting with `immediate`) have
    // nothing to deliver and end now.
    for (const s of [...this.connects.values()]) if (!s.hasPipe) s.stop();
    for (const set of [...this.accepted.values()]) for (const s of [...set]) if (!s.hasPipe) s.stop();
    this.checkDone();
  }

  // ------------------------------------------------------------ migration

  /**
   * The socket is moving to another thread: from now on this object serves it
   * over a link. Returns the socket's end of the link and what it serves.
   */
  handOver(): { port: MessagePort; bound: string[]; connected: string[] } {
    const socket = this.socket!;
    const { port1, port2 } = new MessageChannel();
    this.frozenOptions = cloneOptions(socket.options);
    this.socket = null;
    this.link = port1;
    port1.on("message", (m: SocketToHost) => this.onLinkMessage(m));
    // The socket's thread died (or it let go of us): nobody to serve any more.
    port1.on("close", () => this.abandon());
    this.checkDone();
    return { port: port2, ...this.endpoints() };
  }

  private onLinkMessage(m: SocketToHost): void {
    switch (m.op) {
      case "unbind":
        this.unbind(m.endpoint);
        break;
      case "disconnect":
        this.disconnect(m.endpoint);
        break;
      case "close":
        this.close();
        break;
    }
  }

  private post(m: HostToSocket): void {
    try {
      this.link?.postMessage(m);
    } catch {}
  }

  /** The socket is gone for good: drop every connection now. */
  private abandon(): void {
    this.ownerClosed = true;
    for (const l of new Set(this.listeners.values())) l.close();
    this.listeners.clear();
    for (const s of [...this.connects.values()]) s.stop();
    for (const set of [...this.accepted.values()]) for (const s of [...set]) s.stop();
    this.connects.clear();
    this.accepted.clear();
    this.releaseLink();
  }

  /** A host with nothing left to serve lets go of its link (and of the thread). */
  private checkDone(): void {
    if (this.link === null) return;
    if (this.ownerClosed && !this.active) {
      this.releaseLink();
      return;
    }
    // Hosting live endpoints for a socket that moved away keeps this thread alive.
    if (this.active) this.link.ref();
    else this.link.unref();
  }

  private releaseLink(): void {
    const link = this.link;
    if (link === null) return;
    this.link = null;
    link.removeAllListeners();
    link.close();
  }
}
