/**
 * A publisher's subscriptions, libzmq's mtrie_t: one radix trie (radix.ts)
 * per socket mapping each subscribed prefix to the set of pipes that hold
 * it. A message is matched once, walking its first frame, and every pipe
 * found is handed to a callback (the socket marks them in its dist).
 *
 * A pipe holds a topic at most once (a second subscribe from the same pipe
 * changes nothing), as in libzmq; counting belongs to the subscriber side.
 */
import { descend, join, RadixTrie, type RadixNode } from "./radix.js";

/** What rm() did, by libzmq's names. */
export const RmResult = { notFound: 0, lastValueRemoved: 1, valuesRemain: 2 } as const;
export type RmResult = (typeof RmResult)[keyof typeof RmResult];

export interface MTrieEntry<P> {
  topic: Uint8Array;
  pipes: P[];
}

export class MTrie<P> {
  private readonly trie = new RadixTrie<Set<P>>();
  /**
   * The nodes each pipe holds (a node keeps its identity while it has a
   * value), so that removing a pipe costs its own topics, not a walk of
   * everyone's (libzmq walks the whole trie there).
   */
  private readonly held = new Map<P, Set<RadixNode<Set<P>>>>();

  /** Adds `pipe` to `topic`'s set; true if the topic had no pipe before (the first subscriber). */
  add(topic: Uint8Array, pipe: P): boolean {
    const node = this.trie.insert(topic);
    const pipes = (node.value ??= new Set());
    const first = pipes.size === 0;
    if (!pipes.has(pipe)) {
      pipes.add(pipe);
      let nodes = this.held.get(pipe);
      if (nodes === undefined) this.held.set(pipe, (nodes = new Set()));
      nodes.add(node);
    }
    return first;
  }

  /** Removes `pipe` from `topic`'s set. */
  rm(topic: Uint8Array, pipe: P): RmResult {
    const node = this.trie.find(topic);
    const pipes = node?.value;
    if (node == null || pipes == null || !pipes.delete(pipe)) return RmResult.notFound;
    const nodes = this.held.get(pipe);
    nodes?.delete(node);
    if (nodes?.size === 0) this.held.delete(pipe);
    if (pipes.size > 0) return RmResult.valuesRemain;
    node.value = null;
    this.trie.prune(node);
    return RmResult.lastValueRemoved;
  }

  /** Removes `pipe` from every topic it holds; `onLast(topic)` for each it was the last to hold. */
  rmPipe(pipe: P, onLast: (topic: Uint8Array) => void): void {
    const nodes = this.held.get(pipe);
    if (nodes === undefined) return;
    this.held.delete(pipe);
    for (const node of nodes) {
      const pipes = node.value!;
      pipes.delete(pipe);
      if (pipes.size > 0) continue;
      const topic = this.trie.topicOf(node);
      node.value = null;
      this.trie.prune(node);
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
}
