/**
 * Poller: waits until any of several sockets is readable or writable, without
 * taking a message (libzmq's zmq_poller_wait_all / zmq_poll), so the Guide's
 * poll-driven brokers port directly.
 *
 * Readiness is each type's own rule (libzmq's xhas_in/xhas_out, see the
 * socket types). A pending wait() watches the sockets' cores: pipe wake-ups,
 * REQ/REP turns, close, detach and context termination tell it to look
 * again (one microtask per burst); there is no timer but the caller's
 * timeout. Sockets are not watched between waits, so an idle poller costs
 * nothing.
 *
 * Choices where libzmq has no equivalent: a socket closed while in the
 * poller makes wait() reject ENOTSOCK (libzmq's zmq_poll on a closed
 * socket); so does a socket detached for migration (the object left behind
 * is dead, as for every other call on it): remove() it before detaching.
 * A terminated context rejects ETERM.
 */
import { zerr, type ZocketError } from "./errors.js";
import { coreOf, Socket } from "./socket.js";
import type { SocketBase } from "./socket/socket-base.js";
import { Coalesced, type ReadinessWatcher } from "./socket/readiness.js";

/**
 * Any zocket socket, the `Socket` class or a per-type view of it: what a
 * Poller and a proxy take. Only zocket sockets are accepted at run time.
 */
export type AnySocket = Pick<Socket, "type" | "closed" | "readable" | "writable">;

/** What to wait for on a socket: ZMQ_POLLIN, ZMQ_POLLOUT or both. */
export type PollEvents = "readable" | "writable" | "both";

const POLLIN = 1;
const POLLOUT = 2;
const INTEREST: Record<PollEvents, number> = { readable: POLLIN, writable: POLLOUT, both: POLLIN | POLLOUT };

interface Waiter<S> {
  resolve(ready: S[]): void;
  reject(err: unknown): void;
  timer: ReturnType<typeof setTimeout> | null;
}

/**
 * Waits until any of several sockets is readable or writable, without taking
 * a message (libzmq's `zmq_poller_wait_all`):
 *
 *     const poller = new Poller<typeof frontend | typeof backend>().add(frontend).add(backend);
 *     for (const s of await poller.wait(1000)) handle(s.tryRecv());
 *
 * @typeParam S What wait() reports: the sockets' own type if given, else any socket.
 */
export class Poller<S extends AnySocket = AnySocket> {
  /** Socket → interest, in the order sockets were first added (the order wait() reports them). */
  readonly #items = new Map<S, number>();
  readonly #waiters = new Set<Waiter<S>>();
  /** The cores watched while a wait() is pending. */
  readonly #watched = new Set<SocketBase>();
  readonly #check = new Coalesced(() => this.#settle());
  readonly #watcher: ReadinessWatcher = { readinessChanged: () => this.#check.schedule() };

  /**
   * Adds `socket`, or changes what is waited for on it if it is already in
   * (it keeps its place). Default: "readable".
   */
  add(socket: S, events: PollEvents = "readable"): this {
    const interest = INTEREST[events];
    if (interest === undefined) throw zerr("EINVAL", `Poller.add: events must be "readable", "writable" or "both", not ${String(events)}`);
    if (!(socket instanceof Socket)) throw zerr("EINVAL", "Poller.add: not a zocket Socket");
    this.#items.set(socket, interest);
    this.#changed();
    return this;
  }

  /** Takes `socket` out; false if it was not in. */
  remove(socket: S): boolean {
    const had = this.#items.delete(socket);
    if (had) this.#changed();
    return had;
  }

  /** Whether `socket` is in the poller. */
  has(socket: S): boolean {
    return this.#items.has(socket);
  }

  /** How many sockets are in the poller. */
  get size(): number {
    return this.#items.size;
  }

  /**
   * Resolves with the sockets ready for what was asked (in the order they
   * were added), as soon as there is at least one, or with `[]` when
   * `timeoutMs` passes. 0 checks once and returns; undefined or -1 waits
   * without limit. Takes no message. Rejects ENOTSOCK (a socket was closed
   * or detached), ETERM (its context was terminated), EINVAL (bad timeout,
   * or nothing to wait for and no timeout: libzmq's EFAULT).
   */
  wait(timeoutMs = -1): Promise<S[]> {
    if (!(Number.isInteger(timeoutMs) && timeoutMs >= -1) && timeoutMs !== Infinity) {
      return Promise.reject(zerr("EINVAL", `Poller.wait: timeout must be -1 or a whole number of ms ≥ 0, not ${String(timeoutMs)}`));
    }
    let ready: S[];
    try {
      ready = this.#poll();
    } catch (err) {
      return Promise.reject(err);
    }
    if (ready.length > 0 || timeoutMs === 0) return Promise.resolve(ready);
    if (this.#items.size === 0 && timeoutMs < 0) {
      return Promise.reject(zerr("EINVAL", "Poller.wait: no sockets to wait for and no timeout: this would never return"));
    }
    return new Promise<S[]>((resolve, reject) => {
      const w: Waiter<S> = { resolve, reject, timer: null };
      if (timeoutMs > 0 && timeoutMs !== Infinity) {
        w.timer = setTimeout(() => {
          this.#waiters.delete(w);
          this.#sync();
          resolve([]);
        }, timeoutMs);
      }
      this.#waiters.add(w);
      this.#sync();
    });
  }

  /** The sockets ready now; throws what a call on a dead one would. */
  #poll(): S[] {
    const ready: S[] = [];
    for (const [socket, interest] of this.#items) {
      const core = coreOf(socket as unknown as Socket);
      if (core === null) throw zerr("ENOTSOCK", `Poller.wait: a ${socket.type} socket in the poller was detached for migration`);
      const err: ZocketError | null = core.usable("poll");
      if (err !== null) throw err;
      if (((interest & POLLIN) !== 0 && core.hasIn()) || ((interest & POLLOUT) !== 0 && core.hasOut())) ready.push(socket);
    }
    return ready;
  }

  #changed(): void {
    if (this.#waiters.size === 0) return;
    this.#sync();
    this.#check.schedule();
  }

  /** Something may have changed: settle every pending wait() if a socket is ready (or dead). */
  #settle(): void {
    if (this.#waiters.size === 0) return;
    let ready: S[];
    try {
      ready = this.#poll();
    } catch (err) {
      this.#finish((w) => w.reject(err));
      return;
    }
    if (ready.length > 0) this.#finish((w) => w.resolve(ready));
  }

  #finish(settle: (w: Waiter<S>) => void): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    this.#sync();
    for (const w of waiters) {
      if (w.timer !== null) clearTimeout(w.timer);
      settle(w);
    }
  }

  /** Watches exactly the live cores of our sockets while a wait() is pending, nothing otherwise. */
  #sync(): void {
    const want = new Set<SocketBase>();
    if (this.#waiters.size > 0) {
      for (const socket of this.#items.keys()) {
        const core = coreOf(socket as unknown as Socket);
        if (core !== null) want.add(core);
      }
    }
    for (const core of this.#watched) {
      if (!want.has(core)) {
        core.readiness.unwatch(this.#watcher);
        this.#watched.delete(core);
      }
    }
    for (const core of want) {
      if (!this.#watched.has(core)) {
        core.readiness.watch(this.#watcher);
        this.#watched.add(core);
      }
    }
  }
}
