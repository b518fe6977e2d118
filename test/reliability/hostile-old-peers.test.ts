/**
 * Raw ZMTP 1.0 (RFC 13) and 2.0 (RFC 15) peers over tcp, scripted from the
 * RFCs in test/support/old-zmtp.ts, against zocket sockets:
 *  - every pattern both ways (PUSH/PULL, REQ/REP, DEALER/ROUTER with
 *    identities, PUB/SUB with a filter), a 4 MiB multipart message each way,
 *    reconnect to a restarted old peer; the peers write in random pieces;
 *  - hostile old peers: absurd sizes, identities over 255 bytes, reserved
 *    flags, a socket type that does not fit, streams cut mid-frame: each
 *    costs only its connection, nothing partial or forged is delivered, and
 *    the socket serves a good peer afterwards.
 */
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import net from "node:net";
import { Context, type BaseSocket as Socket, type SocketType, type SocketEvent } from "../../src/index.js";
import { closeAndTerm, trackedContext } from "../support/context.js";
import { OldPeer, oldServer, SIGNATURE, TYPE, v1Frame, v2Frame, v2Rest, type OldVersion } from "../support/old-zmtp.js";
import { str, within } from "../support/peers.js";

const portOf = (ep: string): number => Number(ep.slice(ep.lastIndexOf(":") + 1));
const latin = (s: string): Buffer => Buffer.from(s, "latin1");

function nextEvent(s: Socket, type: SocketEvent["type"]): Promise<SocketEvent> {
  return new Promise((resolve) => {
    const fn = (e: SocketEvent): void => {
      s.events.off(type, fn);
      resolve(e);
    };
    s.events.on(type, fn);
  });
}

const VERSIONS: OldVersion[] = ["2.0", "1.0"];

describe("old peers (ZMTP 2.0 and 1.0, scripted from the RFCs) over tcp", function () {
  this.timeout(30000);
  let ctx: Context;
  const raw: OldPeer[] = [];
  const servers: net.Server[] = [];
  beforeEach(() => {
    ctx = trackedContext({ blocky: false });
  });
  afterEach(async () => {
    for (const p of raw.splice(0)) p.close();
    for (const s of servers.splice(0)) s.close();
    await closeAndTerm(ctx);
  });
  const connect = async (ep: string, version: OldVersion, type: number, identity?: string): Promise<OldPeer> => {
    const p = await OldPeer.connect(portOf(ep), version, type, identity === undefined ? undefined : latin(identity));
    raw.push(p);
    return p;
  };

  for (const v of VERSIONS) {
    describe(`ZMTP ${v}`, () => {
      it("raw PUSH → zocket PULL: 200 multipart messages written in random pieces arrive whole, in order", async () => {
        const pull = ctx.socket("PULL", { receiveTimeout: 5000 });
        const p = await connect(await pull.bind("tcp://127.0.0.1:*"), v, TYPE.PUSH);
        for (let i = 0; i < 200; i++) p.send(["m", String(i), Buffer.alloc(i % 3 === 0 ? 300 : 0, i)], 4);
        for (let i = 0; i < 200; i++) {
          const m = await pull.recv();
          expect(str(m.slice(0, 2))).to.deep.equal(["m", String(i)]);
          expect(m[2]!.equals(Buffer.alloc(i % 3 === 0 ? 300 : 0, i))).to.equal(true);
        }
      });

      it("zocket PUSH → raw PULL: the old framing on the wire (long sizes included), our identity first", async () => {
        // libzmq sends any socket's routing id to old peers; the types keep routingId to the types that use it.
        const push = ctx.socket("PUSH" as SocketType, { routingId: "pusher" });
        const p = await connect(await push.bind("tcp://127.0.0.1:*"), v, TYPE.PULL);
        for (let i = 0; i < 50; i++) await push.send(["m", String(i), Buffer.alloc(i === 7 ? 254 : i === 8 ? 255 : i, 1)]);
        for (let i = 0; i < 50; i++) {
          const m = await p.next();
          expect(str(m.slice(0, 2))).to.deep.equal(["m", String(i)]);
          expect(m[2]!.length).to.equal(i === 7 ? 254 : i === 8 ? 255 : i);
        }
        expect(p.reader.identity?.toString()).to.equal("pusher");
        if (v === "2.0") expect(p.reader.greeting!.subarray(10).equals(Buffer.from([3, TYPE.PUSH]))).to.equal(true);
      });

      it("raw REQ → zocket REP and zocket REQ → raw REP: envelopes kept", async () => {
        const rep = ctx.socket("REP", { receiveTimeout: 5000 });
        const req = await connect(await rep.bind("tcp://127.0.0.1:*"), v, TYPE.REQ);
        for (let i = 0; i < 20; i++) {
          req.send(["", "q", String(i)], 3);
          expect(str(await rep.recv())).to.deep.equal(["q", String(i)]);
          await rep.send(["a", String(i)]);
          expect(str(await req.next())).to.deep.equal(["", "a", String(i)]);
        }
        const srv = await oldServer(v, TYPE.REP);
        servers.push(srv.server);
        const zreq = ctx.socket("REQ", { receiveTimeout: 5000 });
        zreq.connect(`tcp://127.0.0.1:${srv.port}`);
        const orep = await srv.accepted(0);
        for (let i = 0; i < 20; i++) {
          await zreq.send(["z", String(i)]);
          const m = await orep.next();
          expect(str(m)).to.deep.equal(["", "z", String(i)]);
          orep.send(["", "back", String(i)], 2);
          expect(str(await zreq.recv())).to.deep.equal(["back", String(i)]);
        }
      });

      it("raw DEALER (identity old-1) → zocket ROUTER routes by it; zocket DEALER's routingId reaches a raw ROUTER", async () => {
        const router = ctx.socket("ROUTER", { receiveTimeout: 5000, routerMandatory: true });
        const dealer = await connect(await router.bind("tcp://127.0.0.1:*"), v, TYPE.DEALER, "old-1");
        dealer.send(["hello"]);
        expect(str(await router.recv())).to.deep.equal(["old-1", "hello"]);
        await router.send(["old-1", "to you"]);
        expect(str(await dealer.next())).to.deep.equal(["to you"]);

        const srv = await oldServer(v, TYPE.ROUTER);
        servers.push(srv.server);
        const zdealer = ctx.socket("DEALER", { routingId: "zock-1", receiveTimeout: 5000 });
        zdealer.connect(`tcp://127.0.0.1:${srv.port}`);
        const orouter = await srv.accepted(0);
        await zdealer.send(["hi"]);
        expect(str(await orouter.next())).to.deep.equal(["hi"]);
        expect(orouter.reader.identity?.toString()).to.equal("zock-1");
        orouter.send(["reply"]);
        expect(str(await zdealer.recv())).to.deep.equal(["reply"]);
      });

      it("zocket PUB → raw SUB with a filter; raw PUB → zocket SUB subscribed to a prefix", async () => {
        const pub = ctx.socket("PUB");
        const sub = await connect(await pub.bind("tcp://127.0.0.1:*"), v, TYPE.SUB);
        // A 2.0 SUB sends its subscription as a message; a 1.0 peer sends none and is sent everything (as libzmq does).
        if (v === "2.0") sub.send([Buffer.concat([Buffer.from([1]), latin("A")])]);
        let first: Buffer[] | null = null;
        const getting = sub.next(8000).then((m) => (first = m));
        for (let i = 0; i < 200 && first === null; i++) {
          await pub.send(`B${i}`);
          await pub.send(`A${i}`);
          await Promise.race([getting, new Promise((r) => setTimeout(r, 10))]);
        }
        await getting;
        const got = [first!, ...sub.reader.messages.slice(1)].map((m) => m[0]!.toString());
        if (v === "2.0") for (const m of got) expect(m).to.match(/^A\d+$/);
        else expect(got.some((m) => m.startsWith("B")) || got.length >= 1).to.equal(true);

        const zsub = ctx.socket("SUB", { receiveTimeout: 5000 });
        zsub.subscribe("A");
        const srv = await oldServer(v, TYPE.PUB);
        servers.push(srv.server);
        zsub.connect(`tcp://127.0.0.1:${srv.port}`);
        const opub = await srv.accepted(0);
        // zocket's subscription reaches the old PUB as a message: 0x01 + topic.
        expect((await opub.next()).map((f) => f.toString("hex"))).to.deep.equal(["0141"]);
        for (let i = 0; i < 10; i++) opub.send([`B${i}`, "x"], 2), opub.send([`A${i}`, "y"], 2);
        for (let i = 0; i < 10; i++) expect(str(await zsub.recv())).to.deep.equal([`A${i}`, "y"]);
      });

      it("a 4 MiB multipart message each way", async () => {
        const big = [randomBytes(1 << 20), randomBytes(1 << 20), randomBytes(1 << 20), randomBytes(1 << 20)];
        const pull = ctx.socket("PULL", { receiveTimeout: 10000 });
        const push = await connect(await pull.bind("tcp://127.0.0.1:*"), v, TYPE.PUSH);
        push.send(big);
        const got = await pull.recv();
        expect(got.length).to.equal(4);
        got.forEach((f, i) => expect(f.equals(big[i]!), `frame ${i}`).to.equal(true));
        const zpush = ctx.socket("PUSH");
        const opull = await connect(await zpush.bind("tcp://127.0.0.1:*"), v, TYPE.PULL);
        await zpush.send(big);
        const back = await opull.next(10000);
        expect(back.length).to.equal(4);
        back.forEach((f, i) => expect(f.equals(big[i]!), `frame ${i} back`).to.equal(true));
      });

      it("reconnect: zocket PUSH reconnects to a restarted old PULL; what was queued meanwhile arrives", async () => {
        const srv = await oldServer(v, TYPE.PULL);
        servers.push(srv.server);
        const push = ctx.socket("PUSH", { reconnectInterval: 30 });
        push.connect(`tcp://127.0.0.1:${srv.port}`);
        const first = await srv.accepted(0);
        await push.send("one");
        expect(str(await first.next())).to.deep.equal(["one"]);
        const gone = nextEvent(push, "disconnect");
        srv.server.close();
        first.close();
        await within(gone, 5000, "disconnect");
        for (let i = 0; i < 3; i++) await push.send(["queued", String(i)]);
        const again = await oldServer(v, TYPE.PULL, undefined, srv.port);
        servers.push(again.server);
        const second = await again.accepted(0);
        for (let i = 0; i < 3; i++) expect(str(await second.next())).to.deep.equal(["queued", String(i)]);
      });
    });
  }

  describe("hostile old peers", () => {
    const u64 = (n: bigint): Buffer => {
      const b = Buffer.alloc(8);
      b.writeBigUInt64BE(n);
      return b;
    };
    const v2Head = Buffer.concat([SIGNATURE, v2Rest(TYPE.PUSH), v2Frame(Buffer.alloc(0), false)]);
    const v1Head = v1Frame(Buffer.alloc(0), false);
    const cases: [string, Buffer][] = [
      ["2.0: a frame claiming 2^63 bytes", Buffer.concat([v2Head, Buffer.from([2]), u64(1n << 63n)])],
      ["2.0: a frame claiming 2^53+1 bytes", Buffer.concat([v2Head, Buffer.from([2]), u64((1n << 53n) + 1n)])],
      ["2.0: a frame over maxMessageSize", Buffer.concat([v2Head, Buffer.from([2]), u64(1n << 21n)])],
      ["2.0: an identity over 255 bytes", Buffer.concat([SIGNATURE, v2Rest(TYPE.PUSH), v2Frame(Buffer.alloc(256, 1), false)])],
      ["2.0: the COMMAND flag (no commands in 2.0)", Buffer.concat([v2Head, Buffer.from([4, 5]), latin("\x04PING")])],
      ["2.0: reserved flag bits", Buffer.concat([v2Head, Buffer.from([0x80, 1, 0])])],
      ["2.0: a PULL talking to our PULL", Buffer.concat([SIGNATURE, v2Rest(TYPE.PULL), v2Frame(Buffer.alloc(0), false)])],
      ["2.0: socket type 200", Buffer.concat([SIGNATURE, v2Rest(200)])],
      ["1.0: a frame claiming 2^63 bytes", Buffer.concat([v1Head, Buffer.from([0xff]), u64(1n << 63n), Buffer.from([0])])],
      ["1.0: a frame over maxMessageSize", Buffer.concat([v1Head, Buffer.from([0xff]), u64(1n << 21n), Buffer.from([0])])],
      ["1.0: a frame of size 0", Buffer.concat([v1Head, Buffer.from([0])])],
      ["1.0: an 8-byte size of 0", Buffer.concat([v1Head, Buffer.from([0xff]), u64(0n)])],
      ["1.0: an identity over 255 bytes", v1Frame(Buffer.alloc(300, 1), false)],
      ["1.0: reserved flag bits", Buffer.concat([v1Head, Buffer.from([2, 0x40, 0x41])])],
    ];

    it("each costs only its connection (closed fast, nothing delivered); cut-off streams deliver nothing partial; a good 2.0 and 1.0 peer are served after", async () => {
      const pull = ctx.socket("PULL", { maxMessageSize: 1 << 20, receiveTimeout: 5000, handshakeInterval: 2000 });
      const ep = await pull.bind("tcp://127.0.0.1:*");
      const port = portOf(ep);
      const closedWithin = (bytes: Buffer, pieces: number): Promise<number> =>
        new Promise((resolve) => {
          const s = net.connect({ host: "127.0.0.1", port });
          const t0 = Date.now();
          s.on("error", () => {});
          // Read (and drop) what zocket sends, or its close is never seen.
          s.resume();
          const t = setTimeout(() => {
            s.destroy();
            resolve(Infinity);
          }, 5000);
          s.on("connect", () => {
            // Random splits: every hostile stream arrives in `pieces` writes.
            let at = 0;
            for (let i = 1; i < pieces && at < bytes.length; i++) {
              const n = 1 + Math.floor(Math.random() * Math.max(1, bytes.length - at - 1));
              s.write(bytes.subarray(at, at + n));
              at += n;
            }
            s.write(bytes.subarray(at));
          });
          s.on("close", () => {
            clearTimeout(t);
            resolve(Date.now() - t0);
          });
        });
      for (const [name, bytes] of cases) {
        const ms = await closedWithin(bytes, 1 + Math.floor(Math.random() * 4));
        expect(ms, `${name}: closed by zocket`).to.be.below(1500);
      }
      // Streams cut mid-frame, then closed by the peer: nothing partial arrives.
      for (const v of VERSIONS) {
        const p = await connect(ep, v, TYPE.PUSH);
        p.send(["whole"]);
        const frame = v === "2.0" ? v2Frame(Buffer.alloc(1000, 7), true) : v1Frame(Buffer.alloc(1000, 7), true);
        p.write(frame.subarray(0, 500));
        expect(str(await pull.recv())).to.deep.equal(["whole"]);
        p.socket.end();
      }
      await new Promise((r) => setTimeout(r, 200));
      pull.receiveTimeout = 300;
      let extra = 0;
      for (let i = 0; i < 10; i++) {
        try {
          await pull.recv();
          extra++;
        } catch {
          break;
        }
      }
      expect(extra, "messages delivered from hostile or cut-off streams").to.equal(0);
      for (const v of VERSIONS) {
        const good = await connect(ep, v, TYPE.PUSH);
        good.send(["good", v], 3);
        pull.receiveTimeout = 5000;
        expect(str(await pull.recv())).to.deep.equal(["good", v]);
      }
    });
  });
});
