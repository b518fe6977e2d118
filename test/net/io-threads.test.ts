/**
 * I/O threads (the context option `ioThreads`, libzmq's ZMQ_IO_THREADS):
 * tcp/ipc listeners, sessions and engines run in worker threads owned by the
 * context, sockets stay where they were made. The whole tcp/ipc suite also
 * runs with ZOCKET_IO_THREADS=1 (test/io-mode); these tests cover what only
 * this mode has.
 */
import { expect } from "chai";
import { spawn as spawnProcess } from "node:child_process";
import { once as onceEvent } from "node:events";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import * as zmq from "zeromq";
import { Context, ZocketError, type DetachedSocket } from "../../src/index.js";

const netWorker = new URL("../fixtures/net-worker.js", import.meta.url);
const exitChild = fileURLToPath(new URL("../fixtures/io-exit-child.js", import.meta.url));

function once<T>(w: Worker, event: "message" | "exit"): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    w.once(event, resolve);
    if (event === "message") w.once("error", reject);
  });
}

describe("I/O threads (ioThreads ≥ 1)", () => {
  for (const transport of ["tcp", "ipc"] as const) {
    const bindAt = transport === "tcp" ? "tcp://127.0.0.1:*" : "ipc://*";

    it(`PUSH→PULL and REQ→REP through an I/O thread, multipart whole and in order (${transport})`, async () => {
      const ctx = new Context({ ioThreads: 1 });
      const pull = ctx.socket("PULL");
      const ep = await pull.bind(bindAt);
      expect(ep).to.match(transport === "tcp" ? /^tcp:\/\/127\.0\.0\.1:\d+$/ : /^ipc:\/\//);
      expect(pull.lastEndpoint).to.equal(ep);
      const push = ctx.socket("PUSH");
      push.connect(ep);
      const n = 5000;
      const sending = (async () => {
        for (let i = 0; i < n; i++) await push.send([String(i), Buffer.alloc(i % 7, i % 256)]);
      })();
      for (let i = 0; i < n; i++) {
        const m = await pull.recv();
        expect(m.length).to.equal(2);
        expect(String(m[0])).to.equal(String(i));
        expect(m[1]!.length).to.equal(i % 7);
      }
      await sending;
      const rep = ctx.socket("REP");
      const rep_ep = await rep.bind(bindAt);
      const req = ctx.socket("REQ");
      req.connect(rep_ep);
      for (let i = 0; i < 20; i++) {
        await req.send(`q${i}`);
        const [q] = await rep.recv();
        await rep.send(`a:${String(q)}`);
        expect(String((await req.recv())[0])).to.equal(`a:q${i}`);
      }
      for (const s of [push, pull, req, rep]) s.close();
      await ctx.term();
    });
  }

  it("big frames cross from the I/O thread without a copy, whole, between small ones; the sender's reused buffers stay intact", async () => {
    const ctx = new Context({ ioThreads: 1 });
    const pull = ctx.socket("PULL");
    const push = ctx.socket("PUSH");
    try {
      push.connect(await pull.bind("tcp://127.0.0.1:*"));
      // Sizes around the decoder's direct-read threshold and the batch's move threshold.
      const big = [300_000, 1 << 20, 65_536, 256 * 1024].map((n, i) => Buffer.alloc(n, 0x41 + i));
      const rounds = 12;
      const sending = (async () => {
        for (let r = 0; r < rounds; r++) {
          for (const b of big) await push.send([Buffer.from([r]), b, b]); // the same buffer twice in one message
          await push.send("small");
        }
      })();
      for (let r = 0; r < rounds; r++) {
        for (const b of big) {
          const m = await pull.recv();
          expect(m.length).to.equal(3);
          expect(m[0]![0]).to.equal(r);
          expect(m[1]!.equals(b) && m[2]!.equals(b), `round ${r}, ${b.length} bytes`).to.equal(true);
          // A frame that was moved is the whole of its own memory (nothing else rides along with it).
          if (m[1]!.length >= 256 * 1024) expect(m[1]!.buffer.byteLength).to.equal(m[1]!.length);
        }
        expect(String((await pull.recv())[0])).to.equal("small");
      }
      await sending;
      expect(big.map((b) => b.length)).to.deep.equal([300_000, 1 << 20, 65_536, 256 * 1024]);
    } finally {
      push.close();
      pull.close();
      await ctx.term();
    }
  });

  it("a bind error from the I/O thread comes back as the same ZocketError (EADDRINUSE), and the socket keeps working", async () => {
    const ctx = new Context({ ioThreads: 1 });
    const a = ctx.socket("PULL");
    const ep = await a.bind("tcp://127.0.0.1:*");
    const b = ctx.socket("PULL");
    const err = await b.bind(ep).then(() => null, (e: unknown) => e);
    expect(err).to.be.instanceOf(ZocketError);
    expect((err as ZocketError).code).to.equal("EADDRINUSE");
    const ep2 = await b.bind("tcp://127.0.0.1:*");
    const push = ctx.socket("PUSH");
    push.connect(ep2);
    await push.send("ok");
    expect(String((await b.recv())[0])).to.equal("ok");
    for (const s of [a, b, push]) s.close();
    await ctx.term();
  });

  it("monitor events and unbind/disconnect go through the I/O thread", async () => {
    const ctx = new Context({ ioThreads: 1 });
    const pull = ctx.socket("PULL");
    const seen: string[] = [];
    const handshake = new Promise<void>((resolve) => pull.events.on("handshake", () => resolve()));
    for (const name of ["bind", "accept", "handshake", "unbind", "close"] as const) pull.events.on(name, (e) => seen.push(`${e.type}`));
    const ep = await pull.bind("tcp://127.0.0.1:*");
    const push = ctx.socket("PUSH");
    const connected = new Promise<void>((resolve) => push.events.on("connect", () => resolve()));
    push.connect(ep);
    await Promise.all([handshake, connected]);
    await pull.unbind(ep);
    // Once unbind resolved, the port is free: a new bind takes it.
    const again = ctx.socket("PULL");
    expect(await again.bind(ep)).to.equal(ep);
    push.disconnect(ep);
    expect(seen).to.include.members(["bind", "accept", "handshake", "unbind"]);
    for (const s of [push, pull, again]) s.close();
    await ctx.term();
  });

  it("sockets of a worker thread use the context's I/O threads; libzmq peers see nothing different", async () => {
    const ctx = new Context({ ioThreads: 2 });
    const peer = new zmq.Pull();
    await peer.bind("tcp://127.0.0.1:*");
    const h = ctx.share();
    const w = new Worker(netWorker, { workerData: { role: "host", endpoint: peer.lastEndpoint, n: 100, ctx: h }, transferList: h.transferList });
    const d = await once<DetachedSocket>(w, "message");
    for (let i = 0; i < 100; i++) expect(String((await peer.receive())[0])).to.equal(String(i));
    // The socket moves here; its connection stays in the I/O thread, so the
    // thread it left can go without the peer seeing anything.
    const push = ctx.adopt(d);
    let disconnects = 0;
    push.events.on("disconnect", () => disconnects++);
    await w.terminate();
    await push.send("after the worker died");
    expect(String((await peer.receive())[0])).to.equal("after the worker died");
    expect(disconnects).to.equal(0);
    push.close();
    peer.close();
    await ctx.term();
  });

  it("PLAIN with a ZAP handler: the I/O thread asks the handler bound in the main thread", async () => {
    const ctx = new Context({ ioThreads: 1 });
    const zap = ctx.socket("REP");
    await zap.bind("inproc://zeromq.zap.01");
    const requests: string[] = [];
    void (async () => {
      for (;;) {
        const req = await zap.recv().catch(() => null);
        if (req === null) return;
        const [version, id, , , , mechanism, user, pass] = req.map(String);
        requests.push(`${mechanism}:${user}`);
        const ok = user === "admin" && pass === "secret";
        await zap.send([version!, id!, ok ? "200" : "400", ok ? "OK" : "no", ok ? user! : "", ""]).catch(() => {});
      }
    })();
    const server = ctx.socket("PULL", { plainServer: true });
    const ep = await server.bind("tcp://127.0.0.1:*");
    const good = ctx.socket("PUSH", { plainUsername: "admin", plainPassword: "secret" });
    good.connect(ep);
    await good.send("let me in");
    expect(String((await server.recv())[0])).to.equal("let me in");
    const bad = ctx.socket("PUSH", { plainUsername: "admin", plainPassword: "wrong" });
    const refused = new Promise<string | undefined>((resolve) => bad.events.on("handshake:error", (e) => resolve(e.reason)));
    bad.connect(ep);
    expect(await refused).to.equal("auth");
    expect(requests).to.deep.equal(["PLAIN:admin", "PLAIN:admin"]);
    for (const s of [good, bad, server, zap]) s.close();
    await ctx.term();
  });

  it("close() then term(): linger delivers every queued message to a peer that binds late, and the process exits by itself", async function () {
    this.timeout(30000);
    const peer = new zmq.Pull();
    await peer.bind("tcp://127.0.0.1:*");
    const ep = peer.lastEndpoint!;
    peer.close();
    // The child queues 1000 messages towards a closed port, says so, closes, terms and must exit by itself.
    const child = spawnProcess(process.execPath, [exitChild, ep], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    const queued = new Promise<void>((resolve) =>
      child.stdout.on("data", (b: Buffer) => {
        out += String(b);
        if (out.includes("queued\n")) resolve();
      }),
    );
    await queued;
    const late = new zmq.Pull();
    await late.bind(ep);
    for (let i = 0; i < 1000; i++) expect(String((await late.receive())[0])).to.equal(`m${i}`);
    const killer = setTimeout(() => child.kill("SIGKILL"), 15000);
    const [code] = (await onceEvent(child, "exit")) as [number | null];
    clearTimeout(killer);
    expect(code).to.equal(0);
    expect(out).to.equal("queued\ntermed\n");
    late.close();
  });

  it("ioThreads is validated", () => {
    for (const bad of [-1, 1.5, 65, "1", Number.NaN]) {
      expect(() => new Context({ ioThreads: bad as number })).to.throw(ZocketError).with.property("code", "EINVAL");
    }
  });
});
