/**
 * Hostile CURVE peers over real TCP, writing bytes a scripted client builds
 * (test/support/curve-peer.ts): truncated and unpadded HELLOs, bad boxes, a
 * vouch for another server, a replayed INITIATE, MESSAGEs with stale nonces
 * or flipped bits. Each costs only its own connection, nothing it sent is
 * delivered, and a libzmq client is served afterwards. Then the other way: a
 * hostile server cannot get a zocket client to send anything.
 */
import { expect } from "chai";
import net from "node:net";
import * as zmq from "zeromq";
import { curveKeyPair, z85, type Context, type PullSocket, type SocketEventOf } from "../../src/index.js";
import { boxKeyPair, type KeyPair } from "../../src/crypto/box.js";
import { encodeCommand } from "../../src/zmtp/commands.js";
import { closeAndTerm, trackedContext } from "../support/context.js";
import { CURVE_GREETING, RawWire, ScriptedCurveClient, curveHandshake } from "../support/curve-peer.js";
import { within } from "../support/peers.js";

const portOf = (ep: string): number => Number(ep.slice(ep.lastIndexOf(":") + 1));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const latin = (s: string): Buffer => Buffer.from(s, "latin1");

const SERVER = curveKeyPair();
const SERVER_RAW: KeyPair = { publicKey: z85.decode(SERVER.publicKey), secretKey: z85.decode(SERVER.secretKey) };
const HANDSHAKE_IVL = 800;
/** A hostile connection refused from its bytes is closed well before the handshake timer. */
const FAST = 500;

describe("hostile CURVE peers over tcp", function () {
  this.timeout(30000);
  let ctx: Context;
  let pull: PullSocket;
  let port: number;
  let ep: string;
  const failures: SocketEventOf<"handshake:error" | "disconnect">[] = [];
  const delivered: string[][] = [];
  let receiving: Promise<void>;

  beforeEach(async () => {
    ctx = trackedContext({ blocky: false });
    pull = ctx.socket("PULL", { curveServer: true, curveSecretKey: SERVER.secretKey, handshakeInterval: HANDSHAKE_IVL });
    failures.length = 0;
    delivered.length = 0;
    pull.events.on("handshake:error", (e) => failures.push(e));
    pull.events.on("disconnect", (e) => failures.push(e));
    ep = await pull.bind("tcp://127.0.0.1:*");
    port = portOf(ep);
    // Everything the socket ever delivers is recorded: a test then checks that only what it meant to arrive did.
    receiving = (async () => {
      for await (const m of pull) delivered.push(m.map((f) => f.toString("latin1")));
    })();
  });

  afterEach(async () => {
    // The listener still serves a real libzmq client, and only its message comes out.
    const client = curveKeyPair();
    const peer = new zmq.Push({ linger: 0, curveServerKey: SERVER.publicKey, curvePublicKey: client.publicKey, curveSecretKey: client.secretKey });
    try {
      peer.connect(ep);
      await peer.send(["served", "afterwards"]);
      const deadline = Date.now() + 5000;
      while (!delivered.some((m) => m[0] === "served") && Date.now() < deadline) await sleep(10);
      expect(delivered.filter((m) => m[0] === "served")).to.deep.equal([["served", "afterwards"]]);
    } finally {
      peer.close();
      await closeAndTerm(ctx);
      await receiving;
    }
  });

  /** Waits until the connection is gone; returns how long that took. */
  async function closedWithin(wire: RawWire, ms: number): Promise<number> {
    const t0 = Date.now();
    await within(wire.gone, ms, "zocket closing the hostile connection");
    return Date.now() - t0;
  }

  /**
   * The newest failure event's message, once one matching `expected` has come
   * (events from an I/O thread arrive a moment after the wire closes), or after 2 s.
   */
  async function lastFailure(expected: RegExp): Promise<string> {
    const newest = (): string => String(failures[failures.length - 1]?.error?.message ?? "");
    const deadline = Date.now() + 2000;
    while (!expected.test(newest()) && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          pull.events.off("handshake:error", done);
          pull.events.off("disconnect", done);
          resolve();
        };
        const timer = setTimeout(done, deadline - Date.now());
        pull.events.on("handshake:error", done);
        pull.events.on("disconnect", done);
      });
    }
    return newest();
  }

  it("a HELLO cut short by a peer that hangs up: closed, nothing delivered", async () => {
    const wire = await RawWire.connect(port);
    const hello = new ScriptedCurveClient(SERVER_RAW.publicKey, boxKeyPair()).hello();
    wire.write(Buffer.concat([CURVE_GREETING, hello.subarray(0, 120)]));
    wire.socket.end();
    await closedWithin(wire, 2000);
    expect(delivered).to.deep.equal([]);
  });

  it("a HELLO cut short by a peer that stalls: dropped by handshakeInterval", async () => {
    const wire = await RawWire.connect(port);
    const hello = new ScriptedCurveClient(SERVER_RAW.publicKey, boxKeyPair()).hello();
    wire.write(Buffer.concat([CURVE_GREETING, hello.subarray(0, 150)]));
    const ms = await closedWithin(wire, HANDSHAKE_IVL + 2000);
    expect(ms).to.be.at.least(HANDSHAKE_IVL - 100);
    expect(await lastFailure(/handshake not completed/)).to.match(/handshake not completed/);
  });

  it("a HELLO without its 72 bytes of padding (and a HELLO frame cut to 150 bytes): refused at once", async () => {
    for (const bytes of [
      new ScriptedCurveClient(SERVER_RAW.publicKey, boxKeyPair()).hello({ padding: false }),
      Buffer.concat([Buffer.from([4, 150]), new ScriptedCurveClient(SERVER_RAW.publicKey, boxKeyPair()).hello().subarray(2, 152)]),
    ]) {
      const wire = await RawWire.connect(port);
      wire.write(Buffer.concat([CURVE_GREETING, bytes]));
      expect(await closedWithin(wire, 2000)).to.be.below(FAST);
      expect(await lastFailure(/malformed CURVE HELLO/)).to.match(/malformed CURVE HELLO/);
    }
    expect(delivered).to.deep.equal([]);
  });

  it("bad boxes: a HELLO signature, an INITIATE box, a vouch for another server, a tampered cookie: each refused at once", async () => {
    const attempts: [string, (c: ScriptedCurveClient, w: RawWire) => Promise<void>, RegExp][] = [
      ["HELLO signature", async (c, w) => w.write(Buffer.concat([CURVE_GREETING, c.hello({ corrupt: true })])), /HELLO does not open/],
      ["INITIATE box", async (c, w) => w.write((await welcomed(c, w)) ? c.initiate({ corrupt: true }) : Buffer.alloc(0)), /INITIATE does not open/],
      ["vouch for another server", async (c, w) => w.write((await welcomed(c, w)) ? c.initiate({ vouchFor: boxKeyPair().publicKey }) : Buffer.alloc(0)), /vouch does not hold/],
      [
        "tampered cookie",
        async (c, w) => {
          if (!(await welcomed(c, w))) return;
          const initiate = c.initiate();
          initiate[2 + 9 + 40]! ^= 0x04; // inside the cookie's box
          w.write(initiate);
        },
        /cookie does not open/,
      ],
    ];
    for (const [name, attack, why] of attempts) {
      failures.length = 0; // only this attempt's failure may answer for it
      const wire = await RawWire.connect(port);
      await attack(new ScriptedCurveClient(SERVER_RAW.publicKey, boxKeyPair()), wire);
      expect(await closedWithin(wire, 2000), name).to.be.below(FAST);
      expect(await lastFailure(why), name).to.match(why);
    }
    expect(delivered).to.deep.equal([]);
  });

  it("an INITIATE replayed on a new connection (its HELLO replayed too) is refused; a second INITIATE on a ready connection ends it", async () => {
    const recorded = await curveHandshake(port, SERVER_RAW.publicKey, boxKeyPair());
    recorded.wire.write(recorded.client.message(latin("genuine")));
    const deadline = Date.now() + 3000;
    while (delivered.length === 0 && Date.now() < deadline) await sleep(10);
    expect(delivered).to.deep.equal([["genuine"]]);
    // The replay: the same HELLO gets a WELCOME with a new cookie; the old INITIATE brings the old one.
    const [hello, initiate] = recorded.sent as [Buffer, Buffer];
    const wire = await RawWire.connect(port);
    wire.write(Buffer.concat([CURVE_GREETING, hello]));
    expect((await wire.frame())?.body.subarray(0, 8).toString("latin1")).to.equal("\x07WELCOME");
    wire.write(initiate);
    wire.write(recorded.client.message(latin("replayed"), 0, 3n));
    await closedWithin(wire, 2000);
    expect(await lastFailure(/cookie of another connection/)).to.match(/cookie of another connection/);
    // On the original connection an INITIATE after READY is a clear command where only MESSAGEs may come.
    recorded.wire.write(initiate);
    await closedWithin(recorded.wire, 2000);
    expect(delivered).to.deep.equal([["genuine"]]);
  });

  it("MESSAGEs with a stale nonce (repeated, lower, or INITIATE's own), or a flipped bit: the connection ends, that message is not delivered", async () => {
    const cases: [string, (c: ScriptedCurveClient) => Buffer][] = [
      ["the last nonce again", (c) => c.message(latin("stale"), 0, c.lastNonce)],
      ["a lower nonce", (c) => c.message(latin("stale"), 0, c.lastNonce - 1n)],
      ["a flipped bit", (c) => Buffer.from(c.message(latin("forged")).map((b, i) => (i === 30 ? b ^ 1 : b)))],
    ];
    for (const [name, bad] of cases) {
      failures.length = 0; // only this case's failure may answer for it
      const { wire, client } = await curveHandshake(port, SERVER_RAW.publicKey, boxKeyPair());
      wire.write(client.message(latin(`ok-${name}`)));
      wire.write(bad(client));
      await closedWithin(wire, 2000);
      expect(await lastFailure(/CURVE MESSAGE/), name).to.match(/CURVE MESSAGE/);
    }
    // INITIATE used nonce 2: a first MESSAGE under nonce 2 is stale too; so is the second part of a multipart message.
    const first = await curveHandshake(port, SERVER_RAW.publicKey, boxKeyPair());
    first.wire.write(first.client.message(latin("stale-first"), 0, 2n));
    await closedWithin(first.wire, 2000);
    const multi = await curveHandshake(port, SERVER_RAW.publicKey, boxKeyPair());
    const part1 = multi.client.message(latin("part-1"), 1);
    multi.wire.write(Buffer.concat([part1, multi.client.message(latin("part-2"), 0, multi.client.lastNonce)]));
    await closedWithin(multi.wire, 2000);
    expect(delivered.map((m) => m.join("+")).sort()).to.deep.equal(["ok-a flipped bit", "ok-a lower nonce", "ok-the last nonce again"]);
  });

  it("a sealed frame with the COMMAND flag and a malformed command, and a sealed command inside a multipart message: refused", async () => {
    const a = await curveHandshake(port, SERVER_RAW.publicKey, boxKeyPair());
    a.wire.write(a.client.message(Buffer.from([0x40, 0x41]), 2));
    await closedWithin(a.wire, 2000);
    const b = await curveHandshake(port, SERVER_RAW.publicKey, boxKeyPair());
    b.wire.write(Buffer.concat([b.client.message(latin("head"), 1), b.client.message(encodeCommand("PING", Buffer.from([0, 0])).subarray(2), 2)]));
    await closedWithin(b.wire, 2000);
    expect(delivered).to.deep.equal([]);
  });
});

/** Greets, sends HELLO, reads WELCOME. */
async function welcomed(c: ScriptedCurveClient, w: RawWire): Promise<boolean> {
  w.write(Buffer.concat([CURVE_GREETING, c.hello()]));
  const f = await w.frame();
  return f !== null && c.welcome(f.body);
}

describe("a hostile CURVE server", function () {
  this.timeout(15000);

  it("whose WELCOME does not open (or never comes whole) gets nothing from a zocket client, which reports a protocol error and does not reconnect", async () => {
    const ctx = trackedContext({ blocky: false });
    const received: Buffer[] = [];
    let connections = 0;
    const server = net.createServer((s) => {
      connections++;
      s.on("data", (d: Buffer) => {
        received.push(d);
        // Our greeting as a CURVE server, then a WELCOME of the right size full of noise.
        if (received.length === 1) s.write(Buffer.concat([Buffer.from(CURVE_GREETING).fill(1, 32, 33), Buffer.from([4, 168]), latin("\x07WELCOME"), Buffer.alloc(160, 0x5a)]));
      });
      s.on("error", () => {});
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const keys = curveKeyPair();
      const push = ctx.socket("PUSH", { curveServerKey: SERVER.publicKey, curvePublicKey: keys.publicKey, curveSecretKey: keys.secretKey, reconnectInterval: 50 });
      const errors: SocketEventOf<"handshake:error">[] = [];
      push.events.on("handshake:error", (e) => errors.push(e));
      push.connect(`tcp://127.0.0.1:${(server.address() as net.AddressInfo).port}`);
      void push.send("secret message").catch(() => {});
      const deadline = Date.now() + 3000;
      while (errors.length === 0 && Date.now() < deadline) await sleep(10);
      await sleep(300);
      expect(errors.map((e) => e.reason)).to.deep.equal(["protocol"]);
      expect(String(errors[0]!.error?.message)).to.match(/WELCOME does not open/);
      expect(connections).to.equal(1);
      expect(Buffer.concat(received).includes(latin("secret message"))).to.equal(false);
    } finally {
      server.close();
      await closeAndTerm(ctx);
    }
  });
});
