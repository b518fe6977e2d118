/**
 * The link between a migrated socket and the thread that still hosts its
 * tcp/ipc connections (see NetTransports.handOver). The host sends new pipes
 * and monitor events; the socket sends unbind, disconnect and close. If the
 * host thread dies, the link's port closes: the socket forgets what it
 * served, and connects again from its own thread the endpoints it was
 * connected to (peers see a disconnect, as libzmq's do when an I/O thread
 * dies).
 */
import type { MessagePort } from "node:worker_threads";
import { ZocketError, type ErrorCode } from "../errors.js";
import type { SocketEventName } from "../events.js";

export type HostToSocket =
  | { op: "attach"; port: MessagePort; endpoint: string; pending: boolean }
  | { op: "event"; type: SocketEventName; address: string; code?: string; message?: string; reason?: "protocol" | "auth" | "other" };

export type SocketToHost = { op: "unbind"; endpoint: string } | { op: "disconnect"; endpoint: string } | { op: "close" };

/** What travels with a migrating socket for each link. */
export interface NetLinkState {
  port: MessagePort;
  bound: string[];
  connected: string[];
}

/** The socket side of a link, as the socket core sees it. */
export interface NetLinkOwner {
  acceptPort(port: MessagePort, endpoint: string, pending: boolean): void;
  emitEvent(type: SocketEventName, address: string, error: ZocketError | undefined, reason?: "protocol" | "auth" | "other"): void;
  /** The host thread is gone; `connected` are the endpoints to connect again from here. */
  netLinkLost(link: NetLink, connected: string[]): void;
}

export class NetLink {
  readonly bound: Set<string>;
  readonly connected: Set<string>;
  private port: MessagePort | null;
  private closing = false;

  constructor(
    state: NetLinkState,
    private readonly owner: NetLinkOwner,
  ) {
    this.port = state.port;
    this.bound = new Set(state.bound);
    this.connected = new Set(state.connected);
    this.port.on("message", (m: HostToSocket) => this.onMessage(m));
    this.port.on("close", () => this.lost());
    // The host keeps its own thread alive; this end never holds ours.
    this.port.unref();
  }

  serves(endpoint: string): boolean {
    return this.bound.has(endpoint) || this.connected.has(endpoint);
  }

  unbind(endpoint: string): boolean {
    if (!this.bound.delete(endpoint)) return false;
    this.send({ op: "unbind", endpoint });
    return true;
  }

  disconnect(endpoint: string): boolean {
    if (!this.connected.delete(endpoint)) return false;
    this.send({ op: "disconnect", endpoint });
    return true;
  }

  /** The socket closed: the host closes its listeners; sessions end with their pipes. */
  close(): void {
    this.send({ op: "close" });
    // The host closes the link once its sessions are done; we just stop listening for news.
    this.closing = true;
  }

  /** Hands the link over for another migration. */
  freeze(): NetLinkState {
    const port = this.port!;
    port.removeAllListeners();
    this.port = null;
    return { port, bound: [...this.bound], connected: [...this.connected] };
  }

  private onMessage(m: HostToSocket): void {
    if (this.closing) {
      if (m.op === "attach") m.port.close();
      return;
    }
    if (m.op === "attach") {
      this.owner.acceptPort(m.port, m.endpoint, m.pending);
    } else {
      const err = m.code !== undefined ? new ZocketError(m.code as ErrorCode, m.message ?? "") : undefined;
      this.owner.emitEvent(m.type, m.address, err, m.reason);
    }
  }

  private lost(): void {
    if (this.port === null) return;
    this.release();
    if (!this.closing) this.owner.netLinkLost(this, [...this.connected]);
  }

  private send(m: SocketToHost): void {
    try {
      this.port?.postMessage(m);
    } catch {}
  }

  private release(): void {
    const port = this.port;
    if (port === null) return;
    this.port = null;
    port.removeAllListeners();
    port.close();
  }
}
