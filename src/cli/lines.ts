/**
 * stdin as a queue of lines that can be asked "is anything left?" without
 * waiting: a REP must stop waiting for a request once stdin has no line left
 * to reply with.
 */
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";

/** Lines read ahead before stdin is paused (a slow socket must not make stdin pile up in memory). */
const READ_AHEAD = 1000;

export class LineSource {
  readonly #rl: ReturnType<typeof createInterface>;
  readonly #buffered: string[] = [];
  #ended = false;
  #wake: (() => void) | null = null;
  /** Aborted once stdin has ended and every line was taken. */
  readonly #exhausted = new AbortController();

  constructor(input: Readable) {
    const rl = createInterface({ input, crlfDelay: Infinity, terminal: false });
    this.#rl = rl;
    rl.on("line", (line) => {
      this.#buffered.push(line);
      if (this.#buffered.length >= READ_AHEAD) rl.pause();
      this.#wakeUp();
    });
    rl.on("close", () => {
      this.#ended = true;
      this.#check();
      this.#wakeUp();
    });
  }

  /** The next line; null once stdin has ended and every line was taken. */
  async next(): Promise<string | null> {
    for (;;) {
      const line = this.#buffered.shift();
      if (line !== undefined) {
        if (this.#buffered.length < READ_AHEAD / 2) this.#rl.resume();
        this.#check();
        return line;
      }
      if (this.#ended) return null;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  /** Aborts when no line is left and none will come. */
  get exhausted(): AbortSignal {
    return this.#exhausted.signal;
  }

  #check(): void {
    if (this.#ended && this.#buffered.length === 0 && !this.#exhausted.signal.aborted) this.#exhausted.abort();
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}
