/**
 * The calls waiting on a socket, one queue for send() and one for recv():
 * served strictly in call order, each with its own timeout (EAGAIN).
 */
import { Deque } from "../util/deque.js";

export interface Waiter<V, R> {
  /** What the call carries (the message of a send). */
  readonly value: V;
  resolve(result: R): void;
  reject(err: Error): void;
  timer: ReturnType<typeof setTimeout> | null;
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

  /** Queues a call; after `timeoutMs` (> 0) it leaves the queue rejected with `timeoutError()`. */
  wait(value: V, timeoutMs: number, timeoutError: () => Error): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const w: Waiter<V, R> = { value, resolve, reject, timer: null };
      if (timeoutMs > 0) {
        w.timer = setTimeout(() => {
          if (this.q.removeWhere((x) => x === w).length === 0) return;
          reject(timeoutError());
          this.onTimeout();
        }, timeoutMs);
      }
      this.q.push(w);
    });
  }

  /** Settles the call at the head of the queue. */
  resolveHead(result: R): void {
    const w = this.q.shift();
    if (w === undefined) return;
    if (w.timer !== null) clearTimeout(w.timer);
    w.resolve(result);
  }

  rejectHead(err: Error): void {
    const w = this.q.shift();
    if (w === undefined) return;
    if (w.timer !== null) clearTimeout(w.timer);
    w.reject(err);
  }

  /** Empties the queue; each call is settled by `settle` (its timer cleared first). */
  drain(settle: (w: Waiter<V, R>) => void): void {
    const all = this.q.toArray();
    this.q.clear();
    for (const w of all) {
      if (w.timer !== null) clearTimeout(w.timer);
      settle(w);
    }
  }

  /** Queues a call nobody awaits (a send that travelled with a migrating socket). */
  push(value: V): void {
    this.q.push({ value, resolve: () => {}, reject: () => {}, timer: null });
  }
}
