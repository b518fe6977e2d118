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

export type SocketEventName = (typeof SOCKET_EVENT_NAMES)[number];

export interface SocketEvent {
  type: SocketEventName;
  address: string;
  error?: Error;
  /** For handshake errors: "protocol", "auth" or "other". */
  reason?: "protocol" | "auth" | "other";
}

type Listener = (event: SocketEvent) => void;

export class SocketEvents implements AsyncIterable<SocketEvent> {
  private listeners = new Map<SocketEventName, Set<Listener>>();
  private iterators = new Set<{ queue: SocketEvent[]; wake: (() => void) | null }>();
  private ended = false;

  on(name: SocketEventName, fn: Listener): this {
    let set = this.listeners.get(name);
    if (set === undefined) this.listeners.set(name, (set = new Set()));
    set.add(fn);
    return this;
  }

  off(name: SocketEventName, fn: Listener): this {
    this.listeners.get(name)?.delete(fn);
    return this;
  }

  /** @internal */
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

  /** @internal: no more events (socket closed or migrated). */
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
