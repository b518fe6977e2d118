/** The CLI's proxy loop (src/cli/forward.ts) in one process, over inproc. */
import { expect } from "chai";
import type { Context } from "../../src/index.js";
import { forward, type ForwardSocket } from "../../src/cli/forward.js";
import { closeAndTerm, trackedContext } from "../support/context.js";

describe("CLI forward (proxy loop)", () => {
  let ctx: Context;
  beforeEach(() => {
    ctx = trackedContext({ blocky: false });
  });
  afterEach(() => closeAndTerm(ctx));

  const as = (s: unknown): ForwardSocket => s as ForwardSocket;

  it("forwards whole messages one way for PULL/PUSH, copies them to the capture, and takes nothing after terminate()", async () => {
    const [src, front, back, dst, capture, tap] = [ctx.socket("PUSH"), ctx.socket("PULL"), ctx.socket("PUSH"), ctx.socket("PULL"), ctx.socket("PUSH"), ctx.socket("PULL")];
    await front.bind("inproc://fw-front");
    await dst.bind("inproc://fw-back");
    await tap.bind("inproc://fw-capture");
    src.connect("inproc://fw-front");
    back.connect("inproc://fw-back");
    capture.connect("inproc://fw-capture");
    const fw = forward(as(front), as(back), { capture: as(capture) });
    await src.send(["a", "b", ""]);
    expect((await dst.recv()).map(String)).to.deep.equal(["a", "b", ""]);
    expect((await tap.recv()).map(String)).to.deep.equal(["a", "b", ""]);
    fw.terminate();
    await fw.done;
    await src.send("after");
    // Still queued at the front: the loop's last recv() was aborted, not left to take it.
    expect((await front.recv()).map(String)).to.deep.equal(["after"]);
  });

  it("forwards both ways for ROUTER/DEALER, and ends when the sockets close", async () => {
    const [req, router, dealer, rep] = [ctx.socket("REQ"), ctx.socket("ROUTER"), ctx.socket("DEALER"), ctx.socket("REP")];
    await router.bind("inproc://fw-router");
    await rep.bind("inproc://fw-rep");
    req.connect("inproc://fw-router");
    dealer.connect("inproc://fw-rep");
    const fw = forward(as(router), as(dealer));
    await req.send("question");
    expect((await rep.recv()).map(String)).to.deep.equal(["question"]);
    await rep.send("answer");
    expect((await req.recv()).map(String)).to.deep.equal(["answer"]);
    router.close();
    dealer.close();
    await fw.done;
  });

  it("refuses a pair through which nothing can flow", async () => {
    const fw = forward(as(ctx.socket("PUB")), as(ctx.socket("PUSH")));
    await fw.done.then(
      () => expect.fail("resolved"),
      (err: { code?: string }) => expect(err.code).to.equal("EINVAL"),
    );
  });
});
