/**
 * A FIFO ring buffer that grows by doubling: O(1) push/shift/pop with no
 * per-operation allocation (Array#shift moves every element; resetting an
 * array's length on every drain is measurably slow on V8).
 */
export class Deque<T> {
  private items: (T | undefined)[] = new Array(16);
  private mask = 15;
  private head = 0;
  private size = 0;

  get length(): number {
    return this.size;
  }

  push(item: T): void {
    if (this.size === this.items.length) this.grow();
    this.items[(this.head + this.size) & this.mask] = item;
    this.size++;
  }

  peek(): T | undefined {
    return this.size === 0 ? undefined : this.items[this.head];
  }

  peekLast(): T | undefined {
    return this.size === 0 ? undefined : this.items[(this.head + this.size - 1) & this.mask];
  }

  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.size--;
    return item;
  }

  /** Removes and returns the newest item. */
  pop(): T | undefined {
    if (this.size === 0) return undefined;
    const i = (this.head + this.size - 1) & this.mask;
    const item = this.items[i];
    this.items[i] = undefined;
    this.size--;
    return item;
  }

  clear(): void {
    this.items = new Array(16);
    this.mask = 15;
    this.head = 0;
    this.size = 0;
  }

  toArray(): T[] {
    const out = new Array<T>(this.size);
    for (let i = 0; i < this.size; i++) out[i] = this.items[(this.head + i) & this.mask] as T;
    return out;
  }

  /** Removes every item matching `pred`, keeping order; returns the removed ones. */
  removeWhere(pred: (item: T) => boolean): T[] {
    const all = this.toArray();
    const removed: T[] = [];
    this.clear();
    for (const item of all) {
      if (pred(item)) removed.push(item);
      else this.push(item);
    }
    return removed;
  }

  private grow(): void {
    const old = this.items;
    const n = old.length;
    const next = new Array<T | undefined>(n * 2);
    for (let i = 0; i < this.size; i++) next[i] = old[(this.head + i) & (n - 1)];
    this.items = next;
    this.mask = n * 2 - 1;
    this.head = 0;
  }
}
