/** Runs a fixture in a child process and reads its stdout line by line. */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export class ChildPeer {
  readonly proc: ChildProcess;
  private lines: string[] = [];
  private waiters: { match: (l: string) => boolean; resolve: (l: string) => void }[] = [];

  /** `nodeArgs`: options for node itself (--expose-gc, --max-old-space-size=…). */
  constructor(fixture: string, args: string[], opts: { ulimit?: number; nodeArgs?: string[] } = {}) {
    const script = fileURLToPath(new URL(`../fixtures/${fixture}.js`, import.meta.url));
    const argv = [...(opts.nodeArgs ?? []), script, ...args];
    const cmd = [process.execPath, ...argv].map((a) => `'${a}'`).join(" ");
    this.proc =
      opts.ulimit !== undefined
        ? spawn("sh", ["-c", `ulimit -n ${opts.ulimit} && exec ${cmd}`], { stdio: ["pipe", "pipe", "inherit"] })
        : spawn(process.execPath, argv, { stdio: ["pipe", "pipe", "inherit"] });
    let rest = "";
    this.proc.stdout!.setEncoding("utf8");
    this.proc.stdout!.on("data", (chunk: string) => {
      rest += chunk;
      let i: number;
      while ((i = rest.indexOf("\n")) >= 0) {
        const line = rest.slice(0, i);
        rest = rest.slice(i + 1);
        const w = this.waiters.findIndex((x) => x.match(line));
        if (w >= 0) this.waiters.splice(w, 1)[0]!.resolve(line);
        else this.lines.push(line);
      }
    });
  }

  /** The first line (already read or still to come) that starts with `prefix`; rejects after `ms`. */
  line(prefix: string, ms = 5000): Promise<string> {
    const i = this.lines.findIndex((l) => l.startsWith(prefix));
    if (i >= 0) return Promise.resolve(this.lines.splice(i, 1)[0]!);
    return new Promise<string>((resolve, reject) => {
      const waiter = { match: (l: string) => l.startsWith(prefix), resolve };
      this.waiters.push(waiter);
      const t = setTimeout(() => {
        const k = this.waiters.indexOf(waiter);
        if (k >= 0) this.waiters.splice(k, 1);
        reject(new Error(`child: no line starting with "${prefix}" within ${ms} ms`));
      }, ms);
      const done = waiter.resolve;
      waiter.resolve = (l) => {
        clearTimeout(t);
        done(l);
      };
    });
  }

  send(text: string): void {
    this.proc.stdin!.write(text);
  }

  kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      this.proc.once("exit", () => resolve());
      this.proc.kill(signal);
    });
  }
}
