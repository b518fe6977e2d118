/**
 * Ports of libzmq's spec tests (test_spec_*, test_hwm*, test_immediate,
 * test_conflate, test_timeo, test_router_*, test_probe_router, test_req_*,
 * test_xpub_*, test_term_endpoint), one case per RFC clause, each run over
 * inproc, tcp and ipc where the clause is not transport-specific.
 */
import { expect } from "chai";
import { Context, ZocketError, type Socket, type SocketEventName } from "../../src/index.js";
import { expectCode, rejects } from "../support/assert.js";
import { closeAndTerm, trackedContext } from "../support/context.js";

type Transport = "inproc" | "tcp" | "ipc";
const TRANSPORTS: Transport[] = ["inproc", "tcp", "ipc"];
let seq = 0;

async function bindAt(s: Socket, t: Transport): Promise<string> {
  return s.bind(t === "inproc" ? `inproc://spec-${seq++}` : t === "tcp" ? "tcp://127.0.0.1:*" : "ipc://*");
}

/** Connects and, for tcp/ipc, waits for the handshake (inproc pipes exist at once). */
async function connectReady(s: Socket, ep: string, t: Transport): Promise<void> {
  if (t === "inproc") {
    s.connect(ep);
    return;
  }
  const up = new Promise<void>((resolve) => {
    const on = (e: { address: string }): void => {
      if (e.address === ep) {
        s.events.off("handshake", on);
        resolve();
      }
    };
    s.events.on("handshake", on);
  });
  s.connect(ep);
  await up;
}

/** The next `name` event of `s`; rejects after `ms` (a missing event becomes a clear failure). */
function nextEvent(s: Socket, name: SocketEventName, ms = 5000): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => {
      s.events.off(name, on);
      reject(new Error(`no ${name} event within ${ms} ms`));
    }, ms);
    const on = (): void => {
      clearTimeout(t);
      s.events.off(name, on);
      resolve();
    };
    s.events.on(name, on);
  });
}

/**
 * Sends "probe" from `pub` until `sub` receives one (bounded): from then on the
 * subscription is in place at the PUB. Later probes may still be on their way.
 */
async function untilSubscribed(pub: Socket, sub: Socket): Promise<void> {
  const saved = sub.receiveTimeout;
  sub.receiveTimeout = 10;
  try {
    for (let i = 0; i < 300; i++) {
      await pub.send("probe");
      try {
        expect(text(await sub.recv())).to.deep.equal(["probe"]);
        return;
      } catch (err) {
        expectCode(err, "EAGAIN");
      }
    }
    expect.fail("no probe reached the SUB: the subscription never took effect at the PUB");
  } finally {
    sub.receiveTimeout = saved;
  }
}

const text = (m: Buffer[]): string[] => m.map((f) => f.toString("latin1"));

for (const t of TRANSPORTS) {
  describe(`libzmq spec scenarios over ${t}`, function () {
    this.timeout(15000);
    let ctx: Context;
    const sockets: Socket[] = [];
    beforeEach(() => {
      ctx = new Context({ blocky: false });
    });
    afterEach(async () => {
      for (const s of sockets.splice(0)) s.close();
      await ctx.term();
    });
    const open = (type: Parameters<Context["socket"]>[0], o: Parameters<Context["socket"]>[1] = {}): Socket => {
      const s = ctx.socket(type, o);
      sockets.push(s);
      return s;
    };

    // ---------------------------------------------------------- RFC 30 PUSH/PULL
    it("PUSH round-robins to its connected PULLs, in order per peer", async () => {
      const push = open("PUSH");
      const ep = await bindAt(push, t);
      const pulls = [open("PULL"), open("PULL"), open("PULL")];
      for (const p of pulls) await connectReady(p, ep, t);
      for (let i = 0; i < 9; i++) await push.send(String(i));
      const got = await Promise.all(pulls.map(async (p) => [text(await p.recv())[0], text(await p.recv())[0], text(await p.recv())[0]]));
      // Each peer gets every third message, in order.
      const flat = got.map((g) => g.map(Number));
      for (const g of flat) expect(g[1]! - g[0]!).to.equal(3), expect(g[2]! - g[1]!).to.equal(3);
      expect(flat.flat().sort((a, b) => a - b)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    });

    it("PULL fair-queues from its PUSHes, preserving each sender's order", async () => {
      const pull = open("PULL");
      const ep = await bindAt(pull, t);
      const pushes = [open("PUSH"), open("PUSH"), open("PUSH")];
      for (const p of pushes) await connectReady(p, ep, t);
      for (const [k, p] of pushes.entries()) for (let i = 0; i < 10; i++) await p.send([String(k), String(i)]);
      const next = [0, 0, 0];
      for (let n = 0; n < 30; n++) {
        const [k, i] = text(await pull.recv()).map(Number);
        expect(i).to.equal(next[k!]);
        next[k!]!++;
      }
      if (t === "inproc") {
        // Everything is already queued: the first three come one from each sender.
        for (const [k, p] of pushes.entries()) await p.send([String(k), "x"]);
        const firsts = new Set([text(await pull.recv())[0], text(await pull.recv())[0], text(await pull.recv())[0]]);
        expect(firsts.size).to.equal(3);
      }
    });

    it("multipart messages are delivered whole (all or nothing)", async () => {
      const pull = open("PULL");
      const ep = await bindAt(pull, t);
      const push = open("PUSH");
      await connectReady(push, ep, t);
      for (let i = 0; i < 50; i++) await push.send(["a", String(i), "", "z"]);
      for (let i = 0; i < 50; i++) expect(text(await pull.recv())).to.deep.equal(["a", String(i), "", "z"]);
    });

    // ---------------------------------------------------------- RFC 28 REQ/REP
    it("REQ round-robins requests over its REPs and gets each reply from the REP it asked", async () => {
      const req = open("REQ");
      const reps = [open("REP"), open("REP"), open("REP")];
      const eps = await Promise.all(reps.map((r) => bindAt(r, t)));
      for (const ep of eps) await connectReady(req, ep, t);
      const served: number[] = [];
      const serving = reps.map(async (r, k) => {
        for (let i = 0; i < 2; i++) {
          const m = await r.recv();
          served.push(k);
          await r.send([`from-${k}`, ...m.map(String)]);
        }
      });
      for (let i = 0; i < 6; i++) {
        await req.send(String(i));
        const [from, body] = text(await req.recv());
        expect(body).to.equal(String(i));
        expect(from).to.match(/^from-\d$/);
      }
      await Promise.all(serving);
      expect([...served].sort()).to.deep.equal([0, 0, 1, 1, 2, 2]);
    });

    it("a ROUTER sees [identity, empty delimiter, body] from a REQ and routes the reply back", async () => {
      const router = open("ROUTER");
      const ep = await bindAt(router, t);
      const req = open("REQ", { routingId: "req-A" });
      await connectReady(req, ep, t);
      await req.send("body");
      const m = await router.recv();
      expect(text(m)).to.deep.equal(["req-A", "", "body"]);
      await router.send([m[0]!, "", "reply"]);
      expect(text(await req.recv())).to.deep.equal(["reply"]);
    });

    it("REQ with no peer blocks on send (EAGAIN after sendTimeout); out-of-turn calls are EFSM", async () => {
      const req = open("REQ", { sendTimeout: 50 });
      await rejects(req.send("nobody"), "EAGAIN");
      const rep = open("REP");
      const ep = await bindAt(rep, t);
      await connectReady(req, ep, t);
      await req.send("one");
      await rejects(req.send("two"), "EFSM");
      await rejects(rep.send("no request yet"), "EFSM");
    });

    it("REP keeps the envelope: a DEALER's [id..., '', body] comes back with the same envelope", async () => {
      const rep = open("REP");
      const ep = await bindAt(rep, t);
      const dealer = open("DEALER");
      await connectReady(dealer, ep, t);
      await dealer.send(["hop-2", "hop-1", "", "question"]);
      expect(text(await rep.recv())).to.deep.equal(["question"]);
      await rep.send("answer");
      expect(text(await dealer.recv())).to.deep.equal(["hop-2", "hop-1", "", "answer"]);
    });

    it("reqRelaxed lets REQ ask again; reqCorrelate drops the stale reply", async () => {
      const router = open("ROUTER");
      const ep = await bindAt(router, t);
      const req = open("REQ", { reqRelaxed: true, reqCorrelate: true, routingId: "R" });
      await connectReady(req, ep, t);
      await req.send("first");
      const first = await router.recv();
      expect(first.length).to.equal(4); // id, request id, delimiter, body
      expect(first[1]!.length).to.equal(4);
      await req.send("second");
      const second = await router.recv();
      expect(text(second).slice(2)).to.deep.equal(["", "second"]);
      // The stale reply (first request id) is dropped; the right one is delivered.
      await router.send([first[0]!, first[1]!, "", "stale"]);
      await router.send([second[0]!, second[1]!, "", "fresh"]);
      expect(text(await req.recv())).to.deep.equal(["fresh"]);
    });

    // ---------------------------------------------------------- RFC 28 DEALER/ROUTER
    it("DEALER round-robins out and fair-queues in; with no peer it blocks (EAGAIN)", async () => {
      const lonely = open("DEALER", { sendTimeout: 0 });
      await rejects(lonely.send("x"), "EAGAIN");
      const dealer = open("DEALER");
      const reps = [open("REP"), open("REP")];
      for (const r of reps) await connectReady(dealer, await bindAt(r, t), t);
      await dealer.send(["", "a"]);
      await dealer.send(["", "b"]);
      const got = await Promise.all(reps.map(async (r) => text(await r.recv())[0]));
      expect(got.sort()).to.deep.equal(["a", "b"]);
      await Promise.all(reps.map((r, k) => r.send(`r${k}`)));
      const replies = [text(await dealer.recv())[1], text(await dealer.recv())[1]];
      expect(replies.sort()).to.deep.equal(["r0", "r1"]);
    });

    it("ROUTER fair-queues over identities and routes by identity; unknown ids are dropped or EHOSTUNREACH", async () => {
      const router = open("ROUTER");
      const ep = await bindAt(router, t);
      const dealers = ["d1", "d2", "d3"].map((id) => open("DEALER", { routingId: id }));
      for (const d of dealers) await connectReady(d, ep, t);
      for (const d of dealers) await d.send("hi");
      const ids = new Set<string>();
      for (let i = 0; i < 3; i++) ids.add(text(await router.recv())[0]!);
      expect([...ids].sort()).to.deep.equal(["d1", "d2", "d3"]);
      await router.send(["nobody", "lost"]); // silently dropped
      await router.send(["d2", "for d2"]);
      expect(text(await dealers[1]!.recv())).to.deep.equal(["for d2"]);
      router.routerMandatory = true;
      await rejects(router.send(["nobody", "x"]), "EHOSTUNREACH");
    });

    it("routerHandover: a new peer with a known identity takes it over", async () => {
      const router = open("ROUTER", { routerHandover: true });
      const ep = await bindAt(router, t);
      const a = open("DEALER", { routingId: "same" });
      await connectReady(a, ep, t);
      await a.send("from a");
      expect(text(await router.recv())).to.deep.equal(["same", "from a"]);
      const b = open("DEALER", { routingId: "same" });
      await connectReady(b, ep, t);
      await b.send("from b");
      expect(text(await router.recv())).to.deep.equal(["same", "from b"]);
      await router.send(["same", "to the new one"]);
      expect(text(await b.recv())).to.deep.equal(["to the new one"]);
    });

    it("probeRouter: a connecting DEALER announces itself with an empty message", async () => {
      const router = open("ROUTER");
      const ep = await bindAt(router, t);
      const dealer = open("DEALER", { probeRouter: true, routingId: "probe" });
      dealer.connect(ep);
      expect(text(await router.recv())).to.deep.equal(["probe", ""]);
    });

    // ---------------------------------------------------------- RFC 29 PUB/SUB
    it("SUB filters by prefix; subscriptions count (two subscribes need two unsubscribes)", async () => {
      const pub = open("PUB");
      const ep = await bindAt(pub, t);
      const sub = open("SUB");
      sub.subscribe("A");
      sub.subscribe("A");
      await connectReady(sub, ep, t);
      // Until the subscription reaches the PUB, sends are dropped: send until one arrives (bounded).
      let first: string | null = null;
      const arriving = sub.recv().then((m) => (first = text(m)[0]!));
      for (let i = 0; i < 200 && first === null; i++) {
        await pub.send(["B-no", "x"]);
        await pub.send(["A-yes", "x"]);
        await Promise.race([arriving, new Promise((r) => setTimeout(r, 5))]);
      }
      await arriving;
      expect(first).to.equal("A-yes");
      sub.unsubscribe("A");
      const marker = open("SUB");
      marker.subscribe("");
      await connectReady(marker, ep, t);
      // Once a later subscriber sees traffic, the unsubscribe (sent earlier on the other pipe) has surely not removed A.
      let seen = false;
      const m2 = marker.recv().then(() => (seen = true));
      for (let i = 0; i < 200 && !seen; i++) {
        await pub.send(["A-still", "x"]);
        await Promise.race([m2, new Promise((r) => setTimeout(r, 5))]);
      }
      let got = text(await sub.recv())[0];
      while (got === "A-yes") got = text(await sub.recv())[0];
      expect(got).to.equal("A-still");
    });

    it("XPUB reports subscribe (0x01) and cancel (0x00); xpubVerbose reports duplicates", async () => {
      for (const verbose of [false, true]) {
        const xpub = open("XPUB", { xpubVerbose: verbose, receiveTimeout: 300 });
        const ep = await bindAt(xpub, t);
        const s1 = open("SUB");
        const s2 = open("SUB");
        await connectReady(s1, ep, t);
        await connectReady(s2, ep, t);
        s1.subscribe("T");
        expect((await xpub.recv())[0]!.toString("latin1")).to.equal("\x01T");
        // s2 also subscribes U: seeing U reported proves its T arrived first (one connection keeps order).
        s2.subscribe("T");
        s2.subscribe("U");
        if (verbose) expect((await xpub.recv())[0]!.toString("latin1")).to.equal("\x01T");
        expect((await xpub.recv())[0]!.toString("latin1")).to.equal("\x01U");
        s1.unsubscribe("T");
        s2.unsubscribe("T");
        s2.unsubscribe("U");
        // Only the last cancel of each topic is reported.
        const cancels = [(await xpub.recv())[0]!.toString("latin1"), (await xpub.recv())[0]!.toString("latin1")];
        expect(cancels.sort()).to.deep.equal(["\x00T", "\x00U"]);
        await rejects(xpub.recv(), "EAGAIN");
        s1.close();
        s2.close();
        xpub.close();
      }
    });

    it("XSUB sends subscription messages upstream and receives what matches", async () => {
      const xpub = open("XPUB");
      const ep = await bindAt(xpub, t);
      const xsub = open("XSUB");
      await connectReady(xsub, ep, t);
      await xsub.send(Buffer.from("\x01K", "latin1"));
      expect((await xpub.recv())[0]!.toString("latin1")).to.equal("\x01K");
      await xpub.send(["K1", "yes"]);
      await xpub.send(["L1", "no"]);
      await xpub.send(["K2", "yes"]);
      expect(text(await xsub.recv())).to.deep.equal(["K1", "yes"]);
      expect(text(await xsub.recv())).to.deep.equal(["K2", "yes"]);
    });

    it("PUB never blocks at the high-water mark: it drops for the slow subscriber", async () => {
      const pub = open("PUB", { sendHighWaterMark: 10 });
      const ep = await bindAt(pub, t);
      const sub = open("SUB", { receiveHighWaterMark: 10 });
      sub.subscribe("");
      await connectReady(sub, ep, t);
      // Before the subscription reaches the PUB, it drops everything (nothing delivered would prove nothing).
      await untilSubscribed(pub, sub);
      const N = 20000;
      // Over tcp/ipc a full pipe is first drained into the kernel (as libzmq's I/O thread does):
      // frames big enough that the kernel cannot hold them all make the PUB drop there too.
      const pad = t === "inproc" ? 0 : 4096;
      for (let i = 0; i < N; i++) await pub.send(String(i).padEnd(pad)); // would deadlock if PUB blocked
      sub.receiveTimeout = 300;
      const got: number[] = [];
      for (;;) {
        let m: Buffer[];
        try {
          m = await sub.recv();
        } catch (err) {
          expectCode(err, "EAGAIN"); // only the timeout ends the drain
          break;
        }
        const [body] = text(m);
        if (body === "probe") continue; // a late probe from the barrier, sent before the numbered ones
        got.push(Number(body));
      }
      expect(got.length, "messages delivered to the subscriber").to.be.above(0);
      expect(got.length, "messages delivered: the rest must have been dropped at the HWM").to.be.below(N);
      // What got through is in order, with gaps where the PUB dropped.
      for (let i = 1; i < got.length; i++) expect(got[i]!).to.be.above(got[i - 1]!);
    });

    it("xpubNoDrop: XPUB send waits at the HWM (EAGAIN after sendTimeout) instead of dropping", async () => {
      const xpub = open("XPUB", { xpubNoDrop: true, sendHighWaterMark: 5, sendTimeout: 100 });
      // Over tcp/ipc the stream and kernel buffers hold more: use frames big enough to fill them.
      const frame = Buffer.alloc(t === "inproc" ? 1 : 4096);
      const ep = await bindAt(xpub, t);
      const sub = open("SUB", { receiveHighWaterMark: 5 });
      sub.subscribe("");
      await connectReady(sub, ep, t);
      await xpub.recv(); // the subscription
      let sent = 0;
      let eagain = false;
      for (let i = 0; i < 100000 && !eagain; i++) {
        try {
          await xpub.send(frame);
          sent++;
        } catch (err) {
          expectCode(err, "EAGAIN");
          eagain = true;
        }
      }
      expect(eagain).to.equal(true);
      expect(sent).to.be.below(100000);
    });

    // ---------------------------------------------------------- RFC 31 PAIR
    it("PAIR talks to exactly one peer", async () => {
      const a = open("PAIR");
      const ep = await bindAt(a, t);
      const b = open("PAIR");
      await connectReady(b, ep, t);
      await b.send("hello");
      expect(text(await a.recv())).to.deep.equal(["hello"]);
      await a.send("back");
      expect(text(await b.recv())).to.deep.equal(["back"]);
    });

    // ---------------------------------------------------------- options
    it("conflate keeps only the last message", async () => {
      const pull = open("PULL", { conflate: true, receiveTimeout: 300 });
      const ep = await bindAt(pull, t);
      // linger: the close below must hand all ten to the wire, not drop them.
      const push = open("PUSH", { linger: 5000 });
      await connectReady(push, ep, t);
      const gone = t === "inproc" ? null : nextEvent(pull, "disconnect");
      for (let i = 0; i < 10; i++) await push.send(String(i));
      if (gone !== null) {
        // Barrier: over inproc the ten are in the PULL's queue when send returns. Over the
        // wire they arrive when they arrive, so the PUSH closes: its linger writes all ten
        // ahead of the end of the stream, and the PULL reports the disconnect only once it
        // has read the stream to its end, so by then all ten have reached its queue.
        push.close();
        await gone;
      }
      // The first read after the barrier: a plain PULL would give "0" here.
      expect(text(await pull.recv())).to.deep.equal(["9"]);
      await rejects(pull.recv(), "EAGAIN");
    });

    it("receiveTimeout and sendTimeout end in EAGAIN after roughly the timeout", async () => {
      const pull = open("PULL", { receiveTimeout: 100 });
      await bindAt(pull, t);
      const t0 = Date.now();
      await rejects(pull.recv(), "EAGAIN");
      expect(Date.now() - t0).to.be.at.least(80);
      const push = open("PUSH", { sendTimeout: 50 });
      await rejects(push.send("x"), "EAGAIN");
    });

    it("immediate: no queue for a peer that is not connected", async () => {
      const push = open("PUSH", { immediate: true, sendTimeout: 50 });
      push.connect(t === "inproc" ? `inproc://nothing-${seq++}` : t === "tcp" ? "tcp://127.0.0.1:1" : "ipc:///tmp/zocket-spec-nothing.sock");
      await rejects(push.send("x"), "EAGAIN");
    });

    it("unbind stops new connections; disconnect stops delivery to that endpoint", async () => {
      const pull = open("PULL");
      const ep = await bindAt(pull, t);
      const push = open("PUSH");
      await connectReady(push, ep, t);
      await push.send("before");
      expect(text(await pull.recv())).to.deep.equal(["before"]);
      push.disconnect(ep);
      const other = open("PULL", { receiveTimeout: 200 });
      const ep2 = await bindAt(other, t);
      await connectReady(push, ep2, t);
      // Were the connection to `ep` still there, round-robin would give `pull` half of these.
      for (let i = 0; i < 4; i++) await push.send(`after-${i}`);
      for (let i = 0; i < 4; i++) expect(text(await other.recv())).to.deep.equal([`after-${i}`]);
      pull.receiveTimeout = 300;
      await rejects(pull.recv(), "EAGAIN");

      await pull.unbind(ep);
      // A new connection to the unbound endpoint reaches nobody: over inproc it waits for a
      // later bind (connect before bind), over tcp it is refused, over ipc the path is gone.
      // The message is queued for that pending connection (send does not fail).
      const late = open("PUSH", { sendTimeout: 1000 });
      late.connect(ep);
      await late.send("too late");
      await rejects(pull.recv(), "EAGAIN");
      await rejects(pull.unbind(ep), "ENOENT");
    });
  });
}

describe("libzmq spec scenarios: inproc only", function () {
  let ctx: Context;
  beforeEach(() => {
    ctx = trackedContext({ blocky: false });
  });
  afterEach(() => closeAndTerm(ctx));

  it("test_hwm: over inproc the bound is SNDHWM + RCVHWM; 0 is unlimited", async () => {
    for (const [snd, rcv, expected] of [
      [1000, 1000, 2000],
      [5, 3, 8],
      [0, 5, 20000],
    ] as const) {
      const pull = ctx.socket("PULL", { receiveHighWaterMark: rcv });
      const ep = await pull.bind(`inproc://hwm-${seq++}`);
      const push = ctx.socket("PUSH", { sendHighWaterMark: snd, sendTimeout: 0 });
      push.connect(ep);
      let sent = 0;
      for (; sent < 20000; sent++) {
        try {
          await push.send("m");
        } catch (err) {
          expectCode(err, "EAGAIN");
          break;
        }
      }
      expect(sent, `sndhwm ${snd} + rcvhwm ${rcv}`).to.equal(expected);
      push.close();
      pull.close();
    }
  });

  it("connect before bind: several connectors queue until the bind", async () => {
    const pushes = [0, 1, 2].map(() => ctx.socket("PUSH"));
    for (const p of pushes) p.connect("inproc://later-spec");
    for (const [k, p] of pushes.entries()) await p.send(String(k));
    const pull = ctx.socket("PULL");
    await pull.bind("inproc://later-spec");
    const got = [text(await pull.recv())[0], text(await pull.recv())[0], text(await pull.recv())[0]];
    expect(got.sort()).to.deep.equal(["0", "1", "2"]);
    for (const p of pushes) p.close();
    pull.close();
  });

  it("bind twice to one inproc name is EADDRINUSE; ctx destroy with a pending recv gives ETERM", async () => {
    const a = ctx.socket("PULL");
    await a.bind("inproc://twice");
    const b = ctx.socket("PULL");
    await rejects(b.bind("inproc://twice"), "EADDRINUSE");
    const pending = a.recv();
    const term = ctx.term();
    await rejects(pending, "ETERM");
    a.close();
    b.close();
    await term;
    expect(() => ctx.socket("PUSH")).to.throw(ZocketError).with.property("code", "ETERM");
  });
});
