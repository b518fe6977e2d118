/**
 * The calls waiting on a socket, one queue for send() and one for recv():
 * served strictly in call order, each with its own timeout (EAGAIN) and,
 * if the caller gave one, an AbortSignal: an aborted call leaves the queue
 * as if it had never been made.
 */
import { Deque } from "../util/deque.js";

export interface Waiter<V, R> {
  /** What the call carries (the message of a send). */
  readonly value: V;
  resolve(result: R): void;
  reject(err: unknown): void;
  timer: ReturnType<typeof setTimeout> | null;
  /** Removes the abort listener (set when the call has a signal). */
  unlisten: (() => void) | null;
}

export class WaitQueue<V, R> {
  private readonly q = new Deque<Waiter<V, R>>();

  constructor(
    /** Called when a call leaves the queue by timing out (the socket's keep-alive may change). */
    private readonly onTimeout: () => void,
  ) {}

  get length(): number {
    return this.q.length;
  }

  peek(): Waiter<V, R> | undefined {
    return this.q.peek();
  }

  /**
   * Queues a call; after `timeoutMs` (> 0) it leaves the queue rejected with
   * `timeoutError()`, and when `signal` aborts, with the signal's reason.
   */
  wait(value: V, timeoutMs: number, timeoutError: () => Error, signal?: AbortSignal): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const w: Waiter<V, R> = { value, resolve, reject, timer: null, unlisten: null };
      const leave = (err: unknown): void => {
        if (this.q.removeWhere((x) => x === w).length === 0) return;
        if (w.timer !== null) clearTimeout(w.timer);
        w.unlisten?.();
        reject(err);
        this.onTimeout();
      };
      if (timeoutMs > 0) w.timer = setTimeout(() => leave(timeoutError()), timeoutMs);
      if (signal !== undefined) {
        const onAbort = (): void => leave(signal.reason);
        signal.addEventListener("abort", onAbort, { once: true });
        w.unlisten = () => signal.removeEventListener("abort", onAbort);
      }
      this.q.push(w);
    });
  }

  /** Settles the call at the head of the queue. */
  resolveHead(result: R): void {
    const w = this.q.shift();
    if (w === undefined) return;
    if (w.timer !== null) clearTimeout(w.timer);
    w.unlisten?.();
    w.resolve(result);
  }

  rejectHead(err: Error): void {
    const w = this.q.shift();
    if (w === undefined) return;
    if (w.timer !== null) clearTimeout(w.timer);
    w.unlisten?.();
    w.reject(err);
  }

  /** Empties the queue; each call is settled by `settle` (its timer cleared first). */
  drain(settle: (w: Waiter<V, R>) => void): void {
    const all = this.q.toArray();
    this.q.clear();
    for (const w of all) {
      if (w.timer !== null) clearTimeout(w.timer);
      w.unlisten?.();
      settle(w);
    }
  }

  /** Queues a call nobody awaits (a send that travelled with a migrating socket). */
  push(value: V): void {
    this.q.push({ value, resolve: () => {}, reject: () => {}, timer: null, unlisten: null });
  }
}
