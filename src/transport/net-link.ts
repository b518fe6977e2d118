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
import type { SocketEvent } from "../events.js";
import type { SocketOptionValues } from "../options.js";
import { overPort } from "../pipe/links.js";
import type { Pipe } from "../pipe/pipe.js";
import {
  fromWireEvent, parseHostToSocket, parseSocketToHost, toWireEvent,
  type EndInfo, type HostToSocket, type SocketToHost,
} from "../protocols.js";
import type { SocketTypeName } from "../socket-type.js";
import type { NetOwner, NetTransports } from "./net-transport.js";
import type { ZapClient } from "./zap.js";

/** Hands `net` over to a link: returns the port the migrating socket takes with it. */
export function hostOverLink(net: NetTransports, type: SocketTypeName, options: SocketOptionValues, zap: ZapClient): MessagePort {
  const { port1, port2 } = new MessageChannel();
  net.setOwner(new LinkHost(port1, net, type, options, zap));
  return port2;
}

class LinkHost implements NetOwner {
  private port: MessagePort | null;
  private socketClosed = false;

  constructor(
    port: MessagePort,
    private readonly net: NetTransports,
    readonly type: SocketTypeName,
    /** The options as they were when the socket left (they no longer change here). */
    readonly options: SocketOptionValues,
    readonly zap: ZapClient,
  ) {
    this.port = port;
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
    const end = peer === null ? overPort(port1, placeholder, false) : overPort(port1, peer);
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
  }

  private onMessage(raw: unknown): void {
    const m = parseSocketToHost(raw);
    if (m === null) return;
    switch (m.op) {
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
  /** unbind() calls waiting for the host to close the listener. */
  private readonly unbinding = new Map<number, () => void>();

  constructor(port: MessagePort, private readonly owner: NetLinkOwner) {
    this.port = port;
    port.on("message", (m: unknown) => this.onMessage(m));
    port.on("close", () => this.lost());
    // The host keeps its own thread alive; this end never holds ours.
    port.unref();
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
    if (!this.closing) this.owner.linkLost(this);
  }

  private send(m: SocketToHost): void {
    this.port?.postMessage(m);
  }
}
