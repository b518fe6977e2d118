/** The pipe list and round-robin cursor that lb and fq share. */
import type { Pipe } from "../pipe/pipe.js";

export class PipeRotation {
  readonly pipes: Pipe[] = [];
  protected current = 0;

  attach(pipe: Pipe): void {
    this.pipes.push(pipe);
  }

  /** Drops `pipe`, keeping the cursor on the pipe it pointed at. */
  remove(pipe: Pipe): boolean {
    const i = this.pipes.indexOf(pipe);
    if (i < 0) return false;
    this.pipes.splice(i, 1);
    if (this.current > i) this.current--;
    if (this.current >= this.pipes.length) this.current = 0;
    return true;
  }
}
