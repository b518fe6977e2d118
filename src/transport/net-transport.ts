/**
 * The tcp:// and ipc:// side of one socket: its listeners (one accept path
 * per bound endpoint) and its sessions (one per connect, one per accepted
 * connection). Engines live in the thread where the connection was made.
 */
import { zerr } from "../errors.js";
import type { SocketBase } from "../socket/socket-base.js";
import { parseIpc, parseTcp } from "./address.js";
import type { Endpoint } from "./endpoint.js";
import { Listener } from "./listener.js";
import { Session } from "./session.js";
import { dirname } from "node:path";

export class NetTransports {
  private listeners = new Map<string, Listener>();
  /** Connect-side sessions by the endpoint given to connect(). */
  private connects = new Map<string, Session>();
  /** Accepted sessions by the listener's endpoint. */
  private accepted = new Map<string, Set<Session>>();

  constructor(private readonly socket: SocketBase) {}

  get active(): boolean {
    return this.listeners.size > 0 || this.connects.size > 0 || this.accepted.size > 0;
  }

  async bind(ep: Endpoint): Promise<string> {
    const where = `${this.socket.type}.bind`;
    const address = ep.transport === "tcp" ? parseTcp(ep.address, true, where) : parseIpc(ep.address, true, where);
    const generated = address.kind === "ipc" && ep.address === "*" ? dirname(address.path) : null;
    const listener = new Listener(
      address,
      {
        accept: (stream, endpoint) => this.onAccept(stream, endpoint),
        acceptError: (error, endpoint) => this.socket.events.emit({ type: "accept:error", address: endpoint, error }),
      },
      generated,
    );
    let endpoint: string;
    try {
      endpoint = await listener.listen(this.socket.options.backlog);
    } catch (err) {
      this.socket.events.emit({ type: "bind:error", address: ep.text, error: err as Error });
      throw err;
    }
    if (this.socket.closed || this.listeners.has(endpoint)) {
      listener.close();
      if (!this.socket.closed) throw zerr("EADDRINUSE", `${where}: ${endpoint} is already bound by this socket`);
      throw zerr("ENOTSOCK", `${where}: the socket was closed during bind`);
    }
    this.listeners.set(endpoint, listener);
    if (endpoint !== ep.text) this.listeners.set(ep.text, listener);
    this.socket.events.emit({ type: "bind", address: endpoint });
    return endpoint;
  }

  private onAccept(stream: import("node:net").Socket, endpoint: string): void {
    this.socket.events.emit({ type: "accept", address: endpoint });
    let set = this.accepted.get(endpoint);
    if (set === undefined) this.accepted.set(endpoint, (set = new Set()));
    const session = new Session(this.socket, endpoint, null, (s) => {
      const group = this.accepted.get(endpoint);
      group?.delete(s);
      if (group !== undefined && group.size === 0) this.accepted.delete(endpoint);
    });
    set.add(session);
    session.attachStream(stream, true);
  }

  unbind(endpoint: string): boolean {
    const listener = this.listeners.get(endpoint);
    if (listener === undefined) return false;
    for (const [k, l] of [...this.listeners]) if (l === listener) this.listeners.delete(k);
    listener.close();
    // libzmq drops the connections that came in through that endpoint.
    for (const s of [...(this.accepted.get(listener.endpoint) ?? [])]) s.stop();
    this.socket.events.emit({ type: "unbind", address: listener.endpoint });
    return true;
  }

  connect(ep: Endpoint): void {
    const where = `${this.socket.type}.connect`;
    const address = ep.transport === "tcp" ? parseTcp(ep.address, false, where) : parseIpc(ep.address, false, where);
    if (this.connects.has(ep.text)) return; // libzmq: connecting twice to one endpoint is a no-op
    const session = new Session(this.socket, ep.text, address, (s) => {
      if (this.connects.get(ep.text) === s) this.connects.delete(ep.text);
    });
    this.connects.set(ep.text, session);
    session.connect();
  }

  disconnect(endpoint: string): boolean {
    const s = this.connects.get(endpoint);
    if (s === undefined) return false;
    this.connects.delete(endpoint);
    s.stop();
    return true;
  }

  /**
   * The socket closed: endpoints are freed now; sessions finish when their
   * pipe does (after linger), except those that have no pipe to wait for.
   */
  close(): void {
    for (const l of new Set(this.listeners.values())) {
      l.close();
      this.socket.events.emit({ type: "close", address: l.endpoint });
    }
    this.listeners.clear();
  }
}
