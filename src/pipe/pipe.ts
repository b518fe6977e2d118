/**
 * One end of a bidirectional message pipe between a socket and its peer (another
 * socket over inproc, or a session/engine for tcp and ipc).
 *
 * An end works in one of two modes:
 *  - local: both ends live in this thread; a write pushes straight into the
 *    peer's inbound queue and wakes the peer's socket only if it was asleep;
 *  - port: the peer is (or may be) in another thread; writes are packed into one
 *    ArrayBuffer per tick and posted on a MessagePort; the reader returns credit
 *    every low-water-mark messages (libzmq's hwm/lwm scheme).
 * A local pipe turns into a port pipe when one of its sockets migrates, and a
 * port pipe migrates by transferring its port: messages in flight follow it.
 *
 * Shutdown follows libzmq's pipe handshake: `terminate()` sends TERM behind
 * the data already written (a delimiter); the peer acknowledges once its socket
 * has read up to the delimiter (or at once when it does not wait, "nodelay");
 * TERM_ACK ends the pipe. A peer whose thread dies closes the port: the end is
 * terminated on the spot.
 */
import type { Transferable } from "../util/transfer.js";
import { MessageChannel, type MessagePort } from "node:worker_threads";
import { Deque } from "../util/deque.js";
import type { Msg } from "../msg.js";
import { packBatch, unpackBatch } from "./batch.js";
import { SubscriptionTrie, type TrieEntry } from "../socket/trie.js";

export type SocketTypeName =
  | "PAIR" | "PUB" | "SUB" | "XPUB" | "XSUB" | "REQ" | "REP" | "DEALER" | "ROUTER" | "PUSH" | "PULL";

/** What one end tells the other about its socket. */
export interface EndInfo {
  type: SocketTypeName;
  routingId: Uint8Array;
  sndhwm: number;
  rcvhwm: number;
  conflate: boolean;
}

/** The owner of a pipe end (a socket, or a session for tcp/ipc). */
export interface PipeSink {
  /** The pipe has messages again after a read found it empty. */
  readActivated(pipe: Pipe): void;
  /** The pipe has room again after a write found it full. */
  writeActivated(pipe: Pipe): void;
  /** The pipe is gone (handshake finished, or the peer's thread died). Called once. */
  pipeTerminated(pipe: Pipe): void;
  /** The peer's EndInfo became known (port pipes learn it from a HELLO). */
  pipeHello(pipe: Pipe): void;
  /** The peer behind this pipe reconnected (a new tcp/ipc connection): resend state such as subscriptions. */
  pipeHiccup?(pipe: Pipe): void;
}

const ACTIVE = 0;
const TERM_SENT = 1; // we started the shutdown; waiting for TERM_ACK
const DRAINING = 2; // the peer started it; our socket still reads up to the delimiter
const TERMINATED = 3;

/** Sentinel queued behind the last message of a peer that is shutting down. */
const DELIMITER: Msg = Object.freeze([]) as unknown as Msg;

// Port protocol. Plain objects: structured clone handles them cheaply.
const K_HELLO = 0;
const K_DATA = 1;
const K_CREDIT = 2;
const K_TERM = 3;
const K_TERM_ACK = 4;
const K_HICCUP = 5;
type PortMsg =
  | { k: typeof K_HELLO; info: EndInfo }
  | { k: typeof K_DATA; b: ArrayBuffer }
  | { k: typeof K_CREDIT; r: number }
  | { k: typeof K_TERM; d: boolean }
  | { k: typeof K_TERM_ACK }
  | { k: typeof K_HICCUP };

/** Flush a port batch early past these sizes (keeps latency and memory bounded). */
const FLUSH_MSGS = 512;
const FLUSH_BYTES = 256 * 1024;

/** libzmq's low-water mark: credit is returned in steps of this many messages. */
/**
 * The bound on messages in flight between a writer and a reader: the sum of
 * their marks, 0 (unlimited) if either is 0. A negative mark (a session's end
 * of a tcp/ipc pipe) adds nothing: there the socket's own mark is the bound.
 */
export function hwmSum(sndhwm: number, rcvhwm: number): number {
  if (sndhwm === 0 || rcvhwm === 0) return 0;
  return Math.max(0, sndhwm) + Math.max(0, rcvhwm);
}

export function lwmOf(hwm: number): number {
  return hwm > 2048 ? hwm - 1024 : (hwm + 1) >> 1;
}

/** Everything needed to revive a port-mode end in another thread. */
export interface PipeState {
  port: MessagePort;
  own: EndInfo;
  delay: boolean;
  peer: EndInfo | null;
  state: number;
  inq: ArrayBuffer | null;
  delimiter: boolean;
  written: number;
  peerRead: number;
  readCount: number;
  creditSent: number;
  endpoint: string;
  routingId: Uint8Array | null;
  subs: TrieEntry[] | null;
  attached: boolean;
}

// One setImmediate flushes every port pipe written in this tick.
let flushQueue: Pipe[] = [];
let flushScheduled = false;
function flushAll(): void {
  flushScheduled = false;
  const q = flushQueue;
  flushQueue = [];
  for (let i = 0; i < q.length; i++) q[i]!.flush();
}

export class Pipe {
  sink: PipeSink | null = null;
  own: EndInfo;
  peer: EndInfo | null = null;
  /** Whether our socket reads up to the peer's delimiter before acknowledging TERM. */
  delay = true;
  /** The endpoint (bind or connect) this pipe came from, for unbind/disconnect. */
  endpoint = "";
  /** Per-socket bookkeeping: ROUTER's identity for this peer, PUB's subscriptions. */
  routingId: Buffer | null = null;
  subs: SubscriptionTrie | null = null;
  /** Set by the socket once it has taken the pipe in (xattach). */
  attached = false;

  private state = ACTIVE;
  private inq = new Deque<Msg>();
  private readerAsleep = true;
  private writerBlocked = false;
  private terminatedNotified = false;

  // local mode
  private other: Pipe | null = null;
  // port mode
  private port: MessagePort | null = null;
  private out: Msg[] = [];
  private outBytes = 0;
  private flushPending = false;
  private written = 0;
  private peerRead = 0;
  private readCount = 0;
  private creditSent = 0;

  private constructor(own: EndInfo) {
    this.own = own;
  }

  /** Two ends in this thread. */
  static localPair(a: EndInfo, b: EndInfo): [Pipe, Pipe] {
    const pa = new Pipe(a);
    const pb = new Pipe(b);
    pa.other = pb;
    pb.other = pa;
    pa.peer = b;
    pb.peer = a;
    return [pa, pb];
  }

  /**
   * A local pair where `b`'s peer (a session) does not know yet who is behind
   * it: the remote socket's identity comes with the handshake (`announce`).
   */
  static localPairPending(a: EndInfo, b: EndInfo): [Pipe, Pipe] {
    const pair = Pipe.localPair(a, b);
    pair[0].peer = null;
    return pair;
  }

  /** Tells the other end who is behind this one (after a handshake). */
  announce(info: EndInfo): void {
    this.own = info;
    const other = this.other;
    if (other !== null) {
      other.peer = info;
      other.sink?.pipeHello(other);
      other.wakeWriterIfRoom();
    } else this.post({ k: K_HELLO, info });
  }

  /** Tells the other end that the connection behind this end was re-established. */
  hiccup(): void {
    const other = this.other;
    if (other !== null) other.sink?.pipeHiccup?.(other);
    else this.post({ k: K_HICCUP });
  }

  /**
   * An end over `port`; announces itself with a HELLO, unless `hello` is
   * false (a session whose peer is not known yet: `announce` says it later).
   */
  static overPort(port: MessagePort, own: EndInfo, hello = true): Pipe {
    const p = new Pipe(own);
    p.listen(port);
    if (hello) port.postMessage({ k: K_HELLO, info: own } satisfies PortMsg);
    return p;
  }

  get isLocal(): boolean {
    return this.other !== null;
  }

  get isActive(): boolean {
    return this.state === ACTIVE;
  }

  get isTerminated(): boolean {
    return this.state === TERMINATED;
  }

  /** Messages waiting to be read at this end (the delimiter excluded). */
  get inboundCount(): number {
    const n = this.inq.length;
    return n > 0 && this.inq.peekLast() === DELIMITER ? n - 1 : n;
  }

  // ---------------------------------------------------------------- writing

  /** The number of messages that may be outstanding towards the peer; 0 = unlimited. */
  private limit(): number {
    const peer = this.peer;
    if (this.own.conflate || (peer !== null && peer.conflate)) return 0;
    if (peer === null) return Math.max(0, this.own.sndhwm);
    return hwmSum(this.own.sndhwm, peer.rcvhwm);
  }

  private outstanding(): number {
    return this.other !== null ? this.other.inq.length : this.written - this.peerRead;
  }

  /** True if a message can be written now; if not, the sink is woken when it can. */
  checkWrite(): boolean {
    if (this.state !== ACTIVE) return false;
    const limit = this.limit();
    if (limit === 0 || this.outstanding() < limit) return true;
    this.writerBlocked = true;
    return false;
  }

  /** Writes a whole message; false (and nothing written) when full or shutting down. */
  write(msg: Msg): boolean {
    if (!this.checkWrite()) return false;
    this.push(msg);
    return true;
  }

  /** Writes regardless of the high-water mark (subscriptions, probes). */
  forceWrite(msg: Msg): boolean {
    if (this.state !== ACTIVE) return false;
    this.push(msg);
    return true;
  }

  private push(msg: Msg): void {
    const other = this.other;
    if (other !== null) {
      if (this.own.conflate || other.own.conflate) other.conflateQueued();
      other.inq.push(msg);
      if (other.readerAsleep) {
        other.readerAsleep = false;
        other.sink?.readActivated(other);
      }
      return;
    }
    if (this.own.conflate) this.out.length = 0;
    this.out.push(msg);
    this.written++;
    for (let i = 0; i < msg.length; i++) this.outBytes += msg[i]!.length + 4;
    if (this.out.length >= FLUSH_MSGS || this.outBytes >= FLUSH_BYTES) this.flush();
    else if (!this.flushPending) {
      this.flushPending = true;
      flushQueue.push(this);
      if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flushAll);
      }
    }
  }

  /** Posts the pending batch (port mode). */
  flush(): void {
    this.flushPending = false;
    if (this.out.length === 0 || this.port === null) return;
    const batch = packBatch(this.out);
    this.out = [];
    this.outBytes = 0;
    this.port.postMessage({ k: K_DATA, b: batch.buf } satisfies PortMsg, [batch.buf]);
  }

  // ---------------------------------------------------------------- reading

  /** True if a message can be read now; if not, the sink is woken when one arrives. */
  checkRead(): boolean {
    const head = this.inq.peek();
    if (head === undefined) {
      this.readerAsleep = true;
      return false;
    }
    if (head === DELIMITER) {
      this.inq.shift();
      this.readerAsleep = true;
      this.delimiterReached();
      return false;
    }
    return true;
  }

  /** The next whole message, or null (then the sink is woken when one arrives). */
  read(): Msg | null {
    const msg = this.inq.shift();
    if (msg === undefined) {
      this.readerAsleep = true;
      return null;
    }
    if (msg === DELIMITER) {
      this.readerAsleep = true;
      this.delimiterReached();
      return null;
    }
    this.afterRead();
    return msg;
  }

  private afterRead(): void {
    const other = this.other;
    if (other !== null) {
      if (other.writerBlocked) {
        const limit = other.limit();
        if (limit === 0 || this.inq.length <= limit - lwmOf(limit)) {
          other.writerBlocked = false;
          other.sink?.writeActivated(other);
        }
      }
      return;
    }
    this.readCount++;
    const step = this.creditStep();
    if (this.readCount - this.creditSent >= step || this.inq.length === 0) this.sendCredit();
  }

  private creditStep(): number {
    const peer = this.peer;
    const limit = peer === null ? 0 : hwmSum(peer.sndhwm, this.own.rcvhwm);
    return limit === 0 ? 256 : lwmOf(limit);
  }

  private sendCredit(): void {
    if (this.port === null || this.readCount === this.creditSent) return;
    this.creditSent = this.readCount;
    this.post({ k: K_CREDIT, r: this.readCount });
  }

  /** Conflation keeps only the newest message (never the delimiter). */
  private conflateQueued(): void {
    let dropped = 0;
    while (this.inq.length > 0 && this.inq.peekLast() !== DELIMITER) {
      this.inq.pop();
      dropped++;
    }
    if (dropped > 0 && this.port !== null) {
      this.readCount += dropped;
      this.sendCredit();
    }
  }

  // ---------------------------------------------------------------- shutdown

  /**
   * Starts the shutdown handshake. `delay`: the peer gets what was written so
   * far before the delimiter (linger); otherwise it drops it (linger 0).
   */
  terminate(delay: boolean): void {
    if (this.state === TERMINATED || this.state === TERM_SENT) return;
    if (this.state === DRAINING) {
      // The peer is already shutting down: acknowledge now and drop what it sent.
      this.inq.clear();
      this.finish(true);
      return;
    }
    if (this.port !== null) {
      if (delay) this.flush();
      else {
        this.written -= this.out.length;
        this.out = [];
        this.outBytes = 0;
      }
    }
    this.state = TERM_SENT;
    this.inq.clear();
    this.control({ k: K_TERM, d: !delay });
  }

  /**
   * Ends the pipe now, without a handshake (linger ran out): both ends drop
   * what they hold; the peer sees what it would see if our thread had died.
   */
  abort(): void {
    if (this.state === TERMINATED) return;
    const other = this.other;
    this.inq.clear();
    this.out = [];
    this.finish(false);
    if (other !== null) other.onPortClosed();
  }

  private onTerm(discard: boolean): void {
    if (this.state === TERM_SENT) {
      // Both ends shut down at once: acknowledge theirs, wait for ours.
      this.control({ k: K_TERM_ACK });
      return;
    }
    if (this.state !== ACTIVE) return;
    if (discard || !this.delay || this.inq.length === 0) {
      this.inq.clear();
      this.finish(true);
      return;
    }
    this.state = DRAINING;
    this.inq.push(DELIMITER);
    if (this.readerAsleep) {
      this.readerAsleep = false;
      this.sink?.readActivated(this);
    }
  }

  private delimiterReached(): void {
    if (this.state === DRAINING) this.finish(true);
  }

  private onTermAck(): void {
    if (this.state === TERM_SENT) this.finish(false);
  }

  /** The peer vanished (its thread died or its port was closed). */
  private onPortClosed(): void {
    if (this.state === TERMINATED) return;
    this.inq.clear();
    this.out = [];
    this.finish(false);
  }

  private finish(ack: boolean): void {
    this.state = TERMINATED;
    if (ack) this.control({ k: K_TERM_ACK });
    const other = this.other;
    if (other !== null) this.other = null;
    if (this.port !== null) {
      const port = this.port;
      this.port = null;
      port.removeAllListeners();
      port.close();
    }
    if (this.writerBlocked) this.writerBlocked = false;
    if (!this.terminatedNotified) {
      this.terminatedNotified = true;
      // Deferred: the socket may be iterating its pipe list right now.
      queueMicrotask(() => this.sink?.pipeTerminated(this));
    }
  }

  /** Control messages: synchronous to a local peer, posted to a remote one. */
  private control(m: PortMsg): void {
    const other = this.other;
    if (other !== null) {
      if (m.k === K_TERM) other.onTerm(m.d);
      else if (m.k === K_TERM_ACK) other.onTermAck();
      return;
    }
    this.post(m);
  }

  private post(m: PortMsg): void {
    if (this.port === null) return;
    try {
      this.port.postMessage(m);
    } catch {
      // The port is closed: the close event (or its absence) ends the pipe.
    }
  }

  // ---------------------------------------------------------------- port mode

  private listen(port: MessagePort): void {
    this.port = port;
    port.on("message", this.onPortMessage);
    port.on("close", this.onClose);
    // Pipes never keep a thread alive by themselves: pending operations do.
    port.unref();
  }

  private onClose = (): void => this.onPortClosed();

  private onPortMessage = (m: PortMsg): void => {
    switch (m.k) {
      case K_DATA: {
        if (this.state !== ACTIVE) {
          // Shutting down: drop, but keep the writer's credit flowing.
          this.readCount += unpackBatch(m.b, () => {});
          this.sendCredit();
          return;
        }
        const conflate = this.own.conflate || (this.peer !== null && this.peer.conflate);
        unpackBatch(m.b, (msg) => {
          if (conflate) this.conflateQueued();
          this.inq.push(msg);
        });
        if (this.readerAsleep && this.inq.length > 0) {
          this.readerAsleep = false;
          this.sink?.readActivated(this);
        }
        return;
      }
      case K_CREDIT:
        this.peerRead = m.r;
        this.wakeWriterIfRoom();
        return;
      case K_HELLO:
        this.peer = m.info;
        this.sink?.pipeHello(this);
        this.wakeWriterIfRoom();
        return;
      case K_TERM:
        this.onTerm(m.d);
        return;
      case K_TERM_ACK:
        this.onTermAck();
        return;
      case K_HICCUP:
        this.sink?.pipeHiccup?.(this);
        return;
    }
  };

  private wakeWriterIfRoom(): void {
    if (!this.writerBlocked || this.state !== ACTIVE) return;
    const limit = this.limit();
    if (limit === 0 || this.outstanding() < limit) {
      this.writerBlocked = false;
      this.sink?.writeActivated(this);
    }
  }

  // ---------------------------------------------------------------- migration

  /**
   * Freezes this end for a move to another thread. A local pipe is first turned
   * into a port pipe (its peer end switches in place; its socket notices nothing).
   */
  detach(): PipeState {
    if (this.other !== null) this.splitLocal();
    this.flush();
    const port = this.port!;
    port.removeAllListeners();
    this.port = null;
    const queued = this.inq.toArray();
    const delimiter = queued.length > 0 && queued[queued.length - 1] === DELIMITER;
    if (delimiter) queued.pop();
    const state: PipeState = {
      port,
      own: this.own,
      delay: this.delay,
      peer: this.peer,
      state: this.state,
      inq: queued.length > 0 ? packBatch(queued).buf : null,
      delimiter,
      written: this.written,
      peerRead: this.peerRead,
      readCount: this.readCount,
      creditSent: this.creditSent,
      endpoint: this.endpoint,
      routingId: this.routingId,
      subs: this.subs !== null ? this.subs.entries() : null,
      attached: this.attached,
    };
    this.sink = null;
    this.state = TERMINATED;
    this.terminatedNotified = true;
    return state;
  }

  static transferables(s: PipeState): Transferable[] {
    return s.inq !== null ? [s.port, s.inq] : [s.port];
  }

  /** Revives an end from `detach()` in this thread. */
  static revive(s: PipeState): Pipe {
    const p = new Pipe(s.own);
    p.delay = s.delay;
    p.peer = s.peer;
    p.state = s.state;
    p.written = s.written;
    p.peerRead = s.peerRead;
    p.readCount = s.readCount;
    p.creditSent = s.creditSent;
    p.endpoint = s.endpoint;
    p.attached = s.attached;
    p.routingId = s.routingId !== null ? Buffer.from(s.routingId.buffer, s.routingId.byteOffset, s.routingId.byteLength) : null;
    if (s.subs !== null) p.subs = SubscriptionTrie.fromEntries(s.subs);
    if (s.inq !== null) unpackBatch(s.inq, (m) => p.inq.push(m));
    if (s.delimiter) p.inq.push(DELIMITER);
    p.readerAsleep = p.inq.length === 0;
    p.listen(s.port);
    return p;
  }

  /**
   * Turns a local pair into a port pair. Counters restart at the split: each
   * writer has "written" exactly what the other end still holds unread.
   */
  private splitLocal(): void {
    const other = this.other!;
    const { port1, port2 } = new MessageChannel();
    const countOf = (p: Pipe): number => p.inboundCount;
    this.written = countOf(other);
    other.written = countOf(this);
    this.peerRead = this.readCount = this.creditSent = 0;
    other.peerRead = other.readCount = other.creditSent = 0;
    this.other = null;
    other.other = null;
    this.port = port2;
    other.listen(port1);
    // A writer already blocked stays blocked until credit comes over the port.
  }
}
