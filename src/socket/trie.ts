/**
 * Counted prefix subscriptions (RFC 29), SUB/XSUB's filter: a radix trie
 * (radix.ts) whose nodes count how many times their topic was subscribed.
 * Subscribing twice needs two cancels; the empty topic matches everything.
 */
import { descend, join, RadixTrie } from "./radix.js";

export interface TrieEntry {
  topic: Uint8Array;
  count: number;
}

export class SubscriptionTrie {
  private readonly trie = new RadixTrie<number>();

  /** Adds `times` subscriptions; true when the topic was new (count 0 → n). */
  add(topic: Uint8Array, times = 1): boolean {
    const node = this.trie.insert(topic);
    const isNew = node.value === null;
    node.value = (node.value ?? 0) + times;
    return isNew;
  }

  /** Removes one subscription; true when the topic is gone (count 1 → 0). */
  remove(topic: Uint8Array): boolean {
    const node = this.trie.find(topic);
    if (node === null || node.value === null) return false;
    if (node.value > 1) {
      node.value--;
      return false;
    }
    node.value = null;
    this.trie.prune(node);
    return true;
  }

  /** True if exactly `topic` is subscribed. */
  has(topic: Uint8Array): boolean {
    return this.trie.find(topic)?.value != null;
  }

  /** True if some subscribed topic is a prefix of `data`. */
  matches(data: Uint8Array): boolean {
    let node = this.trie.root;
    for (let at = 0; ; ) {
      if (node.value !== null) return true;
      if (at >= data.length) return false;
      const child = descend(node, data, at);
      if (child === null) return false;
      at += child.label.length;
      node = child;
    }
  }

  entries(): TrieEntry[] {
    const out: TrieEntry[] = [];
    for (const { node, path } of this.trie.walk()) out.push({ topic: join(path), count: node.value! });
    return out;
  }

  static fromEntries(entries: readonly TrieEntry[]): SubscriptionTrie {
    const t = new SubscriptionTrie();
    for (const e of entries) t.add(e.topic, e.count);
    return t;
  }
}
