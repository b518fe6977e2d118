/** PAIR (RFC 31): exactly one peer; a second one is refused. */
import type { Msg } from "../msg.js";
import type { Pipe } from "../pipe/pipe.js";
import { SocketBase } from "./socket-base.js";

export class PairSocket extends SocketBase {
  private pipe: Pipe | null = null;

  protected xattach(pipe: Pipe): void {
    if (this.pipe !== null && this.pipe !== pipe) {
      pipe.terminate(false);
      return;
    }
    this.pipe = pipe;
  }

  protected xterminated(pipe: Pipe): void {
    if (this.pipe === pipe) this.pipe = null;
  }

  protected xsend(msg: Msg): boolean {
    return this.pipe !== null && this.pipe.write(msg);
  }

  protected xrecv(): Msg | null {
    return this.pipe !== null ? this.pipe.read() : null;
  }

  protected override xhasIn(): boolean {
    return this.pipe !== null && this.pipe.checkRead();
  }

  protected override xhasOut(): boolean {
    return this.pipe !== null && this.pipe.checkWrite();
  }
}
