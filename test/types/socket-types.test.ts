/**
 * The typed socket views, proved at compile time: every `@ts-expect-error`
 * line below is a mistake the compiler must refuse (tsc fails the build if
 * one of them starts to compile), every plain line a use it must accept.
 * The compile-time checks sit in functions that never run; the runtime part
 * at the end checks that the views describe what the runtime objects are.
 */
import { expect } from "chai";
import {
  Context,
  Socket,
  ZocketError,
  type BaseSocket,
  type DetachedSocket,
  type OptionsOf,
  type PubSocket,
  type PullSocket,
  type PushSocket,
  type ReceivingSocket,
  type RouterSocket,
  type SendingSocket,
  type SocketEvent,
  type SocketOf,
  type SocketType,
  type SubSocket,
  type XSubSocket,
} from "../../src/index.js";
import { trackedContext, closeAndTerm } from "../support/context.js";

/** Compile-time only: `true` when A and B are the same type. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(): T | void {}

async function pipelineTypes(ctx: Context): Promise<void> {
  const push = ctx.socket("PUSH");
  assertType<Equal<typeof push, PushSocket>>();
  await push.send(["a", 1, null, new Uint8Array(2)]);
  push.trySend("x");
  push.sendHighWaterMark = 10;
  push.conflate = true;
  const t: "PUSH" = push.type;
  void t;
  // @ts-expect-error a PUSH has no recv
  await push.recv();
  // @ts-expect-error a PUSH has no tryRecv
  push.tryRecv();
  // @ts-expect-error a PUSH is not iterable
  for await (const m of push) void m;
  // @ts-expect-error only SUB/XSUB subscribe
  push.subscribe("x");
  // @ts-expect-error ROUTER options are not on a PUSH
  push.routerMandatory = true;
  // @ts-expect-error routingId is for REQ/REP/DEALER/ROUTER
  void push.routingId;
  // @ts-expect-error XPUB options are not on a PUSH
  void push.xpubVerbose;

  const pull = ctx.socket("PULL", { receiveHighWaterMark: 5, conflate: true });
  assertType<Equal<typeof pull, PullSocket>>();
  const [frame] = await pull.recv();
  void frame?.length;
  pull.tryRecv();
  for await (const m of pull) void m;
  // @ts-expect-error a PULL has no send
  await pull.send("x");
  // @ts-expect-error a PULL has no trySend
  pull.trySend("x");
  // @ts-expect-error only SUB/XSUB subscribe
  pull.subscribe();
}

async function pubsubTypes(ctx: Context): Promise<void> {
  const pub = ctx.socket("PUB", { xpubNoDrop: true, conflate: false });
  await pub.send(["topic", "body"]);
  // @ts-expect-error a PUB has no recv
  await pub.recv();
  // @ts-expect-error a PUB does not subscribe
  pub.subscribe("x");
  // @ts-expect-error xpubVerbose is XPUB only
  pub.xpubVerbose = true;

  const sub = ctx.socket("SUB");
  sub.subscribe("a", Buffer.from("b"));
  sub.unsubscribe();
  await sub.recv();
  // @ts-expect-error a SUB has no send
  await sub.send("x");
  // @ts-expect-error xpubNoDrop is PUB/XPUB only
  void sub.xpubNoDrop;

  const xpub = ctx.socket("XPUB", { xpubVerbose: true, xpubNoDrop: true });
  await xpub.send("x");
  await xpub.recv();
  // @ts-expect-error an XPUB does not subscribe
  xpub.subscribe("x");
  // @ts-expect-error conflate is not for XPUB
  xpub.conflate = true;

  const xsub = ctx.socket("XSUB");
  xsub.subscribe("x");
  await xsub.send([Buffer.from([1, 0x61])]);
  await xsub.recv();
  // @ts-expect-error xpubVerbose is XPUB only
  xsub.xpubVerbose = true;
}

async function requestReplyTypes(ctx: Context): Promise<void> {
  const req = ctx.socket("REQ", { reqCorrelate: true, reqRelaxed: true, probeRouter: true, routingId: "me" });
  await req.send("q");
  await req.recv();
  req.reqCorrelate = false;
  // @ts-expect-error REQ is not SUB
  req.subscribe();
  // @ts-expect-error routerMandatory is ROUTER only
  req.routerMandatory = true;
  // @ts-expect-error conflate is not for REQ
  void req.conflate;

  const rep = ctx.socket("REP", { routingId: Buffer.from("r") });
  await rep.send("a");
  await rep.recv();
  // @ts-expect-error reqCorrelate is REQ only
  rep.reqCorrelate = true;
  // @ts-expect-error probeRouter is ROUTER/DEALER/REQ only
  void rep.probeRouter;

  const dealer = ctx.socket("DEALER", { probeRouter: true, conflate: true, routingId: "d" });
  await dealer.send(["", "x"]);
  await dealer.recv();
  // @ts-expect-error routerHandover is ROUTER only
  dealer.routerHandover = true;

  const router: RouterSocket = ctx.socket("ROUTER", { routerMandatory: true, routerHandover: true, probeRouter: true });
  const id: Buffer | null = router.routingId;
  void id;
  await router.send([Buffer.from("peer"), "x"]);
  await router.recv();
  // @ts-expect-error conflate is not for ROUTER
  router.conflate = true;
  // @ts-expect-error reqRelaxed is REQ only
  void router.reqRelaxed;

  const pair = ctx.socket("PAIR");
  await pair.send("x");
  await pair.recv();
  // @ts-expect-error routingId is for REQ/REP/DEALER/ROUTER
  void pair.routingId;
}

function optionTypes(ctx: Context): void {
  // Options every type takes, on every type.
  for (const sock of [ctx.socket("PUSH", { linger: 0, sendTimeout: 5, heartbeatInterval: 100 }), ctx.socket("SUB", { curveServerKey: "x", plainUsername: "u", zapDomain: "d" })]) {
    sock.linger = 0;
    sock.maxMessageSize = 1024;
    sock.curveSecretKey = new Uint8Array(32) as Buffer;
    void sock.immediate;
  }
  // @ts-expect-error routerMandatory is ROUTER only
  ctx.socket("PUSH", { routerMandatory: true });
  // @ts-expect-error xpubVerbose is XPUB only
  ctx.socket("PUB", { xpubVerbose: true });
  // @ts-expect-error reqCorrelate is REQ only
  ctx.socket("DEALER", { reqCorrelate: true });
  // @ts-expect-error conflate is not for REP
  ctx.socket("REP", { conflate: true });
  // @ts-expect-error routingId is for REQ/REP/DEALER/ROUTER
  ctx.socket("SUB", { routingId: "x" });
  // @ts-expect-error not an option at all
  ctx.socket("PULL", { sendHwm: 5 });
  // @ts-expect-error ill-typed value
  ctx.socket("PULL", { linger: "0" });
  // @ts-expect-error unknown socket type
  ctx.socket("push");

  // OptionsOf names what a type takes; for a union, what every member takes.
  const routerOptions: OptionsOf<"ROUTER"> = { routerMandatory: true, linger: 0 };
  const eitherOptions: OptionsOf<"PUSH" | "DEALER"> = { conflate: true };
  // @ts-expect-error probeRouter is not for PUSH, so not for PUSH | DEALER
  const notBoth: OptionsOf<"PUSH" | "DEALER"> = { probeRouter: true };
  void [routerOptions, eitherOptions, notBoth];
}

function wideTypes(ctx: Context, type: SocketType, detached: DetachedSocket): void {
  // A type known only at run time: the full Socket, every call checked at run time.
  const any = ctx.socket(type, { routerMandatory: true });
  assertType<Equal<typeof any, Socket>>();
  void any.recv();
  // A union of literal types: the union of their views, narrowed by `type`.
  const either = ctx.socket(type === "SUB" ? "SUB" : "XSUB");
  assertType<Equal<typeof either, SubSocket | XSubSocket>>();
  either.subscribe("x");
  // @ts-expect-error a SUB cannot send, so SUB | XSUB cannot
  void either.send("x");
  if (either.type === "XSUB") void either.send("x");
  assertType<Equal<SocketOf<"PUB">, PubSocket>>();
  assertType<Equal<SocketOf<SocketType>, Socket>>();

  // detach/adopt keep the type.
  const push = ctx.socket("PUSH");
  const d = push.detach();
  assertType<Equal<typeof d, DetachedSocket<"PUSH">>>();
  const again = ctx.adopt(d);
  assertType<Equal<typeof again, PushSocket>>();
  const unknownType = ctx.adopt(detached);
  assertType<Equal<typeof unknownType, Socket>>();
}

/** Helpers that take any socket accept every typed one, and the runtime-checked Socket. */
function helperTypes(ctx: Context, full: Socket): void {
  const bindAll = (socks: BaseSocket[]): void => socks.forEach((s) => void s.bind("inproc://x"));
  const drain = (s: ReceivingSocket): unknown => s.tryRecv();
  const fill = (s: SendingSocket): unknown => s.trySend("x");
  bindAll([ctx.socket("PUSH"), ctx.socket("PULL"), ctx.socket("SUB"), ctx.socket("ROUTER"), full]);
  drain(ctx.socket("PULL"));
  drain(ctx.socket("DEALER"));
  drain(full);
  fill(ctx.socket("PUB"));
  fill(full);
  // @ts-expect-error a PUSH cannot be drained
  drain(ctx.socket("PUSH"));
  // @ts-expect-error a SUB cannot be filled
  fill(ctx.socket("SUB"));
}

function eventTypes(sock: BaseSocket): void {
  sock.events.on("disconnect", (e) => void e.error?.message);
  sock.events.on("handshake:error", (e) => {
    const reason: "protocol" | "auth" | "other" = e.reason;
    const message: string = e.error.message;
    void [reason, message];
  });
  sock.events.on("connect:delay", (e) => void e.error.message);
  // @ts-expect-error a bind event carries no error
  sock.events.on("bind", (e) => void e.error);
  // @ts-expect-error a handshake event carries no reason
  sock.events.on("handshake", (e) => void e.reason);
  // @ts-expect-error not an event name
  sock.events.on("connected", () => {});
  const listener = (e: SocketEvent): void => {
    // @ts-expect-error not every event has an error: narrow on `type` first
    void e.error;
    if (e.type === "handshake:error") void e.reason;
    if (e.type === "disconnect" || e.type === "close") void e.error;
  };
  sock.events.on("accept", listener);
  void (async () => {
    for await (const e of sock.events) {
      if (e.type === "bind:error") void e.error.message;
      // @ts-expect-error only some events carry an error
      else void e.error;
    }
  })();
}

describe("typed socket views", () => {
  let ctx: Context;
  beforeEach(() => {
    ctx = trackedContext({ blocky: false });
  });
  afterEach(() => closeAndTerm(ctx));

  it("compile-time checks are in this file (tsc refuses each @ts-expect-error that compiles)", () => {
    // Referenced so the compiler checks them; they never run.
    const checks = [pipelineTypes, pubsubTypes, requestReplyTypes, optionTypes, wideTypes, helperTypes, eventTypes];
    expect(checks).to.have.length(7);
  });

  it("every typed view is the one runtime Socket, and it refuses at run time what the types refuse", async () => {
    const push = ctx.socket("PUSH");
    const pull = ctx.socket("PULL");
    const sub = ctx.socket("SUB");
    expect(push).to.be.instanceOf(Socket);
    expect(pull).to.be.instanceOf(Socket);
    expect([push.type, pull.type, sub.type]).to.deep.equal(["PUSH", "PULL", "SUB"]);
    // What the types refuse, a JavaScript caller gets refused with ENOTSUP.
    const untyped = push as unknown as Socket;
    let code: string | undefined;
    try {
      await untyped.recv();
    } catch (err) {
      code = err instanceof ZocketError ? err.code : "not a ZocketError";
    }
    expect(code).to.equal("ENOTSUP");
    expect(() => (pull as unknown as Socket).subscribe("x")).to.throw(ZocketError).with.property("code", "ENOTSUP");
    // The typed views work end to end.
    const ep = `inproc://typed-${process.pid}`;
    await pull.bind(ep);
    push.connect(ep);
    await push.send(["hello", 42, null]);
    expect((await pull.recv()).map(String)).to.deep.equal(["hello", "42", ""]);
  });
});
