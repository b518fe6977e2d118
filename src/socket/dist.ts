/**
 * Sending one message to many pipes, libzmq's dist_t: the pipes sit in one
 * array whose first `matching` entries are those the current message goes
 * to. A publisher marks the pipes its mtrie finds (match), checks they all
 * have room if it must not drop (checkHwm), writes (sendToMatching) and
 * forgets the marks (unmatch): the cost is the matching pipes, not all.
 */
import type { Msg } from "../msg.js";
import type { Pipe } from "../pipe/pipe.js";

export class Dist {
  /** The pipes, the matching ones first. */
  private readonly pipes: Pipe[] = [];
  /** Where each pipe is in `pipes`. */
  private readonly index = new Map<Pipe, number>();
  private matching = 0;

  get size(): number {
    return this.pipes.length;
  }

  has(pipe: Pipe): boolean {
    return this.index.has(pipe);
  }

  /** The pipes, in no particular order (a copy: safe to iterate while pipes come and go). */
  all(): Pipe[] {
    return [...this.pipes];
  }

  attach(pipe: Pipe): void {
    if (this.index.has(pipe)) return;
    this.index.set(pipe, this.pipes.length);
    this.pipes.push(pipe);
  }

  terminated(pipe: Pipe): void {
    let i = this.index.get(pipe);
    if (i === undefined) return;
    if (i < this.matching) {
      this.matching--;
      this.swap(i, this.matching);
      i = this.matching;
    }
    this.swap(i, this.pipes.length - 1);
    this.pipes.pop();
    this.index.delete(pipe);
  }

  /** Marks `pipe` as one the current message goes to (again: no effect). */
  match(pipe: Pipe): void {
    const i = this.index.get(pipe);
    if (i === undefined || i < this.matching) return;
    this.swap(i, this.matching);
    this.matching++;
  }

  unmatch(): void {
    this.matching = 0;
  }

  /** True if every matching pipe has room; if not, the first without wakes the socket when it has (xpubNoDrop). */
  checkHwm(): boolean {
    for (let i = 0; i < this.matching; i++) if (!this.pipes[i]!.checkWrite()) return false;
    return true;
  }

  /** Writes `msg` to every matching pipe; a pipe at its high-water mark drops its copy. */
  sendToMatching(msg: Msg): void {
    for (let i = 0; i < this.matching; i++) this.pipes[i]!.write(msg);
  }

  private swap(i: number, j: number): void {
    if (i === j) return;
    const a = this.pipes[i]!;
    const b = this.pipes[j]!;
    this.pipes[i] = b;
    this.pipes[j] = a;
    this.index.set(b, i);
    this.index.set(a, j);
  }
}
