/**
 * The public Context. One `new Context()` is one ZeroMQ context; `share()` and
 * `Context.attach()` extend it to worker threads, whose sockets then reach the
 * inproc endpoints of every other thread of the context.
 */
import type { Transferable } from "./util/transfer.js";
import type { MessagePort } from "node:worker_threads";
import { zerr } from "./errors.js";
import { applyOptions, defaultOptions, reviveOptions, type SocketOptions } from "./options.js";
import { isSocketType } from "./socket/compat.js";
import { createSocketCore } from "./socket/factory.js";
import { Socket, type DetachedSocket, type SocketType } from "./socket.js";
import { ThreadContext } from "./thread/thread-context.js";

export interface ContextOptions {
  /** Default true: sockets default to `linger: -1` (wait for delivery); false: `linger: 0`. */
  blocky?: boolean;
  /** Sockets (open or still lingering) allowed per thread; default 1023. */
  maxSockets?: number;
}

/** A context handle for one other thread (structured-cloneable). */
export interface ContextHandle {
  readonly kind: "zocket.context";
  readonly path: string;
  readonly port: MessagePort;
  readonly blocky: boolean;
  readonly maxSockets: number;
  readonly transferList: Transferable[];
}

/** Set by Context.attach() for the constructor call it makes. */
let attaching: ThreadContext | null = null;

export class Context {
  readonly #thread: ThreadContext;

  constructor(options: ContextOptions = {}) {
    if (attaching !== null) {
      this.#thread = attaching;
      attaching = null;
      return;
    }
    this.#thread = new ThreadContext("0", checkContextOptions(options), null);
  }

  /** In a worker: this thread's Context for the context a `share()` handle belongs to. */
  static attach(handle: ContextHandle): Context {
    if (handle === null || typeof handle !== "object" || handle.kind !== "zocket.context" || handle.port === undefined) {
      throw zerr("EINVAL", "Context.attach: not a handle from ctx.share()");
    }
    attaching = new ThreadContext(handle.path, { blocky: handle.blocky, maxSockets: handle.maxSockets }, handle.port);
    return new Context();
  }

  private get thread(): ThreadContext {
    return this.#thread;
  }

  get blocky(): boolean {
    return this.thread.opts.blocky;
  }

  get terminated(): boolean {
    return this.thread.terminated;
  }

  socket(type: SocketType, options?: SocketOptions): Socket {
    const thread = this.thread;
    if (!isSocketType(type)) throw zerr("EINVAL", `ctx.socket: unknown socket type ${JSON.stringify(type)}`);
    thread.checkCanCreate();
    const values = defaultOptions(thread.opts.blocky ? -1 : 0);
    applyOptions(values, options, `ctx.socket(${type})`);
    const core = createSocketCore(type, thread.newSocketId(), values, thread);
    thread.added(core);
    return new Socket(core, thread);
  }

  /** A handle that lets one other thread join this context. Call once per thread. */
  share(): ContextHandle {
    const thread = this.thread;
    if (thread.terminated) throw zerr("ETERM", "ctx.share: the context was terminated");
    const { path, port } = thread.share();
    return { kind: "zocket.context", path, port, blocky: thread.opts.blocky, maxSockets: thread.opts.maxSockets, transferList: [port] };
  }

  /** Revives, in this thread, a socket detached in another one. */
  adopt(detached: DetachedSocket): Socket {
    const thread = this.thread;
    if (detached === null || typeof detached !== "object" || detached.kind !== "zocket.socket" || detached.state === undefined) {
      throw zerr("EINVAL", "ctx.adopt: not a socket from socket.detach()");
    }
    const s = detached.state;
    // A detached socket lives once: a second adopt (of the same object, or of a
    // copy whose ports were already taken) would share or lose its ports.
    if (adopted.has(s) || s.mailbox === null || typeof s.mailbox !== "object") {
      throw zerr("EINVAL", "ctx.adopt: this detached socket was already adopted");
    }
    adopted.add(s);
    const core = createSocketCore(s.type, s.sid, reviveOptions(s.options), thread, { mailbox: s.mailbox, address: s.address });
    thread.adoptSocket(s, core);
    return new Socket(core, thread);
  }

  /**
   * Terminates the whole context (every thread): pending and later calls on
   * open sockets fail with ETERM; resolves once every socket everywhere is
   * closed and every lingering one has flushed or run out of linger.
   */
  term(): Promise<void> {
    return this.thread.term();
  }
}

const adopted = new WeakSet<object>();

function checkContextOptions(options: ContextOptions): { blocky: boolean; maxSockets: number } {
  if (options === null || typeof options !== "object") throw zerr("EINVAL", "new Context: options must be an object");
  for (const k of Object.keys(options)) {
    if (k !== "blocky" && k !== "maxSockets" && k !== "ioThreads") throw zerr("EINVAL", `new Context: unknown option "${k}"`);
  }
  const blocky = options.blocky ?? true;
  if (typeof blocky !== "boolean") throw zerr("EINVAL", "new Context: blocky must be a boolean");
  const maxSockets = options.maxSockets ?? 1023;
  if (!Number.isInteger(maxSockets) || maxSockets < 1) throw zerr("EINVAL", "new Context: maxSockets must be a positive integer");
  return { blocky, maxSockets };
}
