/**
 * Readiness (ZMQ_EVENTS) checked against libzmq itself: zeromq.js exposes
 * libzmq's POLLIN/POLLOUT as `readable`/`writable`, zocket as the same
 * getters. 1. Every type, fresh and unconnected (ROUTER with and without
 * routerMandatory). 2. The REQ/REP turn sequence over tcp, each library with
 * itself, recorded step by step: the records must be equal.
 */
import { expect } from "chai";
import * as zmq from "zeromq";
import { Context, type SocketType } from "../../src/index.js";
import { sleep, withTimeout } from "../support/threads.js";

const ZMQ: Record<SocketType, new (o?: object) => zmq.Socket> = {
  PAIR: zmq.Pair, PUB: zmq.Publisher, SUB: zmq.Subscriber, XPUB: zmq.XPublisher, XSUB: zmq.XSubscriber,
  REQ: zmq.Request, REP: zmq.Reply, DEALER: zmq.Dealer, ROUTER: zmq.Router, PUSH: zmq.Push, PULL: zmq.Pull,
};

interface Side {
  readonly readable: boolean;
  readonly writable: boolean;
  send(m: string): Promise<void>;
  recv(): Promise<Buffer[]>;
  close(): void;
}

const flags = (s: { readonly readable: boolean; readonly writable: boolean }): string => `${s.readable ? "r" : "-"}${s.writable ? "w" : "-"}`;

/** libzmq has no readiness event to await from JavaScript: look again every 2 ms, for at most 3 s. */
async function until(s: Side, what: "readable" | "writable"): Promise<void> {
  for (let i = 0; i < 1500 && !s[what]; i++) await sleep(2);
  expect(s[what], what).to.equal(true);
}

describe("readiness against libzmq (zeromq.js readable/writable)", function () {
  let ctx: Context;
  beforeEach(() => (ctx = new Context({ blocky: false })));
  afterEach(() => ctx.term());

  it("every type, fresh and unconnected: the same POLLIN/POLLOUT as libzmq", () => {
    const types = Object.keys(ZMQ) as SocketType[];
    const ours: string[] = [];
    const theirs: string[] = [];
    for (const type of types) {
      const z = ctx.socket(type);
      const l = new ZMQ[type]({ linger: 0 });
      ours.push(`${type} ${flags(z)}`);
      theirs.push(`${type} ${flags(l)}`);
      z.close();
      l.close();
    }
    const zm = ctx.socket("ROUTER", { routerMandatory: true });
    const lm = new zmq.Router({ linger: 0, mandatory: true });
    ours.push(`mandatory ROUTER ${flags(zm)}`);
    theirs.push(`mandatory ROUTER ${flags(lm)}`);
    zm.close();
    lm.close();
    expect(ours).to.deep.equal(theirs);
  });

  it("REQ/REP turns over tcp: the same states at every step as libzmq", async () => {
    async function record(lib: "zocket" | "libzmq"): Promise<string[]> {
      let req: Side;
      let rep: Side;
      if (lib === "zocket") {
        const zrep = ctx.socket("REP");
        const zreq = ctx.socket("REQ");
        zreq.connect(await zrep.bind("tcp://127.0.0.1:*"));
        rep = zrep;
        req = zreq;
      } else {
        const lrep = new zmq.Reply({ linger: 0 });
        const lreq = new zmq.Request({ linger: 0 });
        await lrep.bind("tcp://127.0.0.1:*");
        lreq.connect(lrep.lastEndpoint!);
        rep = { get readable() { return lrep.readable; }, get writable() { return lrep.writable; }, send: (m) => lrep.send(m), recv: () => lrep.receive(), close: () => lrep.close() };
        req = { get readable() { return lreq.readable; }, get writable() { return lreq.writable; }, send: (m) => lreq.send(m), recv: () => lreq.receive(), close: () => lreq.close() };
      }
      const log: string[] = [];
      // After a send, the other side's state depends on how fast the wire is: record the sender only.
      const step = (what: string, only?: "REQ" | "REP"): void => {
        log.push(`${what}:${only !== "REP" ? ` REQ ${flags(req)}` : ""}${only !== "REQ" ? ` REP ${flags(rep)}` : ""}`);
      };
      try {
        await until(req, "writable");
        step("connected");
        await req.send("q");
        step("request sent", "REQ");
        await until(rep, "readable");
        step("request arrived");
        await withTimeout(rep.recv(), 3000, "rep.recv");
        step("request taken");
        await rep.send("a");
        step("reply sent", "REP");
        await until(req, "readable");
        step("reply arrived");
        await withTimeout(req.recv(), 3000, "req.recv");
        step("reply taken");
      } finally {
        req.close();
        rep.close();
      }
      return log;
    }
    const ours = await record("zocket");
    const theirs = await record("libzmq");
    expect(ours).to.deep.equal(theirs);
  });
});
