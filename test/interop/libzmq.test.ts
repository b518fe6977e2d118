/**
 * zocket against a real libzmq (4.3.x through zeromq.js), over tcp and ipc,
 * with either library binding and either library on either end of every
 * compatible pair of socket types.
 */
import { expect } from "chai";
import * as zmq from "zeromq";
import { Context } from "../../src/index.js";
import { rejects, rejectsWithCode } from "../support/assert.js";
import { nudging, peer, str, within, type Bytes, type Lib, type Peer } from "../support/peers.js";

const TRANSPORTS = { tcp: "tcp://127.0.0.1:*", ipc: "ipc://*" } as const;
type Transport = keyof typeof TRANSPORTS;

/** Both ends wired: `binder` binds, the other connects. */
async function wire(first: Peer, second: Peer, binder: "first" | "second", transport: Transport): Promise<void> {
  const [b, c] = binder === "first" ? [first, second] : [second, first];
  const ep = await b.bind(TRANSPORTS[transport]);
  c.connect(ep);
}

/**
 * Message `i` of a sequence: a text frame, an empty frame, a short binary frame
 * (every awkward byte) and a 300-byte frame (long size field on the wire).
 */
const BIN = Buffer.from([0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff, 0x00]);
function payload(i: number, tag = "m"): Bytes[] {
  return [`${tag}${i}`, "", Buffer.concat([BIN, Buffer.from([i & 0xff])]), Buffer.alloc(300, i & 0xff)];
}
/** Checks that `frames` (from `offset` on) are exactly payload(i, tag). */
function expectPayload(frames: Buffer[], i: number, tag = "m", offset = 0): void {
  const want = payload(i, tag).map((f) => Buffer.from(f));
  const got = frames.slice(offset);
  expect(got.length, `frames of ${tag}${i}`).to.equal(want.length);
  for (let k = 0; k < want.length; k++) expect(got[k]!.equals(want[k]!), `frame ${k} of ${tag}${i}`).to.equal(true);
}
const N = 25;

/** Sends until the receiver gets something (for PUB/SUB and ROUTER peers that must see the connection first). */
async function sendUntilReceived(send: () => Promise<void>, recv: () => Promise<Buffer[]>, tries = 100): Promise<Buffer[]> {
  let got: Buffer[] | null = null;
  const receiving = recv().then((m) => (got = m));
  for (let i = 0; i < tries && got === null; i++) {
    await send();
    await Promise.race([receiving, new Promise((r) => setTimeout(r, 20))]);
  }
  return within(receiving, 2000, "sendUntilReceived");
}

describe("interop with libzmq", function () {
  this.timeout(20000);
  let ctx: Context;
  const open: Peer[] = [];
  const make = (lib: Lib, type: Parameters<typeof peer>[2], options: Record<string, unknown> = {}): Peer => {
    const p = peer(lib, ctx, type, options);
    open.push(p);
    return p;
  };
  beforeEach(() => {
    ctx = new Context({ blocky: false });
  });
  afterEach(async () => {
    for (const p of open.splice(0)) p.close();
    await ctx.term();
  });

  for (const transport of ["tcp", "ipc"] as const) {
    for (const [a, b] of [
      ["zocket", "libzmq"],
      ["libzmq", "zocket"],
    ] as const) {
      for (const binder of ["first", "second"] as const) {
        const tag = `${a}→${b}, ${binder === "first" ? a : b} binds, ${transport}`;

        it(`PUSH→PULL multipart with empty and binary frames, in order (${tag})`, async () => {
          const push = make(a, "PUSH");
          const pull = make(b, "PULL");
          await wire(push, pull, binder, transport);
          const bin = Buffer.from([0, 1, 2, 255, 254, 0]);
          for (let i = 0; i < 200; i++) await push.send([String(i), "", bin]);
          for (let i = 0; i < 200; i++) {
            const m = await within(pull.recv(), 5000, "PULL.recv");
            expect(m.length).to.equal(3);
            expect(String(m[0])).to.equal(String(i));
            expect(m[1]!.length).to.equal(0);
            expect(m[2]!.equals(bin)).to.equal(true);
          }
        });

        it(`PAIR↔PAIR both ways, multipart in order (${tag})`, async () => {
          const p1 = make(a, "PAIR");
          const p2 = make(b, "PAIR");
          await wire(p1, p2, binder, transport);
          for (let i = 0; i < N; i++) await p1.send(payload(i, "ab"));
          for (let i = 0; i < N; i++) await p2.send(payload(i, "ba"));
          for (let i = 0; i < N; i++) expectPayload(await within(p2.recv(), 5000, "PAIR"), i, "ab");
          for (let i = 0; i < N; i++) expectPayload(await within(p1.recv(), 5000, "PAIR"), i, "ba");
        });

        it(`REQ→REP round trips, multipart (${tag})`, async () => {
          const req = make(a, "REQ");
          const rep = make(b, "REP");
          await wire(req, rep, binder, transport);
          for (let i = 0; i < N; i++) {
            await req.send(payload(i, "q"));
            expectPayload(await within(rep.recv(), 5000, "REP"), i, "q");
            await rep.send(payload(i, "a"));
            expectPayload(await within(req.recv(), 5000, "REQ"), i, "a");
          }
        });

        it(`REQ→ROUTER sees [identity, "", body...] and routes the reply (${tag})`, async () => {
          const req = make(a, "REQ", { routingId: "req-1" });
          const router = make(b, "ROUTER");
          await wire(req, router, binder, transport);
          for (let i = 0; i < N; i++) {
            await req.send(payload(i, "q"));
            const m = await within(router.recv(), 5000, "ROUTER");
            expect(str(m.slice(0, 2))).to.deep.equal(["req-1", ""]);
            expectPayload(m, i, "q", 2);
            await router.send([m[0]!, "", ...payload(i, "a")]);
            expectPayload(await within(req.recv(), 5000, "REQ"), i, "a");
          }
        });

        it(`REQ without a routing id: ROUTER makes up a 5-byte identity, [0, u32] (${tag})`, async () => {
          const req = make(a, "REQ");
          const router = make(b, "ROUTER");
          await wire(req, router, binder, transport);
          await req.send("anon");
          const m = await within(router.recv(), 5000, "ROUTER");
          expect(m.length).to.equal(3);
          expect(m[0]!.length).to.equal(5);
          expect(m[0]![0]).to.equal(0);
          await router.send([m[0]!, "", "ok"]);
          expect(str(await within(req.recv(), 5000, "REQ"))).to.deep.equal(["ok"]);
        });

        it(`DEALER→ROUTER identities both ways; DEALER→REP envelopes (${tag})`, async () => {
          const dealer = make(a, "DEALER", { routingId: "dealer-7" });
          const router = make(b, "ROUTER");
          await wire(dealer, router, binder, transport);
          for (let i = 0; i < N; i++) await dealer.send(payload(i, "d"));
          for (let i = 0; i < N; i++) {
            const m = await within(router.recv(), 5000, "ROUTER");
            expect(str(m.slice(0, 1))).to.deep.equal(["dealer-7"]);
            expectPayload(m, i, "d", 1);
          }
          for (let i = 0; i < N; i++) await router.send(["dealer-7", ...payload(i, "r")]);
          for (let i = 0; i < N; i++) expectPayload(await within(dealer.recv(), 5000, "DEALER"), i, "r");

          // REP keeps the whole envelope (every frame up to the empty delimiter) and sends it back.
          const d2 = make(a, "DEALER");
          const rep = make(b, "REP");
          await wire(d2, rep, binder, transport);
          for (let i = 0; i < N; i++) {
            await d2.send(["hop-2", Buffer.from([0, 0xff]), "", ...payload(i, "q")]);
            expectPayload(await within(rep.recv(), 5000, "REP"), i, "q");
            await rep.send(payload(i, "a"));
            const back = await within(d2.recv(), 5000, "DEALER");
            expect(str(back.slice(0, 1))).to.deep.equal(["hop-2"]);
            expect(back[1]!.equals(Buffer.from([0, 0xff]))).to.equal(true);
            expect(back[2]!.length).to.equal(0);
            expectPayload(back, i, "a", 3);
          }
        });

        it(`DEALER↔DEALER and ROUTER↔ROUTER (${tag})`, async () => {
          const d1 = make(a, "DEALER");
          const d2 = make(b, "DEALER");
          await wire(d1, d2, binder, transport);
          for (let i = 0; i < N; i++) await d1.send(payload(i, "to-d2"));
          for (let i = 0; i < N; i++) await d2.send(payload(i, "to-d1"));
          for (let i = 0; i < N; i++) expectPayload(await within(d2.recv(), 5000, "DEALER"), i, "to-d2");
          for (let i = 0; i < N; i++) expectPayload(await within(d1.recv(), 5000, "DEALER"), i, "to-d1");

          const r1 = make(a, "ROUTER", { routingId: "r1", routerMandatory: true });
          const r2 = make(b, "ROUTER", { routingId: "r2", routerMandatory: true });
          await wire(r1, r2, binder, transport);
          // The sender may not know the peer's identity until the handshake is done: retry EHOSTUNREACH.
          const m = await sendUntilReceived(
            () =>
              r1.send(["r2", "hi"]).catch((err: unknown) => {
                if ((err as { code?: unknown }).code !== "EHOSTUNREACH") throw err;
              }),
            () => r2.recv(),
          );
          expect(str(m)).to.deep.equal(["r1", "hi"]);
          for (let i = 0; i < N; i++) await r2.send(["r1", ...payload(i, "back")]);
          for (let i = 0; i < N; i++) {
            const got = await within(r1.recv(), 5000, "ROUTER");
            expect(str(got.slice(0, 1))).to.deep.equal(["r2"]);
            expectPayload(got, i, "back", 1);
          }
        });

        it(`PUB→SUB filters by prefix; unsubscribe stops delivery (${tag})`, async () => {
          const pub = make(a, "PUB");
          const sub = make(b, "SUB");
          sub.subscribe("news");
          await wire(pub, sub, binder, transport);
          const first = await sendUntilReceived(
            () => pub.send(["news.sport", "1"]),
            () => sub.recv(),
          );
          expect(str(first)[0]).to.equal("news.sport");
          await pub.send(["weather", "no"]);
          await pub.send(["new", "no: shorter than the prefix"]);
          await pub.send(["news.last", ...payload(1).slice(1)]);
          // Drain the retries of the first message, then the next non-retry must be news.last.
          let m = await within(sub.recv(), 5000, "SUB");
          while (String(m[0]) === "news.sport") m = await within(sub.recv(), 5000, "SUB");
          expect(String(m[0])).to.equal("news.last");
          expectPayload([Buffer.from("m1"), ...m.slice(1)], 1);

          // Cancel "news", subscribe "zz": once a "zz" arrives, the cancel (sent before it) is in
          // force at the publisher, and nothing on "news" may follow.
          sub.unsubscribe("news");
          sub.subscribe("zz");
          let i = 0;
          const gotZz = await sendUntilReceived(
            async () => {
              await pub.send(["news.after", String(i)]);
              await pub.send(["zz", String(i++)]);
            },
            async () => {
              for (let k = 0; k < 10000; k++) {
                const x = await sub.recv();
                if (String(x[0]) === "zz") return x;
              }
              throw new Error("no zz among 10000 messages");
            },
          );
          expect(String(gotZz[0])).to.equal("zz");
          await pub.send(["news.final", "must not arrive"]);
          await pub.send(["zz", "end"]);
          for (let k = 0; k < 1000; k++) {
            const x = str(await within(sub.recv(), 5000, "SUB after cancel"));
            expect(x[0]).to.equal("zz");
            if (x[1] === "end") break;
          }
        });

        it(`PUB→XSUB and XPUB→SUB deliver by the XSUB's subscription messages (${tag})`, async () => {
          const pub = make(a, "PUB");
          const xsub = make(b, "XSUB");
          await wire(pub, xsub, binder, transport);
          await xsub.send(Buffer.from("\x01a", "latin1"));
          const got = await sendUntilReceived(
            async () => {
              await pub.send(["b-no", "x"]);
              await pub.send(["a-yes", "y"]);
            },
            () => xsub.recv(),
          );
          expect(str(got)).to.deep.equal(["a-yes", "y"]);

          const xpub = make(a, "XPUB");
          const sub = make(b, "SUB");
          sub.subscribe("k");
          await wire(xpub, sub, binder, transport);
          // XPUB learns of the subscriber through its subscription message.
          expect((await nudging(xpub.recv(), [xpub, sub], 5000, "XPUB subscribe"))[0]!.toString("latin1")).to.equal("\x01k");
          await xpub.send(["j", "no"]);
          await xpub.send(["k1", ...payload(3).slice(1)]);
          const m = await within(sub.recv(), 5000, "SUB");
          expectPayload([Buffer.from("m3"), ...m.slice(1)], 3);
          expect(String(m[0])).to.equal("k1");
        });

        it(`XPUB sees SUB's subscribe and cancel; XSUB→XPUB subscription messages (${tag})`, async () => {
          const xpub = make(b, "XPUB");
          const sub = make(a, "SUB");
          await wire(sub, xpub, binder, transport);
          sub.subscribe("topic");
          const s = await nudging(xpub.recv(), [sub], 5000, "XPUB subscribe");
          expect(s[0]!.equals(Buffer.from("\x01topic", "latin1"))).to.equal(true);
          sub.unsubscribe("topic");
          const c = await nudging(xpub.recv(), [sub], 5000, "XPUB cancel");
          expect(c[0]!.equals(Buffer.from("\x00topic", "latin1"))).to.equal(true);

          const xsub = make(a, "XSUB");
          const xpub2 = make(b, "XPUB");
          await wire(xsub, xpub2, binder, transport);
          await xsub.send(Buffer.from("\x01t", "latin1"));
          expect((await nudging(xpub2.recv(), [xsub, xpub2], 5000, "XPUB"))[0]!.toString("latin1")).to.equal("\x01t");
          await xpub2.send(["t1", "payload"]);
          expect(str(await within(xsub.recv(), 5000, "XSUB"))).to.deep.equal(["t1", "payload"]);
          // XSUB's cancel message reaches XPUB as 0x00+topic, and filtering follows it.
          await xsub.send(Buffer.from("\x00t", "latin1"));
          expect((await nudging(xpub2.recv(), [xsub, xpub2], 5000, "XPUB cancel"))[0]!.toString("latin1")).to.equal("\x00t");
          await xsub.send(Buffer.from("\x01u", "latin1"));
          expect((await nudging(xpub2.recv(), [xsub, xpub2], 5000, "XPUB"))[0]!.toString("latin1")).to.equal("\x01u");
          await xpub2.send(["t2", "dropped"]);
          await xpub2.send(["u", "kept"]);
          expect(str(await within(xsub.recv(), 5000, "XSUB"))).to.deep.equal(["u", "kept"]);
        });
      }
    }

    it(`a 16 MiB frame each way (${transport})`, async () => {
      const big = Buffer.alloc(16 * 1024 * 1024);
      for (let i = 0; i < big.length; i += 4096) big[i] = i & 0xff;
      for (const [a, b] of [
        ["zocket", "libzmq"],
        ["libzmq", "zocket"],
      ] as const) {
        const push = make(a, "PUSH");
        const pull = make(b, "PULL");
        await wire(push, pull, "second", transport);
        await push.send(["head", big]);
        const m = await within(pull.recv(), 10000, "16 MiB");
        expect(String(m[0])).to.equal("head");
        expect(m[1]!.length).to.equal(big.length);
        expect(m[1]!.equals(big)).to.equal(true);
      }
    });

    it(`incompatible socket types are refused with handshake:error "protocol" (${transport})`, async () => {
      const pub = make("libzmq", "PUB");
      const ep = await pub.bind(TRANSPORTS[transport]);
      const push = ctx.socket("PUSH", { reconnectInterval: 50 });
      const err = new Promise<{ reason?: string }>((resolve) => push.events.on("handshake:error", resolve));
      push.connect(ep);
      expect((await within(err, 5000, "handshake:error")).reason).to.equal("protocol");
      push.close();
    });
  }

  it("reconnects after the libzmq peer restarts on the same port; queued messages arrive", async () => {
    let pull = make("libzmq", "PULL");
    const ep = await pull.bind("tcp://127.0.0.1:*");
    const push = ctx.socket("PUSH", { reconnectInterval: 20 });
    const disconnected = new Promise((r) => push.events.on("disconnect", r));
    push.connect(ep);
    await push.send("before");
    expect(str(await within(pull.recv(), 5000, "before"))).to.deep.equal(["before"]);
    pull.close();
    await within(disconnected, 5000, "disconnect");
    for (let i = 0; i < 10; i++) await push.send(`while-away-${i}`);
    pull = make("libzmq", "PULL");
    // The port was just freed; libzmq may need a moment to get it back.
    for (let i = 0; ; i++) {
      try {
        await pull.bind(ep);
        break;
      } catch (e) {
        // Only "the port is not free yet" is worth a retry.
        if (i > 50 || (e as { code?: unknown }).code !== "EADDRINUSE") throw e;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    for (let i = 0; i < 10; i++) expect(str(await within(pull.recv(), 5000, "after"))).to.deep.equal([`while-away-${i}`]);
    push.close();
  });

  it("heartbeats keep a quiet connection alive both ways (zocket PINGs libzmq and answers libzmq's)", async () => {
    const pull = make("libzmq", "PULL", { heartbeatInterval: 50, heartbeatTimeout: 200 });
    const ep = await pull.bind("tcp://127.0.0.1:*");
    const push = ctx.socket("PUSH", { heartbeatInterval: 50, heartbeatTimeout: 200 });
    let disconnects = 0;
    push.events.on("disconnect", () => disconnects++);
    const up = new Promise((r) => push.events.on("handshake", r));
    push.connect(ep);
    await within(up, 5000, "handshake");
    // Quiet for many heartbeat timeouts: neither side may drop the other.
    await new Promise((r) => setTimeout(r, 800));
    expect(disconnects).to.equal(0);
    await push.send("still here");
    expect(str(await within(pull.recv(), 5000, "after quiet"))).to.deep.equal(["still here"]);
    push.close();
  });

  describe("PLAIN with ZAP", () => {
    async function zocketZap(allow: (user: string, pass: string) => boolean): Promise<void> {
      const zap = ctx.socket("REP");
      open.push({ close: () => zap.close() } as Peer);
      await zap.bind("inproc://zeromq.zap.01");
      void (async () => {
        try {
          for await (const f of zap) {
            const [ver, id, , , , mech, user, pass] = f;
            const ok = String(mech) === "PLAIN" && allow(String(user), String(pass));
            await zap.send([ver!, id!, ok ? "200" : "400", ok ? "OK" : "denied", ok ? String(user) : "", ""]);
          }
        } catch (err) {
          // A reply cut short by the test closing the handler is cleanup; anything else is a failure.
          if (!zap.closed) throw err;
        }
      })();
    }

    for (const good of [true, false]) {
      it(`zocket PLAIN server with a zocket ZAP handler, libzmq client, ${good ? "good" : "bad"} credentials`, async () => {
        await zocketZap((u, p) => u === "admin" && p === "secret");
        const server = ctx.socket("PULL", { plainServer: true });
        open.push({ close: () => server.close() } as Peer);
        const failures: string[] = [];
        server.events.on("handshake:error", (e) => failures.push(e.reason ?? ""));
        const ep = await server.bind("tcp://127.0.0.1:*");
        const client = make("libzmq", "PUSH", { plainUsername: "admin", plainPassword: good ? "secret" : "wrong" });
        client.connect(ep);
        await client.send("secret payload");
        if (good) {
          expect(str(await within(server.recv(), 5000, "PLAIN good"))).to.deep.equal(["secret payload"]);
        } else {
          const deadline = Date.now() + 5000;
          while (failures.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
          expect(failures[0]).to.equal("auth");
          server.receiveTimeout = 200;
          await rejects(server.recv(), "EAGAIN");
        }
        server.close();
      });

      it(`libzmq PLAIN server with a libzmq ZAP handler, zocket client, ${good ? "good" : "bad"} credentials`, async () => {
        // A context of its own: libzmq frees an inproc name only once the closed socket is
        // reaped, so the previous test's handler may still hold it in the shared context.
        const context = new zmq.Context();
        const zap = new zmq.Reply({ context });
        await zap.bind("inproc://zeromq.zap.01");
        const serving = (async () => {
          try {
            for await (const f of zap) {
              const [ver, id, , , , , user, pass] = f;
              const ok = String(user) === "admin" && String(pass) === "secret";
              await zap.send([ver!, id!, ok ? "200" : "400", ok ? "OK" : "denied", ok ? "admin" : "", ""]);
            }
          } catch (err) {
            // A reply cut short by the test closing the handler is cleanup; anything else is a failure.
            if (!zap.closed) throw err;
          }
        })();
        const server = make("libzmq", "PULL", { context, plainServer: true, receiveTimeout: good ? 5000 : 500 });
        const ep = await server.bind("tcp://127.0.0.1:*");
        const client = ctx.socket("PUSH", { plainUsername: "admin", plainPassword: good ? "secret" : "nope" });
        open.push({ close: () => client.close() } as Peer, { close: () => zap.close() } as Peer);
        const failures: string[] = [];
        client.events.on("handshake:error", (e) => failures.push(e.reason ?? ""));
        client.connect(ep);
        await client.send("hello");
        if (good) {
          expect(str(await server.recv())).to.deep.equal(["hello"]);
        } else {
          const deadline = Date.now() + 5000;
          while (failures.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
          expect(failures[0]).to.equal("auth");
          // receiveTimeout 500: zeromq.js rejects with EAGAIN when nothing came.
          await rejectsWithCode(server.recv(), "EAGAIN");
        }
        client.close();
        zap.close();
        await serving;
      });
    }

    it("a zocket PLAIN server with no ZAP handler refuses (as libzmq does); credentials never show in errors", async () => {
      const server = ctx.socket("PULL", { plainServer: true });
      const errors: Error[] = [];
      server.events.on("handshake:error", (e) => errors.push(e.error!));
      const ep = await server.bind("tcp://127.0.0.1:*");
      const client = make("libzmq", "PUSH", { plainUsername: "user-xyz", plainPassword: "pw-very-secret" });
      client.connect(ep);
      await client.send("x");
      const deadline = Date.now() + 5000;
      while (errors.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(errors.length).to.be.greaterThan(0);
      for (const e of errors) {
        expect(e.message).to.not.include("pw-very-secret");
        expect(e.message).to.not.include("user-xyz");
      }
      server.close();
    });
  });

  it("monitor events: bind, accept, connect, handshake, disconnect, close", async () => {
    const pull = ctx.socket("PULL");
    const push = ctx.socket("PUSH");
    const seen: string[] = [];
    for (const s of [pull, push]) {
      for (const t of ["bind", "accept", "connect", "handshake", "disconnect", "close"] as const) {
        s.events.on(t, (e) => seen.push(`${s.type}:${t}:${e.address.startsWith("tcp://127.0.0.1:") ? "ok" : e.address}`));
      }
    }
    const ep = await pull.bind("tcp://127.0.0.1:*");
    const pushUp = new Promise((r) => push.events.on("handshake", r));
    push.connect(ep);
    await within(pushUp, 5000, "handshake");
    await push.send("m");
    await pull.recv();
    const down = new Promise((r) => push.events.on("disconnect", r));
    pull.close();
    await within(down, 5000, "disconnect");
    push.close();
    for (const e of ["PULL:bind:ok", "PULL:accept:ok", "PUSH:connect:ok", "PUSH:handshake:ok", "PULL:handshake:ok", "PUSH:disconnect:ok", "PULL:close:ok"]) {
      expect(seen).to.include(e);
    }
  });
});
