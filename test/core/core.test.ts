import { expect } from "chai";
import { Worker } from "node:worker_threads";
import { Context, ZocketError } from "../../src/index.js";
import { rejects } from "../support/assert.js";
import { closeAndTerm, trackedContext } from "../support/context.js";


describe("core over inproc", () => {
  let ctx: Context;
  beforeEach(() => {
    ctx = trackedContext({ blocky: false });
  });
  afterEach(() => closeAndTerm(ctx));

  it("PUSH→PULL delivers multipart messages whole and in order", async () => {
    const pull = ctx.socket("PULL");
    await pull.bind("inproc://pp");
    const push = ctx.socket("PUSH");
    push.connect("inproc://pp");
    for (let i = 0; i < 100; i++) await push.send([String(i), "x"]);
    for (let i = 0; i < 100; i++) expect((await pull.recv()).map(String)).to.deep.equal([String(i), "x"]);
    push.close();
    pull.close();
  });

  it("connect before bind queues messages", async () => {
    const push = ctx.socket("PUSH");
    push.connect("inproc://later");
    await push.send("early");
    const pull = ctx.socket("PULL");
    await pull.bind("inproc://later");
    expect(String((await pull.recv())[0])).to.equal("early");
    push.close();
    pull.close();
  });

  it("inproc HWM is sender SNDHWM + receiver RCVHWM", async () => {
    const pull = ctx.socket("PULL", { receiveHighWaterMark: 5 });
    await pull.bind("inproc://hwm");
    const push = ctx.socket("PUSH", { sendHighWaterMark: 5, sendTimeout: 0 });
    push.connect("inproc://hwm");
    for (let i = 0; i < 10; i++) await push.send("m");
    await rejects(push.send("m"), "EAGAIN");
    push.close();
    pull.close();
  });

  it("REQ/REP round trip, EFSM out of turn", async () => {
    const rep = ctx.socket("REP");
    await rep.bind("inproc://rr");
    const req = ctx.socket("REQ");
    req.connect("inproc://rr");
    await rejects(req.recv(), "EFSM");
    await req.send("ping");
    await rejects(req.send("again"), "EFSM");
    expect(String((await rep.recv())[0])).to.equal("ping");
    await rep.send("pong");
    expect(String((await req.recv())[0])).to.equal("pong");
    req.close();
    rep.close();
  });

  it("ROUTER sees [id, '', body] from REQ and routes replies; routerMandatory → EHOSTUNREACH", async () => {
    const router = ctx.socket("ROUTER", { routerMandatory: true });
    await router.bind("inproc://rt");
    const req = ctx.socket("REQ", { routingId: "client" });
    req.connect("inproc://rt");
    await req.send("hi");
    const [id, empty, body] = await router.recv();
    expect(String(id)).to.equal("client");
    expect(empty!.length).to.equal(0);
    expect(String(body)).to.equal("hi");
    await router.send([id!, Buffer.alloc(0), "back"]);
    expect(String((await req.recv())[0])).to.equal("back");
    await rejects(router.send(["nobody", "x"]), "EHOSTUNREACH");
    req.close();
    router.close();
  });

  it("PUB/SUB filters by prefix; subscriptions are counted", async () => {
    const pub = ctx.socket("PUB");
    await pub.bind("inproc://ps");
    const sub = ctx.socket("SUB", { receiveTimeout: 200 });
    sub.connect("inproc://ps");
    sub.subscribe("A");
    sub.subscribe("A");
    sub.unsubscribe("A");
    await pub.send("B-no");
    await pub.send("A-yes");
    expect(String((await sub.recv())[0])).to.equal("A-yes");
    await rejects(sub.recv(), "EAGAIN");
    pub.close();
    sub.close();
  });

  it("XPUB receives subscribe and cancel messages", async () => {
    const xpub = ctx.socket("XPUB");
    await xpub.bind("inproc://xp");
    const sub = ctx.socket("SUB");
    sub.connect("inproc://xp");
    sub.subscribe("t");
    expect([...(await xpub.recv())[0]!]).to.deep.equal([1, 116]);
    sub.unsubscribe("t");
    expect([...(await xpub.recv())[0]!]).to.deep.equal([0, 116]);
    xpub.close();
    sub.close();
  });

  it("PAIR refuses a second peer", async () => {
    const a = ctx.socket("PAIR");
    await a.bind("inproc://pair");
    const b = ctx.socket("PAIR");
    b.connect("inproc://pair");
    const c = ctx.socket("PAIR", { sendTimeout: 100 });
    c.connect("inproc://pair");
    await b.send("from b");
    expect(String((await a.recv())[0])).to.equal("from b");
    await rejects(c.send("from c"), "EAGAIN");
    for (const s of [a, b, c]) s.close();
  });

  it("bad input gives ZocketErrors with libzmq codes", async () => {
    expect(() => ctx.socket("NOPE" as never)).to.throw(ZocketError).with.property("code", "EINVAL");
    expect(() => ctx.socket("PUSH", { bogus: 1 } as never)).to.throw(ZocketError).with.property("code", "EINVAL");
    const s = ctx.socket("PUSH");
    expect(() => (s.sendHighWaterMark = -5)).to.throw(ZocketError).with.property("code", "EINVAL");
    expect(() => s.connect("nonsense")).to.throw(ZocketError).with.property("code", "EINVAL");
    expect(() => s.connect("bogus://x")).to.throw(ZocketError).with.property("code", "EPROTONOSUPPORT");
    // @ts-expect-error a PUSH has no recv: the types refuse it, the run time too (for JavaScript callers)
    await rejects(s.recv(), "ENOTSUP");
    const b = ctx.socket("PULL");
    await b.bind("inproc://dup");
    const c = ctx.socket("PULL");
    await rejects(c.bind("inproc://dup"), "EADDRINUSE");
    s.close();
    b.close();
    c.close();
  });

  it("close rejects pending recv with ENOTSOCK; term rejects with ETERM", async () => {
    const a = ctx.socket("PULL");
    const p = a.recv();
    a.close();
    await rejects(p, "ENOTSOCK");
    const b = ctx.socket("PULL");
    const q = b.recv();
    const t = ctx.term();
    await rejects(q, "ETERM");
    expect(() => ctx.socket("PUSH")).to.throw(ZocketError).with.property("code", "ETERM");
    b.close();
    await t;
  });
});

describe("threads, migration, linger", () => {
  const workerSrc = `
    import { parentPort, workerData } from "node:worker_threads";
    const { Context } = await import(workerData.lib);
    const ctx = Context.attach(workerData.ctx);
    if (workerData.role === "push") {
      const push = ctx.socket("PUSH");
      push.connect("inproc://w");
      for (let i = 0; i < workerData.n; i++) await push.send(String(i));
      push.close();
    } else {
      const d = await new Promise((r) => parentPort.once("message", r));
      const pull = ctx.adopt(d);
      let next = workerData.from;
      while (next < workerData.n) {
        const [m] = await pull.recv();
        if (Number(m) !== next) throw new Error("out of order " + m + " expected " + next);
        next++;
      }
      pull.close();
      parentPort.postMessage(next);
    }`;
  const lib = new URL("../../src/index.js", import.meta.url).href;

  function spawn(ctx: Context, data: Record<string, unknown>): Worker {
    const h = ctx.share();
    return new Worker(new URL(`data:text/javascript,${encodeURIComponent(workerSrc)}`), {
      workerData: { ...data, lib, ctx: h },
      transferList: h.transferList,
    });
  }

  it("a worker sends to the main thread; a PULL migrates mid-stream with nothing lost or reordered", async () => {
    const ctx = new Context();
    const pull = ctx.socket("PULL");
    await pull.bind("inproc://w");
    const n = 20000;
    const pusher = spawn(ctx, { role: "push", n });
    const pushed = new Promise((r) => pusher.once("exit", r));
    let next = 0;
    while (next < n / 2) {
      const [m] = await pull.recv();
      expect(Number(m)).to.equal(next);
      next++;
    }
    const d = pull.detach();
    expect(() => pull.recv()).to.throw(ZocketError).with.property("code", "ENOTSOCK");
    const receiver = spawn(ctx, { role: "pull", n, from: next });
    receiver.postMessage(d, d.transferList);
    const result = await new Promise((resolve, reject) => {
      receiver.once("message", resolve);
      receiver.once("error", reject);
    });
    expect(result).to.equal(n);
    await pushed;
    await ctx.term();
  });

  it("linger delivers messages queued before close to a peer that binds later", async () => {
    const ctx = new Context();
    const push = ctx.socket("PUSH");
    push.connect("inproc://late");
    for (let i = 0; i < 50; i++) await push.send(String(i));
    push.close();
    const pull = ctx.socket("PULL");
    await pull.bind("inproc://late");
    for (let i = 0; i < 50; i++) expect(Number((await pull.recv())[0])).to.equal(i);
    pull.close();
    await ctx.term();
  });

  it("linger 0 discards queued messages", async () => {
    const ctx = new Context({ blocky: false });
    const push = ctx.socket("PUSH");
    push.connect("inproc://gone");
    await push.send("lost");
    push.close();
    const pull = ctx.socket("PULL", { receiveTimeout: 100 });
    await pull.bind("inproc://gone");
    await rejects(pull.recv(), "EAGAIN");
    pull.close();
    await ctx.term();
  });
});
