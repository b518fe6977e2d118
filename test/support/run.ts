/** Runs a command to its end and collects what it printed (bounded by a timeout). */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The project's root (this file is dist/test/support/run.js once built). */
export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function run(command: string, args: readonly string[], opts: { cwd?: string; timeout?: number; input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Ran> {
  const timeout = opts.timeout ?? 30000;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${command} ${args.join(" ")}: still running after ${timeout} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeout);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    // A command that exits without reading its input makes the write fail (EPIPE): not an error here.
    child.stdin.on("error", () => {});
    child.stdin.end(opts.input ?? "");
  });
}

/** Like run(), but a non-zero exit is an error that shows what was printed. */
export async function runOk(command: string, args: readonly string[], opts: Parameters<typeof run>[2] = {}): Promise<Ran> {
  const r = await run(command, args, opts);
  if (r.code !== 0) throw new Error(`${command} ${args.join(" ")} exited with ${r.code ?? r.signal}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}
