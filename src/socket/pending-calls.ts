/**
 * The send() and recv() calls waiting on a socket, and serving them as far
 * as its pipes allow: strictly in call order, sends and receives in turn
 * until neither moves (a reply taken may let a REQ's queued send go, and the
 * other way round). Serving is never re-entered: a wake-up that comes while
 * it runs makes it go round once more instead.
 */
import { zerr, type ZocketError } from "../errors.js";
import type { Msg } from "../msg.js";
import { WaitQueue } from "./wait-queue.js";

/** The socket type's two moves (libzmq's xsend / xrecv). */
export interface CallTarget {
  /** Takes a message to send; false = would block. May throw. */
  xsend(msg: Msg): boolean;
  /** The next message for the application, or null. May throw. */
  xrecv(): Msg | null;
}

export class PendingCalls {
  readonly sends: WaitQueue<Msg, void>;
  readonly recvs: WaitQueue<null, Msg>;
  private serving = false;
  private again = false;

  constructor(
    /** The socket type, for error messages. */
    private readonly typeName: string,
    private readonly target: CallTarget,
    /** A call left by timing out or being aborted. */
    onLeave: () => void,
  ) {
    this.sends = new WaitQueue<Msg, void>(onLeave);
    this.recvs = new WaitQueue<null, Msg>(onLeave);
  }

  /** The error of a call that waited its timeout out (or would wait, with timeout 0). */
  timedOut(call: "send" | "recv"): ZocketError {
    return zerr("EAGAIN", `${this.typeName}.${call}: resource temporarily unavailable (timed out)`);
  }

  /** Whether any call is waiting. */
  get waiting(): boolean {
    return this.sends.length > 0 || this.recvs.length > 0;
  }

  /** Rejects every waiting recv() call, and the send() calls too unless `sends` is false. */
  rejectAll(err: Error, sends: boolean): void {
    this.recvs.drain((w) => w.reject(err));
    if (sends) this.sends.drain((w) => w.reject(err));
  }

  /** Takes the messages of the waiting send() calls, which resolve (a migrating socket sends them from its new thread). */
  takeSends(): Msg[] {
    const out: Msg[] = [];
    this.sends.drain((w) => {
      out.push(w.value);
      w.resolve();
    });
    return out;
  }

  /** Queues sends taken by takeSends() in another thread (nobody waits on them any more). */
  restoreSends(msgs: readonly Msg[]): void {
    for (const msg of msgs) this.sends.push(msg);
  }

  /** Serves what can be served now; false if serving was already under way (it goes round again). */
  serve(): boolean {
    if (this.serving) {
      this.again = true;
      return false;
    }
    this.serving = true;
    try {
      do {
        this.again = false;
        let progress = true;
        while (progress) progress = this.serveSends() + this.serveRecvs() > 0;
      } while (this.again);
    } finally {
      this.serving = false;
    }
    return true;
  }

  private serveSends(): number {
    const q = this.sends;
    let served = 0;
    for (let op = q.peek(); op !== undefined; op = q.peek(), served++) {
      try {
        if (!this.target.xsend(op.value)) break;
      } catch (err) {
        q.rejectHead(err as Error);
        continue;
      }
      q.resolveHead();
    }
    return served;
  }

  private serveRecvs(): number {
    const q = this.recvs;
    let served = 0;
    while (q.length > 0) {
      let msg: Msg | null;
      try {
        msg = this.target.xrecv();
      } catch (err) {
        q.rejectHead(err as Error);
        served++;
        continue;
      }
      if (msg === null) break;
      q.resolveHead(msg);
      served++;
    }
    return served;
  }
}
