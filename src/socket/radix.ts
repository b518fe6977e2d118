/**
 * A radix (compressed) trie over byte strings: the core of the subscription
 * sets (trie.ts: counted, for SUB/XSUB; mtrie.ts: prefix → pipes, for
 * PUB/XPUB). Each edge carries a byte string, so a topic of n bytes costs
 * one node and n bytes however long it is; inserting splits an edge where a
 * new topic leaves it, removing deletes empty leaves and merges a node left
 * with one child into it. Nodes link to their parents, so a node that holds
 * a value can be pruned, or its topic rebuilt, without a search from the root.
 *
 * Topics come from remote peers, so nothing here recurses (every walk keeps
 * its own stack) and no operation costs much more than the bytes of the
 * message that asked for it:
 * - a split copies the head of the edge (at most the new topic's length);
 *   the tail stays a view of the old label, copied only once the bytes it
 *   holds dead exceed what it uses (so copies are paid for by earlier splits,
 *   and a label never holds more than twice its length plus SLACK);
 * - a merge copies both labels, so it is done only when the child's label is
 *   no longer than the topic that triggered it (plus SLACK); otherwise the
 *   empty node stays in place, which costs one node, not bytes.
 */

/** Bytes a label may hold beyond its own length before it is compacted; the longest child label merged regardless. */
const SLACK = 64;

const EMPTY = new Uint8Array(0);

export class RadixNode<V> {
  /** The bytes on the edge from the parent (empty for the root). */
  label: Uint8Array;
  /** What is stored for the topic ending here; null: nothing. */
  value: V | null = null;
  /** Children by the first byte of their label; null when there are none. */
  children: Map<number, RadixNode<V>> | null = null;
  /** null for the root. A node keeps its identity while it holds a value (splits and merges move only empty nodes). */
  parent: RadixNode<V> | null;
  /** Bytes of the label's buffer before it that no node uses any more (the label is a view). */
  dead = 0;

  constructor(label: Uint8Array, parent: RadixNode<V> | null) {
    this.label = label;
    this.parent = parent;
  }
}

/** A copy of src[start, end) in a buffer of its own. */
export function copyBytes(src: Uint8Array, start = 0, end = src.length): Uint8Array {
  const out = new Uint8Array(end - start);
  out.set(src.subarray(start, end));
  return out;
}

/** How many bytes of `label` equal key[at…] from the start (at most the shorter of the two). */
function common(label: Uint8Array, key: Uint8Array, at: number): number {
  const n = Math.min(label.length, key.length - at);
  let i = 0;
  while (i < n && label[i] === key[at + i]) i++;
  return i;
}

/**
 * The child of `node` whose whole label is found in `data` at `at`, or null.
 * The walk every match takes: one map lookup and one comparison per edge.
 */
export function descend<V>(node: RadixNode<V>, data: Uint8Array, at: number): RadixNode<V> | null {
  const child = node.children?.get(data[at]!);
  if (child === undefined) return null;
  const label = child.label;
  if (label.length > data.length - at) return null;
  for (let i = 1; i < label.length; i++) if (label[i] !== data[at + i]) return null;
  return child;
}

/** The length of the topic a node stands for. */
function depthOf<V>(node: RadixNode<V>): number {
  let d = 0;
  for (let n: RadixNode<V> | null = node; n !== null; n = n.parent) d += n.label.length;
  return d;
}

/** One node of a walk: the labels from the root to it (live: copy with join() before the walk goes on). */
export interface Visit<V> {
  node: RadixNode<V>;
  path: readonly Uint8Array[];
}

/** The labels of a path as one topic. */
export function join(path: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of path) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of path) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export class RadixTrie<V> {
  readonly root = new RadixNode<V>(EMPTY, null);

  /** The node for exactly `key`, or null. */
  find(key: Uint8Array): RadixNode<V> | null {
    let node = this.root;
    for (let at = 0; at < key.length; ) {
      const child = descend(node, key, at);
      if (child === null) return null;
      at += child.label.length;
      node = child;
    }
    return node;
  }

  /** The node for `key`, made if missing (splitting the edge where `key` leaves it). */
  insert(key: Uint8Array): RadixNode<V> {
    let node = this.root;
    let at = 0;
    while (at < key.length) {
      const b = key[at]!;
      let child = node.children?.get(b);
      if (child === undefined) {
        const leaf = new RadixNode<V>(copyBytes(key, at), node);
        (node.children ??= new Map()).set(b, leaf);
        return leaf;
      }
      const n = common(child.label, key, at);
      if (n < child.label.length) child = this.split(node, child, n);
      at += n;
      node = child;
    }
    return node;
  }

  /** Puts a node for the first `n` bytes of `child`'s label between it and `parent`; returns it. */
  private split(parent: RadixNode<V>, child: RadixNode<V>, n: number): RadixNode<V> {
    const label = child.label;
    const mid = new RadixNode<V>(copyBytes(label, 0, n), parent);
    const tail = label.subarray(n);
    const dead = child.dead + n;
    if (dead > tail.length + SLACK) {
      child.label = copyBytes(tail);
      child.dead = 0;
    } else {
      child.label = tail;
      child.dead = dead;
    }
    mid.children = new Map([[tail[0]!, child]]);
    child.parent = mid;
    parent.children!.set(label[0]!, mid);
    return mid;
  }

  /**
   * Tidies the path above `node` after its value was cleared: deletes nodes
   * left with no value and no children, bottom up, and merges the last node
   * left with no value and one child into that child.
   */
  prune(node: RadixNode<V>): void {
    for (let n = node; n.parent !== null; ) {
      const parent: RadixNode<V> = n.parent;
      if (n.value !== null) return;
      const kids = n.children;
      if (kids === null) {
        parent.children!.delete(n.label[0]!);
        if (parent.children!.size === 0) parent.children = null;
        n.parent = null;
        n = parent;
        continue;
      }
      if (kids.size === 1) this.merge(parent, n, depthOf(n));
      return;
    }
  }

  /** The topic a node stands for: the labels from the root down to it. */
  topicOf(node: RadixNode<V>): Uint8Array {
    const path: Uint8Array[] = [];
    for (let n: RadixNode<V> | null = node; n !== null; n = n.parent) path.push(n.label);
    return join(path.reverse());
  }

  /** Replaces `n` (no value, one child) by its child with both labels, if the copy is paid for by a topic of `depth` bytes. */
  private merge(parent: RadixNode<V>, n: RadixNode<V>, depth: number): void {
    const [child] = n.children!.values();
    if (child === undefined || child.label.length > depth + SLACK) return;
    const label = new Uint8Array(n.label.length + child.label.length);
    label.set(n.label);
    label.set(child.label, n.label.length);
    child.label = label;
    child.dead = 0;
    child.parent = parent;
    n.parent = null;
    n.children = null;
    parent.children!.set(label[0]!, child);
  }

  /**
   * Every node holding a value, depth first, with the labels leading to it.
   * Iterative: the stack is data, whatever the depth.
   */
  *walk(): Generator<Visit<V>> {
    const path: Uint8Array[] = [];
    const stack: RadixNode<V>[] = [this.root];
    const levels: number[] = [0];
    for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
      const level = levels.pop()!;
      path.length = level;
      path.push(node.label);
      if (node.value !== null) yield { node, path };
      if (node.children !== null) {
        for (const child of node.children.values()) {
          stack.push(child);
          levels.push(level + 1);
        }
      }
    }
  }
}
