/**
 * Threads and lifecycle over inproc: peers in three threads, a worker killed
 * mid-connection, workers and processes that exit by themselves, and the one
 * warning of a term() that waits.
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { Context } from "../../src/index.js";

const lib = new URL("../../src/index.js", import.meta.url).href;

/** A worker from inline source; it gets `Context`, `ctx` and `workerData` in scope. */
function worker(ctx: Context, body: string, data: Record<string, unknown> = {}): Worker {
  const src = `
    import { parentPort, workerData } from "node:worker_threads";
    const { Context } = await import(workerData.lib);
    const ctx = Context.attach(workerData.ctx);
    ${body}`;
  const h = ctx.share();
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(src)}`), {
    workerData: { ...data, lib, ctx: h },
    transferList: h.transferList,
  });
}

const exited = (w: Worker): Promise<number> => new Promise((r) => w.once("exit", r));

describe("threads and lifecycle", function () {
  this.timeout(20000);

  it("a PULL fair-queues from peers in three threads (main and two workers), each in order", async () => {
    const ctx = new Context();
    const pull = ctx.socket("PULL");
    await pull.bind("inproc://three");
    const body = `
      const push = ctx.socket("PUSH");
      push.connect("inproc://three");
      for (let i = 0; i < 1000; i++) await push.send([workerData.name, String(i)]);
      push.close();`;
    const w1 = worker(ctx, body, { name: "w1" });
    const w2 = worker(ctx, body, { name: "w2" });
    // Listen for the exits now: the workers may well be gone before we have read everything.
    const bothExited = Promise.all([exited(w1), exited(w2)]);
    const local = ctx.socket("PUSH");
    local.connect("inproc://three");
    const sending = (async () => {
      for (let i = 0; i < 1000; i++) await local.send(["main", String(i)]);
    })();
    const next: Record<string, number> = { main: 0, w1: 0, w2: 0 };
    for (let n = 0; n < 3000; n++) {
      const [who, i] = (await pull.recv()).map(String);
      expect(Number(i)).to.equal(next[who!]);
      next[who!]!++;
    }
    await sending;
    await bothExited;
    local.close();
    pull.close();
    await ctx.term();
  });

  it("a worker terminate()d mid-connection: its pipes are torn down, other peers keep working, term() completes", async () => {
    const ctx = new Context();
    const pull = ctx.socket("PULL");
    await pull.bind("inproc://victim");
    const w = worker(
      ctx,
      `
      const push = ctx.socket("PUSH");
      push.connect("inproc://victim");
      parentPort.postMessage("up");
      for (let i = 0; ; i++) await push.send("from the doomed worker");`,
    );
    await new Promise((r) => w.once("message", r));
    await pull.recv();
    await w.terminate();
    const survivor = ctx.socket("PUSH");
    survivor.connect("inproc://victim");
    await survivor.send("survivor");
    // Drain what the dead worker left, then the survivor's message arrives.
    let got = "";
    for (let i = 0; i < 10000 && got !== "survivor"; i++) got = String((await pull.recv())[0]);
    expect(got).to.equal("survivor");
    survivor.close();
    pull.close();
    await ctx.term();
  });

  it("a worker whose sockets are closed and flushed exits by itself", async () => {
    const ctx = new Context();
    const pull = ctx.socket("PULL");
    await pull.bind("inproc://by-itself");
    const w = worker(
      ctx,
      `
      const push = ctx.socket("PUSH");
      push.connect("inproc://by-itself");
      for (let i = 0; i < 100; i++) await push.send(String(i));
      push.close();`,
    );
    const code = exited(w);
    for (let i = 0; i < 100; i++) expect(String((await pull.recv())[0])).to.equal(String(i));
    expect(await code).to.equal(0);
    pull.close();
    await ctx.term();
  });

  it("term() from a worker terminates the whole context", async () => {
    const ctx = new Context();
    const pull = ctx.socket("PULL");
    await pull.bind("inproc://term-from-worker");
    const pending = pull.recv().then(
      () => "message",
      (e: { code?: string }) => e.code,
    );
    const w = worker(ctx, `await ctx.term(); parentPort.postMessage("termed");`);
    const gone = exited(w);
    const reason = await pending;
    expect(reason).to.equal("ETERM");
    pull.close();
    expect(await new Promise((r) => w.once("message", r))).to.equal("termed");
    await gone;
    await ctx.term();
  });

  it("a term() that waits emits exactly one warning naming what holds it", async () => {
    const script = fileURLToPath(new URL("../fixtures/term-warning-child.js", import.meta.url));
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [script], { env: { ...process.env, ZOCKET_TERM_WARN_MS: "200" }, timeout: 10000 }, (err, stdout) =>
        err ? reject(err) : resolve(stdout),
      ),
    );
    const warnings = out.split("\n").filter((l) => l.startsWith("warning"));
    expect(warnings.length).to.equal(1);
    expect(warnings[0]).to.include("ZOCKET_TERM_WAIT").and.include("inproc://held-open");
    expect(out).to.include("termed 1");
  });

  it("after term() the process exits by itself (sockets over inproc, tcp and ipc, a worker)", async () => {
    const src = `
      const { Context } = await import(${JSON.stringify(lib)});
      const { Worker } = await import("node:worker_threads");
      const ctx = new Context();
      const pull = ctx.socket("PULL");
      const tcp = await pull.bind("tcp://127.0.0.1:*");
      const ipc = await pull.bind("ipc://*");
      await pull.bind("inproc://x");
      const push = ctx.socket("PUSH");
      push.connect(tcp); push.connect(ipc); push.connect("inproc://x");
      for (let i = 0; i < 30; i++) await push.send("m");
      for (let i = 0; i < 30; i++) await pull.recv();
      push.close(); pull.close();
      await ctx.term();
      console.log("termed");`;
    const started = Date.now();
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ["--input-type=module", "-e", src], { timeout: 10000 }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
    );
    expect(out.trim()).to.equal("termed");
    expect(Date.now() - started).to.be.below(10000);
  });
});
