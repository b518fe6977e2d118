/** DEALER and ROUTER (RFC 28): load-balanced / identity-routed messaging. */
import { zerr } from "../errors.js";
import { EMPTY_FRAME, type Msg } from "../msg.js";
import type { Pipe } from "../pipe/pipe.js";
import { SocketBase } from "./socket-base.js";
import { LoadBalancer } from "./lb.js";
import { FairQueue } from "./fq.js";

export class DealerSocket extends SocketBase {
  protected lb = new LoadBalancer();
  protected fq = new FairQueue();

  protected xattach(pipe: Pipe, revived: boolean): void {
    // ZMQ_PROBE_ROUTER: announce ourselves with an empty message so a ROUTER learns our id.
    if (!revived && this.options.probeRouter) pipe.forceWrite([EMPTY_FRAME]);
    this.lb.attach(pipe);
    this.fq.attach(pipe);
  }
  protected xterminated(pipe: Pipe): void {
    this.lb.remove(pipe);
    this.fq.remove(pipe);
  }
  protected xsend(msg: Msg): boolean {
    return this.lb.send(msg) !== null;
  }
  protected xrecv(): Msg | null {
    return this.fq.recv();
  }
  protected override xhasIn(): boolean {
    return this.fq.hasIn();
  }
  protected override xhasOut(): boolean {
    return this.lb.hasOut();
  }
}

interface RouterState {
  nextId: number;
}

export class RouterSocket extends SocketBase {
  private fq = new FairQueue();
  private byId = new Map<string, Pipe>();
  // libzmq starts generated ids at a random value so restarts don't reuse them.
  private nextId = (Math.random() * 0x7fffffff) >>> 0;

  protected xattach(pipe: Pipe, revived: boolean): void {
    if (revived && pipe.routingId !== null) {
      this.byId.set(pipe.routingId.toString("latin1"), pipe);
      this.fq.attach(pipe);
      return;
    }
    if (!revived && this.options.probeRouter) pipe.forceWrite([EMPTY_FRAME]);
    if (pipe.peer !== null) this.identify(pipe);
    // else: anonymous until the peer's HELLO tells us its routing id (xhello).
  }

  protected override xhello(pipe: Pipe): void {
    if (pipe.routingId === null) {
      this.identify(pipe);
      this.pump();
    }
  }

  /**
   * A fresh 0x00+u32 id, skipping any id in use. RFC 37 reserves the 0x00
   * prefix for generated ids, but libzmq takes a peer's Identity as it comes
   * (router.cpp identify_peer; 4.1 dropped the check, as random binary ids
   * start with 0x00 one time in 256), and so do we: a peer may then hold the
   * id the counter reaches next. Ends: at most byId.size ids are taken.
   */
  private generateId(): Buffer {
    for (;;) {
      const id = Buffer.alloc(5);
      id.writeUInt32BE(this.nextId, 1);
      this.nextId = (this.nextId + 1) >>> 0;
      if (!this.byId.has(id.toString("latin1"))) return id;
    }
  }

  /** Gives the pipe its routing id: the peer's own, or a generated 0x00+u32 one. No two pipes ever share one. */
  private identify(pipe: Pipe): void {
    const wanted = pipe.peer!.routingId;
    let id: Buffer;
    if (wanted.length === 0) {
      id = this.generateId();
    } else {
      id = Buffer.from(wanted);
      const key = id.toString("latin1");
      const existing = this.byId.get(key);
      if (existing !== undefined && existing !== pipe) {
        if (!this.options.routerHandover || !claimedOwnId(existing)) {
          // Duplicate identity: libzmq ignores the newcomer. Handover is for a peer
          // reconnecting with its own id; an id this ROUTER generated is nobody's to take.
          pipe.terminate(false);
          return;
        }
        // Handover: the old connection gives up the id and goes away.
        this.byId.delete(key);
        existing.routingId = this.generateId();
        this.byId.set(existing.routingId.toString("latin1"), existing);
        existing.terminate(true);
      }
    }
    pipe.routingId = id;
    this.byId.set(id.toString("latin1"), pipe);
    this.fq.attach(pipe);
  }

  protected xterminated(pipe: Pipe): void {
    if (pipe.routingId !== null) {
      const key = pipe.routingId.toString("latin1");
      if (this.byId.get(key) === pipe) this.byId.delete(key);
    }
    this.fq.remove(pipe);
  }

  protected xsend(msg: Msg): boolean {
    const id = msg[0]!;
    const pipe = this.byId.get(id.toString("latin1"));
    if (pipe === undefined) {
      if (this.options.routerMandatory) {
        throw zerr("EHOSTUNREACH", `ROUTER.send: no peer with routing id ${printable(id)}`);
      }
      return true; // unroutable: dropped, as libzmq does
    }
    // A lone routing-id frame carries nothing to deliver.
    if (msg.length < 2) return true;
    if (pipe.write(msg.slice(1))) return true;
    // Full: drop, unless mandatory (then wait, and EAGAIN after sendTimeout).
    return !this.options.routerMandatory;
  }

  protected xrecv(): Msg | null {
    const msg = this.fq.recv();
    if (msg === null) return null;
    const out = new Array<Buffer>(msg.length + 1);
    out[0] = this.fq.lastPipe!.routingId!;
    for (let i = 0; i < msg.length; i++) out[i + 1] = msg[i]!;
    return out;
  }

  protected override xhasIn(): boolean {
    return this.fq.hasIn();
  }

  /**
   * libzmq's router_t::xhas_out: always, since an unroutable or full peer's
   * message is dropped; with routerMandatory, only while some peer has room
   * (the message may still be refused if its own peer is full).
   */
  protected override xhasOut(): boolean {
    if (!this.options.routerMandatory) return true;
    for (const p of this.fq.pipes) if (p.checkWrite()) return true;
    return false;
  }

  protected override xfreeze(): RouterState {
    return { nextId: this.nextId };
  }
  protected override xthaw(state: unknown): void {
    this.nextId = (state as RouterState).nextId;
  }
}

/** Whether the pipe's routing id is the one its peer asked for (not one we generated or reassigned). */
function claimedOwnId(pipe: Pipe): boolean {
  const claimed = pipe.peer?.routingId;
  return claimed !== undefined && claimed.length > 0 && pipe.routingId !== null && pipe.routingId.equals(claimed);
}

function printable(id: Buffer): string {
  return /^[\x20-\x7e]+$/.test(id.toString("latin1")) ? `"${id.toString("latin1")}"` : `0x${id.toString("hex")}`;
}
