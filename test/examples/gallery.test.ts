/**
 * Smoke test of the examples gallery: every example program runs as a child
 * process, as a user would run it (`node dist/examples/<name>.js`), and must
 * exit by itself with code 0 (so nothing holds the event loop), write nothing
 * to stderr, and end with the line it prints when its work checked out.
 *
 * Which files are programs (the convention, also in examples/README.md):
 *   - examples/<name>.ts, except modules run in worker threads, whose names
 *     end in "-worker.ts" (demo-worker.ts);
 *   - examples/ported/<name>/index.ts (zeromq.js's examples, ported); the
 *     other files in those folders are their modules.
 * They are found by listing examples/ in the source tree (not dist/, which
 * may hold stale output of deleted files) and run from dist/.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

const DIST_EXAMPLES = fileURLToPath(new URL("../../examples/", import.meta.url));
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const SRC_EXAMPLES = join(ROOT, "examples");
const PER_EXAMPLE_TIMEOUT_MS = 20_000;
/**
 * The demo pushes 200,000 tasks through three threads: about 3 s on a quiet
 * 2-core machine, but several times that on a busy one. It gets more time and
 * starts first, so the short examples run beside it.
 */
const TIMEOUT_MS: Record<string, number> = { demo: 60_000 };
const timeoutOf = (name: string): number => TIMEOUT_MS[name] ?? PER_EXAMPLE_TIMEOUT_MS;
const PARALLEL = 4; // small batches: the examples are short, the machine may be shared

/** The last line each program prints once its work has checked out. */
const FINAL_LINE: Record<string, RegExp> = {
  demo: /^\[main\] +all threads exited by themselves/,
  "proxy-capture": /^broker terminated$|^done: proxy-capture$/,
  "ported/req-rep": /^Received result: 8$/,
  "ported/pub-sub": /^received a message related to: <Buffer 6b 69 74 74 79 20 63 61 74 73> containing message: <Buffer 6d 65 6f 77 21>$/,
  "ported/push-pull": /^work: some work$/,
  "ported/queue": /^received: <empty message>$/,
  "ported/majordomo": /^-+ Stopping -+$/,
  "ported/threaded-worker": /^all workers stopped$/,
};
/** Gallery programs (examples/<name>.ts) not listed above end with "done: <name>". */
const finalLine = (name: string): RegExp => FINAL_LINE[name] ?? new RegExp(`^done: ${name}$`);

/** stderr lines a program may print: none so far (Node's experimental-feature notices would go here). */
const ALLOWED_STDERR: RegExp[] = [];

interface Program {
  name: string; // "pipeline", "ported/req-rep"
  source: string; // path of its .ts entry
  script: string; // path of its compiled .js entry
}

function discover(): Program[] {
  const programs: Program[] = [];
  for (const file of readdirSync(SRC_EXAMPLES).sort()) {
    if (!file.endsWith(".ts") || file.endsWith(".d.ts") || file.endsWith("-worker.ts")) continue;
    const name = file.slice(0, -3);
    programs.push({ name, source: join(SRC_EXAMPLES, file), script: join(DIST_EXAMPLES, `${name}.js`) });
  }
  const ported = join(SRC_EXAMPLES, "ported");
  if (existsSync(ported)) {
    for (const dir of readdirSync(ported, { withFileTypes: true })) {
      if (!dir.isDirectory() || !existsSync(join(ported, dir.name, "index.ts"))) continue;
      programs.push({
        name: `ported/${dir.name}`,
        source: join(ported, dir.name, "index.ts"),
        script: join(DIST_EXAMPLES, "ported", dir.name, "index.js"),
      });
    }
  }
  // The longest-running first: it overlaps the others.
  return programs.sort((a, b) => timeoutOf(b.name) - timeoutOf(a.name));
}

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function run(script: string, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [script], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    // An example that does not exit by itself is killed, and fails below.
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/**
 * Starts the programs, PARALLEL at a time, and returns one promise per
 * program at once, so each test can await its own.
 */
function runAll(programs: Program[]): Map<string, Promise<Outcome>> {
  const starters = new Map<string, () => void>();
  const results = new Map<string, Promise<Outcome>>();
  for (const p of programs) {
    results.set(p.name, new Promise<Outcome>((resolve, reject) => starters.set(p.name, () => run(p.script, timeoutOf(p.name)).then(resolve, reject))));
  }
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let p = programs[next++]; p !== undefined; p = programs[next++]) {
      starters.get(p.name)!();
      await results.get(p.name)!.catch(() => undefined);
    }
  };
  for (let i = 0; i < PARALLEL; i++) void lane();
  return results;
}

describe("examples gallery", function () {
  const programs = discover();
  let outcomes: Map<string, Promise<Outcome>>;

  before(function () {
    outcomes = runAll(programs);
  });

  it("finds the gallery and the ported examples", function () {
    const names = programs.map((p) => p.name);
    for (const name of ["pipeline", "pubsub", "reqrep", "rrbroker", "lbbroker", "lazy-pirate", "majordomo", "worker-migration", "plain-zap", "curve"]) {
      expect(names, name).to.include(name);
    }
    expect(names.filter((n) => n.startsWith("ported/"))).to.have.length.at.least(5);
  });

  it("lists every program in examples/README.md or examples/ported/README.md", function () {
    const readme = readFileSync(join(SRC_EXAMPLES, "README.md"), "utf8");
    const portedReadme = readFileSync(join(SRC_EXAMPLES, "ported", "README.md"), "utf8");
    for (const p of programs) {
      if (p.name.startsWith("ported/")) expect(portedReadme, p.name).to.include(p.name.slice("ported/".length));
      else expect(readme, p.name).to.include(`${p.name}.ts`);
    }
  });

  it("imports zocket by its package name, as a user's code would, and never exits with process.exit(0)", function () {
    for (const p of programs) {
      if (p.name === "demo") continue; // the demo predates the gallery and stays as it is
      const dir = p.name.startsWith("ported/") ? join(SRC_EXAMPLES, p.name) : null;
      const files = dir === null ? [p.source] : readdirSync(dir).filter((f) => f.endsWith(".ts")).map((f) => join(dir, f));
      let usesZocket = false;
      for (const f of files) {
        const text = readFileSync(f, "utf8");
        expect(text, f).not.to.match(/from "\.\.?\/(\.\.\/)*src\//);
        expect(text, f).not.to.match(/process\.exit\(\s*0?\s*\)/);
        usesZocket ||= /from "zocket"/.test(text);
      }
      expect(usesZocket, `${p.name} imports "zocket"`).to.equal(true);
    }
  });

  it('resolves "zocket" from the package itself to dist/src/index.js', function () {
    expect(fileURLToPath(import.meta.resolve("zocket"))).to.equal(join(ROOT, "dist", "src", "index.js"));
  });

  for (const p of programs) {
    it(`${p.name} runs, exits 0 by itself and prints its final line`, async function () {
      // Its wait includes the programs queued before it.
      this.timeout(timeoutOf("demo") + PER_EXAMPLE_TIMEOUT_MS * Math.ceil(programs.length / PARALLEL) + 10_000);
      expect(existsSync(p.script), `${p.script} (run npm run build)`).to.equal(true);
      const o = await outcomes.get(p.name)!;
      const where = `${p.name} (${Math.round(o.ms)} ms)\n--- stdout\n${o.stdout}--- stderr\n${o.stderr}`;
      expect(o.signal, `killed after ${timeoutOf(p.name)} ms: ${where}`).to.equal(null);
      expect(o.code, where).to.equal(0);
      const stderr = o.stderr.split("\n").filter((l) => l !== "" && !ALLOWED_STDERR.some((r) => r.test(l)));
      expect(stderr, where).to.deep.equal([]);
      const lines = o.stdout.split("\n").filter((l) => l.trim() !== "");
      expect(lines.at(-1) ?? "", where).to.match(finalLine(p.name));
    });
  }
});
