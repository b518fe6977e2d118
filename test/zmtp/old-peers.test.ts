/**
 * The engine with ZMTP 2.0 (RFC 15) and 1.0 (RFC 13) peers, without a
 * network: the exact bytes we send them, their streams split at every offset
 * and at random, cut anywhere, absurd sizes, identities, socket types, the
 * subscription forms, NULL only, and no heartbeats. The peers' bytes come
 * from the RFC encoders in test/support/old-zmtp.ts, not from src/zmtp.
 */
import { expect } from "chai";
import fc from "fast-check";
import { encodeCommand, encodeMetadata } from "../../src/zmtp/commands.js";
import { encodeGreeting } from "../../src/zmtp/greeting.js";
import { FRAME_COST } from "../../src/zmtp/decoder.js";
import { oldMessage, SIGNATURE, TYPE, v1Frame, v2Frame, v2Rest, type OldVersion } from "../support/old-zmtp.js";
import { drain, hex, latin, options, rec, type Rec } from "./harness.js";

const SEED = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : 20240611;

/** The bytes of an old PUSH-type peer: greeting (2.0, revision 0) or none (1.0), identity, messages. */
function oldStream(kind: OldVersion | "rev0", messages: readonly (readonly Buffer[])[], identity: Buffer = Buffer.alloc(0), type: number = TYPE.PUSH): Buffer {
  const framing: OldVersion = kind === "2.0" ? "2.0" : "1.0";
  const head = kind === "1.0" ? [] : [SIGNATURE, Buffer.from([kind === "2.0" ? 1 : 0, type])];
  return Buffer.concat([...head, oldMessage(framing, [identity]), ...messages.map((m) => oldMessage(framing, m))]);
}

const pattern = (n: number, seed: number): Buffer => {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) | 0;
    b[i] = seed >>> 24;
  }
  return b;
};
const MESSAGES: Buffer[][] = [
  [latin("hello")],
  [latin("multi"), Buffer.alloc(0), latin("part")],
  [Buffer.alloc(0)],
  [pattern(253, 1)], // 1.0: largest short size (253 + flags = 254)
  [pattern(254, 2)], // 1.0: smallest long size (254 + flags = 255)
  [pattern(255, 3)], // 2.0: largest short size
  [pattern(256, 4), latin("tail")], // 2.0: smallest long size
  [latin("a"), pattern(100 * 1024, 5)], // over the fill threshold
  [latin("last")],
];
const KINDS = ["2.0", "1.0", "rev0"] as const;
const strs = (r: Rec): string[][] => r.messages.map((m) => m.map((f) => f.toString("latin1")));
const same = (r: Rec, want: readonly (readonly Buffer[])[]): boolean =>
  r.messages.length === want.length && r.messages.every((m, i) => m.length === want[i]!.length && m.every((f, k) => f.equals(want[i]![k]!)));

describe("ZMTP engine: 2.0 and 1.0 peers", () => {
  describe("what we send", () => {
    it("2.0: signature, major 3 after the peer's signature, our socket type after its revision 1; identity and messages in 2.0 frames", () => {
      const r = rec(options("PUSH", { routingId: latin("me") }));
      r.conn.start();
      expect(drain(r).equals(hex("ff 0000000000000003 7f"))).to.equal(true);
      r.conn.receive(SIGNATURE);
      expect(drain(r).equals(hex("03"))).to.equal(true);
      r.conn.receive(v2Rest(TYPE.PULL));
      expect(drain(r).equals(Buffer.from([TYPE.PUSH, 0x00, 0x02, 0x6d, 0x65]))).to.equal(true);
      r.conn.receive(v2Frame(latin("peer"), false));
      expect(r.ready?.protocol).to.equal("2.0");
      expect(r.ready?.socketType).to.equal("PULL");
      expect(r.ready?.routingId.toString()).to.equal("peer");
      r.conn.sendMessage([latin("a"), Buffer.alloc(255, 1), Buffer.alloc(256, 2)]);
      r.conn.flush();
      expect(drain(r).equals(oldMessage("2.0", [latin("a"), Buffer.alloc(255, 1), Buffer.alloc(256, 2)]))).to.equal(true);
    });

    it("1.0: the signature was our identity message's header (size = identity + 1, flags 0x7F): its body follows; messages in RFC 13 frames", () => {
      const r = rec(options("PUSH", { routingId: latin("me") }));
      r.conn.start();
      drain(r);
      r.conn.receive(v1Frame(latin("peer"), false));
      expect(r.errors).to.deep.equal([]);
      expect(drain(r).equals(latin("me"))).to.equal(true);
      expect(r.ready?.protocol).to.equal("1.0");
      // No socket type on the wire: one we can talk to stands for it.
      expect(r.ready?.socketType).to.equal("PULL");
      r.conn.sendMessage([latin("a"), Buffer.alloc(253, 1), Buffer.alloc(254, 2)]);
      r.conn.flush();
      const wire = drain(r);
      expect(wire.equals(oldMessage("1.0", [latin("a"), Buffer.alloc(253, 1), Buffer.alloc(254, 2)]))).to.equal(true);
      expect(wire.subarray(0, 4).equals(hex("02 01 61 fe"))).to.equal(true);
    });

    it("revision 0 (a versioned peer with 1.0 framing): our type byte, then an identity frame in 1.0 framing; no type check", () => {
      const r = rec(options("PULL"));
      r.conn.start();
      drain(r);
      r.conn.receive(Buffer.concat([SIGNATURE, Buffer.from([0, 99]), v1Frame(Buffer.alloc(0), false), v1Frame(latin("x"), false)]));
      expect(r.errors).to.deep.equal([]);
      expect(drain(r).equals(Buffer.from([3, TYPE.PULL, 0x01, 0x00]))).to.equal(true);
      expect(r.ready?.protocol).to.equal("1.0");
      expect(strs(r)).to.deep.equal([["x"]]);
    });
  });

  describe("reading their streams", () => {
    for (const kind of KINDS) {
      const stream = oldStream(kind, MESSAGES, latin("peer-id"));
      it(`${kind}: the stream split in two at every offset (a stride inside the big frame) decodes identically`, function () {
        this.timeout(60000);
        const big = stream.indexOf(pattern(100 * 1024, 5).subarray(0, 32));
        for (let at = 0; at <= stream.length; at += at > big + 64 && at < stream.length - 64 ? 997 : 1) {
          const r = rec(options("PULL"), false);
          r.conn.start();
          r.conn.receive(stream.subarray(0, at));
          r.conn.receive(stream.subarray(at));
          if (r.errors.length > 0 || !same(r, MESSAGES)) expect.fail(`split at ${at}: ${r.errors[0]?.message ?? "messages differ"}`);
          expect(r.ready?.routingId.toString()).to.equal("peer-id");
        }
      });

      it(`${kind}: random splits (fast-check) decode identically; cut anywhere, a prefix of whole messages and no failure`, () => {
        fc.assert(
          fc.property(fc.array(fc.integer({ min: 1, max: 4096 }), { minLength: 1, maxLength: 20 }), fc.nat(), (sizes, cutSeed) => {
            const r = rec(options("PULL"), false);
            r.conn.start();
            for (let at = 0, i = 0; at < stream.length; i++) {
              const n = sizes[i % sizes.length]!;
              r.conn.receive(stream.subarray(at, at + n));
              at += n;
            }
            expect(r.errors).to.deep.equal([]);
            expect(same(r, MESSAGES)).to.equal(true);
            const cut = cutSeed % (stream.length + 1);
            const c = rec(options("PULL"), false);
            c.conn.start();
            c.conn.receive(stream.subarray(0, cut));
            expect(c.errors).to.deep.equal([]);
            const whole = MESSAGES.filter((_, i) => oldStream(kind, MESSAGES.slice(0, i + 1), latin("peer-id")).length <= cut);
            expect(same(c, whole)).to.equal(true);
          }),
          { numRuns: 200, seed: SEED },
        );
      });
    }

    it("the identity is the first frame alone, whatever its MORE flag (as libzmq reads it)", () => {
      const r = rec(options("ROUTER"));
      r.conn.start();
      r.conn.receive(Buffer.concat([v1Frame(latin("id"), true), v1Frame(latin("x"), false)]));
      expect(r.ready?.routingId.toString()).to.equal("id");
      expect(strs(r)).to.deep.equal([["x"]]);
    });
  });

  describe("hostile streams", () => {
    const u64 = (n: bigint): Buffer => {
      const b = Buffer.alloc(8);
      b.writeBigUInt64BE(n);
      return b;
    };
    const v2Head = Buffer.concat([SIGNATURE, v2Rest(TYPE.PUSH), v2Frame(Buffer.alloc(0), false)]);
    const v1Head = v1Frame(Buffer.alloc(0), false);
    const cases: [string, Buffer, string][] = [
      ["2.0: a frame claiming 2^63 bytes", Buffer.concat([v2Head, hex("02"), u64(1n << 63n)]), "size"],
      ["2.0: a frame claiming 2^53+1 bytes", Buffer.concat([v2Head, hex("02"), u64((1n << 53n) + 1n)]), "size"],
      ["2.0: the COMMAND flag", Buffer.concat([v2Head, hex("04")]), "protocol"],
      ["2.0: reserved bit 7", Buffer.concat([v2Head, hex("80")]), "protocol"],
      ["2.0: an identity of 256 bytes", Buffer.concat([SIGNATURE, v2Rest(TYPE.PUSH), hex("02"), u64(256n)]), "protocol"],
      ["2.0: an incompatible type (PUB)", Buffer.concat([SIGNATURE, v2Rest(TYPE.PUB)]), "protocol"],
      ["2.0: an unknown type (11)", Buffer.concat([SIGNATURE, v2Rest(11)]), "protocol"],
      ["1.0: a frame claiming 2^63 bytes", Buffer.concat([v1Head, hex("ff"), u64(1n << 63n)]), "size"],
      ["1.0: a frame claiming 2^64-1 bytes", Buffer.concat([v1Head, hex("ff"), u64((1n << 64n) - 1n)]), "size"],
      ["1.0: size 0", Buffer.concat([v1Head, hex("00")]), "protocol"],
      ["1.0: an 8-byte size 0", Buffer.concat([v1Head, hex("ff"), u64(0n)]), "protocol"],
      ["1.0: reserved flag bits", Buffer.concat([v1Head, hex("02 02")]), "protocol"],
      ["1.0: an identity of 255 bytes + flags in the long form", Buffer.concat([hex("ff"), u64(257n), hex("00")]), "protocol"],
    ];
    for (const [name, bytes, kind] of cases) {
      it(`${name}: fails once (${kind}) from the header alone, byte by byte too, delivering nothing`, () => {
        for (const split of [false, true]) {
          const r = rec(options("PULL", { maxMessageSize: 1 << 20 }));
          r.conn.start();
          if (split) for (const b of bytes) r.conn.receive(Buffer.from([b]));
          else r.conn.receive(bytes);
          expect(r.errors.map((e) => e.kind)).to.deep.equal([kind]);
          expect(r.messages).to.deep.equal([]);
        }
      });
    }

    for (const v of ["2.0", "1.0"] as const) {
      it(`${v}: maxMessageSize counts the whole message (bodies + FRAME_COST per frame after the first); one byte more fails (size)`, () => {
        const max = 1000;
        const fits = [Buffer.alloc(500), Buffer.alloc(500 - FRAME_COST)];
        const r = rec(options("PULL", { maxMessageSize: max }));
        r.conn.start();
        r.conn.receive(oldStream(v, [fits]));
        expect(r.messages.length).to.equal(1);
        const over = rec(options("PULL", { maxMessageSize: max }));
        over.conn.start();
        over.conn.receive(oldStream(v, [[Buffer.alloc(500), Buffer.alloc(501 - FRAME_COST)]]));
        expect(over.errors.map((e) => e.kind)).to.deep.equal(["size"]);
        expect(over.messages).to.deep.equal([]);
      });
    }

    it("a ROUTER refuses an old peer claiming a routing id that starts with a zero byte", () => {
      const r = rec(options("ROUTER"));
      r.conn.start();
      r.conn.receive(Buffer.concat([SIGNATURE, v2Rest(TYPE.DEALER), v2Frame(hex("00 01 02 03 04"), false)]));
      expect(r.errors.map((e) => e.kind)).to.deep.equal(["protocol"]);
      expect(r.ready).to.equal(null);
    });
  });

  describe("semantics", () => {
    it("PLAIN and CURVE sockets refuse 2.0 and 1.0 peers (protocol) before sending them anything more", () => {
      for (const mechanism of ["PLAIN", "CURVE"] as const) {
        for (const bytes of [Buffer.concat([SIGNATURE, v2Rest(TYPE.PUSH)]), v1Frame(Buffer.alloc(0), false)]) {
          const r = rec(options("PULL", { mechanism, asServer: true }));
          r.conn.start();
          drain(r);
          r.conn.receive(bytes);
          expect(r.errors.map((e) => e.kind)).to.deep.equal(["protocol"]);
          expect(r.errors[0]!.message).to.match(/needs ZMTP 3/);
          // At most our major version (sent on the signature, before the revision said 2.0).
          expect(drain(r).length).to.be.at.most(1);
        }
      }
    });

    it("subscriptions go to a 2.0 PUB as messages (0x01/0x00 + topic); a 2.0 SUB's subscription messages arrive as messages", () => {
      const sub = rec(options("SUB"));
      sub.conn.start();
      sub.conn.receive(Buffer.concat([SIGNATURE, v2Rest(TYPE.PUB), v2Frame(Buffer.alloc(0), false)]));
      drain(sub);
      sub.conn.sendSubscribe(latin("A"), true);
      sub.conn.sendSubscribe(latin("A"), false);
      sub.conn.flush();
      expect(drain(sub).equals(hex("00 02 01 41 00 02 00 41"))).to.equal(true);
      const pub = rec(options("PUB"));
      pub.conn.start();
      pub.conn.receive(oldStream("2.0", [[hex("01 41")]], Buffer.alloc(0), TYPE.SUB));
      expect(pub.events.filter((e) => e.t === "sub")).to.deep.equal([]);
      expect(pub.messages.map((m) => m[0]!.toString("hex"))).to.deep.equal(["0141"]);
    });

    it("a PUB subscribes a 1.0 peer (which sends no subscriptions) to everything, as libzmq does; a 2.0 peer is not", () => {
      for (const [stream, subscribed] of [
        [oldStream("1.0", []), true],
        [oldStream("2.0", [], Buffer.alloc(0), TYPE.SUB), false],
      ] as const) {
        const r = rec(options("PUB"));
        r.conn.start();
        r.conn.receive(stream);
        expect(r.errors).to.deep.equal([]);
        const subs = r.events.filter((e) => e.t === "sub");
        expect(subs.length).to.equal(subscribed ? 1 : 0);
        if (subscribed) expect(subs[0]).to.deep.include({ topic: Buffer.alloc(0), on: true });
      }
    });

    it("heartbeats: a 2.0, 1.0 or 3.0 peer is never PINGed nor dropped for silence; a 3.1 peer is", async () => {
      const hb = { heartbeatInterval: 10, heartbeatTimeout: 30 };
      const g30 = encodeGreeting("NULL", false);
      g30[11] = 0;
      const ready = encodeCommand("READY", encodeMetadata([["Socket-Type", latin("PUSH")]]));
      const g31 = encodeGreeting("NULL", false);
      const peers: [string, Buffer, boolean][] = [
        ["2.0", oldStream("2.0", []), false],
        ["1.0", oldStream("1.0", []), false],
        ["3.0", Buffer.concat([g30, ready]), false],
        ["3.1", Buffer.concat([g31, ready]), true],
      ];
      const recs = peers.map(([, bytes]) => {
        const r = rec(options("PULL", hb));
        r.conn.start();
        r.conn.receive(bytes);
        drain(r);
        return r;
      });
      await new Promise((resolve) => setTimeout(resolve, 150));
      peers.forEach(([name, , pinged], i) => {
        const r = recs[i]!;
        const sent = drain(r);
        expect(sent.includes(latin("PING")), `${name} PINGed`).to.equal(pinged);
        expect(r.errors.length, `${name} dropped`).to.equal(pinged ? 1 : 0);
        r.conn.close();
      });
    });

    it("a 3.0 peer that PINGs us (libzmq 4.2 to 4.3.2 announce 3.0) has PING/PONG: from then on it is PINGed and held to the timeout", async () => {
      const g30 = encodeGreeting("NULL", false);
      g30[11] = 0;
      const r = rec(options("PULL", { heartbeatInterval: 10, heartbeatTimeout: 30 }));
      r.conn.start();
      r.conn.receive(Buffer.concat([g30, encodeCommand("READY", encodeMetadata([["Socket-Type", latin("PUSH")]]))]));
      drain(r);
      await new Promise((resolve) => setTimeout(resolve, 40));
      expect(drain(r).includes(latin("PING")), "PINGed before it PINGed").to.equal(false);
      r.conn.receive(encodeCommand("PING", hex("0000")));
      expect(drain(r).equals(encodeCommand("PONG"))).to.equal(true);
      await r.failure;
      expect(drain(r).includes(latin("PING")), "PINGed after it PINGed").to.equal(true);
      expect(r.errors.map((e) => e.kind)).to.deep.equal(["other"]);
    });

    it("handshakeInterval: a 2.0 peer that never sends its identity fails (other) after the interval", async () => {
      const r = rec(options("PULL", { handshakeInterval: 30 }));
      r.conn.start();
      r.conn.receive(Buffer.concat([SIGNATURE, v2Rest(TYPE.PUSH)]));
      const e = await r.failure;
      expect(e.kind).to.equal("other");
      expect(r.ready).to.equal(null);
    });
  });
});
