/**
 * A publisher's subscriptions, libzmq's mtrie_t: one radix trie (radix.ts)
 * per socket mapping each subscribed prefix to the set of pipes that hold
 * it. A message is matched once, walking its first frame, and every pipe
 * found is handed to a callback (the socket marks them in its dist).
 *
 * A pipe holds a topic at most once (a second subscribe from the same pipe
 * changes nothing), as in libzmq; counting belongs to the subscriber side.
 */
import { descend, join, RadixTrie } from "./radix.js";

/** What rm() did, by libzmq's names. */
export const RmResult = { notFound: 0, lastValueRemoved: 1, valuesRemain: 2 } as const;
export type RmResult = (typeof RmResult)[keyof typeof RmResult];

export interface MTrieEntry<P> {
  topic: Uint8Array;
  pipes: P[];
}

export class MTrie<P> {
  private readonly trie = new RadixTrie<Set<P>>();
  /** How many topics each pipe holds: removing a pipe stops walking once all are found. */
  private readonly held = new Map<P, number>();

  /** Adds `pipe` to `topic`'s set; true if the topic had no pipe before (the first subscriber). */
  add(topic: Uint8Array, pipe: P): boolean {
    const node = this.trie.insert(topic);
    const pipes = (node.value ??= new Set());
    const first = pipes.size === 0;
    if (!pipes.has(pipe)) {
      pipes.add(pipe);
      this.held.set(pipe, (this.held.get(pipe) ?? 0) + 1);
    }
    return first;
  }

  /** Removes `pipe` from `topic`'s set. */
  rm(topic: Uint8Array, pipe: P): RmResult {
    const node = this.trie.find(topic);
    const pipes = node?.value;
    if (node == null || pipes == null || !pipes.delete(pipe)) return RmResult.notFound;
    this.release(pipe);
    if (pipes.size > 0) return RmResult.valuesRemain;
    node.value = null;
    this.trie.prune(topic);
    return RmResult.lastValueRemoved;
  }

  /**
   * Removes `pipe` from every topic; `onLast(topic)` for each topic it
   * was the last to hold. One walk of the trie (libzmq does the same), none
   * for a pipe that holds nothing.
   */
  rmPipe(pipe: P, onLast: (topic: Uint8Array) => void): void {
    let left = this.held.get(pipe) ?? 0;
    if (left === 0) return;
    this.held.delete(pipe);
    const emptied: Uint8Array[] = [];
    for (const { node, path } of this.trie.walk()) {
      if (!node.value!.delete(pipe)) continue;
      if (node.value!.size === 0) {
        node.value = null;
        emptied.push(join(path));
      }
      if (--left === 0) break;
    }
    // Restructured once the walk is over.
    for (const topic of emptied) {
      this.trie.prune(topic);
      onLast(topic);
    }
  }

  /** Calls `fn(pipe, arg)` for each pipe holding a prefix of `data` (a pipe holding several, once per prefix). */
  match<A>(data: Uint8Array, fn: (pipe: P, arg: A) => void, arg: A): void {
    let node = this.trie.root;
    for (let at = 0; ; ) {
      if (node.value !== null) for (const p of node.value) fn(p, arg);
      if (at >= data.length) return;
      const child = descend(node, data, at);
      if (child === null) return;
      at += child.label.length;
      node = child;
    }
  }

  /** Every topic with its pipes (for migration). */
  entries(): MTrieEntry<P>[] {
    const out: MTrieEntry<P>[] = [];
    for (const { node, path } of this.trie.walk()) out.push({ topic: join(path), pipes: [...node.value!] });
    return out;
  }

  private release(pipe: P): void {
    const left = (this.held.get(pipe) ?? 0) - 1;
    if (left > 0) this.held.set(pipe, left);
    else this.held.delete(pipe);
  }
}
