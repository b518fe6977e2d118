/**
 * The public Socket: a thin facade over the socket core of its type. The core
 * can be frozen and moved to another thread (detach/adopt); the facade left
 * behind then throws ENOTSOCK on every call.
 */
import type { Transferable } from "./util/transfer.js";
import { zerr, ZocketError } from "./errors.js";
import type { Message } from "./msg.js";
import type { SocketTypeName } from "./pipe/pipe.js";
import { checkOption, OPTION_NAMES, type SocketOptionValues } from "./options.js";
import { SocketBase, type SocketState } from "./socket/socket-base.js";
import { XSubSocket } from "./socket/pubsub.js";
import type { SocketEvents } from "./events.js";
import type { ThreadContext } from "./thread/thread-context.js";
import { parseEndpoint } from "./transport/endpoint.js";
import { NetTransports } from "./transport/net-transport.js";

export type SocketType = SocketTypeName;

/** A socket frozen for migration: post it (with its transferList) to another thread and `ctx.adopt()` it there. */
export interface DetachedSocket {
  readonly kind: "zocket.socket";
  readonly type: SocketType;
  readonly state: SocketState;
  readonly transferList: Transferable[];
}

export interface Socket extends SocketOptionValues {}

export class Socket implements AsyncIterable<Buffer[]> {
  #core: SocketBase | null;
  readonly #thread: ThreadContext;
  readonly #type: SocketType;

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

  get events(): SocketEvents {
    return this.#live("events").events;
  }

  #live(what: string): SocketBase {
    const core = this.#core;
    if (core === null) throw zerr("ENOTSOCK", `${this.#type}.${what}: the socket was detached for migration`);
    return core;
  }

  #open(what: string): SocketBase {
    const core = this.#live(what);
    const err = core.usable(what);
    if (err !== null) throw err;
    return core;
  }

  async bind(endpoint: string): Promise<string> {
    const core = this.#open("bind");
    const ep = parseEndpoint(endpoint, `${this.#type}.bind`);
    if (ep.transport === "inproc") {
      await this.#thread.bindInproc(core, ep.text);
      core.events.emit({ type: "bind", address: ep.text });
      return ep.text;
    }
    core.net ??= new NetTransports(core);
    return core.net.bind(ep);
  }

  async unbind(endpoint: string): Promise<void> {
    const core = this.#open("unbind");
    const ep = parseEndpoint(endpoint, `${this.#type}.unbind`);
    if (ep.transport === "inproc") {
      if (!core.bound.has(ep.text)) throw zerr("ENOENT", `${this.#type}.unbind: ${ep.text} is not bound by this socket`);
      this.#thread.unbindInproc(core, ep.text);
      core.events.emit({ type: "unbind", address: ep.text });
      return;
    }
    if (core.net !== null && core.net.unbind(ep.text)) return;
    if (core.netLinks.some((l) => l.unbind(ep.text))) return;
    throw zerr("ENOENT", `${this.#type}.unbind: ${ep.text} is not bound by this socket`);
  }

  connect(endpoint: string): void {
    const core = this.#open("connect");
    const ep = parseEndpoint(endpoint, `${this.#type}.connect`);
    if (ep.transport === "inproc") {
      this.#thread.connectInproc(core, ep.text);
      return;
    }
    core.net ??= new NetTransports(core);
    core.connected.add(ep.text);
    core.net.connect(ep);
  }

  disconnect(endpoint: string): void {
    const core = this.#open("disconnect");
    const ep = parseEndpoint(endpoint, `${this.#type}.disconnect`);
    if (!core.connected.has(ep.text)) throw zerr("ENOENT", `${this.#type}.disconnect: not connected to ${ep.text}`);
    if (ep.transport === "inproc") this.#thread.disconnectInproc(core, ep.text);
    else {
      core.connected.delete(ep.text);
      if (core.net === null || !core.net.disconnect(ep.text)) core.netLinks.some((l) => l.disconnect(ep.text));
    }
  }

  /** Queues one message (a frame or an array of frames); resolves once queued. */
  send(message: Message): Promise<void> {
    return this.#live("send").send(message);
  }

  /** Resolves with the next whole message. */
  recv(): Promise<Buffer[]> {
    return this.#live("recv").recv();
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
    const core = this.#open("subscribe");
    if (!(core instanceof XSubSocket)) throw zerr("ENOTSUP", `${this.#type}.subscribe: only SUB and XSUB sockets subscribe`);
    core.subscribe(prefixes);
  }

  unsubscribe(...prefixes: (string | Uint8Array)[]): void {
    const core = this.#open("unsubscribe");
    if (!(core instanceof XSubSocket)) throw zerr("ENOTSUP", `${this.#type}.unsubscribe: only SUB and XSUB sockets subscribe`);
    core.unsubscribe(prefixes);
  }

  /** Returns at once; queued messages keep flowing for up to `linger` ms. Idempotent. */
  close(): void {
    this.#core?.close();
  }

  /** Freezes the socket for migration to another thread; this object is dead afterwards. */
  detach(): DetachedSocket {
    const core = this.#live("detach");
    if (core.closed) throw zerr("ENOTSOCK", `${this.#type}.detach: the socket is closed`);
    const state = this.#thread.detachSocket(core);
    this.#core = null;
    return { kind: "zocket.socket", type: this.#type, state, transferList: SocketBase.transferables(state) };
  }

  static {
    for (const name of OPTION_NAMES) {
      Object.defineProperty(Socket.prototype, name, {
        configurable: true,
        enumerable: false,
        get(this: Socket) {
          return this.#live(name).options[name];
        },
        set(this: Socket, value: unknown) {
          const core = this.#live(name);
          (core.options as unknown as Record<string, unknown>)[name] = checkOption(name, value);
        },
      });
    }
  }
}
