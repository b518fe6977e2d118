/**
 * Counted prefix subscriptions (RFC 29): a byte trie whose nodes count how
 * many times their prefix was subscribed. Subscribing twice needs two cancels.
 */
export interface TrieEntry {
  topic: Uint8Array;
  count: number;
}

class TrieNode {
  count = 0;
  children: Map<number, TrieNode> | null = null;
}

export class SubscriptionTrie {
  private root = new TrieNode();

  /** Adds `times` subscriptions; true when the topic was new (count 0 → n). */
  add(topic: Uint8Array, times = 1): boolean {
    let node = this.root;
    for (let i = 0; i < topic.length; i++) {
      const b = topic[i]!;
      if (node.children === null) node.children = new Map();
      let next = node.children.get(b);
      if (next === undefined) {
        next = new TrieNode();
        node.children.set(b, next);
      }
      node = next;
    }
    const isNew = node.count === 0;
    node.count += times;
    return isNew;
  }

  /** Removes one subscription; true when the topic is gone (count 1 → 0). */
  remove(topic: Uint8Array): boolean {
    const path: TrieNode[] = [this.root];
    let node = this.root;
    for (let i = 0; i < topic.length; i++) {
      const next = node.children?.get(topic[i]!);
      if (next === undefined) return false;
      node = next;
      path.push(node);
    }
    if (node.count === 0) return false;
    node.count--;
    if (node.count > 0) return false;
    // Prune empty branches so the trie does not grow with churn.
    for (let i = topic.length; i > 0; i--) {
      const n = path[i]!;
      if (n.count > 0 || (n.children !== null && n.children.size > 0)) break;
      path[i - 1]!.children!.delete(topic[i - 1]!);
    }
    return true;
  }

  /** True if exactly `topic` is subscribed. */
  has(topic: Uint8Array): boolean {
    let node: TrieNode | undefined = this.root;
    for (let i = 0; i < topic.length && node !== undefined; i++) node = node.children?.get(topic[i]!);
    return node !== undefined && node.count > 0;
  }

  /** Drops `topic` whatever its count; true if it was there. */
  removeAll(topic: Uint8Array): boolean {
    if (!this.has(topic)) return false;
    while (!this.remove(topic)) {}
    return true;
  }

  /** True if some subscribed topic is a prefix of `data`. */
  matches(data: Uint8Array): boolean {
    let node: TrieNode | undefined = this.root;
    if (node.count > 0) return true;
    for (let i = 0; i < data.length; i++) {
      node = node.children?.get(data[i]!);
      if (node === undefined) return false;
      if (node.count > 0) return true;
    }
    return false;
  }

  entries(): TrieEntry[] {
    const out: TrieEntry[] = [];
    const walk = (node: TrieNode, prefix: number[]): void => {
      if (node.count > 0) out.push({ topic: Uint8Array.from(prefix), count: node.count });
      if (node.children === null) return;
      for (const [b, child] of node.children) {
        prefix.push(b);
        walk(child, prefix);
        prefix.pop();
      }
    };
    walk(this.root, []);
    return out;
  }

  static fromEntries(entries: readonly TrieEntry[]): SubscriptionTrie {
    const t = new SubscriptionTrie();
    for (const e of entries) t.add(e.topic, e.count);
    return t;
  }
}
