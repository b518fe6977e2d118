/** Round-robin over the pipes that have room (libzmq's lb_t). */
import type { Msg } from "../msg.js";
import type { Pipe } from "../pipe/pipe.js";
import { PipeRotation } from "./rotation.js";

export class LoadBalancer extends PipeRotation {
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
