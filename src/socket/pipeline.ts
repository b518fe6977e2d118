/** PUSH and PULL (RFC 30): round-robin out, fair-queue in. */
import type { Msg } from "../msg.js";
import type { Pipe } from "../pipe/pipe.js";
import { SocketBase } from "./socket-base.js";
import { LoadBalancer } from "./lb.js";
import { FairQueue } from "./fq.js";

export class PushSocket extends SocketBase {
  private lb = new LoadBalancer();

  protected override get canRecv(): boolean {
    return false;
  }
  // Nobody reads a PUSH socket's inbound side: don't wait for a delimiter there.
  protected override get pipeDelay(): boolean {
    return false;
  }
  protected xattach(pipe: Pipe): void {
    this.lb.attach(pipe);
  }
  protected xterminated(pipe: Pipe): void {
    this.lb.remove(pipe);
  }
  protected xsend(msg: Msg): boolean {
    return this.lb.send(msg) !== null;
  }
  protected xrecv(): Msg | null {
    return null;
  }
  protected override xhasOut(): boolean {
    return this.lb.hasOut();
  }
}

export class PullSocket extends SocketBase {
  private fq = new FairQueue();

  protected override get canSend(): boolean {
    return false;
  }
  protected xattach(pipe: Pipe): void {
    this.fq.attach(pipe);
  }
  protected xterminated(pipe: Pipe): void {
    this.fq.remove(pipe);
  }
  protected xsend(): boolean {
    return false;
  }
  protected xrecv(): Msg | null {
    return this.fq.recv();
  }
  protected override xhasIn(): boolean {
    return this.fq.hasIn();
  }
}
