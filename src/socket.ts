/**
 * The public Socket: a thin facade over the socket core of its type. It
 * checks arguments and forwards; the core owns every fact about the socket.
 * The core can be frozen and moved to another thread (detach/adopt); the
 * facade left behind then throws ENOTSOCK on every call.
 */
import { zerr, ZocketError } from "./errors.js";
import type { Message } from "./msg.js";
import { checkOption, OPTION_NAMES, optionHint, type SocketOptionValues } from "./options.js";
import type { SocketEvents } from "./events.js";
import type { SocketTypeName } from "./socket-type.js";
import type { SocketBase } from "./socket/socket-base.js";
import { socketTransferables, type SocketState } from "./socket/migration.js";
import { XSubSocket } from "./socket/pubsub.js";
import type { ThreadContext } from "./thread/thread-context.js";
import type { Transferable } from "./util/transfer.js";

export type SocketType = SocketTypeName;

/** A socket frozen for migration: post it (with its transferList) to another thread and `ctx.adopt()` it there. */
export interface DetachedSocket {
  readonly kind: "zocket.socket";
  readonly type: SocketType;
  readonly state: SocketState;
  readonly transferList: Transferable[];
}

/** Options of one send() or recv() call. */
export interface CallOptions {
  /** Aborting rejects the call with the signal's reason; the queue stays as if the call had never been made. */
  signal?: AbortSignal;
}

export interface Socket extends SocketOptionValues {}

/** @internal The live core behind a facade, or null once detached (for Poller and proxy). */
export let coreOf: (socket: Socket) => SocketBase | null;

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

  /** Resolves with the endpoint actually bound (`tcp://…:*` picks a port, `ipc://*` a path). */
  async bind(endpoint: string): Promise<string> {
    const bound = await this.#open("bind").endpoints.bind(endpoint);
    this.#lastEndpoint = bound;
    return bound;
  }

  /** The endpoint of the last successful bind() (libzmq's ZMQ_LAST_ENDPOINT); null before any. */
  get lastEndpoint(): string | null {
    return this.#lastEndpoint;
  }

  async unbind(endpoint: string): Promise<void> {
    return this.#open("unbind").endpoints.unbind(endpoint);
  }

  /** Returns at once; connects (and reconnects) in the background. */
  connect(endpoint: string): void {
    this.#open("connect").endpoints.connect(endpoint);
  }

  disconnect(endpoint: string): void {
    this.#open("disconnect").endpoints.disconnect(endpoint);
  }

  /** Queues one message (a frame or an array of frames); resolves once queued. */
  send(message: Message, options?: CallOptions): Promise<void> {
    return this.#live("send").send(message, options?.signal);
  }

  /** Resolves with the next whole message. */
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

  subscribe(...prefixes: (string | Uint8Array)[]): void {
    this.#subscriber("subscribe").subscribe(prefixes);
  }

  unsubscribe(...prefixes: (string | Uint8Array)[]): void {
    this.#subscriber("unsubscribe").unsubscribe(prefixes);
  }

  #subscriber(what: string): XSubSocket {
    const core = this.#open(what);
    if (!(core instanceof XSubSocket)) throw zerr("ENOTSUP", `${this.#type}.${what}: only SUB and XSUB sockets subscribe`);
    return core;
  }

  /** Returns at once; queued messages keep flowing for up to `linger` ms. Idempotent. */
  close(): void {
    this.#core?.close();
  }

  /**
   * Freezes the socket for migration to another thread; this object is dead
   * afterwards. EAGAIN while a bind() is still settling.
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
