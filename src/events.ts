/**
 * Monitor events of a socket (libzmq's zmq_socket_monitor, zeromq.js's
 * `socket.events`): listeners with on/off, and an async iterable that yields
 * events from the moment iteration starts until the socket closes.
 */
export const SOCKET_EVENT_NAMES = [
  "bind", "bind:error", "unbind",
  "accept", "accept:error",
  "connect", "connect:delay", "connect:retry",
  "disconnect",
  "handshake", "handshake:error",
  "close", "close:error",
  "end",
] as const;

/** The name of a monitor event. */
export type SocketEventName = (typeof SOCKET_EVENT_NAMES)[number];

/** Why a handshake failed: the peer broke ZMTP, authentication refused it, or something else (a timeout, a lost stream). */
export type HandshakeFailure = "protocol" | "auth" | "other";

/**
 * What each monitor event carries besides its `type`. `address` is the
 * endpoint concerned (as bound or connected; "" for `end`).
 */
export interface SocketEventMap {
  /** A `bind()` succeeded (`ZMQ_EVENT_LISTENING`); `address` is the endpoint actually bound. */
  bind: { address: string };
  /** A tcp/ipc bind failed (`ZMQ_EVENT_BIND_FAILED`). */
  "bind:error": { address: string; error: Error };
  /** An endpoint was unbound. */
  unbind: { address: string };
  /** A bound endpoint accepted a connection (`ZMQ_EVENT_ACCEPTED`). */
  accept: { address: string };
  /** Accepting a connection failed (`ZMQ_EVENT_ACCEPT_FAILED`). */
  "accept:error": { address: string; error: Error };
  /** An outgoing connection was made (`ZMQ_EVENT_CONNECTED`); its handshake follows. */
  connect: { address: string };
  /** A connection attempt failed and will be retried (`ZMQ_EVENT_CONNECT_DELAYED`); `error` says why. */
  "connect:delay": { address: string; error: Error };
  /** A new connection attempt is scheduled (`ZMQ_EVENT_CONNECT_RETRIED`). */
  "connect:retry": { address: string };
  /**
   * An established connection was lost (`ZMQ_EVENT_DISCONNECTED`); `error`
   * says why when known (the stream's error, a protocol error after the
   * handshake, the host thread of a migrated socket gone).
   */
  disconnect: { address: string; error?: Error };
  /** A connection completed its ZMTP handshake (`ZMQ_EVENT_HANDSHAKE_SUCCEEDED`): messages flow now. */
  handshake: { address: string };
  /**
   * A handshake failed (`ZMQ_EVENT_HANDSHAKE_FAILED_*`): `reason` tells a
   * protocol error from a refused authentication from anything else.
   */
  "handshake:error": { address: string; error: Error; reason: HandshakeFailure };
  /**
   * A bound endpoint was closed (`ZMQ_EVENT_CLOSED`); `error` is set when it
   * closed because the thread hosting it died (it is bound again from the
   * socket's thread).
   */
  close: { address: string; error?: Error };
  /** Closing a bound endpoint failed (`ZMQ_EVENT_CLOSE_FAILED`). */
  "close:error": { address: string; error: Error };
  /** The socket closed or moved to another thread: no more events (`ZMQ_EVENT_MONITOR_STOPPED`); `address` is "". */
  end: { address: string };
}

/**
 * A monitor event of type `K`: `{ type: K }` plus what that event carries.
 * For a union of names, the union of their events.
 */
export type SocketEventOf<K extends SocketEventName> = K extends SocketEventName ? { type: K } & SocketEventMap[K] : never;

/**
 * A monitor event (libzmq's zmq_socket_monitor), a union discriminated by
 * `type`: after `if (e.type === "handshake:error")`, `e.error` and
 * `e.reason` are known to be there.
 */
export type SocketEvent = { [K in SocketEventName]: SocketEventOf<K> }[SocketEventName];

/** A listener for events of type `K`. */
export type SocketEventListener<K extends SocketEventName> = (event: SocketEventOf<K>) => void;

type Listener = (event: SocketEvent) => void;

/**
 * A socket's monitor events: `on(name, fn)` / `off(name, fn)` listeners, each
 * given the event narrowed to its type, and `for await (const e of
 * sock.events)`, which yields every event from the moment iteration starts
 * and ends when the socket closes or moves to another thread.
 */
export class SocketEvents implements AsyncIterable<SocketEvent> {
  private listeners = new Map<SocketEventName, Set<Listener>>();
  private iterators = new Set<{ queue: SocketEvent[]; wake: (() => void) | null }>();
  private ended = false;

  /** Calls `fn` with every event named `name` from now on. */
  on<K extends SocketEventName>(name: K, fn: SocketEventListener<K>): this {
    let set = this.listeners.get(name);
    if (set === undefined) this.listeners.set(name, (set = new Set()));
    set.add(fn as Listener);
    return this;
  }

  /** Stops calling `fn` (as given to `on`) for events named `name`. */
  off<K extends SocketEventName>(name: K, fn: SocketEventListener<K>): this {
    this.listeners.get(name)?.delete(fn as Listener);
    return this;
  }

  /** @internal Delivers one event to listeners and iterators. */
  emit(event: SocketEvent): void {
    if (this.ended) return;
    const set = this.listeners.get(event.type);
    if (set !== undefined) {
      for (const fn of [...set]) {
        try {
          fn(event);
        } catch (err) {
          // A throwing listener must not break the socket; surface it like EventEmitter would.
          queueMicrotask(() => {
            throw err;
          });
        }
      }
    }
    for (const it of this.iterators) {
      it.queue.push(event);
      if (it.wake !== null) {
        const w = it.wake;
        it.wake = null;
        w();
      }
    }
    if (event.type === "end") this.finish();
  }

  /** @internal No more events (socket closed or migrated). */
  finish(): void {
    if (this.ended) return;
    this.ended = true;
    for (const it of this.iterators) {
      if (it.wake !== null) {
        const w = it.wake;
        it.wake = null;
        w();
      }
    }
  }

  /** Yields every event from now on; ends when the socket closes or moves. */
  [Symbol.asyncIterator](): AsyncIterator<SocketEvent> {
    const it = { queue: [] as SocketEvent[], wake: null as (() => void) | null };
    this.iterators.add(it);
    const next = async (): Promise<IteratorResult<SocketEvent>> => {
      for (;;) {
        const ev = it.queue.shift();
        if (ev !== undefined) return { value: ev, done: false };
        if (this.ended) {
          this.iterators.delete(it);
          return { value: undefined, done: true };
        }
        await new Promise<void>((resolve) => (it.wake = resolve));
      }
    };
    return {
      next,
      return: async () => {
        this.iterators.delete(it);
        return { value: undefined, done: true };
      },
    };
  }
}
