/**
 * The endpoints of one socket: what it bound and connected, over which
 * transport, and where each tcp/ipc endpoint is served (this thread's
 * NetTransports, or a thread the socket left, over a NetLink). The socket
 * owns this record and is its only writer: the thread, the registry and the
 * transports receive requests from here and send back events and pipes.
 *
 * bind/unbind/connect/disconnect dispatch per transport:
 *  - inproc: the context's registry (through the socket's thread);
 *  - tcp/ipc: listeners and sessions of a NetTransports.
 */
import type { MessagePort } from "node:worker_threads";
import { zerr, ZocketError } from "../errors.js";
import type { SocketEvent } from "../events.js";
import { cloneOptions, type SocketOptionValues } from "../options.js";
import { localPair, localPairPending } from "../pipe/links.js";
import type { Pipe } from "../pipe/pipe.js";
import type { EndInfo } from "../protocols.js";
import type { SocketTypeName } from "../socket-type.js";
import { parseNetAddress } from "../transport/address.js";
import { parseEndpoint, type TransportName } from "../transport/endpoint.js";
import { hostOverLink, NetLink, type NetLinkOwner } from "../transport/net-link.js";
import { NetTransports, type NetOwner } from "../transport/net-transport.js";
import type { ZapClient } from "../transport/zap.js";
import type { HostedSocket, SocketHost } from "./host.js";

/** The socket as its endpoints need it (SocketBase). */
export interface EndpointOwner extends HostedSocket {
  readonly type: SocketTypeName;
  readonly options: SocketOptionValues;
  readonly host: SocketHost;
  readonly closed: boolean;
  ownInfo(): EndInfo;
  emit(event: SocketEvent): void;
  /** Takes a new pipe in; with `defer`, the type logic sees it once the peer says who it is. */
  attachPipe(pipe: Pipe, endpoint: string, defer?: boolean): void;
  /** Terminates the pipes that came from `endpoint`. */
  dropPipes(endpoint: string): void;
  /** The socket's address port for the registry, the first time only (null after). */
  takeAddress(): MessagePort | null;
}

interface BindRecord {
  transport: TransportName;
  /** As bound: the real port or path. */
  endpoint: string;
  /** As the user gave it (unbind accepts either). */
  requested: string;
  /** tcp/ipc: where the listener lives; null = this thread's NetTransports. */
  link: NetLink | null;
}

interface ConnectRecord {
  transport: TransportName;
  endpoint: string;
  link: NetLink | null;
  /** inproc connects that may still wait at the registry for their bind. */
  cids: string[];
}

/** The record as it travels with a migrating socket; `link` indexes `links`. */
export interface EndpointsState {
  binds: { transport: TransportName; endpoint: string; requested: string; link: number }[];
  connects: { transport: TransportName; endpoint: string; link: number; cids: string[] }[];
  links: MessagePort[];
}

/** How long a socket whose host thread died keeps trying to bind its endpoint again. */
const REBIND_ATTEMPTS = 20;
const REBIND_INTERVAL_MS = 100;

export class SocketEndpoints implements NetLinkOwner {
  /** By bound endpoint and by requested text (the same record under both). */
  private readonly binds = new Map<string, BindRecord>();
  private readonly connects = new Map<string, ConnectRecord>();
  /** tcp/ipc listeners and sessions made in this thread (created on first use). */
  private net: NetTransports | null = null;
  /** Threads that host some of our tcp/ipc endpoints: ones we moved away from, and an I/O thread. */
  private links: NetLink[] = [];
  /** Our link to an I/O thread of the context (made on first use when it has some). */
  private io: NetLink | null = null;
  /** bind()s not settled yet: the socket cannot be detached meanwhile. */
  private inFlight = 0;

  constructor(private readonly socket: EndpointOwner) {}

  /** True while a bind (or a re-bind) is settling. */
  get busy(): boolean {
    return this.inFlight > 0;
  }

  describe(): string[] {
    return [...new Set([...[...this.binds.values()].map((b) => b.endpoint), ...this.connects.keys()])];
  }

  // ------------------------------------------------------------ bind / unbind

  async bind(text: string): Promise<string> {
    const s = this.socket;
    const where = `${s.type}.bind`;
    const ep = parseEndpoint(text, where);
    if (this.binds.has(ep.text)) throw zerr("EADDRINUSE", `${where}: ${ep.text} is already bound by this socket`);
    if (ep.transport === "inproc") {
      this.inFlight++;
      try {
        await s.host.registerInprocBind(s.sid, ep.text, s.takeAddress());
      } catch (err) {
        throw rethrown(err, where);
      } finally {
        this.inFlight--;
      }
      if (s.closed) {
        // Closed while the bind was in flight: give the endpoint back.
        void s.host.unregisterInprocBind(s.sid, ep.text).catch(() => {
          // Only ETERM (the context is gone) can fail it: then the registry is gone too.
        });
        throw zerr("ENOTSOCK", `${where}: the socket was closed during bind`);
      }
      this.binds.set(ep.text, { transport: "inproc", endpoint: ep.text, requested: ep.text, link: null });
      s.host.boundHere(ep.text, s);
      s.emit({ type: "bind", address: ep.text });
      return ep.text;
    }
    const address = parseNetAddress(ep.transport, ep.address, true, where);
    const io = this.ioLink();
    this.inFlight++;
    let endpoint: string;
    try {
      endpoint = io !== null ? await io.bind(ep.text, cloneOptions(s.options)) : await this.localNet().bind(address, ep.text);
    } catch (err) {
      throw io !== null ? rethrown(err, where) : err;
    } finally {
      this.inFlight--;
    }
    const record: BindRecord = { transport: ep.transport, endpoint, requested: ep.text, link: io };
    this.binds.set(endpoint, record);
    this.binds.set(ep.text, record);
    return endpoint;
  }

  async unbind(text: string): Promise<void> {
    const s = this.socket;
    const where = `${s.type}.unbind`;
    const ep = parseEndpoint(text, where);
    const record = this.binds.get(ep.text);
    if (record === undefined) throw zerr("ENOENT", `${where}: ${ep.text} is not bound by this socket`);
    this.binds.delete(record.endpoint);
    this.binds.delete(record.requested);
    if (record.transport === "inproc") {
      s.host.unboundHere(record.endpoint, s);
      s.dropPipes(record.endpoint);
      s.emit({ type: "unbind", address: record.endpoint });
      // As zmq_unbind: once this resolves, a bind anywhere in the context may take the endpoint.
      await s.host.unregisterInprocBind(s.sid, record.endpoint);
    } else if (record.link !== null) {
      await record.link.unbind(record.endpoint);
    } else {
      this.net?.unbind(record.endpoint);
    }
  }

  // ------------------------------------------------------------ connect / disconnect

  connect(text: string): void {
    const s = this.socket;
    const where = `${s.type}.connect`;
    const ep = parseEndpoint(text, where);
    if (ep.transport === "inproc") {
      const { pipe, cid } = s.host.openInprocPipe(ep.text, s.ownInfo());
      let record = this.connects.get(ep.text);
      if (record === undefined) this.connects.set(ep.text, (record = { transport: "inproc", endpoint: ep.text, link: null, cids: [] }));
      if (cid !== null) record.cids.push(cid);
      // Without `immediate` the queue exists at once (connect before bind works).
      s.attachPipe(pipe, ep.text, s.options.immediate);
      return;
    }
    // Checked before anything is recorded: a connect that throws leaves no trace.
    const address = parseNetAddress(ep.transport, ep.address, false, where);
    if (this.connects.has(ep.text)) return; // libzmq: connecting twice to one endpoint is a no-op
    const io = this.ioLink();
    this.connects.set(ep.text, { transport: ep.transport, endpoint: ep.text, link: io, cids: [] });
    if (io !== null) io.connect(ep.text, cloneOptions(s.options));
    else this.localNet().connect(ep.text, address);
  }

  disconnect(text: string): void {
    const s = this.socket;
    const where = `${s.type}.disconnect`;
    const ep = parseEndpoint(text, where);
    const record = this.connects.get(ep.text);
    if (record === undefined) throw zerr("ENOENT", `${where}: not connected to ${ep.text}`);
    this.connects.delete(ep.text);
    if (record.transport === "inproc") {
      for (const cid of record.cids) s.host.cancelInprocConnect(cid);
      s.dropPipes(ep.text);
    } else if (record.link !== null) {
      record.link.disconnect(ep.text);
    } else {
      this.net?.disconnect(ep.text);
    }
  }

  // ------------------------------------------------------------ lifecycle

  /** The socket closed: endpoints are freed now (libzmq); sessions end with their pipes. */
  close(): void {
    const s = this.socket;
    for (const record of new Set(this.binds.values())) {
      if (record.transport === "inproc") s.host.unboundHere(record.endpoint, s);
      // An I/O thread closes the listener a moment later; the socket's events end now, so say it here (as a local close does).
      else if (record.link !== null && record.link === this.io) s.emit({ type: "close", address: record.endpoint });
    }
    this.binds.clear();
    this.net?.close();
    for (const link of this.links) link.close();
  }

  /** The zombie is done: connects still waiting for a bind die with it. */
  finish(): void {
    for (const record of this.connects.values()) for (const cid of record.cids) this.socket.host.cancelInprocConnect(cid);
    this.connects.clear();
  }

  /**
   * Freezes the record for a move. Connections cannot move: this thread's
   * NetTransports stays and serves the socket over a new link.
   */
  freeze(zap: ZapClient): EndpointsState {
    const s = this.socket;
    const live = this.links.filter((l) => l.alive);
    const ports = live.map((l) => l.freeze());
    let here = -1;
    if (this.net !== null && this.net.serving) {
      here = ports.length;
      ports.push(hostOverLink(this.net, s.type, cloneOptions(s.options), zap));
    }
    this.net = null;
    this.links = [];
    this.io = null;
    const index = (link: NetLink | null): number => (link === null ? here : live.indexOf(link));
    const binds: EndpointsState["binds"] = [];
    for (const r of new Set(this.binds.values())) {
      if (r.transport === "inproc") s.host.unboundHere(r.endpoint, s);
      binds.push({ transport: r.transport, endpoint: r.endpoint, requested: r.requested, link: r.transport === "inproc" ? -1 : index(r.link) });
    }
    const connects = [...this.connects.values()].map((r) => ({
      transport: r.transport,
      endpoint: r.endpoint,
      link: r.transport === "inproc" ? -1 : index(r.link),
      cids: r.cids,
    }));
    return { binds, connects, links: ports };
  }

  /** Takes a frozen record in (the socket's pipes are already revived). */
  thaw(state: EndpointsState): void {
    const s = this.socket;
    this.links = state.links.map((port) => NetLink.thawed(port, this));
    const linkAt = (i: number): NetLink | null => this.links[i] ?? null;
    for (const b of state.binds) {
      const record: BindRecord = { transport: b.transport, endpoint: b.endpoint, requested: b.requested, link: linkAt(b.link) };
      this.binds.set(b.endpoint, record);
      this.binds.set(b.requested, record);
      if (b.transport === "inproc") s.host.boundHere(b.endpoint, s);
      // A tcp/ipc bind whose host was already gone when we froze: bind it here.
      else if (record.link === null) this.rebind(record);
    }
    for (const c of state.connects) {
      const record: ConnectRecord = { transport: c.transport, endpoint: c.endpoint, link: linkAt(c.link), cids: [...c.cids] };
      this.connects.set(c.endpoint, record);
      if (c.transport !== "inproc" && record.link === null) this.reconnect(record);
    }
  }

  // ------------------------------------------------------------ links (NetLinkOwner)

  acceptLinkedPipe(port: MessagePort, endpoint: string, pending: boolean): void {
    this.socket.acceptPort(port, endpoint, pending);
  }

  emitEvent(event: SocketEvent): void {
    this.socket.emit(event);
  }

  /**
   * The thread that hosted some of our endpoints died, and its listeners and
   * connections with it: bind and connect them again from this thread.
   */
  linkLost(link: NetLink): void {
    this.links = this.links.filter((l) => l !== link);
    if (this.io === link) this.io = null;
    if (this.socket.closed) return;
    for (const record of new Set(this.binds.values())) {
      if (record.link !== link) continue;
      record.link = null;
      this.socket.emit({ type: "close", address: record.endpoint, error: hostGone() });
      this.rebind(record);
    }
    for (const record of this.connects.values()) {
      if (record.link !== link) continue;
      record.link = null;
      this.socket.emit({ type: "disconnect", address: record.endpoint, error: hostGone() });
      this.reconnect(record);
    }
  }

  private reconnect(record: ConnectRecord): void {
    const where = `${this.socket.type}.connect`;
    const address = parseNetAddress(record.transport as "tcp" | "ipc", record.endpoint.slice(record.transport.length + 3), false, where);
    this.localNet().connect(record.endpoint, address);
  }

  /** Binds the endpoint as it was bound (same port or path), retrying while the dead thread's listener lets go. */
  private rebind(record: BindRecord): void {
    const where = `${this.socket.type}.bind`;
    const address = parseNetAddress(record.transport as "tcp" | "ipc", record.endpoint.slice(record.transport.length + 3), true, where);
    this.inFlight++;
    const attempt = async (left: number): Promise<void> => {
      try {
        await this.localNet().bind(address, record.endpoint);
      } catch (err) {
        if (left > 0 && !this.socket.closed && (err as ZocketError).code === "EADDRINUSE") {
          await new Promise((r) => setTimeout(r, REBIND_INTERVAL_MS));
          return attempt(left - 1);
        }
        // Given up (reported as bind:error by the transport): the endpoint is no longer ours.
        if (this.binds.get(record.endpoint) === record) {
          this.binds.delete(record.endpoint);
          this.binds.delete(record.requested);
        }
      }
    };
    void attempt(REBIND_ATTEMPTS).finally(() => this.inFlight--);
  }

  /** The I/O thread link, made on first use; null when the context has no I/O threads. */
  private ioLink(): NetLink | null {
    if (this.io !== null && this.io.alive) return this.io;
    const port = this.socket.host.openIoLink();
    if (port === null) return null;
    const s = this.socket;
    this.io = NetLink.toIoThread(port, this, s.type, cloneOptions(s.options));
    this.links.push(this.io);
    return this.io;
  }

  /** This thread's NetTransports: made here, and only here, on first use. */
  private localNet(): NetTransports {
    this.net ??= new NetTransports(new SocketNetOwner(this.socket));
    return this.net;
  }
}

/** The NetOwner of a socket in the same thread as its connections. */
class SocketNetOwner implements NetOwner {
  constructor(private readonly socket: EndpointOwner) {}

  get type(): SocketTypeName {
    return this.socket.type;
  }

  get options(): SocketOptionValues {
    return this.socket.options;
  }

  get zap(): ZapClient {
    return this.socket.host.zap;
  }

  emit(event: SocketEvent): void {
    this.socket.emit(event);
  }

  newPipe(endpoint: string, peer: EndInfo | null): Pipe {
    const s = this.socket;
    // The wire side has no HWM of its own (-1 adds nothing): the socket's marks bound the pipe.
    const placeholder: EndInfo = { type: s.type, routingId: Buffer.alloc(0), sndhwm: -1, rcvhwm: -1, conflate: false };
    const [socketEnd, sessionEnd] = peer === null ? localPairPending(s.ownInfo(), placeholder) : localPair(s.ownInfo(), peer);
    s.attachPipe(socketEnd, endpoint);
    return sessionEnd;
  }

  servingChanged(): void {}
}

function hostGone(): ZocketError {
  return zerr("ECONNABORTED", "the thread that hosted this endpoint's connections exited");
}

/** Errors from the registry come back as ZocketErrors; say where, keep the original as the cause. */
function rethrown(err: unknown, where: string): unknown {
  return err instanceof ZocketError ? zerr(err.code, `${where}: ${err.message}`, err) : err;
}
