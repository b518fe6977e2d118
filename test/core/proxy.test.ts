/**
 * proxy() (libzmq's zmq_proxy_steerable):
 * 1. Each pair libzmq's proxy serves, over inproc and tcp: ROUTER/DEALER with
 *    REQ clients and REP workers (multipart kept whole), XSUB/XPUB with
 *    subscriptions flowing upstream, PULL/PUSH one way, PAIR/PAIR both ways.
 * 2. The capture socket gets every message, all its parts.
 * 3. Backpressure: a backend with no room stops the frontend being read; the
 *    sender upstream stops at its high-water marks; nothing is lost.
 * 4. PAUSE, RESUME, STATISTICS (8 little-endian uint64 parts in libzmq's
 *    order), TERMINATE over a REP and a PAIR control socket, and as methods.
 * 5. How it ends: terminate, a closed socket, a terminated context (resolve);
 *    EHOSTUNREACH from a routerMandatory backend (reject).
 * 6. A libzmq REQ client and REP worker (zeromq.js) through a zocket proxy.
 */
import { expect } from "chai";
import * as zmq from "zeromq";
import { Poller, proxy, type AnySocket, type Context, type BaseSocket as Socket, type ReceivingSocket } from "../../src/index.js";
import { closeAndTerm, trackedContext } from "../support/context.js";
import { rejects } from "../support/assert.js";
import { withTimeout } from "../support/threads.js";
import { uniqueName } from "../support/endpoints.js";

type Transport = "inproc" | "tcp";
const bindAny = (s: Socket, t: Transport): Promise<string> => s.bind(t === "tcp" ? "tcp://127.0.0.1:*" : `inproc://${uniqueName("proxy")}`);
const text = (m: Buffer[]): string[] => m.map((f) => f.toString());

/** Receives exactly `n` messages from `s`, bounded in time. */
async function recvN(s: ReceivingSocket, n: number, what: string): Promise<string[][]> {
  const got: string[][] = [];
  for (let i = 0; i < n; i++) got.push(text(await withTimeout(s.recv(), 5000, `${what}: message ${i}`)));
  return got;
}

describe("proxy: socket pairs", function () {
  let ctx: Context;
  beforeEach(() => (ctx = trackedContext()));
  afterEach(() => closeAndTerm(ctx));

  for (const t of ["inproc", "tcp"] as Transport[]) {
    it(`ROUTER/DEALER over ${t}: REQ clients and REP workers, multipart requests and replies kept whole`, async () => {
      const frontend = ctx.socket("ROUTER");
      const backend = ctx.socket("DEALER");
      const fe = await bindAny(frontend, t);
      const be = await bindAny(backend, t);
      const p = proxy(frontend, backend);
      const reps = [0, 1].map(() => ctx.socket("REP"));
      const workers = reps.map(async (rep, n) => {
        rep.connect(be);
        for (;;) {
          let req: Buffer[];
          try {
            req = await rep.recv();
          } catch {
            return;
          }
          await rep.send([`w${n}`, ...req]);
        }
      });
      const replies = await Promise.all(
        [0, 1, 2].map(async (c) => {
          const req = ctx.socket("REQ");
          req.connect(fe);
          const got: string[][] = [];
          for (let i = 0; i < 8; i++) {
            await req.send([`c${c}`, `${i}`, "", "tail"]);
            got.push(text(await withTimeout(req.recv(), 5000, "reply")));
          }
          return got;
        }),
      );
      for (const [c, got] of replies.entries()) {
        got.forEach((m, i) => expect(m.slice(1), `client ${c} reply ${i}`).to.deep.equal([`c${c}`, `${i}`, "", "tail"]));
      }
      const st = p.statistics();
      // Each request crosses as [client id, "", 4 parts]: 6 parts; each reply as [client id, "", w, 4 parts]: 7.
      expect(st.frontend.messagesIn).to.equal(24 * 6);
      expect(st.backend.messagesOut).to.equal(24 * 6);
      expect(st.backend.messagesIn).to.equal(24 * 7);
      expect(st.frontend.messagesOut).to.equal(24 * 7);
      p.terminate();
      await withTimeout(p.done, 1000, "done");
      for (const rep of reps) rep.close();
      await Promise.all(workers);
    });

    it(`XSUB/XPUB over ${t}: subscriptions flow upstream, only matching messages come down`, async () => {
      const frontend = ctx.socket("XSUB");
      const backend = ctx.socket("XPUB");
      const fe = await bindAny(frontend, t);
      const be = await bindAny(backend, t);
      const p = proxy(frontend, backend);
      const pub = ctx.socket("PUB");
      pub.connect(fe);
      const sub = ctx.socket("SUB");
      sub.connect(be);
      sub.subscribe("news");
      // The PUB filters once the subscription has come up through the proxy: publish until it does.
      const poller = new Poller().add(sub);
      let ready: AnySocket[] = [];
      for (let i = 0; i < 300 && ready.length === 0; i++) {
        pub.trySend(["weather", "rain"]);
        pub.trySend(["news", "probe"]);
        ready = await poller.wait(10);
      }
      expect(ready).to.deep.equal([sub]);
      expect(text(await sub.recv())).to.deep.equal(["news", "probe"]);
      while (sub.tryRecv() !== null);
      await pub.send(["weather", "sun"]);
      await pub.send(["news", "final", "3 parts"]);
      expect(text(await withTimeout(sub.recv(), 5000, "news"))).to.deep.equal(["news", "final", "3 parts"]);
      expect(p.statistics().backend.messagesIn, "the subscription went upstream").to.be.at.least(1);
      p.terminate();
    });

    it(`PULL/PUSH over ${t}: one way, in order, with a capture socket seeing every part`, async () => {
      const frontend = ctx.socket("PULL");
      const backend = ctx.socket("PUSH");
      const capture = ctx.socket("PUSH");
      const fe = await bindAny(frontend, t);
      const be = await bindAny(backend, t);
      const ce = await bindAny(capture, t);
      const tap = ctx.socket("PULL");
      tap.connect(ce);
      const p = proxy(frontend, backend, { capture });
      const src = ctx.socket("PUSH");
      src.connect(fe);
      const sink = ctx.socket("PULL");
      sink.connect(be);
      const want = Array.from({ length: 50 }, (_, i) => [`m${i}`, "", `part3-${i}`]);
      for (const m of want) await src.send(m);
      expect(await recvN(sink, 50, "sink")).to.deep.equal(want);
      expect(await recvN(tap, 50, "capture")).to.deep.equal(want);
      const st = p.statistics();
      expect(st.frontend).to.deep.equal({ messagesIn: 150, bytesIn: want.flat().join("").length, messagesOut: 0, bytesOut: 0 });
      expect(st.backend.messagesOut).to.equal(150);
      p.terminate();
    });
  }

  it("PAIR/PAIR: both ways", async () => {
    const frontend = ctx.socket("PAIR");
    const backend = ctx.socket("PAIR");
    const a = ctx.socket("PAIR");
    const b = ctx.socket("PAIR");
    a.connect(await bindAny(frontend, "inproc"));
    b.connect(await bindAny(backend, "inproc"));
    const p = proxy(frontend, backend);
    await a.send(["to", "b"]);
    expect(text(await withTimeout(b.recv(), 2000, "b"))).to.deep.equal(["to", "b"]);
    await b.send(["to", "a"]);
    expect(text(await withTimeout(a.recv(), 2000, "a"))).to.deep.equal(["to", "a"]);
    p.terminate();
  });

  it("one ROUTER as frontend and backend (libzmq's frontend == backend case): messages go back out through it", async () => {
    const router = ctx.socket("ROUTER");
    const dealer = ctx.socket("DEALER", { routingId: "me" });
    dealer.connect(await bindAny(router, "inproc"));
    const p = proxy(router, router);
    await dealer.send(["echo", "2"]);
    expect(text(await withTimeout(dealer.recv(), 2000, "echo"))).to.deep.equal(["echo", "2"]);
    const st = p.statistics();
    expect([st.frontend.messagesIn, st.frontend.messagesOut, st.backend.messagesIn]).to.deep.equal([3, 0, 0]);
    expect(st.backend.messagesOut).to.equal(3);
    p.terminate();
  });

  it("refuses pairs where nothing can flow, and capture/control sockets that cannot do their job", () => {
    const push = ctx.socket("PUSH");
    const pull = ctx.socket("PULL");
    expect(() => proxy(push, ctx.socket("PUB"))).to.throw(/nothing can flow/);
    expect(() => proxy(pull, push, { capture: ctx.socket("SUB") })).to.throw(/capture/);
    expect(() => proxy(pull, push, { control: ctx.socket("PUB") })).to.throw(/control/);
  });
});

describe("proxy: backpressure", function () {
  let ctx: Context;
  beforeEach(() => (ctx = trackedContext()));
  afterEach(() => closeAndTerm(ctx));

  it("a backend with no room stops the frontend being read; the sender stops at its marks and nothing is lost", async () => {
    const hwm = { sendHighWaterMark: 5, receiveHighWaterMark: 5 };
    const frontend = ctx.socket("PULL", hwm);
    const backend = ctx.socket("PUSH", hwm);
    const src = ctx.socket("PUSH", hwm);
    const sink = ctx.socket("PULL", hwm);
    src.connect(await bindAny(frontend, "inproc"));
    sink.connect(await bindAny(backend, "inproc"));
    const p = proxy(frontend, backend);
    // Fill everything: src → frontend (10), frontend → backend → sink (10), plus what the proxy holds (≤ 1).
    let sent = 0;
    const poller = new Poller().add(src, "writable");
    for (let round = 0; round < 100; round++) {
      while (sent < 1000 && src.trySend(`m${sent}`)) sent++;
      if ((await poller.wait(50)).length === 0) break; // no room came back: the chain is full
    }
    expect(sent, "the sender was stopped by the chain's marks").to.be.within(10, 30);
    const st = p.statistics();
    expect(st.frontend.messagesIn - st.backend.messagesOut, "held by the proxy").to.be.at.most(1);
    const got = await recvN(sink, sent, "sink");
    expect(got.map((m) => m[0])).to.deep.equal(Array.from({ length: sent }, (_, i) => `m${i}`));
    p.terminate();
  });
});

describe("proxy: steering", function () {
  let ctx: Context;
  beforeEach(() => (ctx = trackedContext()));
  afterEach(() => closeAndTerm(ctx));

  async function chain(control?: Socket) {
    const frontend = ctx.socket("PULL");
    const backend = ctx.socket("PUSH");
    const src = ctx.socket("PUSH");
    const sink = ctx.socket("PULL");
    src.connect(await bindAny(frontend, "inproc"));
    sink.connect(await bindAny(backend, "inproc"));
    return { src, sink, p: proxy(frontend, backend, control === undefined ? {} : { control }) };
  }

  it("PAUSE, RESUME, STATISTICS, TERMINATE over a REP control socket: each command answered", async () => {
    const control = ctx.socket("REP");
    const ep = await bindAny(control, "inproc");
    const ctl = ctx.socket("REQ");
    ctl.connect(ep);
    const { src, sink, p } = await chain(control);
    const command = async (c: string): Promise<Buffer[]> => {
      await ctl.send(c);
      return withTimeout(ctl.recv(), 2000, c);
    };
    await src.send("before");
    expect(text(await withTimeout(sink.recv(), 2000, "before"))).to.deep.equal(["before"]);
    expect(text(await command("PAUSE"))).to.deep.equal([""]);
    expect(p.state).to.equal("paused");
    await src.send("while-paused");
    expect(await new Poller().add(sink).wait(100), "nothing flows while paused").to.deep.equal([]);
    expect(text(await command("RESUME"))).to.deep.equal([""]);
    expect(text(await withTimeout(sink.recv(), 2000, "after resume"))).to.deep.equal(["while-paused"]);
    const stats = await command("STATISTICS");
    expect(stats.length).to.equal(8);
    expect(stats.every((f) => f.length === 8)).to.equal(true);
    const values = stats.map((f) => Number(f.readBigUInt64LE(0)));
    const st = p.statistics();
    expect(values).to.deep.equal([
      st.frontend.messagesIn, st.frontend.bytesIn, st.frontend.messagesOut, st.frontend.bytesOut,
      st.backend.messagesIn, st.backend.bytesIn, st.backend.messagesOut, st.backend.bytesOut,
    ]);
    expect(values).to.deep.equal([2, 18, 0, 0, 0, 0, 2, 18]);
    expect(text(await command("UNKNOWN")), "REP answers anything").to.deep.equal([""]);
    expect(text(await command("TERMINATE"))).to.deep.equal([""]);
    await withTimeout(p.done, 1000, "done");
    expect(p.state).to.equal("terminated");
  });

  it("over a PAIR control socket only STATISTICS is answered; the same as methods", async () => {
    const control = ctx.socket("PAIR");
    const ctl = ctx.socket("PAIR");
    ctl.connect(await bindAny(control, "inproc"));
    const { src, sink, p } = await chain(control);
    await ctl.send("PAUSE");
    await ctl.send("STATISTICS");
    const stats = await withTimeout(ctl.recv(), 2000, "statistics");
    expect(stats.map((f) => Number(f.readBigUInt64LE(0)))).to.deep.equal([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(p.state, "PAUSE was served before STATISTICS").to.equal("paused");
    expect(ctl.tryRecv(), "no reply to PAUSE").to.equal(null);
    p.resume();
    await src.send("x");
    expect(text(await withTimeout(sink.recv(), 2000, "x"))).to.deep.equal(["x"]);
    p.pause();
    await src.send("y");
    expect(await new Poller().add(sink).wait(60)).to.deep.equal([]);
    p.resume();
    expect(text(await withTimeout(sink.recv(), 2000, "y"))).to.deep.equal(["y"]);
    await ctl.send("TERMINATE");
    await withTimeout(p.done, 2000, "done");
  });
});

describe("proxy: how it ends", function () {
  let ctx: Context;
  beforeEach(() => (ctx = trackedContext()));
  afterEach(() => closeAndTerm(ctx));

  it("resolves when a socket is closed, detached, or the context is terminated", async () => {
    const frontend = ctx.socket("PULL");
    const backend = ctx.socket("PUSH");
    const p1 = proxy(frontend, backend);
    frontend.close();
    await withTimeout(p1.done, 1000, "closed");
    const moving = ctx.socket("PULL");
    const p3 = proxy(moving, ctx.socket("PUSH"));
    const detached = moving.detach(); // the proxy's socket left for another thread
    await withTimeout(p3.done, 1000, "detached");
    ctx.adopt(detached).close();
    const own = trackedContext();
    const p2 = proxy(own.socket("ROUTER"), own.socket("DEALER"));
    const term = closeAndTerm(own);
    await withTimeout(p2.done, 1000, "terminated");
    await withTimeout(term, 5000, "term");
  });

  it("rejects with EHOSTUNREACH from a routerMandatory backend (zmq_proxy returns -1)", async () => {
    const frontend = ctx.socket("DEALER");
    const backend = ctx.socket("ROUTER", { routerMandatory: true });
    const client = ctx.socket("DEALER");
    const worker = ctx.socket("DEALER", { routingId: "worker" });
    client.connect(await bindAny(frontend, "inproc"));
    worker.connect(await bindAny(backend, "inproc"));
    const p = proxy(frontend, backend);
    await worker.send("hello"); // the ROUTER knows the worker: it is writable
    await client.send(["nobody", "payload"]);
    await rejects(withTimeout(p.done, 2000, "done"), "EHOSTUNREACH");
  });
});

describe("proxy: libzmq client and worker through a zocket proxy", function () {
  let ctx: Context;
  beforeEach(() => (ctx = trackedContext({ blocky: false })));
  afterEach(() => closeAndTerm(ctx));

  it("zeromq.js REQ → zocket ROUTER/DEALER proxy → zeromq.js REP, over tcp", async () => {
    const frontend = ctx.socket("ROUTER");
    const backend = ctx.socket("DEALER");
    const fe = await frontend.bind("tcp://127.0.0.1:*");
    const be = await backend.bind("tcp://127.0.0.1:*");
    const p = proxy(frontend, backend);
    const rep = new zmq.Reply({ linger: 0 });
    const req = new zmq.Request({ linger: 0 });
    try {
      rep.connect(be);
      req.connect(fe);
      const worker = (async () => {
        for (let i = 0; i < 20; i++) {
          const msg = await rep.receive();
          await rep.send(["re", ...msg]);
        }
      })();
      for (let i = 0; i < 20; i++) {
        await req.send([`q${i}`, Buffer.alloc(300, i)]);
        const [a, b, c] = await withTimeout(req.receive(), 5000, `reply ${i}`);
        expect([a?.toString(), b?.toString(), c?.equals(Buffer.alloc(300, i))]).to.deep.equal(["re", `q${i}`, true]);
      }
      await withTimeout(worker, 2000, "worker");
    } finally {
      req.close();
      rep.close();
    }
    p.terminate();
  });
});
