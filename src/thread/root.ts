/**
 * What only the root thread of a context does: it owns the inproc registry,
 * keeps count of sockets in flight between threads (detached, not yet
 * adopted), and runs termination: it tells every thread, then waits until
 * each reports that nothing is left and no socket is in flight. Every other
 * thread reaches it through the context tree (tree.ts).
 */
import type { MessagePort } from "node:worker_threads";
import { parseLifelineMsg, type TreeUp } from "../protocols.js";
import { IoThreads, type JoinContext } from "./io-threads.js";
import { InprocRegistry, type DeliverHere } from "./registry.js";
import type { ContextTree } from "./tree.js";

/** How long term() waits before its one warning (ZOCKET_TERM_WARN_MS overrides, for tests). */
const TERM_WARN_MS = Number(process.env.ZOCKET_TERM_WARN_MS) > 0 ? Number(process.env.ZOCKET_TERM_WARN_MS) : 5000;

interface ThreadStatus {
  idle: boolean;
  holders: string[];
}

export class RootCoordinator {
  private readonly registry: InprocRegistry;
  private readonly threads = new Map<string, ThreadStatus>();
  /** Detached sockets not yet adopted, by sid, with their lifelines. */
  private readonly inFlight = new Map<string, MessagePort>();
  private termStarted = false;
  private termDone = false;
  private warnTimer: ReturnType<typeof setTimeout> | null = null;

  private readonly io: IoThreads;

  constructor(
    private readonly tree: ContextTree,
    deliverHere: DeliverHere,
    ioThreads: number,
    joinContext: JoinContext,
  ) {
    this.registry = new InprocRegistry(tree.path, deliverHere);
    this.io = new IoThreads(ioThreads, joinContext);
    this.threads.set(tree.path, { idle: true, holders: [] });
  }

  handle(m: TreeUp): void {
    const reg = this.registry;
    switch (m.op) {
      case "hello":
        this.threads.set(m.from, { idle: !this.termStarted, holders: [] });
        if (this.termStarted) this.tree.down({ op: "term", to: m.from });
        return;
      case "bind": {
        const res = reg.bind(m.endpoint, m.sid, m.from, m.addr);
        this.tree.reply(m.from, m.rid, res.ok ? null : { code: res.code, message: res.message, cause: null });
        return;
      }
      case "unbind":
        reg.unbind(m.endpoint, m.sid);
        this.tree.reply(m.from, m.rid, null);
        return;
      case "lookup":
        this.tree.reply(m.from, m.rid, reg.isBound(m.endpoint) ? null : { code: "ECONNREFUSED", message: `${m.endpoint} is not bound`, cause: null });
        return;
      case "connect":
        reg.connect(m.endpoint, m.cid, m.from, m.port);
        return;
      case "cancel":
        reg.cancel(m.cid);
        return;
      case "closed":
        reg.closed(m.sid);
        return;
      case "detached":
        this.watchInFlight(m.sid, m.lifeline);
        return;
      case "term":
        this.startTerm();
        return;
      case "io":
        this.io.open(m.port);
        return;
      case "status":
        this.threads.set(m.from, { idle: m.idle, holders: m.holders });
        this.checkTermDone();
        return;
      case "gone": {
        reg.gone(m.path);
        for (const t of [...this.threads.keys()]) if (t === m.path || t.startsWith(m.path + ".")) this.threads.delete(t);
        this.checkTermDone();
        return;
      }
    }
  }

  /**
   * A socket left its thread. Its lifeline says where it was adopted; if the
   * lifeline closes first, the socket was lost with the thread that held it
   * (or dropped unadopted): it counts as closed.
   */
  private watchInFlight(sid: string, lifeline: MessagePort): void {
    this.registry.moved(sid, "");
    this.inFlight.set(sid, lifeline);
    const settle = (): void => {
      if (this.inFlight.get(sid) !== lifeline) return;
      this.inFlight.delete(sid);
      lifeline.removeAllListeners();
      lifeline.close();
      this.checkTermDone();
    };
    lifeline.on("message", (raw: unknown) => {
      const m = parseLifelineMsg(raw);
      if (m === null) return;
      this.registry.moved(sid, m.path);
      settle();
    });
    lifeline.on("close", () => {
      if (this.inFlight.get(sid) !== lifeline) return;
      this.registry.closed(sid);
      settle();
    });
    lifeline.unref();
  }

  /** A socket's link to an I/O thread (from this thread or, as an "io" request, from another). */
  openIo(port: MessagePort): void {
    this.io.open(port);
  }

  /** Tells every thread, then waits for all of them to report idle. */
  private startTerm(): void {
    if (this.termStarted) return;
    this.termStarted = true;
    // Every thread counts as busy until it has answered the broadcast.
    for (const t of this.threads.values()) t.idle = false;
    this.warnTimer = setTimeout(() => this.warnStuck(), TERM_WARN_MS);
    this.warnTimer.unref();
    this.tree.down({ op: "term", to: null });
  }

  private checkTermDone(): void {
    if (!this.termStarted || this.termDone) return;
    if (this.inFlight.size > 0) return;
    for (const t of this.threads.values()) if (!t.idle) return;
    this.termDone = true;
    if (this.warnTimer !== null) clearTimeout(this.warnTimer);
    this.io.stop();
    this.tree.down({ op: "termDone", to: null });
  }

  private warnStuck(): void {
    const lines: string[] = [];
    for (const [path, t] of this.threads) {
      if (t.idle) continue;
      for (const h of t.holders) lines.push(`${path === this.tree.path ? "main thread" : `thread ${path}`}: ${h}`);
    }
    if (this.inFlight.size > 0) lines.push(`${this.inFlight.size} socket(s) detached and not yet adopted`);
    if (lines.length === 0) return;
    process.emitWarning(`ctx.term() has waited ${TERM_WARN_MS / 1000} s; still waiting for: ${lines.join("; ")}`, {
      code: "ZOCKET_TERM_WAIT",
    });
  }
}
