/**
 * Poller and the readable/writable getters (libzmq's zmq_poller_wait_all and
 * ZMQ_EVENTS):
 * 1. A readiness table per socket type, step by step, against libzmq's
 *    xhas_in/xhas_out (req.cpp, rep.cpp, router.cpp, xpub.cpp/dist.cpp,
 *    xsub.cpp, sub.cpp, lb/fq, pair.cpp).
 * 2. wait(): timeouts (0, n ms, forever), wake-up by a pipe event over inproc
 *    and tcp, order of the sockets, re-adding, removing, no message taken, a
 *    pending recv() served first, ENOTSOCK on close and detach, ETERM.
 * 3. The Guide's rrbroker (ROUTER frontend, DEALER backend, one Poller)
 *    ported directly, with REQ clients and REP workers.
 */
import { expect } from "chai";
import { Poller, type AnySocket, type BaseSocket as Socket } from "../../src/index.js";
import { closeAndTerm, trackedContext } from "../support/context.js";
import { rejects } from "../support/assert.js";
import { attachedWorker, exited, nextMessage, withTimeout } from "../support/threads.js";
import { uniqueName } from "../support/endpoints.js";
import type { Context } from "../../src/index.js";

type Pair = [Socket, Socket];

/** Binds `a`, connects `b` over inproc and waits until `b` (or `a`) sees the pipe. */
async function pair(ctx: Context, a: Socket, b: Socket): Promise<Pair> {
  const ep = `inproc://${uniqueName("poll")}`;
  await a.bind(ep);
  b.connect(ep);
  return [a, b];
}

/** Waits (bounded) until `s` is ready for `what` through a Poller: an event, not a sleep. */
async function until(s: Socket, what: "readable" | "writable"): Promise<void> {
  const ready = await new Poller().add(s, what).wait(2000);
  expect(ready, `${s.type} ${what}`).to.deep.equal([s]);
}

function state(s: Socket): string {
  return `${s.readable ? "r" : "-"}${s.writable ? "w" : "-"}`;
}

describe("Poller: readiness per type (libzmq's xhas_in / xhas_out)", function () {
  let ctx: Context;
  beforeEach(() => (ctx = trackedContext()));
  afterEach(() => closeAndTerm(ctx));

  it("PUSH/PULL: PUSH writable only with a peer that has room, never readable; PULL readable with a message, never writable", async () => {
    const push = ctx.socket("PUSH", { sendHighWaterMark: 1 });
    const pull = ctx.socket("PULL", { receiveHighWaterMark: 1 });
    expect(state(push), "PUSH without a peer").to.equal("--");
    await pair(ctx, pull, push);
    await until(push, "writable");
    expect(state(pull)).to.equal("--");
    // Fill to the high-water mark (sndhwm 1 + rcvhwm 1).
    let sent = 0;
    while (sent < 10 && push.trySend(`m${sent}`)) sent++;
    expect(sent).to.equal(2);
    expect(state(push), "PUSH at its high-water mark").to.equal("--");
    await until(pull, "readable");
    expect(state(pull)).to.equal("r-");
    const waiting = new Poller().add(push, "writable").wait(2000);
    expect(pull.tryRecv()?.toString()).to.equal("m0");
    expect(pull.tryRecv()?.toString()).to.equal("m1");
    expect(await waiting, "PUSH woken when the PULL read (credit)").to.deep.equal([push]);
    expect(state(pull)).to.equal("--");
  });

  it("PUSH/PULL with conflate: the PUSH never blocks once it has a peer", async () => {
    const push = ctx.socket("PUSH", { conflate: true, sendHighWaterMark: 1 });
    const pull = ctx.socket("PULL", { conflate: true });
    await pair(ctx, pull, push);
    await until(push, "writable");
    for (let i = 0; i < 20; i++) expect(push.trySend(`c${i}`), `send ${i}`).to.equal(true);
    expect(push.writable).to.equal(true);
    await until(pull, "readable");
    expect(pull.tryRecv()?.toString(), "only the newest is kept").to.equal("c19");
    expect(pull.readable).to.equal(false);
  });

  it("REQ/REP: each is writable only on its turn and readable only when the other side's message is there", async () => {
    const rep = ctx.socket("REP");
    const req = ctx.socket("REQ");
    expect(state(req), "REQ without a peer").to.equal("--");
    expect(state(rep), "REP without a request").to.equal("--");
    await pair(ctx, rep, req);
    await until(req, "writable");
    expect(state(req)).to.equal("-w");
    expect(req.trySend("ping")).to.equal(true);
    expect(state(req), "REQ awaiting its reply").to.equal("--");
    await until(rep, "readable");
    expect(state(rep), "REP with a request").to.equal("r-");
    expect(rep.tryRecv()?.toString()).to.equal("ping");
    expect(state(rep), "REP owing a reply").to.equal("-w");
    const replyWait = new Poller().add(req, "readable").wait(2000);
    expect(rep.trySend("pong")).to.equal(true);
    expect(state(rep)).to.equal("--");
    expect(await replyWait).to.deep.equal([req]);
    expect(state(req), "REQ with its reply").to.equal("r-");
    expect(req.tryRecv()?.toString()).to.equal("pong");
    expect(state(req)).to.equal("-w");
  });

  it("REQ with reqRelaxed stays writable while a reply is awaited", async () => {
    const rep = ctx.socket("REP");
    const req = ctx.socket("REQ", { reqRelaxed: true });
    await pair(ctx, rep, req);
    await until(req, "writable");
    expect(req.trySend("one")).to.equal(true);
    expect(req.writable).to.equal(true);
  });

  it("REP drops a malformed request (no empty delimiter) instead of reporting it readable", async () => {
    const rep = ctx.socket("REP");
    const dealer = ctx.socket("DEALER");
    await pair(ctx, rep, dealer);
    await until(dealer, "writable");
    expect(dealer.trySend(["no-delimiter"])).to.equal(true);
    expect(await new Poller().add(rep).wait(100), "malformed only").to.deep.equal([]);
    expect(dealer.trySend(["", "good"])).to.equal(true);
    await until(rep, "readable");
    expect(rep.tryRecv()?.map(String)).to.deep.equal(["good"]);
  });

  it("ROUTER: always writable (unroutable messages drop), unless routerMandatory with no peer that has room", async () => {
    const router = ctx.socket("ROUTER");
    expect(state(router), "ROUTER without peers").to.equal("-w");
    const mandatory = ctx.socket("ROUTER", { routerMandatory: true });
    expect(state(mandatory), "mandatory ROUTER without peers").to.equal("--");
    const dealer = ctx.socket("DEALER", { routingId: "d1" });
    await pair(ctx, mandatory, dealer);
    await until(dealer, "writable");
    expect(dealer.trySend("hello")).to.equal(true);
    await until(mandatory, "readable");
    expect(state(mandatory)).to.equal("rw");
    expect(mandatory.tryRecv()?.map(String)).to.deep.equal(["d1", "hello"]);
    expect(state(mandatory)).to.equal("-w");
  });

  it("DEALER: writable only with a peer that has room", async () => {
    const dealer = ctx.socket("DEALER");
    expect(state(dealer)).to.equal("--");
    const router = ctx.socket("ROUTER");
    await pair(ctx, router, dealer);
    await until(dealer, "writable");
    expect(state(dealer)).to.equal("-w");
  });

  it("PUB and XPUB: always writable (they drop); XPUB readable when a subscription arrives, PUB never", async () => {
    const pub = ctx.socket("PUB");
    const xpub = ctx.socket("XPUB");
    expect(state(pub)).to.equal("-w");
    expect(state(xpub)).to.equal("-w");
    const sub = ctx.socket("SUB");
    await pair(ctx, xpub, sub);
    sub.subscribe("a");
    await until(xpub, "readable");
    expect(xpub.tryRecv()?.[0]?.toString("latin1")).to.equal("\x01a");
    const sub2 = ctx.socket("SUB");
    await pair(ctx, pub, sub2);
    sub2.subscribe("a");
    expect(await new Poller().add(pub).wait(50)).to.deep.equal([]);
    expect(state(pub)).to.equal("-w");
  });

  it("SUB never writable, readable only for a matching message; XSUB always writable", async () => {
    const pub = ctx.socket("PUB");
    const sub = ctx.socket("SUB");
    const xsub = ctx.socket("XSUB");
    expect(state(sub)).to.equal("--");
    expect(state(xsub), "XSUB without peers: subscriptions can be sent any time").to.equal("-w");
    await pair(ctx, pub, sub);
    sub.subscribe("a");
    // PUB filters on its side once the subscription is in; send until it is.
    const poller = new Poller().add(sub);
    let ready: AnySocket[] = [];
    for (let i = 0; i < 200 && ready.length === 0; i++) {
      pub.trySend("a-probe");
      ready = await poller.wait(10);
    }
    expect(ready).to.deep.equal([sub]);
    expect(sub.tryRecv()?.toString()).to.equal("a-probe");
    while (sub.tryRecv() !== null);
    expect(state(sub)).to.equal("--");
  });

  it("PAIR: writable once connected (until full), readable with a message", async () => {
    const a = ctx.socket("PAIR", { sendHighWaterMark: 1 });
    const b = ctx.socket("PAIR", { receiveHighWaterMark: 1 });
    expect(state(a)).to.equal("--");
    await pair(ctx, b, a);
    await until(a, "writable");
    expect(a.trySend("x")).to.equal(true);
    expect(a.trySend("y")).to.equal(true);
    expect(state(a)).to.equal("--");
    await until(b, "readable");
    expect(state(b)).to.equal("rw");
  });
});

describe("Poller: wait()", function () {
  let ctx: Context;
  beforeEach(() => (ctx = trackedContext()));
  afterEach(() => closeAndTerm(ctx));

  it("timeout 0 checks and returns at once; n ms returns [] after about n ms", async () => {
    const pull = ctx.socket("PULL");
    const poller = new Poller().add(pull);
    expect(await poller.wait(0)).to.deep.equal([]);
    const t0 = performance.now();
    expect(await poller.wait(60)).to.deep.equal([]);
    const took = performance.now() - t0;
    expect(took).to.be.within(55, 2000);
  });

  it("wakes on a message over tcp, reports sockets in the order they were added and takes no message", async () => {
    const a = ctx.socket("PULL");
    const b = ctx.socket("PULL");
    const pa = ctx.socket("PUSH");
    const pb = ctx.socket("PUSH");
    pa.connect(await a.bind("tcp://127.0.0.1:*"));
    pb.connect(await b.bind("tcp://127.0.0.1:*"));
    const poller = new Poller().add(b).add(a);
    const first = poller.wait(); // no timeout: only an event can end it
    await pb.send("to-b");
    expect(await withTimeout(first, 5000, "wait over tcp")).to.deep.equal([b]);
    await pa.send("to-a");
    await until(a, "readable");
    expect(await poller.wait(0), "order of add(), not of arrival").to.deep.equal([b, a]);
    expect(b.tryRecv()?.toString(), "the message is still there").to.equal("to-b");
    expect(await poller.wait(0)).to.deep.equal([a]);
  });

  it("wakes on a message from another thread (a port pipe)", async () => {
    const pull = ctx.socket("PULL", { receiveHighWaterMark: 1 });
    const ep = `inproc://${uniqueName("poll-thread")}`;
    await pull.bind(ep);
    const w = attachedWorker(
      ctx,
      `const push = ctx.socket("PUSH", { sendHighWaterMark: 1 });
       push.connect(workerData.ep);
       parentPort.on("message", async (m) => {
         if (m === "send") await push.send("from-worker");
         else { push.close(); parentPort.close(); }
       });
       parentPort.postMessage("ready");`,
      { ep },
    );
    try {
      await nextMessage(w, 5000, "worker ready");
      const waiting = new Poller().add(pull).wait();
      w.postMessage("send");
      expect(await withTimeout(waiting, 5000, "cross-thread wake")).to.deep.equal([pull]);
      expect(pull.tryRecv()?.toString()).to.equal("from-worker");
    } finally {
      w.postMessage("end");
      await withTimeout(exited(w), 5000, "worker exit");
    }
  });

  it("re-adding changes the interest in place; remove() takes a socket out, also during a wait", async () => {
    const pull = ctx.socket("PULL");
    const push = ctx.socket("PUSH");
    await pair(ctx, pull, push);
    await until(push, "writable");
    const poller = new Poller().add(push, "readable").add(pull, "both");
    expect(await poller.wait(0)).to.deep.equal([]);
    poller.add(push, "writable");
    expect(await poller.wait(0)).to.deep.equal([push]);
    expect(poller.size).to.equal(2);
    expect(poller.remove(push)).to.equal(true);
    expect(poller.remove(push)).to.equal(false);
    const waiting = poller.wait(2000);
    poller.add(push, "both"); // added during the wait: it is ready, so the wait ends
    expect(await waiting).to.deep.equal([push]);
  });

  it("a recv() already waiting gets the message: the socket is not reported readable for it", async () => {
    const pull = ctx.socket("PULL");
    const push = ctx.socket("PUSH");
    await pair(ctx, pull, push);
    const pending = pull.recv();
    await push.send("for-recv");
    expect((await withTimeout(pending, 2000, "recv")).toString()).to.equal("for-recv");
    expect(await new Poller().add(pull).wait(0)).to.deep.equal([]);
  });

  it("rejects ENOTSOCK for a socket closed before or during a wait, and for a detached socket", async () => {
    const pull = ctx.socket("PULL");
    const poller = new Poller().add(pull);
    const waiting = poller.wait();
    pull.close();
    await rejects(withTimeout(waiting, 2000, "wait"), "ENOTSOCK");
    await rejects(poller.wait(0), "ENOTSOCK");
    poller.remove(pull);
    const moving = ctx.socket("PULL");
    poller.add(moving);
    const w2 = poller.wait();
    const detached = moving.detach();
    await rejects(withTimeout(w2, 2000, "wait"), "ENOTSOCK");
    ctx.adopt(detached).close();
  });

  it("rejects ETERM when the context is terminated during a wait; EINVAL for bad arguments", async () => {
    const own = trackedContext();
    const pull = own.socket("PULL");
    const poller = new Poller().add(pull);
    const waiting = poller.wait();
    const term = own.term();
    await rejects(withTimeout(waiting, 2000, "wait"), "ETERM");
    pull.close();
    await withTimeout(term, 5000, "term");
    await rejects(new Poller().wait(), "EINVAL");
    await rejects(new Poller().wait(-2), "EINVAL");
    expect(() => new Poller().add(ctx.socket("PULL"), "sideways" as "both")).to.throw(/events must be/);
  });
});

describe("Poller: the Guide's rrbroker ports directly", function () {
  let ctx: Context;
  beforeEach(() => (ctx = trackedContext()));
  afterEach(() => closeAndTerm(ctx));

  it("ROUTER frontend + DEALER backend polled by one Poller relay every request and reply", async () => {
    const frontend = ctx.socket("ROUTER");
    const backend = ctx.socket("DEALER");
    const fe = await frontend.bind("tcp://127.0.0.1:*");
    const be = await backend.bind("tcp://127.0.0.1:*");

    // rrbroker.c: poll both for input; forward whole messages either way.
    let running = true;
    const broker = (async () => {
      const poller = new Poller<typeof frontend | typeof backend>().add(frontend, "readable").add(backend, "readable");
      while (running) {
        const ready = await poller.wait(100);
        for (const s of ready) {
          const other = s === frontend ? backend : frontend;
          for (let m = s.tryRecv(); m !== null; m = s.tryRecv()) await other.send(m);
        }
      }
    })();

    const reps = [0, 1].map(() => ctx.socket("REP"));
    const workers = reps.map((rep, n) => {
      rep.connect(be);
      return (async () => {
        for (;;) {
          let req: Buffer[];
          try {
            req = await rep.recv();
          } catch {
            return;
          }
          await rep.send(`w${n}:${req[0]!.toString()}`);
        }
      })();
    });

    const clients = [0, 1, 2].map(async (c) => {
      const req = ctx.socket("REQ");
      req.connect(fe);
      const got: string[] = [];
      for (let i = 0; i < 10; i++) {
        await req.send(`c${c}-${i}`);
        got.push((await req.recv())[0]!.toString());
      }
      req.close();
      return got;
    });
    const replies = await withTimeout(Promise.all(clients), 10000, "clients");
    for (const [c, got] of replies.entries()) {
      expect(got.map((r) => r.replace(/^w\d:/, ""))).to.deep.equal(Array.from({ length: 10 }, (_, i) => `c${c}-${i}`));
    }
    const served = new Set(replies.flat().map((r) => r.slice(0, 2)));
    expect(served.size, "both workers served").to.equal(2);
    running = false;
    await withTimeout(broker, 2000, "broker loop");
    for (const rep of reps) rep.close();
    await withTimeout(Promise.all(workers), 2000, "workers");
  });
});
