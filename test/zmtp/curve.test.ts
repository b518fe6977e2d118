/**
 * The CURVE mechanism (RFC 25/26) in the transport-free engine: two
 * ZmtpConnections back to back, their bytes inspected, cut, replayed and
 * tampered with. Interop with libzmq and hostile peers over real sockets are
 * in test/interop/curve.test.ts and test/reliability/hostile-curve.test.ts.
 */
import { expect } from "chai";
import { boxKeyPair, type KeyPair } from "../../src/crypto/box.js";
import { encodeCommand } from "../../src/zmtp/commands.js";
import { encodeGreeting } from "../../src/zmtp/greeting.js";
import { COOKIE_KEY_LIFETIME, cookieKeys } from "../../src/zmtp/curve.js";
import type { ZapReply, ZapRequest } from "../../src/zmtp/mechanism.js";
import type { SocketTypeName } from "../../src/socket-type.js";
import { afterGreeting, drain, latin, options, pump, rec, tick, type Rec } from "./harness.js";

const server = boxKeyPair();
const client = boxKeyPair();

function curveServer(type: SocketTypeName, auth?: (req: ZapRequest) => Promise<ZapReply>, extra: Parameters<typeof options>[1] = {}): Rec {
  return rec(options(type, { mechanism: "CURVE", asServer: true, curveSecretKey: server.secretKey, zapAuthenticate: auth, ...extra }));
}

function curveClient(type: SocketTypeName, keys: KeyPair = client, serverKey: Buffer = server.publicKey, extra: Parameters<typeof options>[1] = {}): Rec {
  return rec(options(type, { mechanism: "CURVE", curvePublicKey: keys.publicKey, curveSecretKey: keys.secretKey, curveServerKey: serverKey, ...extra }));
}

async function handshake(c: Rec, s: Rec): Promise<void> {
  c.conn.start();
  s.conn.start();
  for (let i = 0; i < 10; i++) {
    pump(c, s);
    await tick();
  }
}

/** Frames of a byte stream after the 64-byte greeting: [flags, body]. */
function frames(b: Buffer): [number, Buffer][] {
  const out: [number, Buffer][] = [];
  let at = 64;
  while (at < b.length) {
    const flags = b[at]!;
    const long = (flags & 2) !== 0;
    const size = long ? Number(b.readBigUInt64BE(at + 1)) : b[at + 1]!;
    at += long ? 9 : 2;
    out.push([flags, b.subarray(at, at + size)]);
    at += size;
  }
  return out;
}

const strs = (r: Rec) => r.messages.map((m) => m.map((f) => f.toString("latin1")));

/** Sends `msgs` from `from`, returns the bytes it wrote (not delivered). */
function written(from: Rec, msgs: Buffer[][]): Buffer[] {
  for (const m of msgs) from.conn.sendMessage(m);
  from.conn.flush();
  return from.out.splice(0);
}

describe("ZMTP engine: CURVE", () => {
  it("a client and a server complete the handshake; messages flow both ways, multipart and empty frames included", async () => {
    const c = curveClient("DEALER", client, server.publicKey, { routingId: latin("dealer-1") });
    const s = curveServer("ROUTER");
    await handshake(c, s);
    expect(c.ready?.socketType).to.equal("ROUTER");
    expect(s.ready?.socketType).to.equal("DEALER");
    expect(s.ready?.routingId.toString()).to.equal("dealer-1");
    c.conn.sendMessage([latin("m1"), Buffer.alloc(0), latin("m3")]);
    c.conn.sendMessage([Buffer.alloc(100_000, 0x41)]);
    c.conn.flush();
    s.conn.sendMessage([latin("back")]);
    s.conn.flush();
    pump(c, s);
    expect(strs(s)[0]).to.deep.equal(["m1", "", "m3"]);
    expect(s.messages[1]![0]!.equals(Buffer.alloc(100_000, 0x41))).to.equal(true);
    expect(strs(c)).to.deep.equal([["back"]]);
    expect([...c.errors, ...s.errors]).to.deep.equal([]);
  });

  it("the wire: HELLO 200 bytes (version 1.0, 72 zero bytes, C'), WELCOME 168, INITIATE ≥ 257, READY ≥ 30; then only MESSAGE data frames, nonces counting up", async () => {
    const c = curveClient("PUSH");
    const s = curveServer("PULL");
    c.conn.start();
    s.conn.start();
    // start() sends the signature; the rest of the greeting follows the peer's (version.ts).
    expect(drain(c).equals(encodeGreeting("CURVE", false).subarray(0, 10))).to.equal(true);
    expect(drain(s).equals(encodeGreeting("CURVE", true).subarray(0, 10))).to.equal(true);
    const log: Buffer[] = [];
    c.onWrite = (b) => log.push(...b);
    s.conn.receive(encodeGreeting("CURVE", false));
    expect(afterGreeting(drain(s)).length).to.equal(0);
    c.conn.receive(encodeGreeting("CURVE", true));
    const hello = frames(Buffer.concat([Buffer.alloc(64), afterGreeting(Buffer.concat(log.splice(0)))]))[0]!;
    expect(hello[0]).to.equal(4);
    expect(hello[1].length).to.equal(200);
    expect(hello[1].subarray(0, 8).equals(Buffer.concat([Buffer.from([5]), latin("HELLO"), Buffer.from([1, 0])]))).to.equal(true);
    expect(hello[1].subarray(8, 80).equals(Buffer.alloc(72))).to.equal(true);
    expect(hello[1].readBigUInt64BE(112)).to.equal(1n);
    s.conn.receive(Buffer.concat([frameOf(hello)]));
    const welcome = frames(Buffer.concat([Buffer.alloc(64), ...s.out.splice(0)]))[0]!;
    expect(welcome[1].length).to.equal(168);
    expect(welcome[1].subarray(0, 8).toString("latin1")).to.equal("\x07WELCOME");
    c.conn.receive(frameOf(welcome));
    const initiate = frames(Buffer.concat([Buffer.alloc(64), ...log.splice(0)]))[0]!;
    expect(initiate[1].length).to.be.at.least(257);
    expect(initiate[1].subarray(0, 9).toString("latin1")).to.equal("\x08INITIATE");
    expect(initiate[1].readBigUInt64BE(105)).to.equal(2n);
    s.conn.receive(frameOf(initiate));
    await tick();
    const ready = frames(Buffer.concat([Buffer.alloc(64), ...s.out.splice(0)]))[0]!;
    expect(ready[1].length).to.be.at.least(30);
    expect(ready[1].subarray(0, 6).toString("latin1")).to.equal("\x05READY");
    expect(ready[1].readBigUInt64BE(6)).to.equal(1n);
    c.conn.receive(frameOf(ready));
    c.out.splice(0);
    expect(c.ready?.socketType).to.equal("PULL");
    expect(s.ready?.socketType).to.equal("PUSH");
    const out = Buffer.concat([Buffer.alloc(64), ...written(c, [[latin("a"), latin("bb")], [latin("ccc")]])]);
    const sealed = frames(out);
    expect(sealed.map(([f]) => f)).to.deep.equal([0, 0, 0]);
    expect(sealed.map(([, b]) => b.subarray(0, 8).toString("latin1"))).to.deep.equal(["\x07MESSAGE", "\x07MESSAGE", "\x07MESSAGE"]);
    expect(sealed.map(([, b]) => b.readBigUInt64BE(8))).to.deep.equal([3n, 4n, 5n]);
    // 8 + 8 + 16 + 1 bytes of overhead, and the payload nowhere in clear.
    expect(sealed.map(([, b]) => b.length)).to.deep.equal([34, 35, 36]);
    expect(out.includes(latin("ccc"))).to.equal(false);
    s.conn.receive(out.subarray(64));
    expect(strs(s)).to.deep.equal([["a", "bb"], ["ccc"]]);
  });

  it("a MESSAGE is accepted in a command frame too (RFC 25 calls it a command; libzmq sends data frames)", async () => {
    const c = curveClient("PUSH");
    const s = curveServer("PULL");
    await handshake(c, s);
    const wire = frames(Buffer.concat([Buffer.alloc(64), ...written(c, [[latin("as"), latin("commands")]])]));
    for (const [, body] of wire) s.conn.receive(frameOf([4, body]));
    expect(strs(s)).to.deep.equal([["as", "commands"]]);
    expect(s.errors).to.deep.equal([]);
  });

  it("the whole conversation fed one byte at a time (and in 7-byte pieces) works the same", async () => {
    for (const piece of [1, 7]) {
      const c = curveClient("REQ");
      const s = curveServer("REP");
      c.conn.start();
      s.conn.start();
      for (let i = 0; i < 10; i++) {
        for (const b of c.out.splice(0)) for (let k = 0; k < b.length; k += piece) s.conn.receive(b.subarray(k, k + piece));
        for (const b of s.out.splice(0)) for (let k = 0; k < b.length; k += piece) c.conn.receive(b.subarray(k, k + piece));
        await tick();
      }
      expect(s.ready?.socketType, `piece ${piece}`).to.equal("REQ");
      const bytes = Buffer.concat(written(c, [[Buffer.alloc(0), latin("req")]]));
      for (let k = 0; k < bytes.length; k += piece) s.conn.receive(bytes.subarray(k, k + piece));
      expect(strs(s)).to.deep.equal([["", "req"]]);
    }
  });

  it("commands after the handshake are sealed too (SUBSCRIBE, PING/PONG)", async () => {
    const c = curveClient("XSUB", client, server.publicKey, { heartbeatInterval: 20 });
    const s = curveServer("XPUB");
    await handshake(c, s);
    c.conn.sendSubscribe(latin("topic"), true);
    c.conn.flush();
    const out = c.out.splice(0);
    expect(Buffer.concat(out).includes(latin("SUBSCRIBE"))).to.equal(false);
    const subs: string[] = [];
    for (const b of out) s.conn.receive(b);
    for (const e of s.events) if (e.t === "sub") subs.push(`${e.on}:${e.topic.toString()}`);
    expect(subs).to.deep.equal(["true:topic"]);
    // A PING goes out within the interval, sealed, and the server answers it (sealed PONG).
    await new Promise((r) => setTimeout(r, 60));
    const pings = c.out.splice(0);
    expect(pings.length).to.be.greaterThan(0);
    expect(Buffer.concat(pings).includes(latin("PING"))).to.equal(false);
    for (const b of pings) s.conn.receive(b);
    expect(s.errors).to.deep.equal([]);
    expect(Buffer.concat(s.out.splice(0)).includes(latin("PONG"))).to.equal(false);
    c.conn.close();
    s.conn.close();
  });

  it("a client with another server key is refused at HELLO; nothing is delivered", async () => {
    const other = boxKeyPair();
    const c = curveClient("PUSH", client, other.publicKey);
    const s = curveServer("PULL");
    await handshake(c, s);
    expect(s.errors.map((e) => [e.kind, e.code])).to.deep.equal([["protocol", "EPROTO"]]);
    expect(s.errors[0]!.message).to.match(/HELLO does not open/);
    expect(s.ready).to.equal(null);
    expect(c.ready).to.equal(null);
  });

  it("ZAP: asked with mechanism CURVE and the client's public key; 200 admits with its user id, others refuse on both sides", async () => {
    const asked: ZapRequest[] = [];
    const c = curveClient("DEALER");
    const s = curveServer("ROUTER", async (req) => {
      asked.push(req);
      return { statusCode: "200", statusText: "OK", userId: "alice" };
    });
    await handshake(c, s);
    expect(asked.map((r) => [r.mechanism, r.credentials.length])).to.deep.equal([["CURVE", 1]]);
    expect(asked[0]!.credentials[0]!.equals(client.publicKey)).to.equal(true);
    expect(s.ready?.userId).to.equal("alice");
    for (const code of ["300", "400", "500"]) {
      const c2 = curveClient("DEALER");
      const s2 = curveServer("ROUTER", async () => ({ statusCode: code, statusText: "no", userId: "" }));
      await handshake(c2, s2);
      expect(s2.errors.map((e) => e.kind), code).to.deep.equal(["auth"]);
      expect(c2.errors.map((e) => e.kind), code).to.deep.equal(["auth"]);
      expect(c2.ready).to.equal(null);
    }
  });

  it("ZAP: with no handler bound (unbound) the client is admitted; a handler that fails refuses", async () => {
    const c = curveClient("PUSH");
    const s = curveServer("PULL", async () => ({ statusCode: "500", statusText: "no ZAP handler", userId: "", unbound: true }));
    await handshake(c, s);
    expect(s.ready?.socketType).to.equal("PUSH");
    const c2 = curveClient("PUSH");
    const s2 = curveServer("PULL", async () => Promise.reject(new Error("boom")));
    await handshake(c2, s2);
    expect(s2.errors.map((e) => e.kind)).to.deep.equal(["auth"]);
  });

  it("missing or mismatched keys fail the handshake with a protocol error that names the options", async () => {
    const noKeys = rec(options("PUSH", { mechanism: "CURVE", curveServerKey: server.publicKey }));
    noKeys.conn.start();
    noKeys.conn.receive(encodeGreeting("CURVE", true));
    expect(noKeys.errors[0]?.message).to.match(/curvePublicKey and curveSecretKey/);
    const mismatched = rec(options("PUSH", { mechanism: "CURVE", curveServerKey: server.publicKey, curvePublicKey: server.publicKey, curveSecretKey: client.secretKey }));
    mismatched.conn.start();
    mismatched.conn.receive(encodeGreeting("CURVE", true));
    expect(mismatched.errors[0]?.message).to.match(/not the public key of curveSecretKey/);
    const noSecret = rec(options("PULL", { mechanism: "CURVE", asServer: true }));
    noSecret.conn.start();
    noSecret.conn.receive(encodeGreeting("CURVE", false));
    expect(noSecret.errors[0]?.message).to.match(/needs curveSecretKey/);
  });

  describe("a sealed stream that was tampered with ends the connection and delivers nothing", () => {
    async function ready(): Promise<{ c: Rec; s: Rec }> {
      const c = curveClient("PUSH");
      const s = curveServer("PULL");
      await handshake(c, s);
      expect(s.ready).to.not.equal(null);
      return { c, s };
    }

    it("any flipped bit of a MESSAGE frame (header, nonce, tag, ciphertext)", async () => {
      const { c } = await ready();
      const bytes = Buffer.concat(written(c, [[latin("first"), latin("second")]]));
      // Every bit of the second frame, on a fresh server each time would cost a handshake each: sample every byte, bit (byte % 8).
      for (let i = 2; i < bytes.length; i++) {
        if (i === bytes[1]! + 2 || i === bytes[1]! + 3) continue; // the second frame's own header
        const { c: c2, s: s2 } = await ready();
        const copy = Buffer.concat(written(c2, [[latin("first"), latin("second")]]));
        copy[i]! ^= 1 << (i % 8);
        s2.conn.receive(copy);
        expect(s2.messages, `byte ${i}`).to.deep.equal([]);
        expect(s2.errors.length, `byte ${i}`).to.equal(1);
      }
    });

    it("a replayed MESSAGE, and two delivered out of order", async () => {
      const { c, s } = await ready();
      const [one] = written(c, [[latin("one")]]);
      s.conn.receive(one!);
      s.conn.receive(one!);
      expect(strs(s)).to.deep.equal([["one"]]);
      expect(s.errors.map((e) => e.message)).to.deep.equal(["CURVE MESSAGE nonce not above the last one (replayed or reordered)"]);
      const p = await ready();
      const a = written(p.c, [[latin("a")]]);
      const b = written(p.c, [[latin("b")]]);
      p.s.conn.receive(b[0]!);
      p.s.conn.receive(a[0]!);
      expect(strs(p.s)).to.deep.equal([["b"]]);
      expect(p.s.errors.length).to.equal(1);
    });

    it("a plaintext command or data frame after the handshake", async () => {
      for (const raw of [encodeCommand("PING", Buffer.from([0, 0])), Buffer.from([0, 3, 0x61, 0x62, 0x63])]) {
        const { s } = await ready();
        s.conn.receive(raw);
        expect(s.messages).to.deep.equal([]);
        expect(s.errors.map((e) => e.kind)).to.deep.equal(["protocol"]);
      }
    });

    it("an INITIATE replayed on another connection (same HELLO replayed too) is refused", async () => {
      // Record a client's side of one handshake.
      const c = curveClient("PUSH");
      const s = curveServer("PULL");
      const sent: Buffer[] = [];
      c.onWrite = (b) => sent.push(...b);
      await handshake(c, s);
      expect(s.ready).to.not.equal(null);
      const stream = Buffer.concat(sent.length > 0 ? [drainAll(c, sent)] : []);
      // Replay it, whole, to a new server: its WELCOME has a new cookie, the old INITIATE brings the old one.
      const s2 = curveServer("PULL");
      s2.conn.start();
      s2.conn.receive(Buffer.concat([encodeGreeting("CURVE", false), stream.subarray(64)]));
      await tick();
      expect(s2.ready).to.equal(null);
      expect(s2.errors.map((e) => e.message)).to.deep.equal(["CURVE INITIATE brings a cookie of another connection"]);
    });
  });

  it("the cookie key rotates: a cookie made just before a rotation still opens, one two rotations old does not", async () => {
    for (const [age, opens] of [
      [COOKIE_KEY_LIFETIME + 1000, true],
      [2 * COOKIE_KEY_LIFETIME + 1000, false],
    ] as const) {
      const c = curveClient("PUSH");
      const s = curveServer("PULL");
      c.conn.start();
      s.conn.start();
      // Greetings (in three steps), HELLO → WELCOME (the cookie is made now), WELCOME → INITIATE, held back.
      for (let i = 0; i < 3; i++) {
        for (const b of c.out.splice(0)) s.conn.receive(b);
        for (const b of s.out.splice(0)) c.conn.receive(b);
      }
      const initiate = c.out.splice(0);
      expect(initiate.length).to.be.greaterThan(0);
      cookieKeys.since -= age;
      for (const b of initiate) s.conn.receive(b);
      await tick();
      if (opens) expect(s.ready?.socketType, `aged ${age} ms`).to.equal("PUSH");
      else expect(s.errors.map((e) => e.message), `aged ${age} ms`).to.deep.equal(["CURVE INITIATE cookie does not open (expired?)"]);
    }
  });

  it("maxMessageSize counts what a MESSAGE carries: at the limit it passes, one byte over fails with EMSGSIZE", async () => {
    const c = curveClient("PUSH");
    const s = curveServer("PULL", undefined, { maxMessageSize: 100 });
    await handshake(c, s);
    for (const b of written(c, [[Buffer.alloc(100)]])) s.conn.receive(b);
    expect(s.messages.length).to.equal(1);
    for (const b of written(c, [[Buffer.alloc(101)]])) s.conn.receive(b);
    expect(s.messages.length).to.equal(1);
    expect(s.errors.map((e) => e.code)).to.deep.equal(["EMSGSIZE"]);
  });
});

/** Re-frames one parsed frame (command flag, short or long size). */
function frameOf([flags, body]: [number, Buffer]): Buffer {
  if (body.length > 255) {
    const h = Buffer.alloc(9);
    h[0] = flags | 2;
    h.writeBigUInt64BE(BigInt(body.length), 1);
    return Buffer.concat([h, body]);
  }
  return Buffer.concat([Buffer.from([flags, body.length]), body]);
}

/** Everything a recorder wrote: what onWrite saw plus anything still queued. */
function drainAll(r: Rec, seen: Buffer[]): Buffer {
  return Buffer.concat([...seen, ...r.out.splice(0)]);
}
