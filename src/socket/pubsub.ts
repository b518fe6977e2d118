/**
 * PUB, XPUB, SUB, XSUB (RFC 29). Subscriptions travel upstream as messages
 * whose first byte is 1 (subscribe) or 0 (cancel) followed by the topic; the
 * publishing side keeps a per-peer prefix set and sends each message only to
 * peers with a matching prefix, dropping it for peers at their high-water mark.
 */
import { zerr } from "../errors.js";
import type { Msg } from "../msg.js";
import type { Pipe } from "../pipe/pipe.js";
import { Deque } from "../util/deque.js";
import { SocketBase } from "./socket-base.js";
import { FairQueue } from "./fq.js";
import { SubscriptionTrie, type TrieEntry } from "./trie.js";
import { packBatch, unpackAll } from "../pipe/batch.js";

import { subscriptionMessage } from "../msg.js";
export { subscriptionMessage };

export class XPubSocket extends SocketBase {
  protected readonly dist: Pipe[] = [];
  /** How many peers hold each topic (latin1 key), to report first/last only. */
  private topicPeers = new Map<string, number>();
  /** Subscription (and other upstream) messages waiting for the application. */
  private upstream = new Deque<Msg>();

  // Nobody waits for a publisher to read its inbound side.
  protected override get pipeDelay(): boolean {
    return false;
  }

  protected xattach(pipe: Pipe, revived: boolean): void {
    if (!revived) pipe.subs = new SubscriptionTrie();
    else pipe.subs ??= new SubscriptionTrie();
    if (revived) for (const e of pipe.subs.entries()) this.countTopic(e.topic, +1);
    this.dist.push(pipe);
    this.readSubscriptions(pipe);
  }

  protected xterminated(pipe: Pipe): void {
    const i = this.dist.indexOf(pipe);
    if (i >= 0) this.dist.splice(i, 1);
    // A departing subscriber's subscriptions are cancelled.
    if (pipe.subs !== null) {
      for (const e of pipe.subs.entries()) {
        if (this.countTopic(e.topic, -1) === 0) this.report(false, e.topic);
      }
    }
  }

  protected override xreadActivated(pipe: Pipe): void {
    this.readSubscriptions(pipe);
    this.pump();
  }

  private countTopic(topic: Uint8Array, delta: number): number {
    const key = Buffer.from(topic.buffer, topic.byteOffset, topic.byteLength).toString("latin1");
    const n = (this.topicPeers.get(key) ?? 0) + delta;
    if (n <= 0) this.topicPeers.delete(key);
    else this.topicPeers.set(key, n);
    return n;
  }

  private readSubscriptions(pipe: Pipe): void {
    for (;;) {
      const msg = pipe.read();
      if (msg === null) return;
      const first = msg[0]!;
      if (msg.length === 1 && first.length > 0 && (first[0] === 1 || first[0] === 0)) {
        const topic = first.subarray(1);
        const subs = pipe.subs!;
        if (first[0] === 1) {
          const isNew = !subs.has(topic);
          if (isNew) subs.add(topic);
          const firstPeer = isNew && this.countTopic(topic, +1) === 1;
          if (firstPeer || this.options.xpubVerbose) this.report(true, topic);
        } else if (subs.has(topic)) {
          subs.removeAll(topic);
          if (this.countTopic(topic, -1) === 0) this.report(false, topic);
        }
      } else {
        // XSUB may send other messages upstream; XPUB hands them to the application.
        this.passUpstream(msg);
      }
    }
  }

  protected report(subscribe: boolean, topic: Uint8Array): void {
    this.passUpstream([Buffer.concat([Buffer.from([subscribe ? 1 : 0]), topic])]);
  }

  protected passUpstream(msg: Msg): void {
    this.upstream.push(msg);
  }

  protected xsend(msg: Msg): boolean {
    const first = msg[0]!;
    if (this.options.xpubNoDrop) {
      // No drop: wait until every matching subscriber has room.
      for (const p of this.dist) if (p.subs!.matches(first) && !p.checkWrite()) return false;
    }
    for (const p of this.dist) if (p.subs!.matches(first)) p.write(msg);
    return true;
  }

  protected xrecv(): Msg | null {
    return this.upstream.shift() ?? null;
  }

  protected override xfreeze(): ArrayBuffer | null {
    const q = this.upstream.toArray();
    return q.length > 0 ? packBatch(q).buf : null;
  }
  protected override xthaw(state: unknown): void {
    if (state instanceof ArrayBuffer) for (const m of unpackAll(state)) this.upstream.push(m);
  }
}

export class PubSocket extends XPubSocket {
  protected override get canRecv(): boolean {
    return false;
  }
  // PUB reads subscriptions only; anything else from below is dropped.
  protected override report(): void {}
  protected override passUpstream(): void {}
}

interface XSubState {
  subs: TrieEntry[];
}

export class XSubSocket extends SocketBase {
  protected fq = new FairQueue();
  protected readonly upstream: Pipe[] = [];
  protected subs = new SubscriptionTrie();

  protected xattach(pipe: Pipe, revived: boolean): void {
    this.fq.attach(pipe);
    this.upstream.push(pipe);
    // A new (or reconnected) publisher learns every current subscription.
    if (!revived) this.resendSubscriptions(pipe);
  }

  protected override xhiccup(pipe: Pipe): void {
    this.resendSubscriptions(pipe);
  }

  private resendSubscriptions(pipe: Pipe): void {
    for (const e of this.subs.entries()) pipe.forceWrite(subscriptionMessage(true, e.topic));
  }

  protected xterminated(pipe: Pipe): void {
    this.fq.remove(pipe);
    const i = this.upstream.indexOf(pipe);
    if (i >= 0) this.upstream.splice(i, 1);
  }

  /** Applies a subscribe/cancel locally and forwards it upstream (libzmq's xsub_t rules). */
  protected changeSubscription(subscribe: boolean, topic: Uint8Array): void {
    if (subscribe) {
      this.subs.add(topic);
    } else if (!this.subs.remove(topic)) {
      return; // still subscribed (counted), or never was: nothing to tell upstream
    }
    const msg = subscriptionMessage(subscribe, topic);
    for (const p of this.upstream) p.forceWrite(msg);
  }

  protected xsend(msg: Msg): boolean {
    const first = msg[0]!;
    if (msg.length === 1 && first.length > 0 && (first[0] === 1 || first[0] === 0)) {
      this.changeSubscription(first[0] === 1, first.subarray(1));
      return true;
    }
    for (const p of this.upstream) p.write(msg);
    return true;
  }

  protected xrecv(): Msg | null {
    for (;;) {
      const msg = this.fq.recv();
      if (msg === null) return null;
      if (this.subs.matches(msg[0]!)) return msg;
    }
  }

  protected override xfreeze(): XSubState {
    return { subs: this.subs.entries() };
  }
  protected override xthaw(state: unknown): void {
    this.subs = SubscriptionTrie.fromEntries((state as XSubState).subs);
  }

  subscribe(topics: readonly unknown[]): void {
    for (const t of topicList(topics, "subscribe")) this.changeSubscription(true, t);
  }

  unsubscribe(topics: readonly unknown[]): void {
    for (const t of topicList(topics, "unsubscribe")) this.changeSubscription(false, t);
  }
}

export class SubSocket extends XSubSocket {
  protected override get canSend(): boolean {
    return false;
  }
}

function topicList(topics: readonly unknown[], where: string): Buffer[] {
  if (topics.length === 0) return [Buffer.alloc(0)];
  return topics.map((t) => {
    if (typeof t === "string") return Buffer.from(t, "utf8");
    if (t instanceof Uint8Array) return Buffer.from(t);
    throw zerr("EINVAL", `SUB.${where}: a topic must be a string or bytes`);
  });
}
