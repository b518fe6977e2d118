/** The `zocket` command in a child process: its stdout and stderr as lines, its exit, every wait bounded. */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../../src/cli.js", import.meta.url));

class Lines {
  readonly all: string[] = [];
  #rest = "";
  #waiters: (() => void)[] = [];

  feed(chunk: string): void {
    this.#rest += chunk;
    let i: number;
    while ((i = this.#rest.indexOf("\n")) >= 0) {
      this.all.push(this.#rest.slice(0, i));
      this.#rest = this.#rest.slice(i + 1);
    }
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Resolves when `ready()` holds (checked on every new line); rejects after `ms`. */
  until<T>(ready: () => T | undefined, ms: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`zocket CLI: ${what} not seen within ${ms} ms; lines: ${JSON.stringify(this.all)}`)), ms);
      const check = (): void => {
        const v = ready();
        if (v !== undefined) {
          clearTimeout(timer);
          resolve(v);
        } else {
          this.#waiters.push(check);
        }
      };
      check();
    });
  }
}

export class CliRun {
  readonly proc: ChildProcessWithoutNullStreams;
  readonly out = new Lines();
  readonly err = new Lines();
  readonly exited: Promise<number | null>;

  constructor(args: readonly string[]) {
    this.proc = spawn(process.execPath, [CLI, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    this.proc.stdout.setEncoding("utf8").on("data", (s: string) => this.out.feed(s));
    this.proc.stderr.setEncoding("utf8").on("data", (s: string) => this.err.feed(s));
    this.proc.stdin.on("error", () => {});
    this.exited = new Promise((resolve) => this.proc.once("exit", (code, signal) => resolve(code ?? (signal === null ? null : 128))));
  }

  /** The endpoint of the stderr line "<label >bound <endpoint>". */
  bound(label = "", ms = 5000): Promise<string> {
    const prefix = `${label === "" ? "" : `${label} `}bound `;
    return this.err.until(() => this.err.all.find((l) => l.startsWith(prefix))?.slice(prefix.length), ms, `"${prefix}…" on stderr`);
  }

  /** Resolves once stdout holds `n` lines (all of them). */
  stdoutLines(n: number, ms = 5000): Promise<string[]> {
    return this.out.until(() => (this.out.all.length >= n ? this.out.all.slice() : undefined), ms, `${n} lines on stdout`);
  }

  /** Resolves with the first stderr line matching `re`. */
  stderrLine(re: RegExp, ms = 5000): Promise<string> {
    return this.err.until(() => this.err.all.find((l) => re.test(l)), ms, `a stderr line matching ${re}`);
  }

  write(text: string): void {
    this.proc.stdin.write(text);
  }

  endInput(text = ""): void {
    this.proc.stdin.end(text);
  }

  /** The exit status (128 for a death by signal); rejects after `ms`. */
  exit(ms = 5000): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`zocket CLI still running after ${ms} ms; stderr: ${JSON.stringify(this.err.all)}`)), ms);
    });
    return Promise.race([this.exited, late]).finally(() => clearTimeout(timer));
  }

  kill(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return Promise.resolve();
    this.proc.kill("SIGKILL");
    return this.exited.then(() => undefined);
  }
}

/** Every run started through `cli()`, for an `afterEach` to kill. */
export const runs: CliRun[] = [];

export function cli(...args: string[]): CliRun {
  const r = new CliRun(args);
  runs.push(r);
  return r;
}

export async function killAll(): Promise<void> {
  await Promise.all(runs.splice(0).map((r) => r.kill()));
}
