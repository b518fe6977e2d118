/** REQ and REP (RFC 28): strict request/reply turns over an envelope. */
import { zerr } from "../errors.js";
import { EMPTY_FRAME, type Msg } from "../msg.js";
import type { Pipe } from "../pipe/pipe.js";
import { SocketBase } from "./socket-base.js";
import { LoadBalancer } from "./lb.js";
import { FairQueue } from "./fq.js";

interface ReqState {
  receiving: boolean;
  reply: number;
  requestId: number;
}

export class ReqSocket extends SocketBase {
  private lb = new LoadBalancer();
  private fq = new FairQueue();
  private receiving = false;
  private replyPipe: Pipe | null = null;
  private requestId = (Math.random() * 0x7fffffff) >>> 0;

  protected xattach(pipe: Pipe): void {
    this.lb.attach(pipe);
    this.fq.attach(pipe);
  }
  protected xterminated(pipe: Pipe): void {
    this.lb.remove(pipe);
    this.fq.remove(pipe);
    if (this.replyPipe === pipe) this.replyPipe = null;
  }

  protected xsend(msg: Msg): boolean {
    if (this.receiving && !this.options.reqRelaxed) {
      if (this.recvsPending) return false; // its recv() comes first
      throw zerr("EFSM", "REQ.send: a request is outstanding; recv() its reply first (or set reqRelaxed)");
    }
    const head: Buffer[] = [];
    let id = this.requestId;
    if (this.options.reqCorrelate) {
      id = (this.requestId + 1) >>> 0;
      const idFrame = Buffer.alloc(4);
      idFrame.writeUInt32BE(id, 0);
      head.push(idFrame);
    }
    head.push(EMPTY_FRAME);
    const pipe = this.lb.send(head.concat(msg));
    if (pipe === null) return false;
    this.requestId = id;
    this.replyPipe = pipe;
    this.receiving = true;
    this.readiness.notify();
    return true;
  }

  protected xrecv(): Msg | null {
    if (!this.receiving) {
      if (this.sendsPending) return null; // its send() comes first
      throw zerr("EFSM", "REQ.recv: no request outstanding; send() one first");
    }
    for (;;) {
      const msg = this.fq.recv();
      if (msg === null) return null;
      // Only the peer we asked may answer; stale or malformed replies are dropped.
      if (this.fq.lastPipe !== this.replyPipe) continue;
      const body = this.replyBody(msg);
      if (body < 0) continue;
      this.receiving = false;
      this.replyPipe = null;
      this.readiness.notify();
      return msg.slice(body);
    }
  }

  /** Where the reply's body starts (after request id and empty delimiter), or -1 if it is not our reply. */
  private replyBody(msg: Msg): number {
    let i = 0;
    if (this.options.reqCorrelate) {
      const idf = msg[0];
      if (idf === undefined || idf.length !== 4 || idf.readUInt32BE(0) !== this.requestId) return -1;
      i = 1;
    }
    return msg.length <= i || msg[i]!.length !== 0 ? -1 : i + 1;
  }

  /**
   * libzmq's req_t::xhas_in: only while a reply is awaited, and (stricter
   * than libzmq's TODO) only once our reply is there: what xrecv would drop
   * from the asked peer's pipe is dropped here.
   */
  protected override xhasIn(): boolean {
    const pipe = this.replyPipe;
    if (!this.receiving || pipe === null) return false;
    for (let msg = pipe.peek(); msg !== null; msg = pipe.peek()) {
      if (this.replyBody(msg) >= 0) return true;
      pipe.read();
    }
    return false;
  }

  /** libzmq's req_t::xhas_out: not while a reply is awaited (unless reqRelaxed), else when a peer has room. */
  protected override xhasOut(): boolean {
    if (this.receiving && !this.options.reqRelaxed) return false;
    return this.lb.hasOut();
  }

  protected override xfreeze(): ReqState {
    return { receiving: this.receiving, reply: this.replyPipe === null ? -1 : this.pipes.indexOf(this.replyPipe), requestId: this.requestId };
  }
  protected override xthaw(state: unknown): void {
    const s = state as ReqState;
    this.receiving = s.receiving;
    this.requestId = s.requestId;
    this.replyPipe = s.reply >= 0 ? this.pipes[s.reply] ?? null : null;
  }
}

interface RepState {
  receiving: boolean;
  envelope: Uint8Array[];
  reply: number;
}

export class RepSocket extends SocketBase {
  private fq = new FairQueue();
  private receiving = true;
  private envelope: Buffer[] = [];
  private replyPipe: Pipe | null = null;

  protected xattach(pipe: Pipe): void {
    this.fq.attach(pipe);
  }
  protected xterminated(pipe: Pipe): void {
    this.fq.remove(pipe);
    if (this.replyPipe === pipe) this.replyPipe = null;
  }

  protected xrecv(): Msg | null {
    if (!this.receiving) {
      if (this.sendsPending) return null;
      throw zerr("EFSM", "REP.recv: the last request has not been answered; send() the reply first");
    }
    for (;;) {
      const msg = this.fq.recv();
      if (msg === null) return null;
      // The envelope runs up to and including the first empty frame.
      let i = 0;
      while (i < msg.length && msg[i]!.length !== 0) i++;
      if (i === msg.length) continue; // no delimiter: malformed, dropped
      this.envelope = msg.slice(0, i + 1);
      this.replyPipe = this.fq.lastPipe;
      this.receiving = false;
      this.readiness.notify();
      return msg.slice(i + 1);
    }
  }

  /** libzmq's rep_t::xhas_in: a request can be taken (malformed ones ahead of it are dropped, as xrecv would). */
  protected override xhasIn(): boolean {
    if (!this.receiving) return false;
    for (const p of this.fq.pipes) {
      for (let msg = p.peek(); msg !== null; msg = p.peek()) {
        if (msg.some((f) => f.length === 0)) return true;
        p.read();
      }
    }
    return false;
  }

  /** libzmq's rep_t::xhas_out: exactly while a reply is owed (it never blocks: router_t::xhas_out). */
  protected override xhasOut(): boolean {
    return !this.receiving;
  }

  protected xsend(msg: Msg): boolean {
    if (this.receiving) {
      if (this.recvsPending) return false;
      throw zerr("EFSM", "REP.send: no request to answer; recv() one first");
    }
    const pipe = this.replyPipe;
    // REP never blocks: if the asker is gone or full, the reply is dropped.
    if (pipe !== null) pipe.write(this.envelope.concat(msg));
    this.envelope = [];
    this.replyPipe = null;
    this.receiving = true;
    this.readiness.notify();
    return true;
  }

  protected override xfreeze(): RepState {
    return { receiving: this.receiving, envelope: this.envelope, reply: this.replyPipe === null ? -1 : this.pipes.indexOf(this.replyPipe) };
  }
  protected override xthaw(state: unknown): void {
    const s = state as RepState;
    this.receiving = s.receiving;
    this.envelope = s.envelope.map((f) => Buffer.from(f));
    this.replyPipe = s.reply >= 0 ? this.pipes[s.reply] ?? null : null;
  }
}
