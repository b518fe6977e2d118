/**
 * Monitor events of a socket (libzmq's zmq_socket_monitor, zeromq.js's
 * `socket.events`): listeners with on/off, and an async iterable that yields
 * events from the moment iteration starts until the socket closes.
 */
/** Fields every monitor event has. */
export interface EventBase<K extends string> {
  /** The event's name: the discriminant of {@link SocketEvent}. */
  type: K;
  /** The endpoint concerned, as bound or connected ("" for `end`). */
  address: string;
}

/** The field of an event that reports a failure. */
export interface EventError {
  /** What went wrong: a `ZocketError` (with its `cause`) or the stream's own error. */
  error: Error;
}

/** The field of an event that may say why it happened. */
export interface EventCause {
  /** Why, when known (absent for an orderly close by the peer or by us). */
  error?: Error;
}

/** Why a handshake failed: the peer broke ZMTP, authentication refused it, or something else (a timeout, a lost stream). */
export type HandshakeFailure = "protocol" | "auth" | "other";

/** The fields of a `handshake:error` event. */
export interface EventHandshakeError extends EventError {
  /** Which kind of failure: `"auth"` is a refusal by the ZAP handler or the peer's security mechanism. */
  reason: HandshakeFailure;
}

/**
 * Every monitor event by name, with what it carries (names as zeromq.js
 * uses them; libzmq's `ZMQ_EVENT_*` in each comment).
 */
export interface SocketEventMap {
  /** A `bind()` succeeded (`ZMQ_EVENT_LISTENING`); `address` is the endpoint actually bound. */
  bind: EventBase<"bind">;
  /** A tcp/ipc bind failed (`ZMQ_EVENT_BIND_FAILED`). */
  "bind:error": EventBase<"bind:error"> & EventError;
  /** An endpoint was unbound. */
  unbind: EventBase<"unbind">;
  /** A bound endpoint accepted a connection (`ZMQ_EVENT_ACCEPTED`). */
  accept: EventBase<"accept">;
  /** Accepting a connection failed (`ZMQ_EVENT_ACCEPT_FAILED`). */
  "accept:error": EventBase<"accept:error"> & EventError;
  /** An outgoing connection was made (`ZMQ_EVENT_CONNECTED`); its handshake follows. */
  connect: EventBase<"connect">;
  /** A connection attempt failed and will be retried (`ZMQ_EVENT_CONNECT_DELAYED`); `error` says why. */
  "connect:delay": EventBase<"connect:delay"> & EventError;
  /** A new connection attempt is scheduled (`ZMQ_EVENT_CONNECT_RETRIED`). */
  "connect:retry": EventBase<"connect:retry">;
  /**
   * An established connection was lost (`ZMQ_EVENT_DISCONNECTED`); `error`
   * says why when known (the stream's error, a protocol error after the
   * handshake, the host thread of a migrated socket gone).
   */
  disconnect: EventBase<"disconnect"> & EventCause;
  /** A connection completed its ZMTP handshake (`ZMQ_EVENT_HANDSHAKE_SUCCEEDED`): messages flow now. */
  handshake: EventBase<"handshake">;
  /**
   * A handshake failed (`ZMQ_EVENT_HANDSHAKE_FAILED_*`): `reason` tells a
   * protocol error from a refused authentication from anything else.
   */
  "handshake:error": EventBase<"handshake:error"> & EventHandshakeError;
  /**
   * A bound endpoint was closed (`ZMQ_EVENT_CLOSED`); `error` is set when it
   * closed because the thread hosting it died (it is bound again from the
   * socket's thread).
   */
  close: EventBase<"close"> & EventCause;
  /** Closing a bound endpoint failed (`ZMQ_EVENT_CLOSE_FAILED`). */
  "close:error": EventBase<"close:error"> & EventError;
  /** The socket closed or moved to another thread: no more events (`ZMQ_EVENT_MONITOR_STOPPED`); `address` is "". */
  end: EventBase<"end">;
}

/** The name of a monitor event. */
export type SocketEventName = keyof SocketEventMap;

/** Every event name, once (checked against {@link SocketEventMap} by the compiler). */
const EVENT_NAMES: { [K in SocketEventName]: true } = {
  bind: true, "bind:error": true, unbind: true,
  accept: true, "accept:error": true,
  connect: true, "connect:delay": true, "connect:retry": true,
  disconnect: true,
  handshake: true, "handshake:error": true,
  close: true, "close:error": true,
  end: true,
};

/** @internal Every event name. */
export const SOCKET_EVENT_NAMES = Object.keys(EVENT_NAMES) as readonly SocketEventName[];

/** A monitor event of type `K`; for a union of names, the union of their events. */
export type SocketEventOf<K extends SocketEventName> = K extends SocketEventName ? SocketEventMap[K] : never;

/**
 * A monitor event (libzmq's zmq_socket_monitor), a union discriminated by
 * `type`: after `if (e.type === "handshake:error")`, `e.error` and
 * `e.reason` are known to be there.
 */
export type SocketEvent = SocketEventMap[SocketEventName];

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
