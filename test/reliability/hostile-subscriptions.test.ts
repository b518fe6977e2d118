/**
 * Subscriptions chosen by a hostile peer cost memory in proportion to their
 * bytes and never crash the process; long topics work end to end.
 *
 * 1. A raw ZMTP peer (node:net, NULL mechanism, 3.1) subscribes to a PUB and
 *    an XPUB that run in a child process (a crash is an exit there): topics
 *    of 4 KiB, 64 KiB and 1 MiB as SUBSCRIBE commands and in the 3.0 message
 *    form, their CANCELs, then 10,000 distinct 1 KiB subscriptions, then it
 *    disconnects holding them. The child stays up, its memory stays under
 *    the bounds in the test's name, and a libzmq SUB is served afterwards.
 * 2. A zocket SUB holding a 4 KiB / 64 KiB / 1 MiB topic: its subscription
 *    reaches a second publisher, is sent again when its tcp connection comes
 *    back, survives the SUB's and the XPUB's moves to worker threads, and its
 *    cancel reaches both publishers.
 *
 * Every wait is bounded; the child, the raw connections, the libzmq sockets
 * and the workers are closed in `finally`.
 */
import { expect } from "chai";
import net from "node:net";
import * as zmq from "zeromq";
import { Context, type ReceivingSocket, type SocketOptions, type SocketType, type SocketTypeMap, type SubSocket, type XPubSocket } from "../../src/index.js";
import { encodeCommand, encodeMetadata } from "../../src/zmtp/commands.js";
import { encodeGreeting } from "../../src/zmtp/greeting.js";
import { ChildPeer } from "../support/child.js";
import { Agent, cleanup, quietTerm, sleep, termWithin, withTimeout } from "../support/threads.js";
import { KiB, MiB, topic } from "../support/topics.js";

const FLOOD = 10_000;
const FLOOD_LEN = KiB;
/** Live heap + array buffers of the child while it holds the flood (10,000 × 1 KiB = 10 MiB of topics) and a 64 KiB topic. */
const LIVE_BOUND = 48 * MiB;
/** RSS growth of the child over the whole run (1 MiB topics, 20 MiB of commands in flight). */
const RSS_BOUND = 128 * MiB;

/** Live memory (heap + buffers) over the start while the child holds one topic of `len` bytes: 4× its size and 4 MiB. */
const TOPIC_BOUND = (len: number): number => 4 * len + 4 * MiB;

const mb = (n: number): string => `${(n / MiB).toFixed(1)} MiB`;
const live = (m: Mem): number => m.heap + m.buffers;

const portOf = (ep: string): number => Number(ep.slice(ep.lastIndexOf(":") + 1));

/** A ZMTP data frame (RFC 23): short or long form, no MORE. */
function dataFrame(body: Buffer): Buffer {
  if (body.length <= 255) return Buffer.concat([Buffer.from([0x00, body.length]), body]);
  const h = Buffer.alloc(9);
  h[0] = 0x02;
  h.writeBigUInt64BE(BigInt(body.length), 1);
  return Buffer.concat([h, body]);
}

const subscribeCmd = (t: Buffer): Buffer => encodeCommand("SUBSCRIBE", t);
const cancelCmd = (t: Buffer): Buffer => encodeCommand("CANCEL", t);
/** The ZMTP 3.0 form: a message whose body is 1 (or 0) and the topic. */
const subscribeMsg = (t: Buffer): Buffer => dataFrame(Buffer.concat([Buffer.from([1]), t]));
const cancelMsg = (t: Buffer): Buffer => dataFrame(Buffer.concat([Buffer.from([0]), t]));

/** A raw SUB peer over tcp: greeting, READY, then whatever the test writes; counts what it receives. */
class RawSub {
  readonly sock: net.Socket;
  received = 0;
  closed = false;
  private readonly connected: Promise<void>;

  constructor(port: number) {
    this.sock = net.connect({ host: "127.0.0.1", port });
    this.sock.on("error", () => {});
    this.sock.on("data", (d: Buffer) => (this.received += d.length));
    this.sock.on("close", () => (this.closed = true));
    this.connected = new Promise((resolve) => this.sock.once("connect", () => resolve()));
    this.sock.write(Buffer.concat([encodeGreeting("NULL", false), encodeCommand("READY", encodeMetadata([["Socket-Type", Buffer.from("SUB")]]))]));
  }

  async write(bytes: Buffer): Promise<void> {
    await this.connected;
    if (this.sock.write(bytes)) return;
    await withTimeout(new Promise<void>((resolve) => this.sock.once("drain", () => resolve())), 20_000, "raw peer: drain");
  }

  end(): void {
    this.sock.destroy();
  }
}

interface Mem {
  rss: number;
  heap: number;
  buffers: number;
}

/** The publisher child and a promise that rejects when it exits. */
class PubChild {
  readonly child: ChildPeer;
  readonly died: Promise<never>;

  constructor(type: "PUB" | "XPUB") {
    // A heap limit well above what the test needs: a structure that costs hundreds of bytes per topic byte runs out.
    this.child = new ChildPeer("pub-child", [type], { nodeArgs: ["--expose-gc", "--max-old-space-size=384"] });
    this.died = new Promise<never>((_, reject) =>
      this.child.proc.once("exit", (code, signal) => reject(new Error(`the ${type} process died (exit code ${code}, signal ${signal})`))),
    );
    this.died.catch(() => {});
  }

  /** `p`, unless the child dies first or `ms` pass. */
  guard<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
    return withTimeout(Promise.race([p, this.died]), ms, what);
  }

  async line(prefix: string, ms = 10_000): Promise<string> {
    return this.guard(this.child.line(prefix, ms), ms + 100, `child: ${prefix}`);
  }

  async mem(): Promise<Mem> {
    this.child.send("mem\n");
    return JSON.parse((await this.line("mem ")).slice(4)) as Mem;
  }

  async count(): Promise<[number, number, number]> {
    this.child.send("count\n");
    const [, s, c, o] = (await this.line("count ")).split(" ");
    return [Number(s), Number(c), Number(o)];
  }

  async send(name: string, len: number): Promise<void> {
    this.child.send(`send ${name} ${len}\n`);
    await this.line("sent");
  }
}

/**
 * Has the child publish topic(name, len) until the raw peer received that
 * many bytes more: the subscription is in place (bounded).
 */
async function probe(pub: PubChild, raw: RawSub, name: string, len: number, what: string): Promise<void> {
  const before = raw.received;
  const until = Date.now() + 15_000;
  for (let i = 0; i < 500 && raw.received < before + len; i++) {
    if (Date.now() > until) break;
    await pub.send(name, len);
    for (let j = 0; j < 20 && raw.received < before + len; j++) await pub.guard(sleep(10), 1000, "sleep");
  }
  expect(raw.received - before, `${what}: bytes the raw subscriber received after publishing to it`).to.be.at.least(len);
}

/** Waits until the raw peer has received nothing for 100 ms (extra probes still in flight are not counted as held). */
async function settle(pub: PubChild, raw: RawSub): Promise<void> {
  let last = -1;
  for (let i = 0; i < 50 && raw.received !== last; i++) {
    last = raw.received;
    await pub.guard(sleep(100), 1000, "sleep");
  }
}

/** After its cancel: a probe of `name` no longer reaches the raw peer (a marker subscription proves the cancel was read). */
async function expectCancelled(pub: PubChild, raw: RawSub, name: string, len: number, marker: string): Promise<void> {
  await pub.guard(raw.write(subscribeCmd(topic(marker, 16))), 5000, "marker subscribe");
  await probe(pub, raw, marker, 16, `marker ${marker}`);
  const before = raw.received;
  await pub.send(name, len);
  await pub.send(marker, 16);
  const until = Date.now() + 5000;
  while (raw.received < before + 16 && Date.now() < until) await pub.guard(sleep(10), 1000, "sleep");
  expect(raw.received - before, `bytes received after publishing to the cancelled ${name} and to ${marker}`).to.be.within(16, len - 1);
  await pub.guard(raw.write(cancelCmd(topic(marker, 16))), 5000, "marker cancel");
}

describe("hostile subscriptions", function () {
  this.timeout(120_000);

  for (const type of ["PUB", "XPUB"] as const) {
    it(`${type} in a child process: a raw peer's 4 KiB / 64 KiB / 1 MiB topics (command and 3.0 form), cancels, 10,000 × 1 KiB subscriptions and a disconnect holding them: the process stays up, holds < 4× + 4 MiB live for each big topic and < ${LIVE_BOUND / MiB} MiB live (heap + buffers) with them, RSS grows < ${RSS_BOUND / MiB} MiB; a libzmq SUB is served after`, async () => {
      const pub = new PubChild(type);
      let raw: RawSub | null = null;
      let sub: zmq.Subscriber | null = null;
      let phase = "start";
      const write = (b: Buffer): Promise<void> => pub.guard(raw!.write(b), 25_000, "the raw peer's write");
      try {
        const ep = (await pub.line("ready ")).slice(6);
        const base = await pub.mem();
        const held: string[] = [];
        raw = new RawSub(portOf(ep));

        // One topic at a time: subscribe, check it is served, cancel, check it is not.
        const sizes: [string, number, "command" | "3.0 message"][] = [
          ["t4k", 4 * KiB, "command"],
          ["t64k", 64 * KiB, "command"],
          ["t1m", MiB, "command"],
          ["m64k", 64 * KiB, "3.0 message"],
          ["m1m", MiB, "3.0 message"],
        ];
        for (const [name, len, form] of sizes) {
          phase = `${name} (${form})`;
          const t = topic(name, len);
          await write(form === "command" ? subscribeCmd(t) : subscribeMsg(t));
          await probe(pub, raw, name, len, `${name} (${form})`);
          await settle(pub, raw);
          const m = await pub.mem();
          held.push(`${name} ${mb(live(m) - live(base))}`);
          expect(live(m) - live(base), `live memory holding ${name}`).to.be.below(TOPIC_BOUND(len));
          await write(form === "command" ? cancelCmd(t) : cancelMsg(t));
          await expectCancelled(pub, raw, name, len, `marker-${name}`);
        }
        const afterBig = await pub.mem();

        // The flood, in one write, then a 64 KiB topic held too.
        phase = "the flood";
        const flood: Buffer[] = [];
        for (let i = 0; i < FLOOD; i++) flood.push(subscribeCmd(topic(`flood-${i}`, FLOOD_LEN)));
        await write(Buffer.concat(flood));
        await write(subscribeCmd(topic("held", 64 * KiB)));
        await probe(pub, raw, "held", 64 * KiB, "the 64 KiB topic after the flood");
        await probe(pub, raw, `flood-${FLOOD - 1}`, FLOOD_LEN, "the last flooded topic");
        await probe(pub, raw, "flood-0", FLOOD_LEN, "the first flooded topic");
        await settle(pub, raw);
        const holding = await pub.mem();
        if (type === "XPUB") {
          // Every first subscribe reported: 5 big topics, 5 markers, the flood, the held one; the cancels of the first 10.
          expect(await pub.count()).to.deep.equal([10 + FLOOD + 1, 10, 0]);
        }

        // The raw peer leaves holding 10,001 subscriptions (a 64 KiB one among them).
        phase = "the disconnect";
        raw.end();
        await pub.guard(sleep(300), 2000, "after the disconnect");
        const after = await pub.mem();
        if (type === "XPUB") {
          // Its subscriptions were cancelled, each reported (it held every one alone).
          const until = Date.now() + 5000;
          let c = await pub.count();
          while (c[1] < 10 + FLOOD + 1 && Date.now() < until) c = await pub.count();
          expect(c).to.deep.equal([10 + FLOOD + 1, 10 + FLOOD + 1, 0]);
        }
        console.log(`      (${type}: live heap+buffers over the start holding one topic: ${held.join(", ")})`);
        console.log(
          `      (${type}: live heap+buffers ${mb(live(base))} at start, ${mb(live(afterBig))} after the big topics, ${mb(live(holding))} holding the flood, ${mb(live(after))} after the disconnect; RSS ${mb(base.rss)} → ${mb(Math.max(afterBig.rss, holding.rss, after.rss))})`,
        );
        expect(live(holding) - live(base), "live memory holding 10,000 × 1 KiB + 64 KiB of subscriptions").to.be.below(LIVE_BOUND);
        expect(live(after) - live(base), "live memory after the subscriber left").to.be.below(8 * MiB);
        expect(Math.max(afterBig.rss, holding.rss, after.rss) - base.rss, "RSS growth").to.be.below(RSS_BOUND);

        // A well-behaved libzmq SUB is served.
        phase = "the libzmq SUB";
        sub = new zmq.Subscriber({ linger: 0 });
        sub.subscribe("news");
        sub.connect(ep);
        const got = sub.receive();
        got.catch(() => {});
        let received: Buffer[] | null = null;
        void got.then((m) => (received = m));
        for (let i = 0; i < 300 && received === null; i++) {
          pub.child.send(`text news ${i}\n`);
          await pub.line("sent");
          await pub.guard(sleep(10), 1000, "sleep");
        }
        expect(received, "the libzmq SUB received").to.not.equal(null);
        expect(String(received![0]).startsWith("news")).to.equal(true);
        expect(pub.child.proc.exitCode, "the child's exit code").to.equal(null);
      } catch (err) {
        if (err instanceof Error) err.message = `during ${phase}: ${err.message}`;
        throw err;
      } finally {
        raw?.end();
        if (sub !== null && !sub.closed) sub.close();
        await pub.child.kill();
      }
    });
  }
});

// ------------------------------------------------------------------ long topics end to end

/** A tcp proxy whose connections can be cut, to make a SUB reconnect. */
function proxy(port: number): Promise<{ port: number; cut(): void; close(): Promise<void> }> {
  const conns = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: "127.0.0.1", port });
    conns.add(client).add(upstream);
    for (const s of [client, upstream]) {
      s.on("error", () => {});
      s.on("close", () => {
        conns.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        port: (server.address() as net.AddressInfo).port,
        cut: () => conns.forEach((s) => s.destroy()),
        close: () => {
          conns.forEach((s) => s.destroy());
          return new Promise((r) => server.close(() => r()));
        },
      }),
    ),
  );
}

const SUBSCRIBED = (t: Buffer): string => `\x01${t.length}`;
const CANCELLED = (t: Buffer): string => `\x00${t.length}`;

/** An XPUB's next message as "<first byte><topic length>" if it is exactly that subscription for `t`, else a description. */
async function nextSubscription(xpub: ReceivingSocket, t: Buffer): Promise<string> {
  const [m] = await withTimeout(xpub.recv(), 5000, "XPUB: the next subscription message");
  if (m === undefined || m.length !== t.length + 1 || !m.subarray(1).equals(t)) return `another message (${m?.length ?? 0} bytes)`;
  return `${String.fromCharCode(m[0]!)}${t.length}`;
}

/** The tag (last byte) of the SUB's next message that carries `t` and is not an extra copy of tag "1"; "?" for anything else. */
async function nextTag(sub: ReceivingSocket, t: Buffer): Promise<string> {
  for (let i = 0; i < 500; i++) {
    const [m] = await withTimeout(sub.recv(), 5000, "the SUB's next message");
    if (m === undefined || m.length !== t.length + 1 || !m.subarray(0, t.length).equals(t)) return "?";
    const tag = String.fromCharCode(m[t.length]!);
    if (tag !== "1") return tag;
  }
  return "?";
}

/** Publishes `[t + tag]` until `recv` settles (bounded); returns the received message. */
async function publishUntil(send: () => Promise<unknown>, recv: Promise<Buffer[]>, what: string): Promise<Buffer[]> {
  let got: Buffer[] | null = null;
  recv.then((m) => (got = m)).catch(() => {});
  for (let i = 0; i < 200 && got === null; i++) {
    await send();
    await Promise.race([recv.catch(() => null), sleep(20)]);
  }
  return withTimeout(recv, 1000, what);
}

describe("long topics end to end", function () {
  this.timeout(60_000);

  for (const [label, len] of [
    ["4 KiB", 4 * KiB],
    ["64 KiB", 64 * KiB],
    ["1 MiB", MiB],
  ] as const) {
    it(`a SUB holding a ${label} topic: both publishers learn it (a second publisher, a tcp reconnect), it moves to a worker and keeps receiving, the XPUB moves to a worker and keeps serving it, its cancel reaches both`, async () => {
      const ctx = new Context();
      const sockets: (SubSocket | XPubSocket)[] = [];
      const open = <T extends "XPUB" | "SUB">(type: T, opts: SocketOptions = {}): SocketTypeMap[T] => {
        const s = ctx.socket(type as SocketType, { receiveTimeout: 5000, ...opts }) as unknown as SocketTypeMap[T];
        sockets.push(s);
        return s;
      };
      const agents: Agent[] = [];
      let px: Awaited<ReturnType<typeof proxy>> | null = null;
      try {
        const t = topic(`e2e-${len}`, len);
        const msg = (tag: string): Buffer => Buffer.concat([t, Buffer.from(tag)]);
        const xpub1 = open("XPUB");
        const tcpEp = await xpub1.bind("tcp://127.0.0.1:*");
        px = await proxy(portOf(tcpEp));
        const xpub2 = open("XPUB");
        const inprocEp = `inproc://long-topic-${len}-${process.pid}`;
        await xpub2.bind(inprocEp);

        const sub = open("SUB", { reconnectInterval: 300 });
        sub.subscribe(t);
        sub.connect(`tcp://127.0.0.1:${px.port}`);
        expect(await nextSubscription(xpub1, t), "xpub1 learns the topic (tcp)").to.equal(SUBSCRIBED(t));
        const m1 = await publishUntil(() => xpub1.send(msg("1")), sub.recv(), "the SUB receives from xpub1");
        expect(m1[0]!.equals(msg("1"))).to.equal(true);

        // A second publisher learns the subscription on connect.
        sub.connect(inprocEp);
        expect(await nextSubscription(xpub2, t), "xpub2 learns the topic on connect").to.equal(SUBSCRIBED(t));
        await xpub2.send(msg("2"));
        expect(await nextTag(sub, t), "the SUB's next message, after extra copies of 1").to.equal("2");

        // The tcp connection is cut: xpub1 sees the subscriber leave, then the topic again when it reconnects.
        px.cut();
        expect(await nextSubscription(xpub1, t), "xpub1: the departed subscriber's topic cancelled").to.equal(CANCELLED(t));
        expect(await nextSubscription(xpub1, t), "xpub1: the topic sent again after the reconnect").to.equal(SUBSCRIBED(t));

        // The SUB moves to a worker and still receives from both.
        const subWorker = new Agent(ctx, "sub");
        const xpubWorker = new Agent(ctx, "xpub");
        agents.push(subWorker, xpubWorker);
        const d = sub.detach();
        await subWorker.run(`S.sub = ctx.adopt(args.d);`, { d }, d.transferList);
        // In the worker: the tag of the next message that is not an extra copy of an earlier one (publishUntil may send several).
        const recvIs = (tag: string): string => `
          const t = Buffer.from(args.t);
          for (let i = 0; i < 500; i++) {
            const [m] = await S.sub.recv();
            if (m.length !== t.length + 1 || !m.subarray(0, t.length).equals(t)) return false;
            const got = String.fromCharCode(m[t.length]);
            if (got === ${JSON.stringify(tag)}) return true;
            if (got >= ${JSON.stringify(tag)}) return false;
          }
          return false;`;
        const fromTcp = subWorker.run<boolean>(recvIs("3"), { t }, [], 8000);
        await publishUntil(() => xpub1.send(msg("3")), fromTcp.then(() => []), "the moved SUB receives from xpub1");
        expect(await fromTcp, "the moved SUB received xpub1's message").to.equal(true);

        // xpub2 moves to another worker; it still knows the subscription.
        const d2 = xpub2.detach();
        await xpubWorker.run(`S.xpub = ctx.adopt(args.d);`, { d: d2 }, d2.transferList);
        const fromMoved = subWorker.run<boolean>(recvIs("4"), { t }, [], 8000);
        await xpubWorker.run(`await S.xpub.send(Buffer.concat([Buffer.from(args.t), Buffer.from("4")]));`, { t });
        expect(await fromMoved, "the moved SUB received the moved XPUB's message").to.equal(true);

        // The cancel reaches both publishers.
        await subWorker.run(`S.sub.unsubscribe(args.t);`, { t });
        expect(await nextSubscription(xpub1, t), "xpub1: the cancel").to.equal(CANCELLED(t));
        const cancelled = await xpubWorker.run<boolean>(
          `const [m] = await S.xpub.recv();
           return m[0] === 0 && m.subarray(1).equals(Buffer.from(args.t));`,
          { t },
        );
        expect(cancelled, "the moved xpub2: the cancel").to.equal(true);
        for (const a of agents) await a.closeAll();
        for (const s of sockets) s.close();
        await termWithin(ctx, 5000);
      } finally {
        for (const s of sockets) {
          try {
            if (!s.closed) s.linger = 0;
          } catch {
            /* detached */
          }
        }
        await cleanup({ sockets, workers: agents });
        await px?.close();
        await quietTerm(ctx);
      }
    });
  }
});
