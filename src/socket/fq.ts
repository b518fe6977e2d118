/** Fair-queueing: round-robin over the pipes that have messages (libzmq's fq_t). */
import type { Msg } from "../msg.js";
import type { Pipe } from "../pipe/pipe.js";

export class FairQueue {
  readonly pipes: Pipe[] = [];
  private current = 0;
  /** The pipe the last message of recv() came from. */
  lastPipe: Pipe | null = null;

  attach(pipe: Pipe): void {
    this.pipes.push(pipe);
  }

  remove(pipe: Pipe): void {
    const i = this.pipes.indexOf(pipe);
    if (i < 0) return;
    this.pipes.splice(i, 1);
    if (this.current > i) this.current--;
    if (this.current >= this.pipes.length) this.current = 0;
    if (this.lastPipe === pipe) this.lastPipe = null;
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
