/**
 * The inproc endpoint registry of a context. It lives in the context's root
 * thread; every other thread reaches it through the context tree. It holds
 * the address port of every socket that bound an inproc endpoint, so a
 * connect from any thread is delivered to the binder wherever that socket
 * lives now (the address follows the socket through migrations). Connects to
 * endpoints not bound yet wait here, as libzmq's pending connections do.
 */
import type { MessagePort } from "node:worker_threads";
import type { MailboxCommand } from "../protocols.js";

interface BinderEntry {
  addr: MessagePort | null;
  /** The thread the socket lives in; "" while it is detached and in transit. */
  path: string;
  endpoints: Set<string>;
}

interface PendingConnect {
  cid: string;
  from: string;
  port: MessagePort;
}

export type BindResult = { ok: true } | { ok: false; code: "EADDRINUSE"; message: string };

/** Delivers a pipe port to a socket of the root thread directly; false if it is not here. */
export type DeliverHere = (sid: string, endpoint: string, port: MessagePort) => boolean;

export class InprocRegistry {
  private readonly binders = new Map<string, BinderEntry>();
  private readonly endpoints = new Map<string, string>();
  private readonly pending = new Map<string, PendingConnect[]>();

  constructor(
    private readonly rootPath: string,
    private readonly deliverHere: DeliverHere,
  ) {}

  bind(endpoint: string, sid: string, path: string, addr: MessagePort | null): BindResult {
    // The registry keeps the first address port it is given (it comes with the first bind).
    let e = this.binders.get(sid);
    if (e === undefined) this.binders.set(sid, (e = { addr, path, endpoints: new Set() }));
    else if (e.addr === null) e.addr = addr;
    if (this.endpoints.has(endpoint)) {
      return { ok: false, code: "EADDRINUSE", message: `inproc endpoint ${endpoint} is already bound` };
    }
    this.endpoints.set(endpoint, sid);
    e.endpoints.add(endpoint);
    const waiting = this.pending.get(endpoint);
    if (waiting !== undefined) {
      this.pending.delete(endpoint);
      for (const c of waiting) this.deliver(sid, e, endpoint, c.port);
    }
    return { ok: true };
  }

  isBound(endpoint: string): boolean {
    return this.endpoints.has(endpoint);
  }

  unbind(endpoint: string, sid: string): void {
    if (this.endpoints.get(endpoint) !== sid) return;
    this.endpoints.delete(endpoint);
    this.binders.get(sid)?.endpoints.delete(endpoint);
  }

  connect(endpoint: string, cid: string, from: string, port: MessagePort): void {
    const sid = this.endpoints.get(endpoint);
    const e = sid === undefined ? undefined : this.binders.get(sid);
    if (sid !== undefined && e !== undefined) {
      this.deliver(sid, e, endpoint, port);
      return;
    }
    let list = this.pending.get(endpoint);
    if (list === undefined) this.pending.set(endpoint, (list = []));
    list.push({ cid, from, port });
  }

  /** Drops a connect that is still waiting for its bind (disconnect, close). */
  cancel(cid: string): void {
    for (const [endpoint, list] of this.pending) {
      const i = list.findIndex((c) => c.cid === cid);
      if (i < 0) continue;
      list[i]?.port.close();
      list.splice(i, 1);
      if (list.length === 0) this.pending.delete(endpoint);
      return;
    }
  }

  /** The socket closed (or was lost): its endpoints are free again; its address port is retired. */
  closed(sid: string): void {
    const e = this.binders.get(sid);
    if (e === undefined) return;
    this.binders.delete(sid);
    for (const ep of e.endpoints) if (this.endpoints.get(ep) === sid) this.endpoints.delete(ep);
    if (e.addr !== null) {
      // "bye" travels behind any attach still in flight, so the socket can refuse those.
      e.addr.postMessage({ op: "bye" } satisfies MailboxCommand);
      e.addr.close();
    }
  }

  /** The socket left its thread (path "") or arrived in one. */
  moved(sid: string, path: string): void {
    const e = this.binders.get(sid);
    if (e !== undefined) e.path = path;
  }

  /** A thread (and everything below it) died: forget its sockets and its waiting connects. */
  gone(pathPrefix: string): void {
    const under = (p: string): boolean => p === pathPrefix || p.startsWith(pathPrefix + ".");
    for (const [sid, e] of [...this.binders]) if (under(e.path)) this.closed(sid);
    for (const [endpoint, list] of [...this.pending]) {
      const kept = list.filter((c) => {
        if (!under(c.from)) return true;
        c.port.close();
        return false;
      });
      if (kept.length === 0) this.pending.delete(endpoint);
      else this.pending.set(endpoint, kept);
    }
  }

  private deliver(sid: string, e: BinderEntry, endpoint: string, port: MessagePort): void {
    if (e.path === this.rootPath && this.deliverHere(sid, endpoint, port)) return;
    if (e.addr === null) {
      port.close();
      return;
    }
    e.addr.postMessage({ op: "attach", port, endpoint } satisfies MailboxCommand, [port]);
  }
}
