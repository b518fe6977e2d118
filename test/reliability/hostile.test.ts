/**
 * Hostile and broken peers over real TCP: each costs its own connection at
 * most; the listener keeps serving, nothing that was not sent is delivered,
 * memory stays bounded, slow readers make senders block or drop.
 */
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import net from "node:net";
import * as zmq from "zeromq";
import { Context, ZocketError } from "../../src/index.js";
import { encodeCommand, encodeMetadata } from "../../src/zmtp/commands.js";
import { encodeGreeting } from "../../src/zmtp/greeting.js";

const latin = (s: string): Buffer => Buffer.from(s, "latin1");
const greeting = encodeGreeting("NULL", false);
const ready = (type: string): Buffer => encodeCommand("READY", encodeMetadata([["Socket-Type", latin(type)]]));

/** Connects, writes `bytes`, and resolves when the server closes the connection (or after `ms`). */
function rawPeer(port: number, bytes: Buffer, ms: number): Promise<"closed" | "open"> {
  return new Promise((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port });
    s.on("error", () => {});
    const t = setTimeout(() => {
      s.destroy();
      resolve("open");
    }, ms);
    s.on("connect", () => s.write(bytes));
    s.on("data", () => {});
    s.on("close", () => {
      clearTimeout(t);
      resolve("closed");
    });
  });
}

const HOSTILE: [string, () => Buffer][] = [
  ["random bytes", () => randomBytes(1 + Math.floor(Math.random() * 2000))],
  ["random bytes after 0xFF", () => Buffer.concat([Buffer.from([0xff]), randomBytes(200)])],
  ["truncated greeting", () => greeting.subarray(0, Math.floor(Math.random() * 64))],
  ["a frame claiming 2^63 bytes", () => Buffer.concat([greeting, ready("PUSH"), Buffer.from("028000000000000000", "hex")])],
  ["an HTTP request", () => latin("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")],
  ["a wrong mechanism", () => encodeGreeting("PLAIN", false)],
  ["a malformed READY", () => Buffer.concat([greeting, encodeCommand("READY", Buffer.from("0b536f636b65742d54797065ffffffff", "hex"))])],
  ["an incompatible type", () => Buffer.concat([greeting, ready("PUB")])],
  ["garbage after a good handshake", () => Buffer.concat([greeting, ready("PUSH"), randomBytes(300)])],
];

describe("hostile input over tcp", function () {
  this.timeout(60000);
  let ctx: Context;
  beforeEach(() => {
    ctx = new Context({ blocky: false });
  });
  afterEach(async () => {
    await ctx.term();
  });

  it("hundreds of hostile connections cost only themselves; a libzmq peer is served afterwards and nothing else is delivered", async () => {
    const pull = ctx.socket("PULL", { handshakeInterval: 1000, maxMessageSize: 1 << 20 });
    const ep = await pull.bind("tcp://127.0.0.1:*");
    const port = Number(ep.slice(ep.lastIndexOf(":") + 1));
    const heapBefore = process.memoryUsage().heapUsed;
    let tried = 0;
    let bytes = 0;
    let closedByServer = 0;
    for (let batch = 0; batch < 6; batch++) {
      const runs: Promise<"closed" | "open">[] = [];
      for (let i = 0; i < 50; i++) {
        const [, make] = HOSTILE[(batch * 50 + i) % HOSTILE.length]!;
        const b = make();
        bytes += b.length;
        tried++;
        runs.push(rawPeer(port, b, 3000));
      }
      for (const r of await Promise.all(runs)) if (r === "closed") closedByServer++;
    }
    // Every hostile connection was dropped by zocket (truncated greetings by the handshake timer).
    expect(closedByServer).to.equal(tried);
    const peer = new zmq.Push({ linger: 0 });
    peer.connect(ep);
    for (let i = 0; i < 100; i++) await peer.send(["real", String(i)]);
    for (let i = 0; i < 100; i++) expect((await pull.recv()).map(String)).to.deep.equal(["real", String(i)]);
    pull.receiveTimeout = 200;
    try {
      const extra = await pull.recv();
      expect.fail(`garbage delivered: ${extra.map(String)}`);
    } catch (err) {
      expect((err as ZocketError).code).to.equal("EAGAIN");
    }
    peer.close();
    expect(process.memoryUsage().heapUsed - heapBefore).to.be.below(64 * 1024 * 1024);
    console.log(`      (${tried} hostile connections, ${bytes} bytes)`);
    pull.close();
  });

  it("silent peers are dropped after handshakeInterval and do not delay others", async () => {
    const pull = ctx.socket("PULL", { handshakeInterval: 300 });
    const ep = await pull.bind("tcp://127.0.0.1:*");
    const port = Number(ep.slice(ep.lastIndexOf(":") + 1));
    const silent = Array.from({ length: 20 }, () => rawPeer(port, Buffer.alloc(0), 5000));
    // A real peer is served while the silent ones hang around.
    const peer = new zmq.Push({ linger: 0 });
    peer.connect(ep);
    await peer.send("served");
    expect(String((await pull.recv())[0])).to.equal("served");
    const outcomes = await Promise.all(silent);
    expect(outcomes.every((o) => o === "closed")).to.equal(true);
    peer.close();
    pull.close();
  });

  it("a peer that dies mid-message delivers nothing partial", async () => {
    const pull = ctx.socket("PULL", { receiveTimeout: 300 });
    const ep = await pull.bind("tcp://127.0.0.1:*");
    const port = Number(ep.slice(ep.lastIndexOf(":") + 1));
    // Handshake, one whole message, then a multipart message cut inside its second frame.
    const whole = Buffer.concat([Buffer.from("0004", "hex"), latin("good")]);
    const partial = Buffer.concat([Buffer.from("0104", "hex"), latin("part"), Buffer.from("0064", "hex"), latin("only some of it")]);
    await rawPeer(port, Buffer.concat([greeting, ready("PUSH"), whole, partial]), 300);
    expect(String((await pull.recv())[0])).to.equal("good");
    let got: Buffer[] | null = null;
    try {
      got = await pull.recv();
    } catch {}
    expect(got).to.equal(null);
    pull.close();
  });

  it("a message over maxMessageSize drops its connection, is not delivered, and the socket keeps serving", async () => {
    const pull = ctx.socket("PULL", { maxMessageSize: 1000 });
    const errors: string[] = [];
    pull.events.on("disconnect", () => errors.push("disconnect"));
    const ep = await pull.bind("tcp://127.0.0.1:*");
    const big = new zmq.Push({ linger: 0, reconnectInterval: 10000 });
    big.connect(ep);
    await big.send(["small"]);
    expect(String((await pull.recv())[0])).to.equal("small");
    await big.send(Buffer.alloc(5000));
    const good = new zmq.Push({ linger: 0 });
    good.connect(ep);
    await good.send("after");
    expect(String((await pull.recv())[0])).to.equal("after");
    pull.receiveTimeout = 200;
    let extra: Buffer[] | null = null;
    try {
      extra = await pull.recv();
    } catch {}
    expect(extra).to.equal(null);
    big.close();
    good.close();
    pull.close();
  });

  it("a slow reader: PUSH blocks (EAGAIN after sendTimeout), PUB drops; memory stays bounded", async () => {
    // A libzmq PULL that never reads.
    const sink = new zmq.Pull({ receiveHighWaterMark: 10, linger: 0 });
    await sink.bind("tcp://127.0.0.1:*");
    const push = ctx.socket("PUSH", { sendHighWaterMark: 100, sendTimeout: 200 });
    push.connect(sink.lastEndpoint!);
    const frame = Buffer.alloc(1024);
    let sent = 0;
    let blocked = false;
    for (let i = 0; i < 1_000_000; i++) {
      try {
        await push.send(frame);
        sent++;
      } catch (err) {
        expect((err as ZocketError).code).to.equal("EAGAIN");
        blocked = true;
        break;
      }
    }
    expect(blocked).to.equal(true);
    // HWM plus what the kernel and libzmq buffer: far below the million offered.
    expect(sent).to.be.below(200_000);
    push.close();
    sink.close();

    const sub = new zmq.Subscriber({ receiveHighWaterMark: 10, linger: 0 });
    sub.subscribe("");
    await sub.bind("tcp://127.0.0.1:*");
    const pub = ctx.socket("PUB", { sendHighWaterMark: 100 });
    const up = new Promise((r) => pub.events.on("handshake", r));
    pub.connect(sub.lastEndpoint!);
    await up;
    const rss0 = process.memoryUsage().rss;
    for (let i = 0; i < 200_000; i++) await pub.send(frame); // 200 MiB offered, never blocks
    expect(process.memoryUsage().rss - rss0).to.be.below(128 * 1024 * 1024);
    pub.close();
    sub.close();
  });
});
