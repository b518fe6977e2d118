/**
 * PUB, XPUB, SUB, XSUB (RFC 29). Subscriptions travel upstream as messages
 * whose first byte is 1 (subscribe) or 0 (cancel) followed by the topic. The
 * publishing side keeps one mtrie (prefix → pipes) for all its subscribers,
 * matches each message's first frame once and writes to the pipes found
 * through its dist, dropping the message for those at their high-water mark
 * (libzmq's xpub_t with mtrie_t and dist_t).
 */
import { zerr } from "../errors.js";
import type { Msg } from "../msg.js";
import type { Pipe } from "../pipe/pipe.js";
import { Deque } from "../util/deque.js";
import { SocketBase } from "./socket-base.js";
import { FairQueue } from "./fq.js";
import { Dist } from "./dist.js";
import { MTrie, RmResult } from "./mtrie.js";
import { SubscriptionTrie, type TrieEntry } from "./trie.js";
import { packBatch, unpackAll } from "../pipe/batch.js";

import { subscriptionMessage } from "../msg.js";
export { subscriptionMessage };

/** XPUB's migrating state: queued upstream messages, and each topic with its pipes by index in `pipes`. */
interface XPubState {
  upstream: ArrayBuffer | null;
  subs: [topic: Uint8Array, pipes: number[]][];
}

/** mtrie.match's callback: no closure per message. */
const markAsMatching = (pipe: Pipe, dist: Dist): void => dist.match(pipe);

export class XPubSocket extends SocketBase {
  protected readonly dist = new Dist();
  /** Every subscriber's subscriptions: prefix → the pipes holding it. */
  private readonly subscriptions = new MTrie<Pipe>();
  /** Subscription (and other upstream) messages waiting for the application. */
  private readonly upstream = new Deque<Msg>();

  // Nobody waits for a publisher to read its inbound side.
  protected override get pipeDelay(): boolean {
    return false;
  }

  protected xattach(pipe: Pipe, revived: boolean): void {
    this.dist.attach(pipe);
    // A revived pipe's subscriptions come with xthaw, before what it has queued since.
    if (!revived) this.readSubscriptions(pipe);
  }

  protected xterminated(pipe: Pipe): void {
    this.dist.terminated(pipe);
    // A departing subscriber's subscriptions are cancelled; reported when it held a topic last.
    this.subscriptions.rmPipe(pipe, (topic) => this.report(false, topic));
  }

  protected override xreadActivated(pipe: Pipe): void {
    this.readSubscriptions(pipe);
    this.pump();
  }

  private readSubscriptions(pipe: Pipe): void {
    if (!this.dist.has(pipe)) return;
    for (let msg = pipe.read(); msg !== null; msg = pipe.read()) {
      const first = msg[0]!;
      if (msg.length === 1 && first.length > 0 && (first[0] === 1 || first[0] === 0)) {
        const topic = first.subarray(1);
        if (first[0] === 1) {
          const firstPeer = this.subscriptions.add(topic, pipe);
          if (firstPeer || this.options.xpubVerbose) this.report(true, topic);
        } else if (this.subscriptions.rm(topic, pipe) === RmResult.lastValueRemoved) {
          this.report(false, topic);
        }
      } else {
        // XSUB may send other messages upstream; XPUB hands them to the application.
        this.passUpstream(msg);
      }
    }
  }

  protected report(subscribe: boolean, topic: Uint8Array): void {
    const m = Buffer.allocUnsafe(topic.length + 1);
    m[0] = subscribe ? 1 : 0;
    m.set(topic, 1);
    this.passUpstream([m]);
  }

  protected passUpstream(msg: Msg): void {
    this.upstream.push(msg);
  }

  protected xsend(msg: Msg): boolean {
    // Match once on the first frame, then write to the pipes found.
    this.subscriptions.match(msg[0]!, markAsMatching, this.dist);
    // No drop: wait until every matching subscriber has room.
    if (this.options.xpubNoDrop && !this.dist.checkHwm()) {
      this.dist.unmatch();
      return false;
    }
    this.dist.sendToMatching(msg);
    this.dist.unmatch();
    return true;
  }

  protected xrecv(): Msg | null {
    return this.upstream.shift() ?? null;
  }

  protected override xhasIn(): boolean {
    return this.upstream.length > 0;
  }

  /** libzmq's dist_t::has_out is always true: a full subscriber misses the message (even with xpubNoDrop, as in libzmq). */
  protected override xhasOut(): boolean {
    return true;
  }

  protected override xfreeze(): XPubState {
    const q = this.upstream.toArray();
    const at = new Map(this.pipes.map((p, i) => [p, i]));
    const subs: XPubState["subs"] = [];
    for (const e of this.subscriptions.entries()) {
      const pipes = e.pipes.map((p) => at.get(p) ?? -1).filter((i) => i >= 0);
      if (pipes.length > 0) subs.push([e.topic, pipes]);
    }
    return { upstream: q.length > 0 ? packBatch(q).buf : null, subs };
  }

  protected override xthaw(state: unknown): void {
    const s = state as Partial<XPubState> | null;
    if (s?.upstream instanceof ArrayBuffer) for (const m of unpackAll(s.upstream)) this.upstream.push(m);
    for (const entry of Array.isArray(s?.subs) ? (s.subs as unknown[]) : []) {
      if (!Array.isArray(entry)) continue;
      const [topic, pipes] = entry as unknown[];
      if (!(topic instanceof Uint8Array) || !Array.isArray(pipes)) continue;
      for (const index of pipes) {
        const pipe = Number.isInteger(index) ? this.pipes[index as number] : undefined;
        if (pipe !== undefined && this.dist.has(pipe)) this.subscriptions.add(topic, pipe);
      }
    }
    // What the subscribers sent since the socket left its old thread.
    for (const p of this.dist.all()) this.readSubscriptions(p);
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

  /** libzmq's xsub_t::xhas_in: a matching message is there; unmatched ones ahead of it are dropped, as xrecv would. */
  protected override xhasIn(): boolean {
    for (const p of this.fq.pipes) {
      for (let msg = p.peek(); msg !== null; msg = p.peek()) {
        if (this.subs.matches(msg[0]!)) return true;
        p.read();
      }
    }
    return false;
  }

  /** libzmq's xsub_t::xhas_out: subscriptions can be sent at any time (SUB cannot send at all). */
  protected override xhasOut(): boolean {
    return true;
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
