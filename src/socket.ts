/**
 * The public Socket: a thin facade over the socket core of its type. It
 * checks arguments and forwards; the core owns every fact about the socket.
 * The core can be frozen and moved to another thread (detach/adopt); the
 * facade left behind then throws ENOTSOCK on every call.
 */
import { zerr, ZocketError } from "./errors.js";
import type { Message } from "./msg.js";
import { checkOption, checkOptionApplies, OPTION_NAMES, optionHint, type SocketOptionValues } from "./options.js";
import type { SocketEvents } from "./events.js";
import type { SocketType } from "./socket-type.js";
import type { SocketBase } from "./socket/socket-base.js";
import { socketTransferables, type SocketState } from "./socket/migration.js";
import { XSubSocket } from "./socket/pubsub.js";
import type { ThreadContext } from "./thread/thread-context.js";
import type { Transferable } from "./util/transfer.js";

export type { SocketType };

/**
 * A socket frozen for migration (from `sock.detach()`): a structured-cloneable
 * object. Post it with its `transferList` to another thread of the same
 * context (`port.postMessage(d, d.transferList)`) and `ctx.adopt(d)` it there.
 *
 * @typeParam T The type of the socket it holds.
 */
export interface DetachedSocket<T extends SocketType = SocketType> {
  /** Marks the object as a detached socket. */
  readonly kind: "zocket.socket";
  /** The type of the socket it holds. */
  readonly type: T;
  /** @internal The socket's queues, options, subscriptions and connections, frozen (opaque). */
  readonly state: SocketState;
  /** What must be transferred with it (message ports): pass it to `postMessage`. */
  readonly transferList: Transferable[];
}

/** Options of one send() or recv() call. */
export interface CallOptions {
  /** Aborting rejects the call with the signal's reason; the queue stays as if the call had never been made. */
  signal?: AbortSignal;
}

/** Every option is a read/write property of the socket (see {@link SocketOptionValues}). */
export interface Socket extends SocketOptionValues {}

/** @internal The live core behind a facade, or null once detached (for Poller and proxy). */
export let coreOf: (socket: Socket) => SocketBase | null;

/**
 * A ZeroMQ socket: the one runtime class behind every socket type. Make one
 * with `ctx.socket(type, options?)`, which gives the typed view of it
 * ({@link PushSocket}, {@link RouterSocket}, …) so the compiler refuses what
 * the type cannot do. A `Socket` itself has every member and checks each
 * call at run time: `recv()` on a PUSH rejects with `ENOTSUP`, `subscribe()`
 * on a PUB throws `ENOTSUP`. Options are properties: `sock.linger = 0`;
 * assigning anything that is not an option throws `EINVAL`.
 */
export class Socket implements AsyncIterable<Buffer[]> {
  #core: SocketBase | null;
  readonly #thread: ThreadContext;
  readonly #type: SocketType;
  #lastEndpoint: string | null = null;

  /** @internal Use `ctx.socket(type)`. */
  constructor(core: SocketBase, thread: ThreadContext) {
    this.#core = core;
    this.#thread = thread;
    this.#type = core.type;
  }

  /** The socket type, as given to `ctx.socket()`. */
  get type(): SocketType {
    return this.#type;
  }

  /** True once close() was called (or the socket was detached). */
  get closed(): boolean {
    return this.#core === null || this.#core.closed;
  }

  /** Whether tryRecv() would return a message now (libzmq's ZMQ_EVENTS & ZMQ_POLLIN; zeromq.js's `readable`). */
  get readable(): boolean {
    return this.#open("readable").hasIn();
  }

  /** Whether trySend() would take a message now (ZMQ_EVENTS & ZMQ_POLLOUT; PUB, XPUB and ROUTER always are: they drop). */
  get writable(): boolean {
    return this.#open("writable").hasOut();
  }

  /**
   * Monitor events (libzmq's zmq_socket_monitor): `sock.events.on("handshake", e => …)`
   * or `for await (const e of sock.events)`. See {@link SocketEventMap}.
   */
  get events(): SocketEvents {
    return this.#live("events").events;
  }

  #live(what: string): SocketBase {
    const core = this.#core;
    if (core === null) throw zerr("ENOTSOCK", `${this.#type}.${what}: the socket was detached for migration`);
    return core;
  }

  /** A core that is neither detached, closed nor terminated (ENOTSOCK / ETERM otherwise). */
  #open(what: string): SocketBase {
    const core = this.#live(what);
    core.check(what);
    return core;
  }

  /**
   * Binds to an endpoint (`tcp://host:port`, `ipc://path`, `inproc://name`)
   * and resolves with the endpoint actually bound: `tcp://127.0.0.1:*` (or
   * `:0`) picks a free port, `ipc://*` a fresh path. Rejects with
   * `EPROTONOSUPPORT` (unknown transport), `EINVAL` (malformed endpoint) or
   * `EADDRINUSE`.
   */
  async bind(endpoint: string): Promise<string> {
    const bound = await this.#open("bind").endpoints.bind(endpoint);
    this.#lastEndpoint = bound;
    return bound;
  }

  /** The endpoint of the last successful bind() (libzmq's ZMQ_LAST_ENDPOINT); null before any. */
  get lastEndpoint(): string | null {
    return this.#lastEndpoint;
  }

  /** Stops listening on an endpoint given to (or resolved by) `bind()`; resolves once it is free for the whole context. */
  async unbind(endpoint: string): Promise<void> {
    return this.#open("unbind").endpoints.unbind(endpoint);
  }

  /**
   * Connects to an endpoint. Returns at once; connects (and reconnects) in
   * the background, and `inproc://` may connect before the bind. Throws
   * `EINVAL` or `EPROTONOSUPPORT` for a bad endpoint.
   */
  connect(endpoint: string): void {
    this.#open("connect").endpoints.connect(endpoint);
  }

  /** Drops a connection made with `connect()` (messages queued for it follow `linger`). Returns at once. */
  disconnect(endpoint: string): void {
    this.#open("disconnect").endpoints.disconnect(endpoint);
  }

  /**
   * Queues one message (a frame or an array of frames, delivered whole) and
   * resolves once it is queued. Waits while the high-water mark is reached
   * (types that drop, drop), then rejects with `EAGAIN` after `sendTimeout`.
   * Concurrent calls are served in call order. Rejects with `EFSM` (REQ/REP
   * out of turn), `EHOSTUNREACH` (ROUTER with `routerMandatory`), `ENOTSUP`
   * (a type that cannot send), `ETERM` (context terminated).
   */
  send(message: Message, options?: CallOptions): Promise<void> {
    return this.#live("send").send(message, options?.signal);
  }

  /**
   * Resolves with the next whole message, one Buffer per frame. Rejects with
   * `EAGAIN` after `receiveTimeout`; concurrent calls are served in order; an
   * aborted call never takes a message.
   */
  recv(options?: CallOptions): Promise<Buffer[]> {
    return this.#live("recv").recv(options?.signal);
  }

  /** Sends now or returns false where send() would wait (libzmq's ZMQ_DONTWAIT); nothing is queued then. */
  trySend(message: Message): boolean {
    return this.#live("trySend").trySend(message);
  }

  /** The next message now, or null where recv() would wait (libzmq's ZMQ_DONTWAIT). */
  tryRecv(): Buffer[] | null {
    return this.#live("tryRecv").tryRecv();
  }

  /** `using sock = ctx.socket(...)`: closes the socket. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** `await using sock = ctx.socket(...)`: closes the socket. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  /** `for await (const frames of sock)`: every message until the socket closes or the context terminates. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer[], void, undefined> {
    for (;;) {
      let msg: Buffer[];
      try {
        msg = await this.recv();
      } catch (err) {
        if (err instanceof ZocketError && (err.code === "ENOTSOCK" || err.code === "ETERM")) return;
        throw err;
      }
      yield msg;
    }
  }

  /**
   * SUB, XSUB: receive messages whose first frame starts with one of these
   * prefixes (`ZMQ_SUBSCRIBE`); no argument subscribes to everything.
   * Subscriptions are counted: subscribing twice needs two unsubscribes.
   */
  subscribe(...prefixes: (string | Uint8Array)[]): void {
    this.#subscriber("subscribe").subscribe(prefixes);
  }

  /** SUB, XSUB: removes one count of each subscription (`ZMQ_UNSUBSCRIBE`); no argument removes the subscribe-to-everything. */
  unsubscribe(...prefixes: (string | Uint8Array)[]): void {
    this.#subscriber("unsubscribe").unsubscribe(prefixes);
  }

  #subscriber(what: string): XSubSocket {
    const core = this.#open(what);
    if (!(core instanceof XSubSocket)) throw zerr("ENOTSUP", `${this.#type}.${what}: only SUB and XSUB sockets subscribe`);
    return core;
  }

  /**
   * Closes the socket. Returns at once and may be called again; pending
   * `recv()`s reject with `ENOTSOCK`; queued outbound messages keep flowing
   * for up to `linger` ms (`linger: 0` drops them at once).
   */
  close(): void {
    this.#core?.close();
  }

  /**
   * Freezes the socket for migration to another thread; this object is dead
   * afterwards (every call throws `ENOTSOCK`). Post the result with its
   * `transferList` and `ctx.adopt()` it there: queued messages,
   * subscriptions, options and connections go with it. `EAGAIN` while a
   * `bind()` is still settling.
   */
  detach(): DetachedSocket {
    const core = this.#live("detach");
    if (core.closed) throw zerr("ENOTSOCK", `${this.#type}.detach: the socket is closed`);
    const state = this.#thread.detachSocket(core);
    this.#core = null;
    return { kind: "zocket.socket", type: this.#type, state, transferList: socketTransferables(state) };
  }

  static {
    coreOf = (socket) => socket.#core;
    for (const name of OPTION_NAMES) {
      Object.defineProperty(Socket.prototype, name, {
        configurable: true,
        enumerable: false,
        get(this: Socket) {
          return this.#live(name).options[name];
        },
        set(this: Socket, value: unknown) {
          const core = this.#live(name);
          if (core.closed) throw zerr("ENOTSOCK", `${this.#type}.${name}: the socket is closed`);
          checkOptionApplies(this.#type, name, `${this.#type}.${name}`);
          core.setOption(name, checkOption(name, value));
        },
      });
    }
    // The end of the prototype chain refuses assignments to names that are
    // neither options nor members, so a typo (`sock.sendHwm = 5`) throws
    // instead of creating a property nobody reads, in strict and sloppy code
    // alike. Reads never reach it: members and options are found first.
    Object.setPrototypeOf(
      Socket.prototype,
      new Proxy(Object.prototype, {
        set(target, prop, value, receiver) {
          if (typeof prop === "symbol") return Reflect.set(target, prop, value, receiver);
          const type = receiver instanceof Socket ? receiver.type : "socket";
          throw zerr("EINVAL", `${type}: "${prop}" is not an option or property of a socket${optionHint(prop)}`);
        },
      }),
    );
  }
}
