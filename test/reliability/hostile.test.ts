/**
 * Hostile and broken peers over real TCP: each costs its own connection at
 * most; the listener keeps serving, nothing that was not sent is delivered,
 * memory stays bounded, silent peers are dropped after handshakeInterval
 * without delaying others, oversized and truncated messages are never
 * delivered, slow readers make senders block or drop.
 */
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import net from "node:net";
import * as zmq from "zeromq";
import type { BaseSocket, Context, ReceivingSocket, SocketEventName, SocketEventOf } from "../../src/index.js";
import { expectCode } from "../support/assert.js";
import { encodeCommand, encodeMetadata } from "../../src/zmtp/commands.js";
import { encodeGreeting } from "../../src/zmtp/greeting.js";
import { within } from "../support/peers.js";
import { closeAndTerm, trackedContext } from "../support/context.js";

const latin = (s: string): Buffer => Buffer.from(s, "latin1");
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex");
const greeting = encodeGreeting("NULL", false);
const ready = (type: string): Buffer => encodeCommand("READY", encodeMetadata([["Socket-Type", latin(type)]]));
const handshake = Buffer.concat([greeting, ready("PUSH")]);
const portOf = (ep: string): number => Number(ep.slice(ep.lastIndexOf(":") + 1));

interface RawResult {
  /** "closed": zocket closed the connection; "open": still open when we gave up after `ms`. */
  outcome: "closed" | "open";
  /** From connected to closed. */
  ms: number;
  /** Bytes zocket sent us (its greeting, READY, maybe an ERROR). */
  received: number;
}

/**
 * A raw TCP peer: connects, writes `bytes` (nothing if empty), optionally ends
 * its side, and resolves when zocket closes the connection, or after `ms`.
 */
function rawPeer(port: number, bytes: Buffer, ms: number, end = false): Promise<RawResult> {
  return new Promise((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port });
    let t0 = Date.now();
    let received = 0;
    s.on("error", () => {});
    const t = setTimeout(() => {
      s.destroy();
      resolve({ outcome: "open", ms: Date.now() - t0, received });
    }, ms);
    s.on("connect", () => {
      t0 = Date.now();
      if (bytes.length > 0) s.write(bytes);
      if (end) s.end();
    });
    s.on("data", (d: Buffer) => (received += d.length));
    s.on("close", () => {
      clearTimeout(t);
      resolve({ outcome: "closed", ms: Date.now() - t0, received });
    });
  });
}

/** Counts a socket's events of some types; `reach(n)` resolves once their total reaches n. */
function counter<K extends SocketEventName>(socket: BaseSocket, types: K[]): { events: SocketEventOf<K>[]; reach(n: number): Promise<void> } {
  const events: SocketEventOf<K>[] = [];
  let waiter: { n: number; resolve: () => void } | null = null;
  for (const type of types) {
    socket.events.on(type, (e) => {
      events.push(e);
      if (waiter !== null && events.length >= waiter.n) waiter.resolve();
    });
  }
  return {
    events,
    reach: (n) => (events.length >= n ? Promise.resolve() : new Promise((resolve) => (waiter = { n, resolve }))),
  };
}

/** Receives until EAGAIN (the socket's receiveTimeout bounds the wait). */
async function drainAll(s: ReceivingSocket): Promise<Buffer[][]> {
  const got: Buffer[][] = [];
  for (let i = 0; i < 10_000; i++) {
    try {
      got.push(await s.recv());
    } catch (err) {
      expectCode(err, "EAGAIN");
      return got;
    }
  }
  return got;
}

/**
 * What hostile peers send. "fast": zocket must refuse it from the bytes alone
 * (well before handshakeInterval); "timer": it is a valid beginning that never
 * ends, dropped by handshakeInterval. None of it may ever be delivered: the
 * post-handshake garbage starts with a frame that cannot be valid.
 */
const HOSTILE: [string, "fast" | "timer" | "any", () => Buffer][] = [
  ["random bytes", "any", () => randomBytes(1 + Math.floor(Math.random() * 2000))],
  ["random bytes after 0xFF", "fast", () => Buffer.concat([hex("ff"), randomBytes(200)])],
  ["a truncated greeting", "timer", () => greeting.subarray(0, Math.floor(Math.random() * 64))],
  ["a greeting and nothing else", "timer", () => greeting],
  ["a frame claiming 2^63 bytes", "fast", () => Buffer.concat([handshake, hex("02 8000000000000000")])],
  ["a frame claiming 2^63 bytes before READY", "fast", () => Buffer.concat([greeting, hex("06 8000000000000000")])],
  ["an HTTP request", "fast", () => latin("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")],
  ["a TLS ClientHello", "fast", () => Buffer.concat([hex("16 03 01 02 00 01 00 01 fc 03 03"), randomBytes(100)])],
  // ZMTP 1.0 and 2.0 peers are served (as libzmq serves them); these ones are wrong.
  ["a ZMTP 1.0 identity, then reserved flags", "fast", () => hex("01 00 06 80 68656c6c6f")],
  ["a ZMTP 1.0 identity over 255 bytes", "fast", () => Buffer.concat([hex("ff 0000000000000201 00"), randomBytes(300)])],
  ["a ZMTP 2.0 PULL (incompatible)", "fast", () => hex("ff 0000000000000001 7f 01 07 00 00")],
  ["a ZMTP 2.0 frame claiming 2^63 bytes", "fast", () => hex("ff 0000000000000001 7f 01 08 00 00 02 8000000000000000")],
  ["a wrong mechanism (PLAIN)", "fast", () => encodeGreeting("PLAIN", false)],
  ["a wrong mechanism (CURVE)", "fast", () => Buffer.concat([encodeGreeting("NULL", false).fill(0, 12, 32).fill("CURVE", 12, 17), randomBytes(200)])],
  ["a malformed READY", "fast", () => Buffer.concat([greeting, encodeCommand("READY", hex("0b536f636b65742d54797065ffffffff"))])],
  ["a READY without Socket-Type", "fast", () => Buffer.concat([greeting, encodeCommand("READY", encodeMetadata([["Identity", latin("x")]]))])],
  ["an incompatible type", "fast", () => Buffer.concat([greeting, ready("PUB")])],
  ["data before READY", "fast", () => Buffer.concat([greeting, hex("00 05"), latin("hello")])],
  ["an oversized handshake command", "fast", () => Buffer.concat([greeting, hex("06 0000000000100000"), randomBytes(1000)])],
  ["reserved flags after the handshake", "fast", () => Buffer.concat([handshake, Buffer.from([0x08 | (Math.random() * 0xf8)]), randomBytes(300)])],
  ["a command with MORE after the handshake", "fast", () => Buffer.concat([handshake, hex("05 05 04"), latin("PING")])],
];

describe("hostile input over tcp", function () {
  this.timeout(30000);
  let ctx: Context;
  beforeEach(() => {
    ctx = trackedContext({ blocky: false });
  });
  afterEach(() => closeAndTerm(ctx));

  it("300 hostile connections cost only themselves; a libzmq peer is served afterwards; nothing but its messages is delivered", async () => {
    const HANDSHAKE_IVL = 600;
    const pull = ctx.socket("PULL", { handshakeInterval: HANDSHAKE_IVL, maxMessageSize: 1 << 20 });
    const ep = await pull.bind("tcp://127.0.0.1:*");
    const port = portOf(ep);
    const accepted = counter(pull, ["accept"]);
    const ended = counter(pull, ["handshake:error", "disconnect"]);
    const heapBefore = process.memoryUsage().heapUsed;
    const started = Date.now();
    let tried = 0;
    let bytes = 0;
    const byKind = new Map<string, RawResult[]>();
    // Three waves of 100 concurrent connections, every kind in each.
    for (let wave = 0; wave < 3; wave++) {
      const runs: Promise<void>[] = [];
      for (let i = 0; i < 100; i++) {
        const [name, , make] = HOSTILE[(wave * 100 + i) % HOSTILE.length]!;
        const b = make();
        bytes += b.length;
        tried++;
        runs.push(rawPeer(port, b, 5000).then((r) => void (byKind.get(name) ?? byKind.set(name, []).get(name)!).push(r)));
      }
      await Promise.all(runs);
    }
    const elapsed = Date.now() - started;
    // Every hostile connection was closed by zocket: at once when its bytes were wrong, by the handshake timer when they merely stopped.
    for (const [name, when] of HOSTILE) {
      const results = byKind.get(name)!;
      expect(results.map((r) => r.outcome), name).to.deep.equal(results.map(() => "closed"));
      const slowest = Math.max(...results.map((r) => r.ms));
      const fastest = Math.min(...results.map((r) => r.ms));
      if (when === "fast") expect(slowest, `${name}: closed by the timer, not refused`).to.be.below(HANDSHAKE_IVL - 100);
      if (when === "timer") expect(fastest, `${name}: closed before handshakeInterval`).to.be.at.least(HANDSHAKE_IVL - 50);
    }
    // ... and each shows in the socket's events: accepted, then a failed handshake or (after a good one) a disconnect.
    await within(accepted.reach(tried), 2000, "accept events");
    await within(ended.reach(tried), 2000, "handshake:error/disconnect events");
    expect(accepted.events.length).to.equal(tried);
    expect(ended.events.length).to.equal(tried);
    const reasons = new Set(ended.events.filter((e) => e.type === "handshake:error").map((e) => e.reason));
    expect([...reasons].sort()).to.deep.equal(["other", "protocol"]);

    // The listener still serves a real libzmq peer, and only its messages come out.
    const peer = new zmq.Push({ linger: 0 });
    peer.connect(ep);
    const sent = new Set<string>();
    for (let i = 0; i < 100; i++) {
      await peer.send(["real", String(i), Buffer.alloc(i * 3, i)]);
      sent.add(`real|${i}`);
    }
    const got: string[] = [];
    for (let i = 0; i < 100; i++) {
      const m = await pull.recv();
      const k = `${m[0]}|${m[1]}`;
      expect(sent.has(k) && m.length === 3 && m[2]!.equals(Buffer.alloc(i * 3, i)), `garbage delivered: ${k}`).to.equal(true);
      got.push(k);
    }
    expect(got).to.deep.equal([...sent]);
    pull.receiveTimeout = 200;
    const extra = await drainAll(pull);
    expect(extra.map((m) => m.map(String)), "garbage delivered").to.deep.equal([]);
    peer.close();
    expect(process.memoryUsage().heapUsed - heapBefore).to.be.below(64 * 1024 * 1024);
    console.log(`      (${tried} hostile connections, ${bytes} bytes fuzzed, ${elapsed} ms)`);
    pull.close();
  });

  it("handshakeInterval: silent and stalled peers are dropped after it and do not delay a real peer", async () => {
    const IVL = 200;
    const pull = ctx.socket("PULL", { handshakeInterval: IVL });
    const failures = counter(pull, ["handshake:error"]);
    const ep = await pull.bind("tcp://127.0.0.1:*");
    const port = portOf(ep);
    const t0 = Date.now();
    const silent = Array.from({ length: 20 }, () => rawPeer(port, Buffer.alloc(0), 5000));
    // libzmq's first move: 10 bytes of greeting, then it waits; a peer that never goes on.
    const stalled = Array.from({ length: 10 }, () => rawPeer(port, greeting.subarray(0, 10), 5000));
    // A real peer is served at once, while the silent ones are still there.
    const peer = new zmq.Push({ linger: 0 });
    peer.connect(ep);
    await peer.send("served");
    expect(String((await within(pull.recv(), 2000, "real peer"))[0])).to.equal("served");
    const servedAfter = Date.now() - t0;
    const results = await Promise.all([...silent, ...stalled]);
    for (const r of results) {
      expect(r.outcome).to.equal("closed");
      expect(r.ms).to.be.at.least(IVL - 10);
      expect(r.ms).to.be.below(IVL + 1500);
    }
    // Each was sent our signature at once, the stalled ones our major version too (libzmq's steps), and nothing else.
    expect(results.map((r) => r.received)).to.deep.equal([...silent.map(() => 10), ...stalled.map(() => 11)]);
    expect(servedAfter, "the real peer waited for the silent ones").to.be.below(Math.min(...results.map((r) => r.ms)));
    await within(failures.reach(30), 2000, "handshake:error events");
    expect(failures.events.every((e) => e.reason === "other")).to.equal(true);
    peer.close();
    pull.close();
  });

  it("a peer that dies mid-message delivers nothing partial; the socket goes on serving", async () => {
    const pull = ctx.socket("PULL");
    const ep = await pull.bind("tcp://127.0.0.1:*");
    const port = portOf(ep);
    const whole = Buffer.concat([hex("0004"), latin("good")]);
    // Cut inside the second frame of a multipart message.
    const cutInFrame = Buffer.concat([hex("0104"), latin("part"), hex("0064"), latin("only some of it")]);
    // Cut between frames: the first frame complete, with MORE.
    const cutBetween = Buffer.concat([hex("0104"), latin("head")]);
    // Cut inside a 1 MiB frame, after 600 KiB (filling its own buffer).
    const cutInBig = Buffer.concat([hex("02 0000000000100000"), Buffer.alloc(600 * 1024, 1)]);
    const dying = await Promise.all([
      rawPeer(port, Buffer.concat([handshake, whole, cutInFrame]), 5000, true),
      rawPeer(port, Buffer.concat([handshake, whole, cutBetween]), 5000, true),
      rawPeer(port, Buffer.concat([handshake, whole, cutInBig]), 5000, true),
    ]);
    expect(dying.map((r) => r.outcome)).to.deep.equal(["closed", "closed", "closed"]);
    const peer = new zmq.Push({ linger: 0 });
    peer.connect(ep);
    await peer.send("next");
    const got: string[][] = [];
    for (let i = 0; i < 10 && !got.some((m) => m[0] === "next"); i++) got.push((await within(pull.recv(), 3000, "recv")).map(String));
    pull.receiveTimeout = 200;
    got.push(...(await drainAll(pull)).map((m) => m.map(String)));
    expect(got.sort()).to.deep.equal([["good"], ["good"], ["good"], ["next"]]);
    peer.close();
    pull.close();
  });

  it("maxMessageSize over tcp: the oversized message drops its connection undelivered; the socket keeps serving", async () => {
    const pull = ctx.socket("PULL", { maxMessageSize: 1000 });
    const disconnects = counter(pull, ["disconnect"]);
    const ep = await pull.bind("tcp://127.0.0.1:*");
    const port = portOf(ep);
    // libzmq sender: one small message, then one over the limit.
    const big = new zmq.Push({ linger: 0, reconnectInterval: 10000 });
    big.connect(ep);
    await big.send(["small"]);
    expect(String((await within(pull.recv(), 3000, "small"))[0])).to.equal("small");
    await big.send(Buffer.alloc(5000));
    await within(disconnects.reach(1), 2000, "disconnect of the oversized sender");
    // Raw senders: a frame announced over the limit (header only), and a multipart whose total is over it.
    const raw = await Promise.all([
      rawPeer(port, Buffer.concat([handshake, hex("02 0000000000200000")]), 3000),
      rawPeer(port, Buffer.concat([handshake, hex("03 0000000000000258"), Buffer.alloc(600), hex("02 0000000000000258"), Buffer.alloc(600)]), 3000),
    ]);
    expect(raw.map((r) => r.outcome)).to.deep.equal(["closed", "closed"]);
    await within(disconnects.reach(3), 2000, "disconnects of the raw senders");
    // Another peer is served.
    const good = new zmq.Push({ linger: 0 });
    good.connect(ep);
    await good.send(["after", Buffer.alloc(900)]);
    const after = await within(pull.recv(), 3000, "after");
    expect(String(after[0])).to.equal("after");
    expect(after[1]!.length).to.equal(900);
    pull.receiveTimeout = 200;
    expect(await drainAll(pull)).to.deep.equal([]);
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
        expectCode(err, "EAGAIN");
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
