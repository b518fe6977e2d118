/**
 * zocket against a real ZMTP 2.0 implementation: JeroMQ 0.3.6 (Debian's
 * libjeromq-java) in a child JVM, over tcp, each side binding in turn:
 * PUSH/PULL both ways, REQ/REP both ways, DEALER/ROUTER with identities both
 * ways, PUB/SUB with a filter both ways, a 4 MiB multipart message each way,
 * reconnect after the JeroMQ process is killed and restarted, an
 * incompatible pair refused, and heartbeats that never drop the quiet 2.0
 * peer. Skipped, with the reason, where the jar, java or javac is missing.
 */
import { expect } from "chai";
import { Context, type BaseSocket as Socket, type SocketEvent } from "../../src/index.js";
import { closeAndTerm, trackedContext } from "../support/context.js";
import { describe as described, freePort, JeroPeer, jeromqSetup, jeromqVersion, msg, type JeromqSetup } from "../support/jeromq.js";
import { str, within } from "../support/peers.js";

const FIGURES: string[] = [];
const figure = (line: string): void => {
  FIGURES.push(line);
};

function nextEvent(s: Socket, type: SocketEvent["type"]): Promise<SocketEvent> {
  return new Promise((resolve) => {
    const fn = (e: SocketEvent): void => {
      s.events.off(type, fn);
      resolve(e);
    };
    s.events.on(type, fn);
  });
}

const tcp = (port: number): string => `tcp://127.0.0.1:${port}`;

describe("interop with JeroMQ 0.3.6 (ZMTP 2.0)", function () {
  this.timeout(60000);
  let setup: JeromqSetup;
  let ctx: Context;
  const peers: JeroPeer[] = [];
  const java = async (mode: string, ep: string, how: "bind" | "connect", ...args: (string | number)[]): Promise<JeroPeer> => {
    const p = await JeroPeer.start(setup, mode, ep, how, ...args);
    peers.push(p);
    return p;
  };

  before(function () {
    const s = jeromqSetup();
    if (typeof s === "string") {
      // eslint-disable-next-line no-console
      console.log(`      (JeroMQ tests skipped: ${s})`);
      this.skip();
    }
    setup = s as JeromqSetup;
    figure(`JeroMQ ${jeromqVersion(setup)} (${setup.jar})`);
  });
  after(() => {
    // eslint-disable-next-line no-console
    if (FIGURES.length > 0) console.log(FIGURES.map((f) => `      ${f}`).join("\n"));
  });
  beforeEach(() => {
    ctx = trackedContext({ blocky: false });
  });
  afterEach(async () => {
    await Promise.all(peers.splice(0).map((p) => p.stop()));
    await closeAndTerm(ctx);
  });

  describe("PUSH/PULL", () => {
    it("zocket PUSH (binds) → JeroMQ PULL: 1,000 messages in order", async () => {
      const push = ctx.socket("PUSH");
      const ep = await push.bind("tcp://127.0.0.1:*");
      const pull = await java("pull", ep, "connect", 1000);
      const t0 = Date.now();
      for (let i = 0; i < 1000; i++) await push.send(["push", String(i)]);
      const got = await pull.received(1000, 20000, "JeroMQ PULL");
      expect(got).to.deep.equal(Array.from({ length: 1000 }, (_, i) => msg("push", String(i))));
      figure(`PUSH zocket→JeroMQ: 1,000 messages in ${Date.now() - t0} ms`);
    });

    it("JeroMQ PUSH (binds) → zocket PULL: 1,000 messages in order", async () => {
      const port = await freePort();
      const pull = ctx.socket("PULL", { receiveTimeout: 20000 });
      const push = await java("push", tcp(port), "bind", 1000);
      const t0 = Date.now();
      pull.connect(tcp(port));
      for (let i = 0; i < 1000; i++) expect(str(await pull.recv())).to.deep.equal(["push", String(i)]);
      figure(`PUSH JeroMQ→zocket: 1,000 messages in ${Date.now() - t0} ms`);
      // Its own count (its stdout may trail what reached us over tcp).
      await push.waitFor((l) => l === "SENT 1000", 5000, "JeroMQ SENT 1000");
    });
  });

  describe("REQ/REP", () => {
    it("zocket REQ → JeroMQ REP (binds): 200 round trips, multipart", async () => {
      const port = await freePort();
      const rep = await java("rep", tcp(port), "bind");
      const req = ctx.socket("REQ", { receiveTimeout: 10000 });
      req.connect(tcp(port));
      const t0 = Date.now();
      for (let i = 0; i < 200; i++) {
        await req.send(["q", String(i), ""]);
        expect(str(await req.recv())).to.deep.equal(["q", String(i), ""]);
      }
      figure(`REQ zocket→JeroMQ REP: 200 round trips in ${Date.now() - t0} ms`);
      expect(rep.messages[0]).to.equal(msg("q", "0", ""));
    });

    it("JeroMQ REQ → zocket REP (binds): 200 round trips", async () => {
      const rep = ctx.socket("REP", { receiveTimeout: 20000 });
      const ep = await rep.bind("tcp://127.0.0.1:*");
      const req = await java("req", ep, "connect", 200);
      for (let i = 0; i < 200; i++) {
        const m = await rep.recv();
        expect(str(m)).to.deep.equal(["req", String(i)]);
        await rep.send(["rep", String(i)]);
      }
      const got = await req.received(200, 10000, "JeroMQ REQ replies");
      expect(got).to.deep.equal(Array.from({ length: 200 }, (_, i) => msg("rep", String(i))));
    });
  });

  describe("DEALER/ROUTER with identities", () => {
    it("JeroMQ DEALER (identity jero-1) → zocket ROUTER (binds): the ROUTER sees the identity and routes replies by it", async () => {
      const router = ctx.socket("ROUTER", { receiveTimeout: 20000, routerMandatory: true });
      const ep = await router.bind("tcp://127.0.0.1:*");
      const dealer = await java("dealer", ep, "connect", "jero-1", 50);
      for (let i = 0; i < 50; i++) {
        const m = await router.recv();
        expect(str(m)).to.deep.equal(["jero-1", "dealer", String(i)]);
        await router.send(["jero-1", "reply", String(i)]);
      }
      expect(await dealer.received(50, 10000, "JeroMQ DEALER replies")).to.deep.equal(Array.from({ length: 50 }, (_, i) => msg("reply", String(i))));
    });

    it("zocket DEALER (routingId zock-1) → JeroMQ ROUTER (binds): JeroMQ sees our identity and replies to it", async () => {
      const port = await freePort();
      const router = await java("router", tcp(port), "bind");
      const dealer = ctx.socket("DEALER", { routingId: "zock-1", receiveTimeout: 10000 });
      dealer.connect(tcp(port));
      for (let i = 0; i < 50; i++) await dealer.send(["d", String(i)]);
      for (let i = 0; i < 50; i++) expect(str(await dealer.recv())).to.deep.equal(["ack", "d", String(i)]);
      expect(router.messages[0]).to.equal(msg("zock-1", "d", "0"));
    });
  });

  describe("PUB/SUB with a filter", () => {
    it("zocket PUB (binds) → JeroMQ SUB filtering \"A-\": only A- messages arrive (the subscription crosses ZMTP 2.0 as a message)", async () => {
      const pub = ctx.socket("PUB");
      const ep = await pub.bind("tcp://127.0.0.1:*");
      const sub = await java("sub", ep, "connect", "A-", 50);
      // Publish until 50 arrived (the SUB's subscription must reach us first), bounded in count and time.
      let i = 0;
      const deadline = Date.now() + 20000;
      while (sub.messages.length < 50 && i < 100_000 && Date.now() < deadline) {
        await pub.send(`A-${i}`);
        await pub.send(`B-${i}`);
        i++;
        if (i % 20 === 0) await new Promise((r) => setTimeout(r, 5));
      }
      const got = await sub.received(50, 5000, "JeroMQ SUB");
      for (const m of got) expect(Buffer.from(m.slice(4), "hex").toString("latin1")).to.match(/^A-\d+$/);
      figure(`PUB zocket→JeroMQ SUB "A-": 50 of ${i} A-/B- pairs received, all A-`);
    });

    it("JeroMQ PUB (binds) → zocket SUB subscribed to \"B-\": only B- messages arrive", async () => {
      const port = await freePort();
      await java("pub", tcp(port), "bind");
      const sub = ctx.socket("SUB", { receiveTimeout: 20000 });
      sub.subscribe("B-");
      sub.connect(tcp(port));
      for (let i = 0; i < 50; i++) expect(str(await sub.recv())[0]).to.match(/^B-\d+$/);
    });
  });

  describe("4 MiB multipart", () => {
    const FRAME = 1024 * 1024;
    const frames = (): Buffer[] =>
      Array.from({ length: 4 }, (_, f) => {
        const b = Buffer.allocUnsafe(FRAME);
        for (let i = 0; i < FRAME; i++) b[i] = (i * 7 + f) & 0xff;
        return b;
      });

    it("JeroMQ → zocket and zocket → JeroMQ: 4 × 1 MiB frames arrive whole", async () => {
      const want = frames();
      const pull = ctx.socket("PULL", { receiveTimeout: 20000 });
      const ep = await pull.bind("tcp://127.0.0.1:*");
      let t0 = Date.now();
      await java("bigpush", ep, "connect", 4, FRAME);
      const got = await pull.recv();
      const inMs = Date.now() - t0;
      expect(got.length).to.equal(4);
      for (let f = 0; f < 4; f++) expect(got[f]!.equals(want[f]!), `frame ${f}`).to.equal(true);

      const push = ctx.socket("PUSH");
      const ep2 = await push.bind("tcp://127.0.0.1:*");
      const jpull = await java("pull", ep2, "connect", 1);
      t0 = Date.now();
      await push.send(want);
      expect(await jpull.received(1, 20000, "JeroMQ PULL 4 MiB")).to.deep.equal([described(want)]);
      figure(`4 MiB multipart: JeroMQ→zocket ${inMs} ms (JVM start included), zocket→JeroMQ ${Date.now() - t0} ms`);
    });
  });

  describe("reconnect", () => {
    it("zocket PULL reconnects to a JeroMQ PUSH that was killed and restarted on the same port", async () => {
      const port = await freePort();
      const pull = ctx.socket("PULL", { receiveTimeout: 20000, reconnectInterval: 50 });
      let first = await java("push", tcp(port), "bind", 10);
      const disconnected = nextEvent(pull, "disconnect");
      pull.connect(tcp(port));
      for (let i = 0; i < 10; i++) expect(str(await pull.recv())).to.deep.equal(["push", String(i)]);
      await first.kill();
      peers.splice(peers.indexOf(first), 1);
      await within(disconnected, 5000, "disconnect");
      const handshake = nextEvent(pull, "handshake");
      first = await java("push", tcp(port), "bind", 10);
      await within(handshake, 10000, "handshake again");
      for (let i = 0; i < 10; i++) expect(str(await pull.recv())).to.deep.equal(["push", String(i)]);
    });

    it("zocket PUSH's queue survives a JeroMQ PULL being killed: what is sent while it is away arrives after its restart", async () => {
      const port = await freePort();
      const push = ctx.socket("PUSH", { reconnectInterval: 50 });
      const first = await java("pull", tcp(port), "bind", 1);
      push.connect(tcp(port));
      await push.send(["before"]);
      expect(await first.received(1, 10000, "first PULL")).to.deep.equal([msg("before")]);
      const disconnected = nextEvent(push, "disconnect");
      await first.kill();
      peers.splice(peers.indexOf(first), 1);
      await within(disconnected, 5000, "disconnect");
      for (let i = 0; i < 5; i++) await push.send(["while-away", String(i)]);
      const second = await java("pull", tcp(port), "bind", 5);
      expect(await second.received(5, 15000, "second PULL")).to.deep.equal(Array.from({ length: 5 }, (_, i) => msg("while-away", String(i))));
    });
  });

  describe("the ZMTP 2.0 handshake", () => {
    it("an incompatible JeroMQ peer (PUB for our PUSH) is refused from its socket-type byte: handshake:error protocol", async () => {
      const port = await freePort();
      await java("pub", tcp(port), "bind");
      const push = ctx.socket("PUSH");
      const failed = nextEvent(push, "handshake:error");
      push.connect(tcp(port));
      const e = await within(failed, 10000, "handshake:error");
      expect(e.type === "handshake:error" && e.reason).to.equal("protocol");
    });

    it("heartbeats: a quiet JeroMQ peer is neither PINGed nor dropped (heartbeatInterval 50, timeout 150; 1 s quiet)", async () => {
      const pull = ctx.socket("PULL", { receiveTimeout: 10000, heartbeatInterval: 50, heartbeatTimeout: 150 });
      const ep = await pull.bind("tcp://127.0.0.1:*");
      let disconnects = 0;
      pull.events.on("disconnect", () => disconnects++);
      const handshake = nextEvent(pull, "handshake");
      const push = await java("push", ep, "connect", 1);
      await within(handshake, 10000, "handshake");
      expect(str(await pull.recv())).to.deep.equal(["push", "0"]);
      await new Promise((r) => setTimeout(r, 1000));
      expect(disconnects).to.equal(0);
      expect(push.lines.filter((l) => l !== "READY" && !l.startsWith("SENT"))).to.deep.equal([]);
    });

    it("a socket set up for PLAIN refuses the JeroMQ 2.0 peer (no mechanisms before ZMTP 3.0)", async () => {
      const pull = ctx.socket("PULL", { plainServer: true });
      const ep = await pull.bind("tcp://127.0.0.1:*");
      const failed = nextEvent(pull, "handshake:error");
      await java("push", ep, "connect", 1);
      const e = await within(failed, 10000, "handshake:error");
      expect(e.type === "handshake:error" && e.reason).to.equal("protocol");
    });
  });
});
