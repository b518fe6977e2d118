/**
 * The threads of a context form a tree: the thread that called
 * `new Context()` is the root, and every `share()` adds a child linked by a
 * MessageChannel. This module only routes: requests travel up to the root,
 * replies and broadcasts down. Paths name threads: "0" is the root, "0.2" its
 * second child, and so on.
 *
 * Liveness: links are unref'd, so the tree never keeps a thread alive by
 * itself; they are ref'd only while this thread awaits an answer (a request)
 * or holds on (a pending term()).
 */
import { MessageChannel, type MessagePort } from "node:worker_threads";
import { zerr } from "../errors.js";
import { fromWireError, parseTreeDown, parseTreeUp, treePorts, type TreeDown, type TreeUp, type WireError } from "../protocols.js";

export interface TreeHandlers {
  /** At the root only: a request from some thread of the context (this one included). */
  atRoot(m: TreeUp): void;
  /** A broadcast, or a message addressed to this thread (replies are settled by the tree). */
  atThread(m: TreeDown): void;
  /** The thread that linked us to the context is gone: nothing can be reached any more. */
  parentLost(): void;
}

/** A request, without the fields the tree fills in. */
export type TreeRequest =
  | { op: "bind"; endpoint: string; sid: string; addr: MessagePort | null }
  | { op: "unbind"; endpoint: string; sid: string }
  | { op: "lookup"; endpoint: string };

export class ContextTree {
  readonly path: string;
  readonly isRoot: boolean;
  private parent: MessagePort | null;
  private readonly children = new Map<number, MessagePort>();
  private nextChild = 1;
  private nextRequest = 1;
  private readonly requests = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private holding = false;
  private linksRefd = false;

  constructor(path: string, parent: MessagePort | null, private readonly handlers: TreeHandlers) {
    this.path = path;
    this.isRoot = parent === null;
    this.parent = parent;
    if (parent !== null) {
      parent.on("message", (m: unknown) => {
        const down = parseTreeDown(m);
        if (down !== null) this.down(down);
      });
      parent.on("close", () => this.onParentClosed());
      parent.unref();
      this.up({ op: "hello", from: path });
    }
  }

  /** A link for one new thread. */
  share(): { path: string; port: MessagePort } {
    const { port1, port2 } = new MessageChannel();
    const idx = this.nextChild++;
    const path = `${this.path}.${idx}`;
    this.children.set(idx, port1);
    port1.on("message", (m: unknown) => {
      const up = parseTreeUp(m);
      if (up !== null) this.up(up);
    });
    port1.on("close", () => {
      this.children.delete(idx);
      this.up({ op: "gone", from: this.path, path });
    });
    if (!this.linksRefd) port1.unref();
    return { path, port: port2 };
  }

  /** Towards the root (handled at once when this is the root). */
  up(m: TreeUp): void {
    if (this.isRoot) this.handlers.atRoot(m);
    else this.parent?.postMessage(m, treePorts(m));
  }

  /** From the root: to the thread `m.to`, or to every thread. */
  down(m: TreeDown): void {
    if (m.to === null) {
      for (const c of this.children.values()) c.postMessage(m);
      this.atThread(m);
      return;
    }
    if (m.to === this.path) {
      this.atThread(m);
      return;
    }
    if (!m.to.startsWith(this.path + ".")) return;
    const idx = Number(m.to.slice(this.path.length + 1).split(".")[0]);
    this.children.get(idx)?.postMessage(m);
  }

  /** One request to the root; resolves or rejects with its reply. */
  request(r: TreeRequest): Promise<void> {
    const rid = this.nextRequest++;
    return new Promise<void>((resolve, reject) => {
      this.requests.set(rid, { resolve, reject });
      this.updateLinkRefs();
      this.up({ ...r, from: this.path, rid });
    });
  }

  /** At the root: answers a request. */
  reply(to: string, rid: number, err: WireError | null): void {
    this.down({ op: "reply", to, rid, err });
  }

  /** Holds the thread (ref'd links) while a term() waits on the tree. */
  hold(on: boolean): void {
    this.holding = on;
    this.updateLinkRefs();
  }

  /** Lets go of the tree for good (after term): nothing of ours holds the thread. */
  close(): void {
    this.holding = false;
    for (const c of this.children.values()) c.unref();
    if (this.parent !== null) {
      const parent = this.parent;
      this.parent = null;
      parent.removeAllListeners();
      parent.close();
    }
    this.linksRefd = false;
  }

  private atThread(m: TreeDown): void {
    if (m.op !== "reply") {
      this.handlers.atThread(m);
      return;
    }
    const r = this.requests.get(m.rid);
    if (r === undefined) return;
    this.requests.delete(m.rid);
    this.updateLinkRefs();
    if (m.err !== null) r.reject(fromWireError(m.err));
    else r.resolve();
  }

  private onParentClosed(): void {
    if (this.parent === null) return;
    this.parent = null;
    for (const r of this.requests.values()) r.reject(zerr("ETERM", "the context is gone (the thread that linked this one to it exited)"));
    this.requests.clear();
    this.handlers.parentLost();
  }

  private updateLinkRefs(): void {
    const need = this.requests.size > 0 || this.holding;
    if (need === this.linksRefd) return;
    this.linksRefd = need;
    const ports = [...this.children.values()];
    if (this.parent !== null) ports.push(this.parent);
    for (const p of ports) {
      if (need) p.ref();
      else p.unref();
    }
  }
}
