/**
 * The tcp:// and ipc:// side of one socket: its listeners (one accept path
 * per bound endpoint) and its sessions (one per connect, one per accepted
 * connection), in the thread where they were made. Streams cannot move
 * between threads, so when the socket migrates this object stays and serves
 * it from afar: its owner is swapped for a link owner (net-link.ts) that
 * posts new pipes and monitor events to the socket's new thread.
 *
 * It knows its socket only as a NetOwner, and records nothing about the
 * socket's endpoints: the socket owns that record and tells this object
 * what to bind, connect, unbind and disconnect.
 */
import net from "node:net";
import { dirname } from "node:path";
import { zerr } from "../errors.js";
import type { SocketEvent } from "../events.js";
import type { SocketOptionValues } from "../options.js";
import type { Pipe } from "../pipe/pipe.js";
import type { EndInfo } from "../protocols.js";
import type { SocketTypeName } from "../socket-type.js";
import type { NetAddress } from "./address.js";
import { Listener } from "./listener.js";
import { Session, type SessionOwner } from "./session.js";
import type { ZapClient } from "./zap.js";

/** The socket a NetTransports serves, as far as listeners and sessions need it. */
export interface NetOwner {
  readonly type: SocketTypeName;
  readonly options: SocketOptionValues;
  /** The ZAP client of the thread these connections live in. */
  readonly zap: ZapClient;
  emit(event: SocketEvent): void;
  /**
   * A new pipe to the socket for this endpoint; returns the session's end.
   * `peer` null: the peer is not known yet (announced after the handshake).
   */
  newPipe(endpoint: string, peer: EndInfo | null): Pipe;
  /** Whether anything is still served here changed (a link owner holds its thread while it does). */
  servingChanged(serving: boolean): void;
}

export class NetTransports implements SessionOwner {
  private readonly listeners = new Map<string, Listener>();
  /** Connect-side sessions by the endpoint given to connect(). */
  private readonly connects = new Map<string, Session>();
  /** Accepted sessions by the listener's endpoint. */
  private readonly accepted = new Map<string, Set<Session>>();
  private owner: NetOwner;
  private ownerClosed = false;

  constructor(owner: NetOwner) {
    this.owner = owner;
  }

  /** Whether a listener or a session is still alive here. */
  get serving(): boolean {
    return this.listeners.size > 0 || this.connects.size > 0 || this.accepted.size > 0;
  }

  /** The socket moved to another thread: `owner` serves it from now on. */
  setOwner(owner: NetOwner): void {
    this.owner = owner;
    this.changed();
  }

  // ------------------------------------------------------------ session owner

  get type(): SocketTypeName {
    return this.owner.type;
  }

  get options(): SocketOptionValues {
    return this.owner.options;
  }

  get zap(): ZapClient {
    return this.owner.zap;
  }

  emit(event: SocketEvent): void {
    this.owner.emit(event);
  }

  newPipe(endpoint: string, peer: EndInfo | null): Pipe {
    return this.owner.newPipe(endpoint, peer);
  }

  // ------------------------------------------------------------ endpoints

  /** Listens on `address`; resolves with the endpoint as bound (the real port or path). */
  async bind(address: NetAddress, requested: string): Promise<string> {
    const where = `${this.type}.bind`;
    const generated = address.kind === "ipc" && requested === "ipc://*" ? dirname(address.path) : null;
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
      endpoint = await listener.listen(this.options.backlog);
    } catch (err) {
      this.emit({ type: "bind:error", address: requested, error: err as Error });
      throw err;
    }
    if (this.ownerClosed) {
      listener.close();
      throw zerr("ENOTSOCK", `${where}: the socket was closed during bind`);
    }
    if (this.listeners.has(endpoint)) {
      listener.close();
      throw zerr("EADDRINUSE", `${where}: ${endpoint} is already bound by this socket`);
    }
    this.listeners.set(endpoint, listener);
    this.changed();
    this.emit({ type: "bind", address: endpoint });
    return endpoint;
  }

  private onAccept(stream: net.Socket, endpoint: string): void {
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
      this.changed();
    });
    set.add(session);
    session.attachStream(stream, true);
  }

  /** Closes the listener bound at `endpoint` (as bound) and drops the connections it accepted, as libzmq does. */
  unbind(endpoint: string): boolean {
    const listener = this.listeners.get(endpoint);
    if (listener === undefined) return false;
    this.listeners.delete(endpoint);
    listener.close();
    for (const s of [...(this.accepted.get(endpoint) ?? [])]) s.stop();
    this.emit({ type: "unbind", address: endpoint });
    this.changed();
    return true;
  }

  connect(endpoint: string, address: NetAddress): void {
    if (this.connects.has(endpoint)) return; // libzmq: connecting twice to one endpoint is a no-op
    const session = new Session(this, endpoint, address, (s) => {
      if (this.connects.get(endpoint) === s) this.connects.delete(endpoint);
      this.changed();
    });
    this.connects.set(endpoint, session);
    session.connect();
  }

  disconnect(endpoint: string): boolean {
    const s = this.connects.get(endpoint);
    if (s === undefined) return false;
    this.connects.delete(endpoint);
    s.stop();
    this.changed();
    return true;
  }

  /**
   * The socket closed: endpoints are freed now; sessions finish when their
   * pipe does (after linger), except those that have no pipe to wait for.
   */
  close(): void {
    this.ownerClosed = true;
    for (const [endpoint, l] of this.listeners) {
      l.close();
      this.emit({ type: "close", address: endpoint });
    }
    this.listeners.clear();
    // Sessions with a pipe end when the socket's linger lets go of it; those
    // without one (still handshaking, or connecting with `immediate`) have
    // nothing to deliver and end now.
    for (const s of [...this.connects.values()]) if (!s.hasPipe) s.stop();
    for (const set of [...this.accepted.values()]) for (const s of [...set]) if (!s.hasPipe) s.stop();
    this.changed();
  }

  /** The socket is gone for good (its thread died): drop every connection now. */
  abandon(): void {
    this.ownerClosed = true;
    for (const l of this.listeners.values()) l.close();
    this.listeners.clear();
    for (const s of [...this.connects.values()]) s.stop();
    for (const set of [...this.accepted.values()]) for (const s of [...set]) s.stop();
    this.connects.clear();
    this.accepted.clear();
    this.changed();
  }

  /** True once close() or abandon() ran and nothing is left to serve. */
  get finished(): boolean {
    return this.ownerClosed && !this.serving;
  }

  private changed(): void {
    this.owner.servingChanged(this.serving);
  }
}
