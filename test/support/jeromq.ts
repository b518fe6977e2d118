/**
 * A JeroMQ peer in a child JVM (test/fixtures/JeroPeer.java, compiled with
 * javac at run time). Debian's libjeromq-java 0.3.6 speaks ZMTP 2.0. When the
 * jar, java or javac is missing, jeromqSetup() says why and the tests skip.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const JARS = [process.env["JEROMQ_JAR"], "/usr/share/java/jeromq.jar", "/usr/share/java/jeromq-0.3.6.jar"];
const SOURCE = fileURLToPath(new URL("../../../test/fixtures/JeroPeer.java", import.meta.url));

export interface JeromqSetup {
  classpath: string;
  jar: string;
  dir: string;
}

/** Compiles the peer; a string says why JeroMQ tests cannot run here. */
export function jeromqSetup(): JeromqSetup | string {
  const jar = JARS.find((j): j is string => j !== undefined && existsSync(j));
  if (jar === undefined) return "no JeroMQ jar (apt-get install libjeromq-java, or set JEROMQ_JAR)";
  for (const tool of ["java", "javac"]) {
    try {
      execFileSync(tool, ["-version"], { stdio: "ignore", timeout: 20000 });
    } catch {
      return `no ${tool} on PATH (a JDK is needed to compile the JeroMQ test peer)`;
    }
  }
  const dir = mkdtempSync(path.join(tmpdir(), "zocket-jeromq-"));
  try {
    execFileSync("javac", ["-cp", jar, "-d", dir, SOURCE], { stdio: "pipe", timeout: 60000 });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    return `javac failed on JeroPeer.java: ${String((err as { stderr?: Buffer }).stderr ?? err)}`;
  }
  return { classpath: `${dir}${path.delimiter}${jar}`, jar, dir };
}

/** The version in the jar's name or manifest, for the report. */
export function jeromqVersion(setup: JeromqSetup): string {
  const m = /jeromq-(\d+\.\d+\.\d+)/.exec(setup.jar);
  if (m !== null) return m[1]!;
  try {
    const manifest = execFileSync("unzip", ["-p", setup.jar, "META-INF/MANIFEST.MF"], { encoding: "latin1", timeout: 10000 });
    return /(?:Bundle-Version|Implementation-Version):\s*(\S+)/.exec(manifest)?.[1] ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** How JeroPeer prints a message: frames in hex, or #size:sha256 when over 64 bytes. */
export function describe(frames: readonly Buffer[]): string {
  return "MSG " + frames.map((f) => (f.length <= 64 ? f.toString("hex") : `#${f.length}:${createHash("sha256").update(f).digest("hex")}`)).join(",");
}

export const msg = (...parts: string[]): string => describe(parts.map((p) => Buffer.from(p, "latin1")));

/** A free tcp port on 127.0.0.1 (for a JeroMQ side that binds: 0.3.6 has no wildcard port). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export class JeroPeer {
  readonly lines: string[] = [];
  private waiter: (() => void) | null = null;
  private readonly exited: Promise<void>;
  private stderr = "";

  private constructor(private readonly proc: ChildProcess) {
    let partial = "";
    proc.stdout!.setEncoding("latin1");
    proc.stdout!.on("data", (d: string) => {
      partial += d;
      const parts = partial.split("\n");
      partial = parts.pop()!;
      this.lines.push(...parts.map((l) => l.trimEnd()));
      this.waiter?.();
    });
    proc.stderr!.setEncoding("latin1");
    proc.stderr!.on("data", (d: string) => (this.stderr = (this.stderr + d).slice(-4000)));
    proc.stdin!.on("error", () => {});
    this.exited = new Promise((resolve) => proc.on("exit", () => resolve()));
    void this.exited.then(() => this.waiter?.());
  }

  /** Starts a peer: JeroPeer <mode> <endpoint> <bind|connect> [args]; resolves once it is bound or connected. */
  static async start(setup: JeromqSetup, mode: string, endpoint: string, how: "bind" | "connect", ...args: (string | number)[]): Promise<JeroPeer> {
    const proc = spawn("java", ["-Xss512k", "-cp", setup.classpath, "JeroPeer", mode, endpoint, how, ...args.map(String)], { stdio: ["pipe", "pipe", "pipe"] });
    const p = new JeroPeer(proc);
    await p.waitFor((l) => l === "READY", 20000, `JeroMQ ${mode} READY`);
    return p;
  }

  /** The messages it received, as describe() writes them. */
  get messages(): string[] {
    return this.lines.filter((l) => l.startsWith("MSG "));
  }

  /** Resolves with the first line (from the start) that matches; rejects after `ms` or if the JVM exits first. */
  async waitFor(match: (line: string) => boolean, ms: number, what: string): Promise<string> {
    const deadline = Date.now() + ms;
    let exited = false;
    void this.exited.then(() => (exited = true));
    for (;;) {
      const hit = this.lines.find(match);
      if (hit !== undefined) return hit;
      const left = deadline - Date.now();
      if (left <= 0 || exited) throw new Error(`${what}: ${exited ? "the JVM exited" : `nothing within ${ms} ms`}; stdout tail ${JSON.stringify(this.lines.slice(-3))}; stderr ${this.stderr.slice(-500)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 1000));
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.waiter = null;
    }
  }

  /** Waits until `n` messages arrived (its "DONE" when it counts them itself). */
  async received(n: number, ms: number, what: string): Promise<string[]> {
    await this.waitFor(() => this.messages.length >= n, ms, what);
    return this.messages.slice(0, n);
  }

  /** Ends it the polite way (stdin closed), killing it if it lingers. */
  async stop(): Promise<void> {
    this.proc.stdin!.end();
    const t = setTimeout(() => this.proc.kill("SIGKILL"), 5000);
    await this.exited;
    clearTimeout(t);
  }

  /** Kills the JVM at once (a crashed peer: no goodbye on the wire). */
  async kill(): Promise<void> {
    this.proc.kill("SIGKILL");
    await this.exited;
  }
}
