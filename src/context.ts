/**
 * The public Context. One `new Context()` is one ZeroMQ context; `share()` and
 * `Context.attach()` extend it to worker threads, whose sockets then reach the
 * inproc endpoints of every other thread of the context.
 */
import { randomUUID } from "node:crypto";
import { MessagePort, threadId } from "node:worker_threads";
import { zerr } from "./errors.js";
import { applyOptions, defaultOptions } from "./options.js";
import type { OptionsOf } from "./option-types.js";
import { isSocketType } from "./socket-type.js";
import { createSocketCore } from "./socket/factory.js";
import { takeDetached } from "./socket/migration.js";
import { Socket, type DetachedSocket, type SocketType } from "./socket.js";
import { ThreadContext, type ThreadOptions } from "./thread/thread-context.js";
import type { SocketOf } from "./typed-sockets.js";
import type { Transferable } from "./util/transfer.js";

/** Options of `new Context(options)`. Unknown names or ill-typed values throw `EINVAL`. */
export interface ContextOptions {
  /**
   * The default `linger` of new sockets (`ZMQ_BLOCKY`): true gives them
   * `linger: -1` (close waits for delivery, and so does `term()`); false
   * gives them `linger: 0` (queued messages are dropped on close).
   *
   * Range: boolean. Default: true.
   */
  blocky?: boolean;
  /**
   * How many sockets (open or still lingering) each thread of the context may
   * have (`ZMQ_MAX_SOCKETS`, counted per thread here); one more throws
   * `EMFILE`.
   *
   * Unit: sockets. Range: integer ≥ 1. Default: 1023.
   */
  maxSockets?: number;
  /**
   * How many worker threads, owned by the context, run the tcp/ipc
   * listeners, sessions and engines (`ZMQ_IO_THREADS`; started on first
   * use, gone after `term()`). 0 runs them in the thread of the socket that
   * binds or connects, which is fastest for small messages; 1 or more moves
   * framing and system calls off that thread, which helps bulk transfers and
   * sockets that migrate.
   *
   * Unit: threads. Range: integer from 0 to 64. Default: 0, or the
   * `ZOCKET_IO_THREADS` environment variable.
   */
  ioThreads?: number;
}

/**
 * A handle from `ctx.share()` that lets one other thread join the context
 * with `Context.attach(handle)`: a structured-cloneable object, posted with
 * its `transferList`. Its fields are opaque.
 */
export interface ContextHandle {
  /** Marks the object as a context handle. */
  readonly kind: "zocket.context";
  /** Which context this is. */
  readonly contextId: string;
  /** The joining thread's place in the context's tree of threads. */
  readonly path: string;
  /** The channel to the thread that shared it. */
  readonly port: MessagePort;
  /** The context's `blocky` option. */
  readonly blocky: boolean;
  /** The context's `maxSockets` option. */
  readonly maxSockets: number;
  /** The context's `ioThreads` option. */
  readonly ioThreads: number;
  /** The thread that called share(): the handle is for another one. */
  readonly sharedBy: number;
  /** What must be transferred with it: pass it to `postMessage` or the `Worker` constructor. */
  readonly transferList: Transferable[];
}

/** Set by Context.attach() for the constructor call it makes. */
let attaching: ThreadContext | null = null;
/** Handle ports attached in this thread: a handle joins one thread, once. */
const attachedPorts = new WeakSet<MessagePort>();

/**
 * A ZeroMQ context: the owner of sockets and of the `inproc://` namespace.
 * One `new Context()` is one context; `ctx.share()` and `Context.attach()`
 * extend it to worker threads, whose sockets then reach the inproc endpoints
 * bound in every other thread of it. `await ctx.term()` (or `await using`)
 * ends it.
 */
export class Context {
  readonly #thread: ThreadContext;

  /** A new context (see {@link ContextOptions}). */
  constructor(options: ContextOptions = {}) {
    if (attaching !== null) {
      this.#thread = attaching;
      attaching = null;
      return;
    }
    this.#thread = new ThreadContext("0", randomUUID(), checkContextOptions(options), null);
  }

  /** In a worker: this thread's Context for the context a `share()` handle belongs to. */
  static attach(handle: ContextHandle): Context {
    const h = checkHandle(handle);
    if (h.sharedBy === threadId) {
      throw zerr("EINVAL", "Context.attach: this handle was shared by this very thread; post it to the thread that should join (with its transferList) and attach it there");
    }
    if (attachedPorts.has(h.port)) throw zerr("EINVAL", "Context.attach: this handle was already attached; call ctx.share() once per thread");
    attachedPorts.add(h.port);
    attaching = new ThreadContext(h.path, h.contextId, { blocky: h.blocky, maxSockets: h.maxSockets, ioThreads: h.ioThreads }, h.port);
    return new Context();
  }

  /** The context's `blocky` option: the default `linger` of new sockets is -1 if true, 0 if false. */
  get blocky(): boolean {
    return this.#thread.opts.blocky;
  }

  /** True once `term()` was called (from any thread of the context). */
  get terminated(): boolean {
    return this.#thread.terminated;
  }

  /**
   * A new socket of `type` with `options` (each also a property of the
   * socket). The result is typed per type: `ctx.socket("PUSH")` is a
   * {@link PushSocket}, with no `recv` and no ROUTER options, and the options
   * object takes only the options of that type ({@link OptionsOf}).
   * Throws `EINVAL` for an unknown type, option or value, `ETERM` after
   * `term()`, `EMFILE` past `maxSockets`.
   */
  socket<T extends SocketType>(type: T, options?: OptionsOf<T>): SocketOf<T> {
    const thread = this.#thread;
    if (!isSocketType(type)) throw zerr("EINVAL", `ctx.socket: unknown socket type ${JSON.stringify(type)}${typeHint(type)}`);
    thread.checkCanCreate();
    const values = defaultOptions(thread.opts.blocky ? -1 : 0);
    applyOptions(values, options, `ctx.socket(${type})`, type);
    const core = createSocketCore(type, thread.newSocketId(), values, thread);
    thread.added(core);
    // One runtime class; the typed view is the compiler's business only.
    return new Socket(core, thread) as unknown as SocketOf<T>;
  }

  /** A handle that lets one other thread join this context. Call once per thread. */
  share(): ContextHandle {
    const thread = this.#thread;
    if (thread.terminated) throw zerr("ETERM", "ctx.share: the context was terminated");
    const { path, port } = thread.share();
    return {
      kind: "zocket.context",
      contextId: thread.contextId,
      path,
      port,
      blocky: thread.opts.blocky,
      maxSockets: thread.opts.maxSockets,
      ioThreads: thread.opts.ioThreads,
      sharedBy: threadId,
      transferList: [port],
    };
  }

  /**
   * Revives, in this thread, a socket detached in another thread of this
   * context (`sock.detach()`), with its queues, subscriptions, options and
   * connections. Throws `EINVAL` for a socket of another context, a second
   * adopt, or anything that is not a detached socket.
   */
  adopt<T extends SocketType>(detached: DetachedSocket<T>): SocketOf<T> {
    const thread = this.#thread;
    const s = takeDetached(detached, thread.contextId);
    const core = createSocketCore(s.type, s.sid, s.options, thread, { mailbox: s.mailbox, address: s.address, addressAtRoot: s.addressAtRoot });
    thread.adoptSocket(s, core);
    return new Socket(core, thread) as unknown as SocketOf<T>;
  }

  /**
   * Terminates the whole context (every thread): pending and later calls on
   * open sockets fail with ETERM; resolves once every socket everywhere is
   * closed and every lingering one has flushed or run out of linger.
   */
  term(): Promise<void> {
    return this.#thread.term();
  }

  /** `await using ctx = new Context()`: terminates it. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.term();
  }

  /** `using ctx = new Context()`: starts term() (which holds the thread until it completes). */
  [Symbol.dispose](): void {
    void this.term();
  }
}

function checkContextOptions(options: unknown): ThreadOptions {
  if (options === null || typeof options !== "object") throw zerr("EINVAL", "new Context: options must be an object");
  const o = options as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (k !== "blocky" && k !== "maxSockets" && k !== "ioThreads") {
      throw zerr("EINVAL", `new Context: unknown option "${k}" (options are blocky, maxSockets, ioThreads)`);
    }
  }
  const blocky = o.blocky ?? true;
  if (typeof blocky !== "boolean") throw zerr("EINVAL", "new Context: blocky must be a boolean");
  const maxSockets = o.maxSockets ?? 1023;
  if (typeof maxSockets !== "number" || !Number.isInteger(maxSockets) || maxSockets < 1) {
    throw zerr("EINVAL", "new Context: maxSockets must be a positive integer");
  }
  const ioThreads = o.ioThreads ?? defaultIoThreads();
  if (typeof ioThreads !== "number" || !Number.isInteger(ioThreads) || ioThreads < 0 || ioThreads > 64) {
    throw zerr("EINVAL", "new Context: ioThreads must be an integer from 0 to 64");
  }
  return { blocky, maxSockets, ioThreads };
}

/** ZOCKET_IO_THREADS, when set to an integer from 0 to 64, else 0. */
function defaultIoThreads(): number {
  const v = process.env.ZOCKET_IO_THREADS;
  if (v === undefined || !/^[0-9]{1,2}$/.test(v)) return 0;
  const n = Number(v);
  return n <= 64 ? n : 0;
}

/** Checks a handle from share(); EINVAL for anything else (a forged or mangled one). */
function checkHandle(handle: unknown): ContextHandle {
  const bad = (): Error => zerr("EINVAL", "Context.attach: not a handle from ctx.share() (pass it with its transferList)");
  if (typeof handle !== "object" || handle === null) throw bad();
  const h = handle as Record<string, unknown>;
  if (
    h.kind !== "zocket.context" ||
    typeof h.contextId !== "string" ||
    typeof h.path !== "string" ||
    !/^0(\.[1-9][0-9]*)+$/.test(h.path) ||
    !(h.port instanceof MessagePort) ||
    typeof h.blocky !== "boolean" ||
    typeof h.maxSockets !== "number" ||
    !Number.isInteger(h.maxSockets) ||
    h.maxSockets < 1 ||
    typeof h.ioThreads !== "number" ||
    !Number.isInteger(h.ioThreads) ||
    h.ioThreads < 0 ||
    typeof h.sharedBy !== "number"
  ) {
    throw bad();
  }
  return h as unknown as ContextHandle;
}

/** " (did you mean X?)" for a socket type in another case ("push", "Dealer"). */
function typeHint(type: unknown): string {
  if (typeof type !== "string") return "";
  const upper = type.toUpperCase();
  return isSocketType(upper) ? ` (did you mean "${upper}"?)` : "";
}
