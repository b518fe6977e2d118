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

/** XPUB's migrating state: queued upstream messages, and each pipe's subscriptions by pipe index. */
interface XPubState {
  upstream: ArrayBuffer | null;
  subs: [pipe: number, entries: TrieEntry[]][];
}

export class XPubSocket extends SocketBase {
  protected readonly dist: Pipe[] = [];
  /** Each subscriber's subscriptions (libzmq keeps these in the socket too). */
  private readonly subs = new Map<Pipe, SubscriptionTrie>();
  /** How many peers hold each topic (latin1 key), to report first/last only. */
  private readonly topicPeers = new Map<string, number>();
  /** Subscription (and other upstream) messages waiting for the application. */
  private readonly upstream = new Deque<Msg>();

  // Nobody waits for a publisher to read its inbound side.
  protected override get pipeDelay(): boolean {
    return false;
  }

  protected xattach(pipe: Pipe, revived: boolean): void {
    this.subs.set(pipe, new SubscriptionTrie());
    this.dist.push(pipe);
    // A revived pipe's subscriptions come with xthaw, before what it has queued since.
    if (!revived) this.readSubscriptions(pipe);
  }

  protected xterminated(pipe: Pipe): void {
    const i = this.dist.indexOf(pipe);
    if (i >= 0) this.dist.splice(i, 1);
    const subs = this.subs.get(pipe);
    this.subs.delete(pipe);
    // A departing subscriber's subscriptions are cancelled.
    if (subs !== undefined) {
      for (const e of subs.entries()) {
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
    const subs = this.subs.get(pipe);
    if (subs === undefined) return;
    for (let msg = pipe.read(); msg !== null; msg = pipe.read()) {
      const first = msg[0]!;
      if (msg.length === 1 && first.length > 0 && (first[0] === 1 || first[0] === 0)) {
        const topic = first.subarray(1);
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
      for (const p of this.dist) if (this.subs.get(p)?.matches(first) === true && !p.checkWrite()) return false;
    }
    for (const p of this.dist) if (this.subs.get(p)?.matches(first) === true) p.write(msg);
    return true;
  }

  protected xrecv(): Msg | null {
    return this.upstream.shift() ?? null;
  }

  protected override xfreeze(): XPubState {
    const q = this.upstream.toArray();
    const subs: XPubState["subs"] = [];
    for (const [pipe, trie] of this.subs) subs.push([this.pipes.indexOf(pipe), trie.entries()]);
    return { upstream: q.length > 0 ? packBatch(q).buf : null, subs };
  }

  protected override xthaw(state: unknown): void {
    const s = state as Partial<XPubState> | null;
    if (s?.upstream instanceof ArrayBuffer) for (const m of unpackAll(s.upstream)) this.upstream.push(m);
    for (const [index, entries] of Array.isArray(s?.subs) ? s.subs : []) {
      const pipe = this.pipes[index];
      if (pipe === undefined || !this.subs.has(pipe) || !isTrieEntries(entries)) continue;
      this.subs.set(pipe, SubscriptionTrie.fromEntries(entries));
      for (const e of entries) this.countTopic(e.topic, +1);
    }
    // What the subscribers sent since the socket left its old thread.
    for (const p of this.dist) this.readSubscriptions(p);
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
    const entries = (state as Partial<XSubState> | null)?.subs;
    if (isTrieEntries(entries)) this.subs = SubscriptionTrie.fromEntries(entries);
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

function isTrieEntries(v: unknown): v is TrieEntry[] {
  return (
    Array.isArray(v) &&
    v.every((e: unknown) => {
      const t = e as Partial<TrieEntry> | null;
      return t !== null && typeof t === "object" && t.topic instanceof Uint8Array && Number.isInteger(t.count) && (t.count ?? 0) > 0;
    })
  );
}
