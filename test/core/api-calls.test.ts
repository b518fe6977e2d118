/**
 * The call-level API: AbortSignal on send/recv (an aborted call leaves the
 * queue as if it had never been made), trySend/tryRecv (ZMQ_DONTWAIT),
 * lastEndpoint, null and number frames, and disposal.
 */
import { expect } from "chai";
import { ZocketError, type Context } from "../../src/index.js";
import { rejects } from "../support/assert.js";
import { closeAndTerm, trackedContext } from "../support/context.js";

const text = (m: Buffer[]): string[] => m.map((f) => f.toString("latin1"));
let seq = 0;
const ep = (name: string): string => `inproc://api-${name}-${seq++}`;

describe("call options, non-blocking calls, lastEndpoint, frames, disposal", () => {
  let ctx: Context;
  beforeEach(() => {
    ctx = trackedContext({ blocky: false });
  });
  afterEach(() => closeAndTerm(ctx));

  it("an aborted recv() rejects with the signal's reason and never takes a message; the next recv() gets it", async () => {
    const pull = ctx.socket("PULL");
    const at = await pull.bind(ep("abort-recv"));
    const push = ctx.socket("PUSH");
    push.connect(at);
    const ac = new AbortController();
    const lost = pull.recv({ signal: ac.signal });
    const reason = new Error("gave up");
    ac.abort(reason);
    try {
      await lost;
      expect.fail("the aborted recv resolved");
    } catch (err) {
      expect(err).to.equal(reason);
    }
    await push.send("first");
    expect(text(await pull.recv())).to.deep.equal(["first"]);
  });

  it("a recv() that loses a race is aborted and the message it would have eaten goes to the next recv()", async () => {
    const pull = ctx.socket("PULL");
    const at = await pull.bind(ep("race"));
    const push = ctx.socket("PUSH");
    push.connect(at);
    const ac = new AbortController();
    const winner = await Promise.race([pull.recv({ signal: ac.signal }).then(() => "recv"), new Promise<string>((r) => setTimeout(() => r("timeout"), 20))]);
    expect(winner).to.equal("timeout");
    ac.abort();
    await push.send("kept");
    expect(text(await pull.recv())).to.deep.equal(["kept"]);
  });

  it("a recv() with an already aborted signal rejects at once and leaves the queued message", async () => {
    const pull = ctx.socket("PULL");
    const at = await pull.bind(ep("pre-aborted"));
    const push = ctx.socket("PUSH");
    push.connect(at);
    await push.send("waiting");
    const ac = new AbortController();
    ac.abort(new ZocketError("EAGAIN", "mine"));
    await rejects(pull.recv({ signal: ac.signal }), "EAGAIN");
    expect(text(await pull.recv())).to.deep.equal(["waiting"]);
  });

  it("an aborted send() waiting at the high-water mark is never delivered; sends after it are, in order", async () => {
    const pull = ctx.socket("PULL", { receiveHighWaterMark: 1 });
    const at = await pull.bind(ep("abort-send"));
    const push = ctx.socket("PUSH", { sendHighWaterMark: 1 });
    push.connect(at);
    await push.send("0");
    await push.send("1");
    const ac = new AbortController();
    const blocked = push.send("aborted", { signal: ac.signal });
    ac.abort(new Error("stop"));
    try {
      await blocked;
      expect.fail("the aborted send resolved");
    } catch (err) {
      expect((err as Error).message).to.equal("stop");
    }
    const after = push.send("2");
    const got = [text(await pull.recv())[0], text(await pull.recv())[0], text(await pull.recv())[0]];
    await after;
    expect(got).to.deep.equal(["0", "1", "2"]);
    pull.receiveTimeout = 50;
    await rejects(pull.recv(), "EAGAIN");
  });

  it("trySend() returns false where send() would wait (nothing queued); tryRecv() returns null where recv() would wait", async () => {
    const pull = ctx.socket("PULL", { receiveHighWaterMark: 1 });
    const at = await pull.bind(ep("try"));
    const push = ctx.socket("PUSH", { sendHighWaterMark: 1 });
    expect(push.trySend("no peer yet")).to.equal(false);
    push.connect(at);
    expect(pull.tryRecv()).to.equal(null);
    expect([push.trySend("a"), push.trySend("b"), push.trySend("c")]).to.deep.equal([true, true, false]);
    expect(text(pull.tryRecv()!)).to.deep.equal(["a"]);
    expect(text(pull.tryRecv()!)).to.deep.equal(["b"]);
    expect(pull.tryRecv()).to.equal(null);
    // The types refuse these; the run time refuses them too, for JavaScript callers.
    // @ts-expect-error a PULL has no trySend
    expect(() => pull.trySend("x")).to.throw(ZocketError).with.property("code", "ENOTSUP");
    // @ts-expect-error a PUSH has no tryRecv
    expect(() => push.tryRecv()).to.throw(ZocketError).with.property("code", "ENOTSUP");
  });

  it("REQ: trySend() out of turn throws EFSM; tryRecv() takes the reply and the next request can go", async () => {
    const rep = ctx.socket("REP");
    const at = await rep.bind(ep("try-req"));
    const req = ctx.socket("REQ");
    req.connect(at);
    expect(req.trySend("q1")).to.equal(true);
    expect(() => req.trySend("q2")).to.throw(ZocketError).with.property("code", "EFSM");
    expect(text(await rep.recv())).to.deep.equal(["q1"]);
    await rep.send("r1");
    expect(text(req.tryRecv()!)).to.deep.equal(["r1"]);
    expect(req.trySend("q2")).to.equal(true);
  });

  it("options that libzmq refuses on other socket types are EINVAL at run time too (constructor and property); the others apply", () => {
    const refused: [string, string, unknown][] = [
      ["PUSH", "routerMandatory", true],
      ["DEALER", "routerHandover", true],
      ["REP", "reqRelaxed", true],
      ["DEALER", "reqCorrelate", false],
      ["SUB", "xpubVerbose", true],
      ["PULL", "xpubNoDrop", true],
    ];
    for (const [type, name, value] of refused) {
      const untyped = ctx.socket.bind(ctx) as unknown as (t: string, o?: Record<string, unknown>) => Record<string, unknown> & { close(): void };
      expect(() => untyped(type, { [name]: value }), `${type} ${name}`).to.throw(ZocketError).with.property("code", "EINVAL");
      const s = untyped(type);
      expect(() => (s[name] = value), `${type}.${name} =`).to.throw(ZocketError).with.property("code", "EINVAL");
      s.close();
    }
    // Where libzmq applies them: the socket classes that handle them, PUB for the XPUB options.
    const router = ctx.socket("ROUTER", { routerMandatory: true, routerHandover: true });
    const req = ctx.socket("REQ", { reqRelaxed: true, reqCorrelate: true });
    const pub = ctx.socket("PUB", { xpubNoDrop: true });
    (pub as unknown as Record<string, unknown>).xpubVerbose = true;
    expect([router.routerMandatory, req.reqCorrelate, pub.xpubNoDrop]).to.deep.equal([true, true, true]);
    for (const s of [router, req, pub]) s.close();
  });

  it("lastEndpoint is null before a bind and the endpoint actually bound after (a tcp wildcard resolved)", async () => {
    const s = ctx.socket("PULL");
    expect(s.lastEndpoint).to.equal(null);
    const bound = await s.bind("tcp://127.0.0.1:*");
    expect(bound).to.match(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    expect(s.lastEndpoint).to.equal(bound);
    const inproc = ep("last");
    await s.bind(inproc);
    expect(s.lastEndpoint).to.equal(inproc);
    await rejects(s.bind(inproc), "EADDRINUSE");
    expect(s.lastEndpoint, "a failed bind does not change it").to.equal(inproc);
  });

  it("null and numbers are frames, as zeromq.js takes them: empty and decimal text", async () => {
    const pull = ctx.socket("PULL");
    const at = await pull.bind(ep("frames"));
    const push = ctx.socket("PUSH");
    push.connect(at);
    await push.send([null, 42, 3.5, -1]);
    await push.send(7);
    expect(text(await pull.recv())).to.deep.equal(["", "42", "3.5", "-1"]);
    expect(text(await pull.recv())).to.deep.equal(["7"]);
    await rejects(push.send([{}] as never), "EINVAL");
  });

  it("Symbol.dispose closes a socket; Symbol.asyncDispose on the context terminates it", async () => {
    const s = ctx.socket("PUSH");
    s[Symbol.dispose]();
    expect(s.closed).to.equal(true);
    const other = trackedContext();
    const t = other.socket("PULL");
    t.close();
    await other[Symbol.asyncDispose]();
    expect(other.terminated).to.equal(true);
  });
});
