/**
 * A socket that migrates (detach() in one thread, posted with its
 * transferList, ctx.adopt() in another) keeps its type-specific state and its
 * endpoints: XPUB's per-subscriber subscriptions and unread subscription
 * messages, SUB's filter, REQ's and REP's place in the turn, ROUTER's
 * identities and options, a bound endpoint, sends still waiting for room,
 * a pipe that was local when it left.
 *
 * Real worker threads (agents: inline workers that run snippets the test
 * posts, see test/support/threads.ts), inproc, and tcp on 127.0.0.1 with a
 * zocket or libzmq peer. Every wait is bounded, every test closes its
 * sockets, terminates its workers and terminates its context (raced against
 * a timeout) in `finally`, so a failure never hangs the suite.
 */
import { expect } from "chai";
import { MessageChannel } from "node:worker_threads";
import * as zmq from "zeromq";
import { Context, ZocketError, type DetachedSocket, type Socket, type SocketOptions, type SocketType } from "../../src/index.js";
import { Agent, cleanup, describeError, drain, expectMessages, outcome, outcomeAsync, quietTerm, range, sleep, termWithin, withTimeout } from "../support/threads.js";

// ------------------------------------------------------------------ helpers

let uniq = 0;
const inprocName = (name: string): string => `inproc://migration-state-${name}-${process.pid}-${++uniq}`;

/**
 * The next message's frames as latin1 text joined by "|" (a subscription
 * message reads "\u0001A"), or "error CODE": a failed recv shows up in the
 * comparison that names what was expected instead of as a bare timeout.
 * Agents have the same `next(socket)`.
 */
async function next(sock: Socket): Promise<string> {
  try {
    return (await sock.recv()).map((f) => f.toString("latin1")).join("|");
  } catch (err) {
    return `error ${describeError(err)}`;
  }
}

/** The code a promise rejected with ("ok" if it resolved), bounded. */
async function codeOf(p: Promise<unknown>, ms = 3000, what = "the call"): Promise<string> {
  const o = await outcomeAsync(p, ms, what);
  return o === "ok (no error)" ? "ok" : o;
}

/** Worker-side snippet: `return next(S[sock])`. */
const NEXT = (sock: string): string => `return await next(S.${sock});`;

/**
 * One scenario: a context, the sockets made in this thread, the agents. On
 * success it closes every socket (agents' too) and terminates the context
 * within 5 s (the term itself is checked); whatever happens, it then closes
 * what is left, terminates the agents and the context, bounded.
 */
class Scenario {
  readonly ctx = new Context();
  private readonly sockets: Socket[] = [];
  private readonly agents: Agent[] = [];
  private readonly libzmq: zmq.Socket[] = [];
  /** Detached here and not (yet) known to be adopted: cleanup adopts and closes them, so term() is not held. */
  private readonly inFlight = new Set<DetachedSocket>();

  socket(type: SocketType, options?: SocketOptions): Socket {
    const s = this.ctx.socket(type, options);
    this.sockets.push(s);
    return s;
  }

  detach(s: Socket): DetachedSocket {
    const d = s.detach();
    this.inFlight.add(d);
    return d;
  }

  /** A socket adopted in this thread, closed with the others. */
  adopt(d: DetachedSocket): Socket {
    const s = this.ctx.adopt(d);
    this.inFlight.delete(d);
    this.sockets.push(s);
    return s;
  }

  agent(name: string): Agent {
    const a = new Agent(this.ctx, name);
    this.agents.push(a);
    return a;
  }

  zmq<T extends zmq.Socket>(s: T): T {
    this.libzmq.push(s);
    return s;
  }

  /** `d` was posted to another thread: its ports are gone from this one whatever happens next. */
  posted(d: DetachedSocket): void {
    this.inFlight.delete(d);
  }

  /** Posts `d` to `agent`, which adopts it as S[name]. */
  async moveTo(agent: Agent, d: DetachedSocket, name: string): Promise<void> {
    const done = agent.run(`S[args.name] = ctx.adopt(args.d);`, { d, name }, d.transferList);
    this.posted(d);
    await done;
  }

  async finish(): Promise<void> {
    for (const a of this.agents) await a.closeAll();
    for (const s of this.sockets) s.close();
    for (const z of this.libzmq) z.close();
    await termWithin(this.ctx, 5000, "ctx.term() after every socket was closed");
  }

  /** After a failure: nothing lingers (linger 0), nothing stays in flight, every worker ends; never throws. */
  async cleanup(): Promise<void> {
    for (const d of this.inFlight) {
      try {
        this.sockets.push(this.ctx.adopt(d));
      } catch {
        /* not adoptable here: it holds term() at most until quietTerm gives up */
      }
    }
    for (const s of this.sockets) {
      try {
        if (!s.closed) s.linger = 0;
      } catch {
        /* detached or closed */
      }
    }
    await cleanup({ sockets: this.sockets, zmq: this.libzmq, workers: this.agents });
    await quietTerm(this.ctx);
  }
}

async function scenario(body: (t: Scenario) => Promise<void>): Promise<void> {
  const t = new Scenario();
  try {
    await body(t);
    await t.finish();
  } finally {
    await t.cleanup();
  }
}

// ------------------------------------------------------------------ tests

describe("migration keeps a socket's type state and endpoints", function () {
  this.timeout(20000);

  describe("1. XPUB", () => {
    it("XPUB with a SUB on 'A' (main) and a SUB on 'B' (worker) moves to another worker: each subscriber gets exactly its topic; an unsubscribe reaches the moved XPUB", () =>
      scenario(async (t) => {
        const ep = inprocName("xpub");
        const subWorker = t.agent("sub-B");
        const xpubWorker = t.agent("xpub");
        const xpub = t.socket("XPUB", { receiveTimeout: 3000 });
        const subA = t.socket("SUB", { receiveTimeout: 3000 });
        await xpub.bind(ep);
        subA.connect(ep);
        subA.subscribe("A");
        await subWorker.run(`S.sub = ctx.socket("SUB", { receiveTimeout: 3000 }); S.sub.connect(args.ep); S.sub.subscribe("B");`, { ep });
        const seen = [await next(xpub), await next(xpub)].sort();
        expect(seen, "the subscription messages the XPUB read before moving").to.deep.equal(["\x01A", "\x01B"]);

        const d = t.detach(xpub);
        await t.moveTo(xpubWorker, d, "xpub");
        // B waits for its message, then for another one (which must not come).
        const bGot = subWorker.run<[string, string]>(`const m = await next(S.sub); S.sub.receiveTimeout = 300; return [m, await code(S.sub.recv())];`);
        await xpubWorker.run(`for (const m of ["A1", "B1", "C1"]) await S.xpub.send(m);`);
        const a1 = await next(subA);
        subA.receiveTimeout = 300;
        const aNext = await codeOf(subA.recv());
        expect({ A: [a1, aNext], B: await bGot }, "what each subscriber received after the XPUB moved and published A1, B1, C1 (then a 300 ms recv)").to.deep.equal({
          A: ["A1", "EAGAIN"],
          B: ["B1", "EAGAIN"],
        });

        subA.unsubscribe("A");
        expect(await xpubWorker.run<string>(NEXT("xpub")), "the moved XPUB's next message after the A-subscriber unsubscribed").to.equal("\x00A");
      }));

    for (const where of ["the main thread (local pipe)", "a worker (pipe over a port)"] as const) {
      it(`XPUB moved with a subscription still unread (subscriber in ${where}): the adopted XPUB reports it and delivers to it`, () =>
        scenario(async (t) => {
          const ep = inprocName("xpub-unread");
          const xpubWorker = t.agent("xpub");
          const xpub = t.socket("XPUB", { receiveTimeout: 3000 });
          await xpub.bind(ep);
          let subA: Socket | null = null;
          let subWorker: Agent | null = null;
          if (where === "the main thread (local pipe)") {
            subA = t.socket("SUB", { receiveTimeout: 3000 });
            subA.connect(ep);
            subA.subscribe("A");
          } else {
            subWorker = t.agent("sub");
            await subWorker.run(`S.sub = ctx.socket("SUB", { receiveTimeout: 3000 }); S.sub.connect(args.ep); S.sub.subscribe("A");`, { ep });
          }
          const d = t.detach(xpub); // without reading the subscription
          await t.moveTo(xpubWorker, d, "xpub");
          expect(await xpubWorker.run<string>(NEXT("xpub")), "the adopted XPUB's first message").to.equal("\x01A");
          await xpubWorker.run(`await S.xpub.send("B0"); await S.xpub.send("A1");`);
          const got = subA !== null ? await next(subA) : await subWorker!.run<string>(NEXT("sub"));
          expect(got, "what the subscriber received after the adopted XPUB published B0, A1").to.equal("A1");
        }));
    }
  });

  describe("2. SUB", () => {
    it("SUB on {x, y} moves to a worker: only x1, y1 of x1, y1, z1 arrive, in order; a PUB it connects to after the move learns its subscriptions", () =>
      scenario(async (t) => {
        const ep = inprocName("sub");
        const ep2 = inprocName("sub-second-pub");
        const subWorker = t.agent("sub");
        const pub = t.socket("PUB");
        const sub = t.socket("SUB", { receiveTimeout: 3000 });
        await pub.bind(ep);
        sub.connect(ep);
        sub.subscribe("x", "y");
        await pub.send("z0");
        await pub.send("x0");
        expect(await next(sub), "before the move").to.equal("x0");

        await t.moveTo(subWorker, t.detach(sub), "sub");
        for (const m of ["x1", "y1", "z1"]) await pub.send(m);
        const got = await subWorker.run<string[]>(`
          const got = [];
          while (got.length < 3 && !got.at(-1)?.startsWith("error")) {
            got.push(await next(S.sub));
            S.sub.receiveTimeout = 300;
          }
          S.sub.receiveTimeout = 3000;
          return got;`);
        expect(got, "what the moved SUB read after x1, y1, z1 (the last a 300 ms recv)").to.deep.equal(["x1", "y1", "error EAGAIN"]);

        // A PUB the moved SUB connects to from its new thread: it must learn x and y.
        const pub2 = t.socket("PUB");
        await pub2.bind(ep2);
        await subWorker.run(`S.sub.connect(args.ep2);`, { ep2 });
        const first = subWorker.run<string>(NEXT("sub"));
        let settled = false;
        void first.finally(() => (settled = true)).catch(() => {});
        // The subscriptions travel to pub2 after the connect: publish until one gets through.
        for (const deadline = Date.now() + 3000; !settled && Date.now() < deadline; ) {
          await pub2.send("z2");
          await pub2.send("x2");
          await sleep(20);
        }
        expect(await first, "the first message from the PUB connected after the move").to.equal("x2");
      }));

    for (const peer of ["zocket", "libzmq"] as const) {
      it(`tcp: SUB on {x, y} connected to a ${peer} PUB moves to a worker and its filter still holds`, () =>
        scenario(async (t) => {
          const subWorker = t.agent("sub");
          let publish: (m: string) => Promise<void>;
          let ep: string;
          if (peer === "zocket") {
            const pub = t.socket("PUB");
            ep = await pub.bind("tcp://127.0.0.1:*");
            publish = (m) => pub.send(m);
          } else {
            const pub = t.zmq(new zmq.Publisher({ linger: 0 }));
            await pub.bind("tcp://127.0.0.1:*");
            ep = pub.lastEndpoint!;
            publish = (m) => pub.send(m);
          }
          const sub = t.socket("SUB", { receiveTimeout: 100 });
          sub.connect(ep);
          sub.subscribe("x", "y");
          // Wait until the subscriptions are in place at the PUB: publish until "x0" arrives.
          let ready = false;
          for (const deadline = Date.now() + 5000; !ready && Date.now() < deadline; ) {
            await publish("z0");
            await publish("x0");
            try {
              ready = String((await sub.recv())[0]) === "x0";
            } catch (err) {
              if (!(err instanceof ZocketError && err.code === "EAGAIN")) throw err;
            }
          }
          expect(ready, "the SUB received x0 over tcp before the move").to.equal(true);
          const stragglers = await drain(sub, 1000); // the x0s still in flight
          expect(stragglers.filter((m) => m !== "x0"), "messages other than x0 before the move").to.deep.equal([]);
          sub.receiveTimeout = 3000;

          await t.moveTo(subWorker, t.detach(sub), "sub");
          for (const m of ["x1", "z1", "y1", "z2"]) await publish(m);
          const got = await subWorker.run<string[]>(`
            const got = [];
            while (got.length < 3 && !got.at(-1)?.startsWith("error")) {
              const m = await next(S.sub);
              if (m === "x0") continue; // published before the move, still in flight
              got.push(m);
              S.sub.receiveTimeout = 300;
            }
            return got;`);
          expect(got, "what the moved SUB read after x1, z1, y1, z2 (the last a 300 ms recv)").to.deep.equal(["x1", "y1", "error EAGAIN"]);
        }));
    }
  });

  describe("3. REQ", () => {
    const variants = [
      { reqCorrelate: false, replyFirst: false },
      { reqCorrelate: true, replyFirst: false },
      { reqCorrelate: false, replyFirst: true },
    ];
    for (const { reqCorrelate, replyFirst } of variants) {
      const how = [reqCorrelate ? "reqCorrelate" : "", replyFirst ? "the reply already queued at the REQ when it left" : ""].filter((x) => x !== "").join("; ");
      it(`REQ moved mid-turn${how !== "" ? ` (${how})` : ""}: the adopted REQ refuses a send (EFSM), gets the reply, then sends the next request; a second send gives EFSM`, () =>
        scenario(async (t) => {
          const ep = inprocName("req");
          const reqWorker = t.agent("req");
          const rep = t.socket("REP", { receiveTimeout: 3000 });
          const req = t.socket("REQ", { receiveTimeout: 3000, reqCorrelate });
          await rep.bind(ep);
          req.connect(ep);
          await req.send("q1");
          expect(await next(rep)).to.equal("q1");
          if (replyFirst) await rep.send("r1");

          await t.moveTo(reqWorker, t.detach(req), "req");
          expect(await reqWorker.run<string>(`return await code(S.req.send("too early"));`), "the adopted REQ's send() before the outstanding reply").to.equal("EFSM");
          if (!replyFirst) await rep.send("r1");
          expect(await reqWorker.run<string>(NEXT("req")), "the adopted REQ's recv()").to.equal("r1");
          expect(
            await reqWorker.run<string[]>(`return [await code(S.req.send("q2")), await code(S.req.send("q3"))];`),
            "the adopted REQ's next request, then another send before recv",
          ).to.deep.equal(["ok", "EFSM"]);
          expect(await next(rep), "the REP, after the adopted REQ sent q2").to.equal("q2");
          await rep.send("r2");
          expect(await reqWorker.run<string>(NEXT("req")), "the adopted REQ's second reply").to.equal("r2");
        }));
    }
  });

  describe("4. REP", () => {
    it("REP moved mid-turn (two REQs waiting): the adopted REP refuses a recv (EFSM), its reply reaches the REQ that asked, then it serves the other", () =>
      scenario(async (t) => {
        const ep = inprocName("rep");
        const repWorker = t.agent("rep");
        const rep = t.socket("REP", { receiveTimeout: 3000 });
        const reqA = t.socket("REQ", { receiveTimeout: 3000 });
        const reqB = t.socket("REQ", { receiveTimeout: 3000 });
        await rep.bind(ep);
        reqA.connect(ep);
        reqB.connect(ep);
        await reqA.send("from-a");
        await reqB.send("from-b");
        const first = await next(rep);
        expect(first).to.be.oneOf(["from-a", "from-b"]);
        const second = first === "from-a" ? "from-b" : "from-a";

        await t.moveTo(repWorker, t.detach(rep), "rep");
        expect(await repWorker.run<string>(`return await code(S.rep.recv());`), "the adopted REP's recv() before it replied").to.equal("EFSM");
        await repWorker.run(`await S.rep.send("re:" + args.first);`, { first });
        expect(await repWorker.run<string>(NEXT("rep")), "the adopted REP's next request").to.equal(second);
        await repWorker.run(`await S.rep.send("re:" + args.second);`, { second });
        const replies = { A: await next(reqA), B: await next(reqB) };
        expect(replies, "the replies each REQ received").to.deep.equal({ A: "re:from-a", B: "re:from-b" });
      }));
  });

  describe("5. ROUTER", () => {
    it("ROUTER that knows DEALERs d1 (main) and d2 (worker) moves to a worker: it routes to each, keeps routerMandatory (EHOSTUNREACH for 'zz'), and still tags what it receives", () =>
      scenario(async (t) => {
        const ep = inprocName("router");
        const dealerWorker = t.agent("dealer-d2");
        const routerWorker = t.agent("router");
        const router = t.socket("ROUTER", { receiveTimeout: 3000 });
        const d1 = t.socket("DEALER", { routingId: "d1", receiveTimeout: 3000 });
        await router.bind(ep);
        d1.connect(ep);
        await dealerWorker.run(`S.d2 = ctx.socket("DEALER", { routingId: "d2", receiveTimeout: 3000 }); S.d2.connect(args.ep); await S.d2.send("hello");`, { ep });
        await d1.send("hello");
        const ids = [await next(router), await next(router)].sort();
        expect(ids, "what the ROUTER read before moving").to.deep.equal(["d1|hello", "d2|hello"]);
        router.routerMandatory = true;

        await t.moveTo(routerWorker, t.detach(router), "router");
        const d2Got = dealerWorker.run<[string, string]>(`const m = await next(S.d2); S.d2.receiveTimeout = 300; return [m, await code(S.d2.recv())];`);
        const sent = await routerWorker.run<string[]>(`
          return [
            await code(S.router.send(["d2", "to-2"])),
            await code(S.router.send(["d1", "to-1"])),
            await code(S.router.send(["zz", "nobody"])),
            String(S.router.routerMandatory),
          ];`);
        expect(sent, "the moved ROUTER's sends to d2, d1, zz, and its routerMandatory").to.deep.equal(["ok", "ok", "EHOSTUNREACH", "true"]);
        const d1First = await next(d1);
        d1.receiveTimeout = 300;
        const d1Next = await codeOf(d1.recv());
        expect({ d1: [d1First, d1Next], d2: await d2Got }, "what each DEALER received (then a 300 ms recv)").to.deep.equal({
          d1: ["to-1", "EAGAIN"],
          d2: ["to-2", "EAGAIN"],
        });

        await d1.send("again");
        await dealerWorker.run(`await S.d2.send("again");`);
        const again = await routerWorker.run<string[]>(`
          const out = [];
          for (let i = 0; i < 2; i++) out.push(await next(S.router));
          return out.sort();`);
        expect(again, "what the moved ROUTER read from the DEALERs").to.deep.equal(["d1|again", "d2|again"]);
      }));

    it("ROUTER moved to a worker keeps the identity it generated for an anonymous DEALER (routing to it still works)", () =>
      scenario(async (t) => {
        const ep = inprocName("router-generated");
        const routerWorker = t.agent("router");
        const router = t.socket("ROUTER", { receiveTimeout: 3000, routerMandatory: true });
        const dealer = t.socket("DEALER", { receiveTimeout: 3000 });
        await router.bind(ep);
        dealer.connect(ep);
        await dealer.send("hello");
        const [id, body] = await router.recv();
        expect(String(body)).to.equal("hello");
        expect(id!.length, "a generated routing id (libzmq: 5 bytes, 0x00 + u32)").to.equal(5);

        await t.moveTo(routerWorker, t.detach(router), "router");
        const sent = await routerWorker.run<string>(`return await code(S.router.send([Buffer.from(args.id), "to-anonymous"]));`, { id: new Uint8Array(id!) });
        expect(sent, `the moved ROUTER's send to the generated id 0x${id!.toString("hex")}`).to.equal("ok");
        expect(await next(dealer), "the anonymous DEALER").to.equal("to-anonymous");
        await dealer.send("again");
        const back = await routerWorker.run<string>(`const [id] = await S.router.recv(); return Buffer.from(id).toString("hex");`);
        expect(back, "the id the moved ROUTER tags the DEALER's next message with").to.equal(id!.toString("hex"));
      }));
  });

  describe("6. a bound endpoint", () => {
    it("a PULL bound on inproc moves to a worker: PUSHes created after the move (main and another worker) reach it; it unbinds there and the endpoint is free", () =>
      scenario(async (t) => {
        const ep = inprocName("bound");
        const pullWorker = t.agent("pull");
        const pushWorker = t.agent("push");
        const pull = t.socket("PULL", { receiveTimeout: 3000 });
        await pull.bind(ep);

        await t.moveTo(pullWorker, t.detach(pull), "pull");
        const push = t.socket("PUSH", { sendTimeout: 3000 });
        push.connect(ep);
        await push.send("from-main");
        await pushWorker.run(`S.push = ctx.socket("PUSH", { sendTimeout: 3000 }); S.push.connect(args.ep); await S.push.send("from-worker");`, { ep });
        const got = await pullWorker.run<string[]>(`return [await next(S.pull), await next(S.pull)].sort();`);
        expect(got, "what the moved PULL received from PUSHes created after the move").to.deep.equal(["from-main", "from-worker"]);

        expect(await pullWorker.run<string>(`return await code(S.pull.unbind(args.ep));`, { ep }), "the moved PULL's unbind()").to.equal("ok");
        const fresh = t.socket("PULL", { receiveTimeout: 3000 });
        expect(await codeOf(fresh.bind(ep), 3000, "the fresh bind"), `a fresh PULL in the main thread binding ${ep} after the moved PULL unbound it`).to.equal("ok");
        const push2 = t.socket("PUSH", { sendTimeout: 3000 });
        push2.connect(ep);
        await push2.send("to-fresh");
        expect(await next(fresh), "the fresh PULL").to.equal("to-fresh");
      }));
  });

  describe("7. pending sends", () => {
    it("a PUSH moved while sends wait for room: the pending send() promises resolve at detach and the PULL reads all 30, in order", () =>
      scenario(async (t) => {
        const ep = inprocName("pending");
        const pushWorker = t.agent("push");
        const pull = t.socket("PULL", { receiveHighWaterMark: 5, receiveTimeout: 3000 });
        const push = t.socket("PUSH", { sendHighWaterMark: 5 });
        await pull.bind(ep);
        push.connect(ep);
        const resolved: boolean[] = [];
        const sends = range(30).map((m, i) => {
          resolved[i] = false;
          return push.send(m).then(() => void (resolved[i] = true));
        });
        await new Promise((r) => setImmediate(r));
        const before = resolved.filter(Boolean).length;
        expect(before, "sends queued before the pipe was full (libzmq: SNDHWM + RCVHWM = 10 over inproc)").to.be.within(1, 29);
        expect(resolved.slice(0, before).every(Boolean), "the first sends are the ones that resolved").to.equal(true);

        const d = t.detach(push);
        await withTimeout(Promise.all(sends), 2000, "the pending send() promises after detach()");
        await t.moveTo(pushWorker, d, "push");
        const got = await drain(pull, 30);
        expectMessages(got, range(30), `the PULL after the PUSH moved with ${30 - before} sends pending`);
        pull.receiveTimeout = 300;
        expect(await codeOf(pull.recv()), "a 31st message").to.equal("EAGAIN");
      }));
  });

  describe("8. moved twice", () => {
    it("a PULL with a local pipe moves main → worker A → worker B mid-stream: all 1000 messages, in order", () =>
      scenario(async (t) => {
        const ep = inprocName("twice");
        const a = t.agent("A");
        const b = t.agent("B");
        const pull = t.socket("PULL", { receiveTimeout: 3000 });
        const push = t.socket("PUSH", { sendTimeout: 3000 });
        await pull.bind(ep);
        push.connect(ep);
        for (let i = 0; i < 500; i++) await push.send(String(i));
        const inMain = await drain(pull, 100);

        const { port1, port2 } = new MessageChannel();
        // B waits for the socket from A, adopts it and reads the rest.
        const inB = b.run<string[]>(
          `
          const d = await new Promise((r) => args.port.once("message", r));
          args.port.close();
          S.pull = ctx.adopt(d);
          const got = [];
          for (let i = 0; i < args.n && !got.at(-1)?.startsWith("error"); i++) got.push(await next(S.pull));
          return got;`,
          { port: port2, n: 400 },
          [port2],
          10000,
        );
        const d = t.detach(pull);
        const inA = a.run<string[]>(
          `
          S.pull = ctx.adopt(args.d);
          const got = [];
          for (let i = 0; i < args.n && !got.at(-1)?.startsWith("error"); i++) got.push(await next(S.pull));
          const d = S.pull.detach();
          delete S.pull;
          args.port.postMessage(d, d.transferList);
          args.port.close();
          return got;`,
          { d, port: port1, n: 500 },
          [...d.transferList, port1],
          10000,
        );
        t.posted(d);
        // The rest of the stream while the PULL travels.
        for (let i = 500; i < 1000; i++) await push.send(String(i));
        const got = [...inMain, ...(await inA), ...(await inB)];
        expectMessages(got, range(1000), "main (100), then worker A (500), then worker B (400)");
      }));
  });

  describe("9. re-adopted where it was detached", () => {
    it("a PULL and then its PUSH detached and adopted again in the same thread (never posted) keep working", () =>
      scenario(async (t) => {
        const ep = inprocName("same-thread");
        const pull = t.socket("PULL", { receiveTimeout: 3000 });
        const push = t.socket("PUSH", { sendTimeout: 3000 });
        await pull.bind(ep);
        push.connect(ep);
        for (const m of range(5, "a")) await push.send(m);
        expect(await next(pull)).to.equal("a0");

        const pull2 = t.adopt(t.detach(pull));
        expect(outcome(() => pull.recv()), "recv() on the detached object").to.equal("ENOTSOCK");
        expectMessages(await drain(pull2, 4), range(4, "a", 1), "the re-adopted PULL (what was queued)");
        await push.send("b0");
        const push2 = t.adopt(t.detach(push));
        await push2.send("b1");
        pull2.receiveTimeout = 300;
        expectMessages(await drain(pull2, 3), ["b0", "b1"], "the re-adopted PULL (sent after, the last by the re-adopted PUSH)");
      }));
  });

  describe("10. detach() with a recv() pending", () => {
    it("the pending recv() rejects ENOTSOCK; the socket adopted in a worker receives what is sent afterwards", () =>
      scenario(async (t) => {
        const ep = inprocName("pending-recv");
        const pullWorker = t.agent("pull");
        const pull = t.socket("PULL", { receiveTimeout: 3000 });
        const push = t.socket("PUSH", { sendTimeout: 3000 });
        await pull.bind(ep);
        push.connect(ep);
        const pending = pull.recv();
        const d = t.detach(pull);
        expect(await codeOf(pending, 2000, "the pending recv() after detach()"), "the pending recv() after detach()").to.equal("ENOTSOCK");
        await push.send("after-1"); // while the socket is in transit
        await t.moveTo(pullWorker, d, "pull");
        await push.send("after-2");
        const got = await pullWorker.run<string[]>(`
          const got = [await next(S.pull), await next(S.pull)];
          S.pull.receiveTimeout = 300;
          got.push(await code(S.pull.recv()));
          return got;`);
        expect(got, "what the adopted PULL read (then a 300 ms recv)").to.deep.equal(["after-1", "after-2", "EAGAIN"]);
      }));
  });
});
