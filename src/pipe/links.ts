/**
 * The two ways a pipe end reaches the other end, and the factories that make
 * linked pairs:
 *  - LocalLink: both ends in this thread; a write pushes straight into the
 *    peer's queue and wakes the peer's socket only if it was asleep;
 *  - PortLink: the peer is (or may be) in another thread; writes are packed
 *    into one ArrayBuffer per tick and posted on a MessagePort; the reader
 *    returns credit every low-water-mark messages. A port that closes without
 *    a handshake means the peer's thread is gone.
 */
import { receiveMessageOnPort, type MessagePort } from "node:worker_threads";
import type { Msg } from "../msg.js";
import {
  PIPE_CREDIT, PIPE_DATA, PIPE_GONE, PIPE_HELLO, PIPE_HICCUP, PIPE_TERM, PIPE_TERM_ACK,
  parsePipePortMsg, type EndInfo, type PipePortMsg,
} from "../protocols.js";
import { packBatch, unpackBatch } from "./batch.js";
import { hwmSum, lwmOf, Pipe, type PipeLink } from "./pipe.js";

/** Two ends in this thread. */
export function localPair(a: EndInfo, b: EndInfo): [Pipe, Pipe] {
  const pa = new Pipe(a);
  const pb = new Pipe(b);
  pa.link = new LocalLink(pb);
  pb.link = new LocalLink(pa);
  pa.peer = b;
  pb.peer = a;
  return [pa, pb];
}

/**
 * A local pair where `b`'s peer (a session) does not know yet who is behind
 * it: the remote socket's identity comes with the handshake (`announce`).
 */
export function localPairPending(a: EndInfo, b: EndInfo): [Pipe, Pipe] {
  const pair = localPair(a, b);
  pair[0].peer = null;
  return pair;
}

/**
 * An end over `port`; announces itself with a HELLO, unless `hello` is false
 * (a session whose peer is not known yet: `announce` says it later).
 */
export function overPort(port: MessagePort, own: EndInfo, hello = true, ownsFrames = false): Pipe {
  const p = new Pipe(own);
  p.link = new PortLink(p, port, PortCounters.fresh(), true, ownsFrames);
  if (hello) p.link.hello(own);
  return p;
}

// -------------------------------------------------------------------- same thread

export class LocalLink implements PipeLink {
  constructor(
    /** @internal The other end (migration.ts splits the pair). */
    readonly other: Pipe,
  ) {}

  outstanding(): number {
    return this.other.inq.length;
  }

  send(msg: Msg): void {
    const other = this.other;
    other.arrive(msg);
    other.arrivalsDone();
  }

  consumed(left: number): void {
    const other = this.other;
    if (!other.writerBlocked) return;
    const limit = other.limit();
    if (limit === 0 || left <= limit - lwmOf(limit)) other.wakeWriterIfRoom();
  }

  dropped(): void {
    this.other.wakeWriterIfRoom();
  }

  hello(info: EndInfo): void {
    this.other.onHello(info);
  }

  hiccup(): void {
    this.other.onHiccup();
  }

  term(): void {
    this.other.onTerm();
  }

  termAck(): void {
    this.other.onTermAck();
  }

  flush(): void {}

  stalled(): void {
    const other = this.other;
    other.sink?.writerStalled?.(other);
  }

  discardUnsent(): void {}

  close(abrupt: boolean): void {
    if (abrupt) this.other.onPeerGone();
  }
}

// -------------------------------------------------------------------- over a port

/** Flush a port batch early past these sizes (keeps latency and memory bounded). */
const FLUSH_MSGS = 512;
const FLUSH_BYTES = 256 * 1024;
/** How many port messages one stalled() looks at, at most (credit comes one per batch read). */
const STALL_POLL = 64;

/** Credit bookkeeping of one port end; travels with it when its socket migrates. */
export class PortCounters {
  constructor(
    /** Messages we wrote. */
    public written: number,
    /** Of those, how many the peer has read (its last credit). */
    public peerRead: number,
    /** Messages we read (or dropped) from the peer. */
    public readCount: number,
    /** The readCount we last reported as credit. */
    public creditSent: number,
  ) {}

  static fresh(): PortCounters {
    return new PortCounters(0, 0, 0, 0);
  }
}

// One setImmediate flushes every port link written in this tick.
let flushQueue: PortLink[] = [];
let flushScheduled = false;
function flushAll(): void {
  flushScheduled = false;
  const q = flushQueue;
  flushQueue = [];
  for (let i = 0; i < q.length; i++) q[i]!.flush();
}

export class PortLink implements PipeLink {
  private out: Msg[] = [];
  private outBytes = 0;
  private flushPending = false;
  private port: MessagePort | null;

  constructor(
    private readonly self: Pipe,
    port: MessagePort,
    /** @internal */
    readonly counters: PortCounters,
    listen = true,
    /**
     * What we write is ours to give away (a session writing what it decoded):
     * big frames are moved to the other thread, not copied (batch.ts).
     */
    private readonly ownsFrames = false,
  ) {
    this.port = port;
    if (!listen) return;
    port.on("message", this.onMessage);
    port.on("close", this.onClose);
    // Pipes never keep a thread alive by themselves: pending operations do.
    port.unref();
  }

  outstanding(): number {
    return this.counters.written - this.counters.peerRead;
  }

  send(msg: Msg): void {
    if (this.self.own.conflate) this.out.length = 0;
    this.out.push(msg);
    this.counters.written++;
    let bytes = this.outBytes;
    for (let i = 0; i < msg.length; i++) bytes += msg[i]!.length + 4;
    this.outBytes = bytes;
    if (this.out.length >= FLUSH_MSGS || bytes >= FLUSH_BYTES) this.flush();
    else if (!this.flushPending) {
      this.flushPending = true;
      flushQueue.push(this);
      if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flushAll);
      }
    }
  }

  flush(): void {
    this.flushPending = false;
    if (this.out.length === 0 || this.port === null) return;
    const batch = packBatch(this.out, this.ownsFrames);
    this.out = [];
    this.outBytes = 0;
    if (batch.moved.length === 0) this.post({ k: PIPE_DATA, b: batch.buf }, [batch.buf]);
    else this.post({ k: PIPE_DATA, b: batch.buf, m: batch.moved }, [batch.buf, ...batch.moved]);
  }

  /**
   * The writer found the pipe full inside send(): what we batched goes to the
   * peer now, and credit the peer has already posted is taken off the port
   * at once, so a tight send loop sees what the other thread (an I/O
   * thread draining into the kernel) consumed meanwhile, without waiting for
   * a turn of the event loop; libzmq's writer sees its I/O thread's progress
   * the same way. The first message that is not credit stops the look and,
   * with whatever follows it, is handled in order after this call returns.
   */
  stalled(): void {
    this.flush();
    const port = this.port;
    if (port === null || this.stash !== null) return;
    for (let i = 0; i < STALL_POLL; i++) {
      const got = receiveMessageOnPort(port);
      if (got === undefined) return;
      const m = parsePipePortMsg(got.message);
      if (m !== null && m.k === PIPE_CREDIT) {
        this.counters.peerRead = m.r;
        continue;
      }
      this.stash = [got.message];
      queueMicrotask(this.drainStash);
      return;
    }
  }

  /** Messages taken off the port by stalled() that are not credit, to be handled in order (null: none). */
  private stash: unknown[] | null = null;

  private draining = false;
  private readonly drainStash = (): void => {
    const stash = this.stash;
    if (stash === null || this.draining) return;
    // The stash stays set while it is handled, so that stalled() takes nothing
    // off the port ahead of it; a message that ends the link ends the handling.
    this.draining = true;
    try {
      for (let i = 0; i < stash.length && this.port !== null; i++) this.handle(stash[i]);
    } finally {
      this.draining = false;
      this.stash = null;
    }
  };

  discardUnsent(): void {
    this.counters.written -= this.out.length;
    this.out = [];
    this.outBytes = 0;
  }

  consumed(left: number): void {
    const c = this.counters;
    c.readCount++;
    if (c.readCount - c.creditSent >= this.creditStep() || left === 0) this.sendCredit();
  }

  dropped(n: number): void {
    this.counters.readCount += n;
    this.sendCredit();
  }

  private creditStep(): number {
    const peer = this.self.peer;
    const limit = peer === null ? 0 : hwmSum(peer.sndhwm, this.self.own.rcvhwm);
    return limit === 0 ? 256 : lwmOf(limit);
  }

  private sendCredit(): void {
    const c = this.counters;
    if (c.readCount === c.creditSent) return;
    c.creditSent = c.readCount;
    this.post({ k: PIPE_CREDIT, r: c.readCount });
  }

  hello(info: EndInfo): void {
    this.post({ k: PIPE_HELLO, info });
  }

  hiccup(): void {
    this.post({ k: PIPE_HICCUP });
  }

  term(): void {
    this.post({ k: PIPE_TERM });
  }

  termAck(): void {
    this.post({ k: PIPE_TERM_ACK });
  }

  close(abrupt: boolean): void {
    // The peer learns the end from the port's close; a TERM_ACK posted just
    // before it arrives first. An abrupt end is also said in a message: the
    // close of a port can take tens of milliseconds to reach another thread,
    // and meanwhile a session there would go on writing what a socket closed
    // with linger 0 left in its queue.
    if (abrupt) this.post({ k: PIPE_GONE });
    const port = this.release();
    port?.close();
  }

  /** @internal Takes the port off this link (for migration, or to close it). */
  release(): MessagePort | null {
    const port = this.port;
    if (port === null) return null;
    // What stalled() took off the port is handled before the port goes (a migrating end keeps it in its queue).
    this.drainStash();
    this.port = null;
    this.out = [];
    this.outBytes = 0;
    port.removeAllListeners();
    return port;
  }

  private post(m: PipePortMsg, transfer?: ArrayBuffer[]): void {
    const port = this.port;
    if (port === null) return;
    // A port whose peer is gone accepts posts silently; the close event ends the pipe.
    if (transfer !== undefined) port.postMessage(m, transfer);
    else port.postMessage(m);
  }

  private readonly onClose = (): void => {
    if (this.port === null) return;
    this.release();
    this.self.onPeerGone();
  };

  private readonly onMessage = (raw: unknown): void => {
    if (this.stash !== null) {
      this.stash.push(raw);
      this.drainStash();
      return;
    }
    this.handle(raw);
  };

  private handle(raw: unknown): void {
    const m = parsePipePortMsg(raw);
    if (m === null) return; // not from a zocket pipe end: ignored
    const pipe = this.self;
    switch (m.k) {
      case PIPE_DATA: {
        if (!pipe.accepting) {
          // Shutting down: drop, but keep the writer's credit flowing.
          this.counters.readCount += unpackBatch(m.b, () => {}, m.m);
          this.sendCredit();
          return;
        }
        unpackBatch(m.b, (msg) => pipe.arrive(msg), m.m);
        pipe.arrivalsDone();
        return;
      }
      case PIPE_CREDIT:
        this.counters.peerRead = m.r;
        pipe.wakeWriterIfRoom();
        return;
      case PIPE_HELLO:
        pipe.onHello(m.info);
        return;
      case PIPE_TERM:
        pipe.onTerm();
        return;
      case PIPE_TERM_ACK:
        pipe.onTermAck();
        return;
      case PIPE_HICCUP:
        pipe.onHiccup();
        return;
      case PIPE_GONE:
        this.onClose();
        return;
    }
  }
}
