/** Round-robin over the pipes that have room (libzmq's lb_t). */
import type { Msg } from "../msg.js";
import type { Pipe } from "../pipe/pipe.js";

export class LoadBalancer {
  readonly pipes: Pipe[] = [];
  private current = 0;

  attach(pipe: Pipe): void {
    this.pipes.push(pipe);
  }

  remove(pipe: Pipe): void {
    const i = this.pipes.indexOf(pipe);
    if (i < 0) return;
    this.pipes.splice(i, 1);
    if (this.current > i) this.current--;
    if (this.current >= this.pipes.length) this.current = 0;
  }

  /** Writes `msg` to the next pipe with room; returns that pipe, or null if all are full. */
  send(msg: Msg): Pipe | null {
    const pipes = this.pipes;
    const n = pipes.length;
    for (let i = 0; i < n; i++) {
      let idx = this.current + i;
      if (idx >= n) idx -= n;
      const p = pipes[idx]!;
      if (p.write(msg)) {
        this.current = idx + 1 >= n ? 0 : idx + 1;
        return p;
      }
    }
    return null;
  }

  /** True if some pipe has room (the sink is woken later otherwise). */
  hasOut(): boolean {
    for (const p of this.pipes) if (p.checkWrite()) return true;
    return false;
  }
}
