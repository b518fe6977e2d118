/**
 * The control plane: what survives a dying thread, migration while the thread
 * that hosts a socket's connections dies, misuse refused with EINVAL, detach
 * racing a bind, term() with a socket lost in transit, failed connect/bind
 * leaving no trace, and a socket object closed to typos.
 *
 * Every wait that could hang is bounded (withTimeout / termWithin / a
 * receiveTimeout), every test closes its sockets, terminates its workers and
 * terminates its context in `finally`, so a failing test fails on its own and
 * never holds up the suite.
 */
import { expect } from "chai";
import { MessageChannel, type Worker } from "node:worker_threads";
import * as zmq from "zeromq";
import { Context, ZocketError, type ContextHandle, type DetachedSocket, type PullSocket, type PushSocket, type Socket } from "../../src/index.js";
import {
  attachedWorker,
  cleanup,
  describeError,
  drain,
  exited,
  expectMessages,
  nextMessage,
  outcome,
  outcomeAsync,
  quietTerm,
  range,
  rawWorker,
  sleep,
  termWithin,
  withTimeout,
} from "../support/threads.js";

// ------------------------------------------------------------------ helpers (the shared ones are in test/support/threads.ts)

/** The first event `name` on `sock` whose address matches (listener registered now). */
function event(sock: Socket, name: "bind" | "handshake" | "connect" | "accept", match: (address: string) => boolean = () => true): Promise<string> {
  return new Promise<string>((resolve) => {
    const on = (e: { address: string }): void => {
      if (!match(e.address)) return;
      sock.events.off(name, on);
      resolve(e.address);
    };
    sock.events.on(name, on);
  });
}

/**
 * After a worker's death: a short bounded wait so this thread has surely processed the death
 * notice (its ports' "close") before the test reads. Without it the reads can win the race
 * against that notice and pass by luck. Timing is the point here: what the notice does to the
 * queue is the behaviour under test.
 */
const DEATH_NOTICED_MS = 200;

let uniq = 0;
const inprocName = (name: string): string => `inproc://control-${name}-${process.pid}-${++uniq}`;

// ------------------------------------------------------------------ tests

describe("control plane", function () {
  this.timeout(20000);

  describe("1. nothing that reached a thread is discarded", () => {
    const workerSends100 = (exitAfter: boolean): string => `
      const push = ctx.socket("PUSH");
      push.connect(workerData.ep);
      for (let i = 0; i < 100; i++) await push.send(String(i));
      // One macrotask turn: the batch of the last sends has left this thread.
      await new Promise((r) => setImmediate(r));
      parentPort.postMessage("sent");
      ${exitAfter ? "process.exit(0);" : "setInterval(() => {}, 1 << 30); // idle until terminated"}`;

    for (const variant of ["terminate() 500 ms after 'sent'", "terminate() right after 'sent'", "the worker exits by itself"] as const) {
      it(`a PULL still reads all 100 messages a dead worker had sent it (${variant})`, async () => {
        const ctx = new Context();
        const ep = inprocName("dead-sender");
        const pull = ctx.socket("PULL", { receiveTimeout: 2000 });
        let w: Worker | null = null;
        try {
          await pull.bind(ep);
          const exiting = variant === "the worker exits by itself";
          w = attachedWorker(ctx, workerSends100(exiting), { ep });
          const gone = exited(w);
          if (exiting) {
            // "sent" is posted before process.exit(); the exit itself is what we wait for.
            expect(await withTimeout(gone, 5000, "the worker's exit")).to.equal(0);
          } else {
            expect(await nextMessage<string>(w, 5000, "the worker's 'sent'")).to.equal("sent");
            if (variant === "terminate() 500 ms after 'sent'") {
              // Timing is the point here: 500 ms is ample for every batch to be queued at the PULL's
              // side; the behaviour under test is that the sender's death does not discard them.
              await sleep(500);
            }
            await w.terminate();
          }
          await sleep(DEATH_NOTICED_MS);
          const got = await drain(pull, 100);
          expectMessages(got, range(100), "after the sending worker died, the PULL (all 100 had left the worker)");
          pull.close();
          await termWithin(ctx, 5000);
        } finally {
          await cleanup({ sockets: [pull], workers: [w] });
          await quietTerm(ctx);
        }
      });
    }

    it("a PUSH whose linger expires leaves what reached the PULL's inbound queue readable (same thread, inproc)", async () => {
      const ctx = new Context();
      const ep = inprocName("linger-expiry");
      const pull = ctx.socket("PULL", { receiveHighWaterMark: 10, receiveTimeout: 500 });
      const push = ctx.socket("PUSH", { sendHighWaterMark: 10, sendTimeout: 0, linger: 50 });
      try {
        await pull.bind(ep);
        push.connect(ep);
        let queued = 0;
        for (; queued < 1000; queued++) {
          try {
            await push.send(String(queued));
          } catch (err) {
            if (err instanceof ZocketError && err.code === "EAGAIN") break;
            throw err;
          }
        }
        expect(queued, "sends queued before the pipe was full").to.be.within(10, 999);
        push.close();
        // Timing is the point here: 200 ms is well past the 50 ms linger, so the PUSH's linger
        // has expired; the behaviour under test is what that expiry leaves at the PULL.
        await sleep(200);
        const got = await drain(pull, queued);
        expect(
          got.length,
          `after the PUSH's linger expired the PULL read ${got.length} of the ${queued} queued messages ` +
            `(libzmq: what reached the peer's inbound queue stays readable; expected at least receiveHighWaterMark = 10)`,
        ).to.be.at.least(10);
        expect(got, "the messages the PULL read, in order from 0").to.deep.equal(range(got.length));
        pull.close();
        await termWithin(ctx, 5000);
      } finally {
        await cleanup({ sockets: [push, pull] });
        await quietTerm(ctx);
      }
    });
  });

  describe("2. a migrated socket survives the death of the thread that hosts its tcp connections", () => {
    /** Worker: bind a PULL on tcp, report the endpoint, take the first message, detach to the parent, stay alive. */
    const bindHost = `
      const pull = ctx.socket("PULL");
      const ep = await pull.bind("tcp://127.0.0.1:*");
      parentPort.postMessage({ ep });
      const [first] = await pull.recv();
      const d = pull.detach();
      parentPort.postMessage({ first: String(first), d }, d.transferList);
      setInterval(() => {}, 1 << 30); // stay alive (hosting the listener and the connection) until terminated`;

    async function setUpBindSide(ctx: Context): Promise<{ w: Worker; ep: string; peer: zmq.Push; adopted: Socket }> {
      const w = attachedWorker(ctx, bindHost);
      let peer: zmq.Push | null = null;
      try {
        const { ep } = await nextMessage<{ ep: string }>(w, 5000, "the worker's bound endpoint");
        peer = new zmq.Push({ linger: 0, reconnectInterval: 50, sendTimeout: 3000 });
        peer.connect(ep);
        for (let i = 0; i < 5; i++) await withTimeout(peer.send(`a${i}`), 5000, `libzmq send a${i}`);
        const { first, d } = await nextMessage<{ first: string; d: DetachedSocket }>(w, 5000, "the detached PULL from the worker");
        expect(first).to.equal("a0");
        const adopted = ctx.adopt(d);
        adopted.receiveTimeout = 2000;
        return { w, ep, peer, adopted };
      } catch (err) {
        await cleanup({ zmq: [peer], workers: [w] });
        throw err;
      }
    }

    it("bind side: messages that reached the adopted PULL stay readable after the hosting worker is terminated", async () => {
      const ctx = new Context();
      let parts: Awaited<ReturnType<typeof setUpBindSide>> | null = null;
      try {
        parts = await setUpBindSide(ctx);
        // Timing is the point here: a1..a4 were sent before the detach; 500 ms is ample for them to
        // cross from the hosting worker to this thread. The behaviour under test is that the
        // host's death does not discard what already reached the socket's thread.
        await sleep(500);
        await parts.w.terminate();
        await sleep(DEATH_NOTICED_MS);
        const got = await drain(parts.adopted, 4);
        expectMessages(got, ["a1", "a2", "a3", "a4"], "after its hosting worker died, the adopted PULL (a1..a4 had reached its thread)");
        parts.adopted.close();
        parts.peer.close();
        await termWithin(ctx, 5000);
      } finally {
        await cleanup({ sockets: [parts?.adopted], zmq: [parts?.peer], workers: [parts?.w] });
        await quietTerm(ctx);
      }
    });

    it("bind side: the adopted PULL binds its endpoint again from its new thread (a 'bind' event) and the libzmq PUSH reconnects to it", async () => {
      const ctx = new Context();
      let parts: Awaited<ReturnType<typeof setUpBindSide>> | null = null;
      try {
        parts = await setUpBindSide(ctx);
        const { w, ep, peer, adopted } = parts;
        const rebound = event(adopted, "bind", (a) => a === ep);
        const reconnected = event(adopted, "handshake");
        await w.terminate();
        await withTimeout(rebound, 3000, `a 'bind' event for ${ep} on the adopted PULL after its hosting worker died (the bind vanished)`);
        await withTimeout(reconnected, 3000, "a 'handshake' event on the adopted PULL (the libzmq PUSH reconnecting)");
        await withTimeout(peer.send("after"), 3000, "libzmq PUSH send 'after'");
        // a1..a4 may come first (what reached the socket before the death); then "after".
        const got = await drain(adopted, 10);
        expect(got, "messages the adopted PULL read after the host died").to.include("after");
        adopted.close();
        peer.close();
        await termWithin(ctx, 5000);
      } finally {
        await cleanup({ sockets: [parts?.adopted], zmq: [parts?.peer], workers: [parts?.w] });
        await quietTerm(ctx);
      }
    });

    it("connect side: the adopted PUSH reconnects to a libzmq PULL from its new thread and later sends arrive", async () => {
      const ctx = new Context();
      const peer = new zmq.Pull({ linger: 0, receiveTimeout: 3000 });
      let w: Worker | null = null;
      let adopted: Socket | null = null;
      try {
        await peer.bind("tcp://127.0.0.1:*");
        const ep = peer.lastEndpoint!;
        w = attachedWorker(
          ctx,
          `
          const push = ctx.socket("PUSH");
          push.connect(workerData.ep);
          for (let i = 0; i < 3; i++) await push.send("a" + i);
          const d = push.detach();
          parentPort.postMessage(d, d.transferList);
          setInterval(() => {}, 1 << 30); // stay alive (hosting the connection) until terminated`,
          { ep },
        );
        const d = await nextMessage<DetachedSocket>(w, 5000, "the detached PUSH from the worker");
        for (let i = 0; i < 3; i++) expect(String((await peer.receive())[0])).to.equal(`a${i}`);
        adopted = ctx.adopt(d);
        adopted.sendTimeout = 3000;
        // Events of the old connection that happened while the socket was in
        // transit arrive after the adopt: wait for the loss first, then the
        // handshake of the connection made from this thread.
        const sock = adopted;
        const reconnected = new Promise<void>((resolve) => {
          const onLoss = (e: { error?: Error }): void => {
            if ((e.error as ZocketError | undefined)?.code !== "ECONNABORTED") return;
            sock.events.off("disconnect", onLoss);
            void event(sock, "handshake").then(() => resolve());
          };
          sock.events.on("disconnect", onLoss);
        });
        await w.terminate();
        await withTimeout(reconnected, 3000, "a 'disconnect' (host thread gone) then a 'handshake' on the adopted PUSH (reconnecting from its new thread)");
        await withTimeout(adopted.send("after"), 3000, "the adopted PUSH's send 'after'");
        const got = String((await withTimeout(peer.receive(), 4000, "the libzmq PULL receiving 'after'"))[0]);
        expect(got).to.equal("after");
        adopted.close();
        peer.close();
        await termWithin(ctx, 5000);
      } finally {
        await cleanup({ sockets: [adopted], zmq: [peer], workers: [w] });
        await quietTerm(ctx);
      }
    });
  });

  describe("3. misuse is refused with EINVAL, never misrouted", () => {
    it("ctxB.adopt() of a socket detached from another context ctxA throws EINVAL; ctxA can still adopt it; both contexts terminate", async () => {
      const ctxA = new Context();
      const ctxB = new Context();
      const s = ctxA.socket("PULL");
      let wrong: Socket | null = null;
      try {
        await s.bind(inprocName("other-context"));
        const d = s.detach();
        const got = outcome(
          () => ctxB.adopt(d),
          (v) => (wrong = v as Socket),
        );
        expect(got, "ctxB.adopt(socket detached from ctxA)").to.equal("EINVAL");
        // The refused adopt took nothing: the socket is still ctxA's, in flight
        // until adopted there (a detached socket holds term() as an open one does).
        const home = ctxA.adopt(d);
        expect(home.type).to.equal("PULL");
        home.close();
        const terms = {
          ctxA: await outcomeAsync(termWithin(ctxA, 3000, "ctxA.term()"), 4000, "ctxA.term()"),
          ctxB: await outcomeAsync(termWithin(ctxB, 3000, "ctxB.term()"), 4000, "ctxB.term()"),
        };
        expect(terms, "both term()s after the refused adopt").to.deep.equal({ ctxA: "ok (no error)", ctxB: "ok (no error)" });
      } finally {
        await cleanup({ sockets: [s, wrong] });
        await quietTerm(ctxA);
        await quietTerm(ctxB);
      }
    });

    it("Context.attach() of a handle in the thread that called share() throws EINVAL", async () => {
      const ctx = new Context();
      const h = ctx.share();
      let wrong: Context | null = null;
      try {
        const got = outcome(
          () => Context.attach(h),
          (v) => (wrong = v as Context),
        );
        expect(got, "Context.attach(handle) in the sharing thread").to.equal("EINVAL");
      } finally {
        h.port.close();
        await quietTerm(wrong);
        await quietTerm(ctx);
      }
    });

    it("attaching the same handle twice in a worker: the first attach works, the second throws EINVAL", async () => {
      const ctx = new Context();
      const h = ctx.share();
      const w = rawWorker(
        `
        const what = (e) => (e instanceof ZocketError ? e.code : e?.constructor?.name + ": " + e?.message);
        const out = {};
        try { Context.attach(workerData.ctx); out.first = "ok"; } catch (e) { out.first = what(e); }
        try { Context.attach(workerData.ctx); out.second = "ok (no error)"; } catch (e) { out.second = what(e); }
        parentPort.postMessage(out);`,
        { ctx: h },
        h.transferList,
      );
      try {
        const out = await nextMessage<{ first: string; second: string }>(w, 5000, "the worker's report");
        expect(out, "Context.attach(h) twice in one worker").to.deep.equal({ first: "ok", second: "EINVAL" });
      } finally {
        await cleanup({ workers: [w] });
        await quietTerm(ctx);
      }
    });

    it("Context.attach() of forged handles (a fake port, null, {}) throws EINVAL, never a raw TypeError", () => {
      const got = {
        fakePort: outcome(() =>
          Context.attach({
            kind: "zocket.context",
            path: "0.1",
            port: {},
            blocky: true,
            maxSockets: 10,
            transferList: [],
          } as unknown as ContextHandle),
        ),
        null: outcome(() => Context.attach(null as never)),
        empty: outcome(() => Context.attach({} as never)),
      };
      expect(got, "Context.attach(forged handle)").to.deep.equal({ fakePort: "EINVAL", null: "EINVAL", empty: "EINVAL" });
    });

    it("ctx.adopt() of forged detached sockets throws EINVAL, never a raw TypeError", async () => {
      const ctx = new Context();
      const made: Socket[] = [];
      const keep = (v: unknown): void => void made.push(v as Socket);
      try {
        const got = {
          emptyState: outcome(() => ctx.adopt({ kind: "zocket.socket", type: "PUSH", state: {} } as never), keep),
          fakeMailbox: outcome(() => ctx.adopt({ kind: "zocket.socket", type: "PUSH", state: { mailbox: {} } } as never), keep),
          bogusType: outcome(() => ctx.adopt({ kind: "zocket.socket", type: "BOGUS", state: { mailbox: {} } } as never), keep),
          bogusTypeInState: outcome(() => ctx.adopt({ kind: "zocket.socket", type: "BOGUS", state: { type: "BOGUS", mailbox: {} } } as never), keep),
        };
        expect(got, "ctx.adopt(forged detached socket)").to.deep.equal({
          emptyState: "EINVAL",
          fakeMailbox: "EINVAL",
          bogusType: "EINVAL",
          bogusTypeInState: "EINVAL",
        });
      } finally {
        await cleanup({ sockets: made });
        await quietTerm(ctx);
      }
    });
  });

  describe("4. detach() while a bind() is in flight", () => {
    it("tcp, adopted in the same thread: detach refuses with EAGAIN or the adopted socket ends up bound; traffic reaches it, unbind works", async () => {
      const ctx = new Context();
      const sock = ctx.socket("PULL");
      let adopted: Socket | null = null;
      const peer = new zmq.Push({ linger: 0, sendTimeout: 3000 });
      try {
        const p = sock.bind("tcp://127.0.0.1:*");
        const bound = p.then(
          (ep) => ({ ep, err: null as string | null }),
          (e: unknown) => ({ ep: null as string | null, err: describeError(e) }),
        );
        let d: DetachedSocket;
        let path: string;
        try {
          d = sock.detach();
          path = "detach() succeeded during the bind";
        } catch (err) {
          expect(describeError(err), "detach() during a bind: the only acceptable refusal").to.equal("EAGAIN");
          const r = await withTimeout(bound, 3000, "the bind after detach() said EAGAIN");
          expect(r.err, "the bind after detach() said EAGAIN").to.equal(null);
          d = sock.detach();
          path = "detach() said EAGAIN, then succeeded after the bind";
        }
        expect(outcome(() => sock.recv()), "a call on the old object after detach()").to.equal("ENOTSOCK");
        adopted = ctx.adopt(d);
        adopted.receiveTimeout = 3000;
        const r = await withTimeout(bound, 3000, "the bind() promise");
        const last = (adopted as unknown as { lastEndpoint?: string }).lastEndpoint;
        const ep = r.ep ?? last ?? null;
        expect(ep, `${path}; the bind() rejected with ${r.err} and the adopted socket's lastEndpoint is ${String(last)}: the adopted socket is not bound`).to.match(
          /^tcp:\/\/127\.0\.0\.1:\d+$/,
        );
        peer.connect(ep!);
        await withTimeout(peer.send("hello"), 4000, "libzmq PUSH send");
        expectMessages(await drain(adopted, 1), ["hello"], `${path}; bind() gave ${JSON.stringify(r)}; a libzmq PUSH connected to ${ep} and sent: the adopted socket`);
        expect(await outcomeAsync(adopted.unbind(ep!), 3000, "adopted.unbind()"), `${path}; adopted.unbind(${ep})`).to.equal("ok (no error)");
        peer.close();
        adopted.close();
        await termWithin(ctx, 5000);
      } finally {
        await cleanup({ sockets: [adopted, sock], zmq: [peer] });
        await quietTerm(ctx);
      }
    });

    it("inproc from a worker (bind is a round trip to the root): detach refuses with EAGAIN or the adopted socket ends up bound; traffic reaches it, unbind works", async () => {
      const ctx = new Context();
      const ep = inprocName("detach-during-bind");
      let adopted: Socket | null = null;
      let push: PushSocket | null = null;
      let other: PullSocket | null = null;
      const w = attachedWorker(
        ctx,
        `
        const what = (e) => (e instanceof ZocketError ? e.code : e?.constructor?.name + ": " + e?.message);
        const sock = ctx.socket("PULL");
        const bound = sock.bind(workerData.ep).then((ep) => ({ ep, err: null }), (e) => ({ ep: null, err: what(e) }));
        let d, path;
        try {
          d = sock.detach();
          path = "detach() succeeded during the bind";
        } catch (e) {
          if (what(e) !== "EAGAIN") {
            parentPort.postMessage({ fatal: "detach() during a bind threw " + what(e) + " (expected EAGAIN or success)" });
          } else {
            const r = await bound;
            if (r.err !== null) parentPort.postMessage({ fatal: "the bind after EAGAIN failed: " + r.err });
            else {
              d = sock.detach();
              path = "detach() said EAGAIN, then succeeded after the bind";
            }
          }
        }
        if (d !== undefined) {
          let old;
          try { sock.recv(); old = "ok (no error)"; } catch (e) { old = what(e); }
          const r = await bound;
          parentPort.postMessage({ path, old, bind: r, d }, d.transferList);
        }`,
        { ep },
      );
      try {
        const m = await nextMessage<{ fatal?: string; path: string; old: string; bind: { ep: string | null; err: string | null }; d: DetachedSocket }>(
          w,
          5000,
          "the worker's detached socket",
        );
        expect(m.fatal, "worker").to.equal(undefined);
        expect(m.old, `${m.path}; a call on the old object after detach()`).to.equal("ENOTSOCK");
        adopted = ctx.adopt(m.d);
        adopted.receiveTimeout = 2000;
        push = ctx.socket("PUSH", { sendTimeout: 2000 });
        push.connect(ep);
        await push.send("hello");
        expectMessages(await drain(adopted, 1), ["hello"], `${m.path}; bind() gave ${JSON.stringify(m.bind)}; a PUSH connected to ${ep} and sent: the adopted socket`);
        expect(await outcomeAsync(adopted.unbind(ep), 3000, "adopted.unbind()"), `${m.path} (bind() gave ${JSON.stringify(m.bind)}); adopted.unbind(${ep})`).to.equal(
          "ok (no error)",
        );
        other = ctx.socket("PULL");
        expect(await outcomeAsync(other.bind(ep), 3000, "binding the freed endpoint"), `${m.path}; another socket binding ${ep} after the unbind`).to.equal(
          "ok (no error)",
        );
        push.close();
        adopted.close();
        other.close();
        await termWithin(ctx, 5000);
      } finally {
        await cleanup({ sockets: [adopted, push, other], workers: [w] });
        await quietTerm(ctx);
      }
    });
  });

  describe("5. term() resolves once every live socket is closed", () => {
    for (const how of ["is terminated", "exits by itself"] as const) {
      it(`a socket detached to a worker that ${how} before adopting it does not hold term()`, async () => {
        const ctx = new Context();
        const ep = inprocName("lost-in-transit");
        const pull = ctx.socket("PULL");
        const push = ctx.socket("PUSH");
        const w = attachedWorker(
          ctx,
          `parentPort.once("message", () => {
            // Received, never adopted.
            parentPort.postMessage("got");
            ${how === "exits by itself" ? "process.exit(0);" : "setInterval(() => {}, 1 << 30);"}
          });`,
        );
        try {
          await pull.bind(ep);
          push.connect(ep);
          const gone = exited(w);
          const d = push.detach();
          w.postMessage(d, d.transferList);
          if (how === "exits by itself") await withTimeout(gone, 5000, "the worker's exit");
          else {
            expect(await nextMessage<string>(w, 5000, "the worker's 'got'")).to.equal("got");
            await w.terminate();
          }
          pull.close();
          await termWithin(ctx, 5000, "ctx.term() with a detached socket that died unadopted with its worker");
        } finally {
          await cleanup({ sockets: [pull], workers: [w] });
          await quietTerm(ctx);
        }
      });
    }
  });

  describe("unbind settles the endpoint for the whole context", () => {
    it("once an inproc unbind() in a grandchild thread resolves, the main thread can bind the endpoint (100 rounds)", async () => {
      const ctx = new Context();
      const { port1, port2 } = new MessageChannel();
      // The grandchild's tree messages travel through its parent: the race is widest there.
      const grandchild = `
        import { workerData } from "node:worker_threads";
        const { Context } = await import(workerData.lib);
        const ctx = Context.attach(workerData.ctx);
        const s = ctx.socket("PULL");
        for (let i = 0; i < workerData.rounds; i++) {
          const ep = "inproc://unbind-race-" + workerData.tag + "-" + i;
          await s.bind(ep);
          await s.unbind(ep);
          workerData.port.postMessage(ep);
          await new Promise((r) => workerData.port.once("message", r));
        }
        s.close();
        workerData.port.close();`;
      const w = attachedWorker(
        ctx,
        `
        const { Worker } = await import("node:worker_threads");
        const h = ctx.share();
        const g = new Worker(new URL("data:text/javascript," + encodeURIComponent(workerData.grandchild)), {
          workerData: { ctx: h, lib: workerData.lib, port: workerData.port, rounds: workerData.rounds, tag: workerData.tag },
          transferList: [...h.transferList, workerData.port],
        });
        g.on("exit", () => process.exit(0));`,
        { grandchild, port: port2, rounds: 100, tag: String(process.pid) },
        [port2],
      );
      const codes: string[] = [];
      try {
        for (let n = 0; n < 100; n++) {
          const ep = await withTimeout(new Promise<string>((r) => port1.once("message", r)), 5000, `round ${n} from the grandchild`);
          const p = ctx.socket("PULL");
          codes.push(await outcomeAsync(p.bind(ep), 2000, `bind ${ep}`));
          p.close();
          port1.postMessage("next");
        }
        expect(codes.filter((c) => c !== "ok (no error)"), "binds after the grandchild's unbind resolved").to.deep.equal([]);
      } finally {
        port1.close();
        await cleanup({ workers: [w] });
        await quietTerm(ctx);
      }
    });
  });

  describe("6. a failed connect() or bind() records nothing", () => {
    it("connect('tcp://*:5555') throws EINVAL, then disconnect() of it throws ENOENT", async () => {
      const ctx = new Context();
      const s = ctx.socket("PUSH");
      try {
        expect(outcome(() => s.connect("tcp://*:5555")), "connect(tcp://*:5555)").to.equal("EINVAL");
        expect(outcome(() => s.disconnect("tcp://*:5555")), "disconnect() of the endpoint whose connect() failed").to.equal("ENOENT");
        s.close();
        await termWithin(ctx, 5000);
      } finally {
        await cleanup({ sockets: [s] });
        await quietTerm(ctx);
      }
    });

    it("a bind() rejected with EADDRINUSE, then unbind() of it rejects with ENOENT", async () => {
      const ctx = new Context();
      const a = ctx.socket("PULL");
      const b = ctx.socket("PULL");
      try {
        const ep = await a.bind("tcp://127.0.0.1:*");
        expect(await outcomeAsync(b.bind(ep), 3000, "the second bind"), `a second socket binding ${ep}`).to.equal("EADDRINUSE");
        expect(await outcomeAsync(b.unbind(ep), 3000, "unbind"), "unbind() of the endpoint whose bind() failed").to.equal("ENOENT");
        a.close();
        b.close();
        await termWithin(ctx, 5000);
      } finally {
        await cleanup({ sockets: [a, b] });
        await quietTerm(ctx);
      }
    });
  });

  describe("7. the socket object is closed to typos", () => {
    it("setting an option on a closed socket throws ENOTSOCK", async () => {
      const ctx = new Context();
      const s = ctx.socket("PUSH");
      try {
        s.close();
        expect(
          outcome(() => {
            s.linger = 5;
          }),
          "s.linger = 5 after s.close()",
        ).to.equal("ENOTSOCK");
        await termWithin(ctx, 5000);
      } finally {
        await cleanup({ sockets: [s] });
        await quietTerm(ctx);
      }
    });

    it("assigning a property that is not an option throws (strict and sloppy code); known options stay assignable", async () => {
      const ctx = new Context();
      const s = ctx.socket("PUSH");
      try {
        const strict = outcome(() => {
          (s as unknown as Record<string, unknown>).sendHwm = 5;
        });
        const sloppy = outcome(() => new Function("s", "s.sendHwm = 5")(s));
        const known = outcome(() => {
          s.sendHighWaterMark = 5;
          new Function("s", "s.receiveHighWaterMark = 7")(s);
        });
        // Any throw is accepted for the typo (EINVAL is what we would like); the message shows what it was.
        const threw = (o: string): string => (o === "ok (no error)" ? "did not throw" : "threw");
        expect(
          { typoStrict: threw(strict), typoSloppy: threw(sloppy), knownOption: known },
          `s.sendHwm = 5 (a typo) gave strict: ${strict}, sloppy: ${sloppy}; known options gave ${known}`,
        ).to.deep.equal({ typoStrict: "threw", typoSloppy: "threw", knownOption: "ok (no error)" });
        expect("sendHwm" in s, "the typo left a property on the socket").to.equal(false);
        expect(s.sendHighWaterMark).to.equal(5);
        expect(s.receiveHighWaterMark).to.equal(7);
        s.close();
        await termWithin(ctx, 5000);
      } finally {
        await cleanup({ sockets: [s] });
        await quietTerm(ctx);
      }
    });

    it("new Context() with an unknown or ill-typed option throws EINVAL", async () => {
      const made: Context[] = [];
      const keep = (v: unknown): void => void made.push(v as Context);
      try {
        const got = {
          bogus: outcome(() => new Context({ bogus: 1 } as never), keep),
          blockyString: outcome(() => new Context({ blocky: "yes" } as never), keep),
          maxSocketsNegative: outcome(() => new Context({ maxSockets: -1 }), keep),
          ioThreadsString: outcome(() => new Context({ ioThreads: "2" } as never), keep),
        };
        expect(got, "new Context(bad options)").to.deep.equal({
          bogus: "EINVAL",
          blockyString: "EINVAL",
          maxSocketsNegative: "EINVAL",
          ioThreadsString: "EINVAL",
        });
      } finally {
        for (const c of made) await quietTerm(c);
      }
    });
  });
});
