/**
 * The link between a migrated socket and the thread that still hosts its
 * tcp/ipc listeners and sessions (streams cannot move between threads).
 *
 *  - LinkHost, in the hosting thread, is the NetOwner of the NetTransports
 *    left behind: new pipes and monitor events go to the socket over the
 *    link; unbind, disconnect and close come back. While it hosts something
 *    it holds its thread alive; once the socket closed and nothing is left,
 *    it lets go of the link.
 *  - NetLink, in the socket's thread, is how the socket reaches that host.
 *    If the host thread dies the link's port closes: the socket then binds
 *    and connects again from its own thread (socket/endpoints.ts).
 */
import { MessageChannel, type MessagePort } from "node:worker_threads";
import { zerr } from "../errors.js";
import type { SocketEvent } from "../events.js";
import { reviveOptions, type SocketOptionValues } from "../options.js";
import { overPort } from "../pipe/links.js";
import type { Pipe } from "../pipe/pipe.js";
import {
  fromWireError, fromWireEvent, parseHostToSocket, parseSocketToHost, toWireError, toWireEvent,
  type EndInfo, type HostToSocket, type SocketToHost,
} from "../protocols.js";
import type { SocketTypeName } from "../socket-type.js";
import { parseNetAddress } from "./address.js";
import { parseEndpoint } from "./endpoint.js";
import { NetTransports, type NetOwner } from "./net-transport.js";
import type { ZapClient } from "./zap.js";

/** Hands `net` over to a link: returns the port the migrating socket takes with it. */
export function hostOverLink(net: NetTransports, type: SocketTypeName, options: SocketOptionValues, zap: ZapClient): MessagePort {
  const { port1, port2 } = new MessageChannel();
  new LinkHost(port1, (owner) => (net.setOwner(owner), net), type, options, zap, false);
  return port2;
}

/**
 * In an I/O thread: serves, over `port`, the tcp/ipc endpoints of a socket
 * living in another thread. The link's first message names the socket's type
 * and options; then the socket binds and connects through it, and the host
 * tells it while it serves something, so that the socket's thread is held
 * alive as its own listeners and connections would hold it.
 */
export function serveOverLink(port: MessagePort, zap: ZapClient): void {
  port.once("message", (raw: unknown) => {
    const m = parseSocketToHost(raw);
    let options: SocketOptionValues;
    try {
      if (m?.op !== "hello") throw new Error("not a link hello");
      options = reviveOptions(m.options, `${m.type} (I/O thread)`);
      new LinkHost(port, (owner) => new NetTransports(owner), m.type, options, zap, true);
    } catch {
      // Not a socket of ours on the other end: nothing to serve.
      port.close();
    }
  });
}

class LinkHost implements NetOwner {
  private port: MessagePort | null;
  private readonly net: NetTransports;
  private socketClosed = false;
  private served = false;

  constructor(
    port: MessagePort,
    serve: (owner: NetOwner) => NetTransports,
    readonly type: SocketTypeName,
    /** The options as they were when the socket left, or as its last bind/connect here sent them. */
    public options: SocketOptionValues,
    readonly zap: ZapClient,
    /** An I/O thread's link: the socket binds and connects through it, and is told while we serve. */
    private readonly io: boolean,
  ) {
    this.port = port;
    this.net = serve(this);
    port.on("message", (m: unknown) => this.onMessage(m));
    // The socket's thread died (or it let go of us): nobody to serve any more.
    port.on("close", () => {
      if (this.port === null) return;
      this.release();
      this.net.abandon();
    });
  }

  emit(event: SocketEvent): void {
    this.post({ op: "event", event: toWireEvent(event) });
  }

  newPipe(endpoint: string, peer: EndInfo | null): Pipe {
    // The socket is elsewhere: the pipe goes to it over a port of its own.
    const { port1, port2 } = new MessageChannel();
    const placeholder: EndInfo = { type: this.type, routingId: Buffer.alloc(0), sndhwm: -1, rcvhwm: -1, conflate: false };
    // The session's end writes only frames it decoded itself: big ones are moved, not copied.
    const end = peer === null ? overPort(port1, placeholder, false, true) : overPort(port1, peer, true, true);
    if (this.socketClosed || this.port === null) port2.close();
    else this.post({ op: "attach", port: port2, endpoint, pending: peer === null }, [port2]);
    return end;
  }

  servingChanged(serving: boolean): void {
    const port = this.port;
    if (port === null) return;
    if (this.socketClosed && !serving) {
      this.release();
      return;
    }
    // Hosting live endpoints for a socket that moved away keeps this thread alive.
    if (serving) port.ref();
    else port.unref();
    if (this.io && serving !== this.served) this.post({ op: "serving", serving });
    this.served = serving;
  }

  private onMessage(raw: unknown): void {
    const m = parseSocketToHost(raw);
    if (m === null) return;
    switch (m.op) {
      case "bind":
        void this.bind(m.rid, m.endpoint, m.options);
        return;
      case "connect":
        this.connect(m.endpoint, m.options);
        return;
      case "hello":
        return; // only ever the first message, taken by serveOverLink
      case "sync":
        if (this.io) this.post({ op: "serving", serving: this.served });
        return;
      case "unbind":
        this.net.unbind(m.endpoint);
        this.post({ op: "unbound", rid: m.rid });
        return;
      case "disconnect":
        this.net.disconnect(m.endpoint);
        return;
      case "close":
        this.socketClosed = true;
        this.net.close();
        return;
    }
  }

  private async bind(rid: number, text: string, options: unknown): Promise<void> {
    try {
      this.takeOptions(options);
      const ep = parseEndpoint(text, `${this.type}.bind`);
      if (ep.transport === "inproc") throw zerr("EINVAL", `${this.type}.bind: an I/O thread serves tcp and ipc only`);
      const endpoint = await this.net.bind(parseNetAddress(ep.transport, ep.address, true, `${this.type}.bind`), ep.text);
      this.post({ op: "bound", rid, endpoint, err: null });
    } catch (err) {
      this.post({ op: "bound", rid, endpoint: "", err: toWireError(err instanceof Error ? err : new Error(String(err))) });
    }
  }

  private connect(text: string, options: unknown): void {
    try {
      this.takeOptions(options);
      const ep = parseEndpoint(text, `${this.type}.connect`);
      if (ep.transport === "inproc") return;
      this.net.connect(ep.text, parseNetAddress(ep.transport, ep.address, false, `${this.type}.connect`));
    } catch {
      // The socket parsed this endpoint before sending it: only a forged message
      // fails here, and there is nobody to tell but the forger.
    }
  }

  /** Options as the socket has them at this bind/connect (libzmq copies them into each new session too). */
  private takeOptions(raw: unknown): void {
    this.options = reviveOptions(raw, `${this.type} (I/O thread)`);
  }

  private post(m: HostToSocket, transfer: MessagePort[] = []): void {
    this.port?.postMessage(m, transfer);
  }

  private release(): void {
    const port = this.port;
    if (port === null) return;
    this.port = null;
    port.removeAllListeners();
    port.close();
  }
}

/** The socket side of a link, as the socket sees it. */
export interface NetLinkOwner {
  /** A pipe from the host for `endpoint`; `pending`: its peer is known after the handshake. */
  acceptLinkedPipe(port: MessagePort, endpoint: string, pending: boolean): void;
  emitEvent(event: SocketEvent): void;
  /** The host thread is gone, with every listener and connection it held. */
  linkLost(link: NetLink): void;
}

export class NetLink {
  private port: MessagePort | null;
  private closing = false;
  private nextRid = 1;
  /** The host says it serves listeners or connections for us (I/O threads). */
  private serving = false;
  /** unbind() calls waiting for the host to close the listener. */
  private readonly unbinding = new Map<number, () => void>();
  /** bind() calls (I/O threads) waiting for the host's listener. */
  private readonly binding = new Map<number, { resolve: (endpoint: string) => void; reject: (err: Error) => void }>();

  constructor(port: MessagePort, private readonly owner: NetLinkOwner) {
    this.port = port;
    port.on("message", (m: unknown) => this.onMessage(m));
    port.on("close", () => this.lost());
    // The host keeps its own thread alive; this end holds ours only while an
    // I/O thread serves our endpoints there (as our own listeners would).
    port.unref();
  }

  /** A link that moved here with its socket. */
  static thawed(port: MessagePort, owner: NetLinkOwner): NetLink {
    const link = new NetLink(port, owner);
    link.send({ op: "sync" });
    return link;
  }

  /** I/O threads: a new link to one, for a socket of `type` (its first message). */
  static toIoThread(port: MessagePort, owner: NetLinkOwner, type: SocketTypeName, options: SocketOptionValues): NetLink {
    const link = new NetLink(port, owner);
    link.send({ op: "hello", type, options });
    return link;
  }

  /** I/O threads: listens there; resolves with the endpoint as bound. */
  bind(endpoint: string, options: SocketOptionValues): Promise<string> {
    if (this.port === null) return Promise.reject(zerr("ENOTSOCK", `bind ${endpoint}: the I/O thread is gone`));
    const rid = this.nextRid++;
    return new Promise<string>((resolve, reject) => {
      this.binding.set(rid, { resolve, reject });
      this.port?.ref();
      this.send({ op: "bind", rid, endpoint, options });
    });
  }

  /** I/O threads: connects (and reconnects) there. */
  connect(endpoint: string, options: SocketOptionValues): void {
    this.send({ op: "connect", endpoint, options });
  }

  /** Resolves once the host has closed the listener (or is gone, and the listener with it). */
  unbind(endpoint: string): Promise<void> {
    if (this.port === null) return Promise.resolve();
    const rid = this.nextRid++;
    return new Promise<void>((resolve) => {
      this.unbinding.set(rid, resolve);
      this.send({ op: "unbind", rid, endpoint });
    });
  }

  disconnect(endpoint: string): void {
    this.send({ op: "disconnect", endpoint });
  }

  /** The socket closed: the host closes its listeners; sessions end with their pipes. */
  close(): void {
    this.send({ op: "close" });
    // The host closes the link once its sessions are done; we just stop listening for news.
    this.closing = true;
  }

  /** Takes the port off this link, for another migration. */
  freeze(): MessagePort {
    const port = this.port;
    if (port === null) throw new Error("NetLink.freeze: the link is already gone");
    port.removeAllListeners();
    this.port = null;
    // The host got the unbinds before this; their answers would reach the next owner, so settle them now.
    for (const resolve of this.unbinding.values()) resolve();
    this.unbinding.clear();
    this.failBinds("the socket moved to another thread during bind");
    this.serving = false;
    port.unref();
    return port;
  }

  get alive(): boolean {
    return this.port !== null;
  }

  private onMessage(raw: unknown): void {
    const m = parseHostToSocket(raw);
    if (m === null) return;
    switch (m.op) {
      case "attach":
        if (this.closing) m.port.close();
        else this.owner.acceptLinkedPipe(m.port, m.endpoint, m.pending);
        return;
      case "event":
        if (!this.closing) this.owner.emitEvent(fromWireEvent(m.event));
        return;
      case "unbound":
        this.unbinding.get(m.rid)?.();
        this.unbinding.delete(m.rid);
        return;
      case "bound": {
        const call = this.binding.get(m.rid);
        this.binding.delete(m.rid);
        if (m.err !== null) call?.reject(fromWireError(m.err));
        else call?.resolve(m.endpoint);
        if (this.binding.size === 0 && !this.serving) this.port?.unref();
        return;
      }
      case "serving":
        this.serving = m.serving;
        if (m.serving) this.port?.ref();
        else if (this.binding.size === 0) this.port?.unref();
        return;
    }
  }

  private lost(): void {
    const port = this.port;
    if (port === null) return;
    this.port = null;
    port.removeAllListeners();
    port.close();
    // The host is gone, and its listeners with it.
    for (const resolve of this.unbinding.values()) resolve();
    this.unbinding.clear();
    this.failBinds("the I/O thread serving it is gone");
    if (!this.closing) this.owner.linkLost(this);
  }

  private failBinds(why: string): void {
    for (const call of this.binding.values()) call.reject(zerr("ENOTSOCK", `bind: ${why}`));
    this.binding.clear();
  }

  private send(m: SocketToHost): void {
    this.port?.postMessage(m);
  }
}
