/**
 * One end of a bidirectional message pipe between a socket and its peer
 * (another socket over inproc, or a session for tcp and ipc): libzmq's
 * pipe_t. The end is one state machine; how messages reach the other end is
 * its link (links.ts): a same-thread link pushes straight into the peer's
 * queue, a port link batches over a MessagePort with credit-based flow
 * control. Migrating a socket swaps a same-thread link for a port link
 * (migration.ts); nothing else here changes.
 *
 * Flow control is libzmq's: a writer may have `hwm` messages outstanding
 * (its SNDHWM plus the reader's RCVHWM); the reader returns credit every
 * low-water-mark messages; a writer is woken only when it was blocked, a
 * reader only when it was asleep.
 *
 * Shutdown follows libzmq's pipe handshake: `terminate()` sends TERM behind
 * the data already written (the delimiter); the other end acknowledges once
 * its socket has read up to the delimiter, or at once if it does not wait
 * (`delay` false: its socket never reads). A peer that vanishes (its thread
 * died, or its linger ran out) leaves what it had delivered readable up to a
 * delimiter, as libzmq's pipes do: only what never reached us is lost.
 */
import { Deque } from "../util/deque.js";
import type { Msg } from "../msg.js";
import type { EndInfo } from "../protocols.js";
import { trace, TRACE } from "../debug.js";

export type { EndInfo } from "../protocols.js";

/** The owner of a pipe end (a socket, or a session for tcp/ipc). */
export interface PipeSink {
  /** The pipe has messages again after a read found it empty. */
  readActivated(pipe: Pipe): void;
  /** The pipe has room again after a write found it full. */
  writeActivated(pipe: Pipe): void;
  /** The pipe is gone (handshake finished, or the peer vanished and we read up to its end). Called once. */
  pipeTerminated(pipe: Pipe): void;
  /** The peer's EndInfo became known (port pipes learn it from a HELLO). */
  pipeHello(pipe: Pipe): void;
  /** The peer behind this pipe reconnected (a new tcp/ipc connection): resend state such as subscriptions. */
  pipeHiccup?(pipe: Pipe): void;
  /**
   * The writer found the pipe full, synchronously inside its send: take what
   * you can now if that is cheap (a session in the writer's thread hands the
   * messages to the kernel), so a burst reaches the wire before the writer
   * drops or waits, as libzmq's I/O thread drains the pipe while its
   * application thread sends.
   */
  writerStalled?(pipe: Pipe): void;
}

/** How an end reaches the other end: the strategy a Pipe runs over (links.ts). */
export interface PipeLink {
  /** Messages written towards the peer and not yet read there (what the high-water mark bounds). */
  outstanding(): number;
  /** Carries one whole message to the peer. */
  send(msg: Msg): void;
  /** Our socket read one message; `left` remain queued at this end. */
  consumed(left: number): void;
  /** Conflation dropped `n` unread messages at this end. */
  dropped(n: number): void;
  hello(info: EndInfo): void;
  hiccup(): void;
  term(): void;
  termAck(): void;
  /** Hands messages batched in this thread to the peer now. */
  flush(): void;
  /** The writer found the pipe full: a reader in this thread may take what it can now (PipeSink.writerStalled). */
  stalled?(): void;
  /** Drops messages batched in this thread (they never left it). */
  discardUnsent(): void;
  /** Lets go of the peer; `abrupt`: it learns the end as if our thread had died. */
  close(abrupt: boolean): void;
}

/** The link of an end whose peer is gone (or that is not linked yet): everything is a no-op. */
export const DEAD_LINK: PipeLink = Object.freeze({
  outstanding: () => 0,
  send: () => {},
  consumed: () => {},
  dropped: () => {},
  hello: () => {},
  hiccup: () => {},
  term: () => {},
  termAck: () => {},
  flush: () => {},
  discardUnsent: () => {},
  close: () => {},
});

export const ACTIVE = 0;
/** We started the shutdown; waiting for TERM_ACK. */
export const TERM_SENT = 1;
/** The peer ended (TERM, or it vanished); our socket still reads up to the delimiter. */
export const DRAINING = 2;
export const TERMINATED = 3;
export type PipeStateName = typeof ACTIVE | typeof TERM_SENT | typeof DRAINING | typeof TERMINATED;

/** Sentinel queued behind the last message of a peer that has ended. */
export const DELIMITER: Msg = Object.freeze([]) as unknown as Msg;

/**
 * The bound on messages in flight between a writer and a reader: the sum of
 * their marks, 0 (unlimited) if either is 0. A negative mark (a session's end
 * of a tcp/ipc pipe) adds nothing: there the socket's own mark is the bound.
 */
export function hwmSum(sndhwm: number, rcvhwm: number): number {
  if (sndhwm === 0 || rcvhwm === 0) return 0;
  return Math.max(0, sndhwm) + Math.max(0, rcvhwm);
}

/** libzmq's low-water mark: credit is returned in steps of this many messages. */
export function lwmOf(hwm: number): number {
  return hwm > 2048 ? hwm - 1024 : (hwm + 1) >> 1;
}

export class Pipe {
  sink: PipeSink | null = null;
  own: EndInfo;
  peer: EndInfo | null = null;
  /** Whether our socket reads up to the peer's delimiter before acknowledging TERM. */
  delay = true;
  /**
   * Whether what the peer delivered stays readable when the peer vanishes
   * (a socket's inbound queue: yes). A session sets it false: what its socket
   * queued for the wire goes with the socket when its linger runs out.
   */
  keepOnPeerLoss = true;
  /** The endpoint (bind or connect) this pipe came from, for unbind/disconnect. */
  endpoint = "";
  /** ROUTER's identity for this peer (libzmq keeps it on the pipe too). */
  routingId: Buffer | null = null;
  /** Set by the socket once it has taken the pipe in (xattach). */
  attached = false;

  /** @internal The way to the other end (links.ts, migration.ts). */
  link: PipeLink = DEAD_LINK;
  /** @internal */
  state: PipeStateName = ACTIVE;
  /** @internal Messages that reached this end, the delimiter last once the peer ended. */
  readonly inq = new Deque<Msg>();
  /** @internal */
  readerAsleep = true;
  /** @internal */
  writerBlocked = false;
  private terminatedNotified = false;

  /** @internal Use the factories in links.ts. */
  constructor(own: EndInfo) {
    this.own = own;
  }

  get isTerminated(): boolean {
    return this.state === TERMINATED;
  }

  /** Messages waiting to be read at this end (the delimiter excluded). */
  get inboundCount(): number {
    const n = this.inq.length;
    return n > 0 && this.inq.peekLast() === DELIMITER ? n - 1 : n;
  }

  /** Tells the other end who is behind this one (after a handshake). */
  announce(info: EndInfo): void {
    this.own = info;
    this.link.hello(info);
  }

  /** Tells the other end that the connection behind this end was re-established. */
  hiccup(): void {
    this.link.hiccup();
  }

  /** Hands batched messages to the peer now (port links batch per tick). */
  flush(): void {
    this.link.flush();
  }

  // ---------------------------------------------------------------- writing

  /** The number of messages that may be outstanding towards the peer; 0 = unlimited. */
  limit(): number {
    const peer = this.peer;
    if (this.own.conflate || (peer !== null && peer.conflate)) return 0;
    if (peer === null) return Math.max(0, this.own.sndhwm);
    return hwmSum(this.own.sndhwm, peer.rcvhwm);
  }

  /** True if a message can be written now; if not, the sink is woken when it can. */
  checkWrite(): boolean {
    if (this.state !== ACTIVE) return false;
    const limit = this.limit();
    if (limit === 0 || this.link.outstanding() < limit) return true;
    return this.checkWriteFull(limit);
  }

  /**
   * The slow path of checkWrite: the pipe is full. A reader in this thread
   * gets one chance to take messages now (a session writes them to its
   * stream); only if that frees nothing is the writer blocked. The flag is
   * clear meanwhile, so what the reader consumes wakes nobody re-entrantly.
   */
  private checkWriteFull(limit: number): boolean {
    const link = this.link;
    if (link.stalled !== undefined) {
      this.writerBlocked = false;
      link.stalled();
      if (this.state !== ACTIVE) return false;
      if (this.link.outstanding() < limit) return true;
    }
    this.writerBlocked = true;
    return false;
  }

  /** Writes a whole message; false (and nothing written) when full or shutting down. */
  write(msg: Msg): boolean {
    if (!this.checkWrite()) return false;
    this.link.send(msg);
    return true;
  }

  /** Writes regardless of the high-water mark (subscriptions, probes). */
  forceWrite(msg: Msg): boolean {
    if (this.state !== ACTIVE) return false;
    this.link.send(msg);
    return true;
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

  /** The next whole message without taking it, or null (then the sink is woken when one arrives). */
  peek(): Msg | null {
    return this.checkRead() ? this.inq.peek()! : null;
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
    this.link.consumed(this.inq.length);
    return msg;
  }

  // ---------------------------------------------------------------- events from the link

  /** @internal A message from the peer (not yet announced to the sink: see arrivalsDone). */
  arrive(msg: Msg): void {
    if (this.own.conflate || (this.peer !== null && this.peer.conflate)) this.conflateQueued();
    this.inq.push(msg);
  }

  /** @internal Wakes the reader after one or more arrivals. */
  arrivalsDone(): void {
    if (this.readerAsleep && this.inq.length > 0) {
      this.readerAsleep = false;
      this.sink?.readActivated(this);
    }
  }

  /** @internal Whether data from the peer is still wanted (not while we shut down). */
  get accepting(): boolean {
    return this.state === ACTIVE;
  }

  /** @internal */
  onHello(info: EndInfo): void {
    this.peer = info;
    this.sink?.pipeHello(this);
    this.wakeWriterIfRoom();
  }

  /** @internal */
  onHiccup(): void {
    this.sink?.pipeHiccup?.(this);
  }

  /** @internal The peer read or dropped some of what we wrote. */
  wakeWriterIfRoom(): void {
    if (!this.writerBlocked || this.state !== ACTIVE) return;
    const limit = this.limit();
    if (limit === 0 || this.link.outstanding() < limit) {
      this.writerBlocked = false;
      this.sink?.writeActivated(this);
    }
  }

  /** @internal The peer ended the pipe: read up to its delimiter (if we read at all), then acknowledge. */
  onTerm(): void {
    if (this.state === TERM_SENT) {
      // Both ends shut down at once: acknowledge theirs, wait for ours.
      this.link.termAck();
      return;
    }
    if (this.state !== ACTIVE) return;
    if (!this.delay || this.inq.length === 0) {
      this.inq.clear();
      this.finish(true);
      return;
    }
    this.drain();
  }

  /** @internal */
  onTermAck(): void {
    if (this.state === TERM_SENT) this.finish(false);
  }

  /**
   * @internal The peer vanished without a handshake (its thread died, its
   * linger ran out). What it delivered stays readable up to a delimiter.
   */
  onPeerGone(): void {
    if (TRACE) trace("pipe %s (%s end, peer %s): peer gone without a handshake", this.endpoint || "-", this.own.type, this.peer?.type ?? "?");
    this.link = DEAD_LINK;
    if (this.state === TERMINATED) return;
    if (this.state === DRAINING && this.keepOnPeerLoss) return;
    if (this.state === ACTIVE && this.delay && this.keepOnPeerLoss && this.inq.length > 0) {
      this.drain();
      return;
    }
    this.inq.clear();
    this.finish(false);
  }

  private drain(): void {
    this.state = DRAINING;
    this.inq.push(DELIMITER);
    if (this.readerAsleep) {
      this.readerAsleep = false;
      this.sink?.readActivated(this);
    }
  }

  /** Conflation keeps only the newest message (never the delimiter). */
  private conflateQueued(): void {
    let dropped = 0;
    while (this.inq.length > 0 && this.inq.peekLast() !== DELIMITER) {
      this.inq.pop();
      dropped++;
    }
    if (dropped > 0) this.link.dropped(dropped);
  }

  // ---------------------------------------------------------------- shutdown

  /**
   * Starts the shutdown handshake. `flush`: what was written so far still
   * goes to the peer, ahead of the delimiter (linger); otherwise what has not
   * left this thread yet is dropped (linger 0, disconnect).
   */
  terminate(flush: boolean): void {
    if (this.state === TERMINATED || this.state === TERM_SENT) return;
    if (this.state === DRAINING) {
      // The peer ended first: acknowledge now and drop what it sent.
      this.inq.clear();
      this.finish(true);
      return;
    }
    if (TRACE) trace("pipe %s (%s end, peer %s): terminate (%s)", this.endpoint || "-", this.own.type, this.peer?.type ?? "?", flush ? "flush, then delimiter" : "discard unsent");
    if (flush) this.link.flush();
    else this.link.discardUnsent();
    this.state = TERM_SENT;
    this.inq.clear();
    this.link.term();
  }

  /**
   * Ends the pipe now, without a handshake (linger ran out): we drop what we
   * hold; the peer sees what it would see if our thread had died.
   */
  abort(): void {
    if (this.state === TERMINATED) return;
    const link = this.link;
    this.link = DEAD_LINK;
    this.inq.clear();
    link.discardUnsent();
    this.finish(false);
    link.close(true);
  }

  private delimiterReached(): void {
    if (this.state === DRAINING) this.finish(true);
  }

  private finish(ack: boolean): void {
    this.state = TERMINATED;
    const link = this.link;
    this.link = DEAD_LINK;
    if (ack) link.termAck();
    link.close(false);
    this.writerBlocked = false;
    if (!this.terminatedNotified) {
      this.terminatedNotified = true;
      // Deferred: the socket may be iterating its pipe list right now.
      queueMicrotask(() => this.sink?.pipeTerminated(this));
    }
  }

  /** @internal For migration: the end stops here without notifying anyone. */
  retire(): void {
    this.sink = null;
    this.state = TERMINATED;
    this.terminatedNotified = true;
    this.link = DEAD_LINK;
  }
}
