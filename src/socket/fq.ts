/** Fair-queueing: round-robin over the pipes that have messages (libzmq's fq_t). */
import type { Msg } from "../msg.js";
import type { Pipe } from "../pipe/pipe.js";
import { PipeRotation } from "./rotation.js";

export class FairQueue extends PipeRotation {
  /** The pipe the last message of recv() came from. */
  lastPipe: Pipe | null = null;

  override remove(pipe: Pipe): boolean {
    if (this.lastPipe === pipe) this.lastPipe = null;
    return super.remove(pipe);
  }

  /** libzmq's fq_t::has_in: some pipe has a message (the empty ones will wake the sink). */
  hasIn(): boolean {
    for (const p of this.pipes) if (p.checkRead()) return true;
    return false;
  }

  recv(): Msg | null {
    const pipes = this.pipes;
    const n = pipes.length;
    for (let i = 0; i < n; i++) {
      let idx = this.current + i;
      if (idx >= n) idx -= n;
      const p = pipes[idx]!;
      const msg = p.read();
      if (msg !== null) {
        this.current = idx + 1 >= n ? 0 : idx + 1;
        this.lastPipe = p;
        return msg;
      }
    }
    return null;
  }
}
