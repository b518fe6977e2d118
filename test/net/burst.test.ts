/**
 * A burst reaches the wire (issue 13, item 3): a socket whose pipe to its
 * same-thread session fills inside send() lets the session hand the pipe's
 * messages to the kernel there and then, as libzmq's I/O thread drains the
 * pipe while the application sends; only when the kernel stops taking bytes
 * does the pipe fill, and PUB drop or PUSH wait, as before. Checked over tcp
 * and ipc:
 * - 5000 × 16 B published in one tight `await send()` loop reach a
 *   subscriber in this process (which reads only once the loop yields) and
 *   one in a child process (reading at full speed): ≥ 90% each;
 * - a PUSH (and a PUB) whose peer stops reading still stops at its
 *   high-water mark: the stream's backlog stays bounded, nothing is lost;
 * - a burst followed at once by close() is delivered whole (linger), and a
 *   peer's last messages before it closes are delivered even when they
 *   still wait in the engine for room in the socket's queue.
 */
import { expect } from "chai";
import net from "node:net";
import { ZocketError, type Context, type BaseSocket as Socket, type ReceivingSocket, type SendingSocket } from "../../src/index.js";
import { encodeCommand, encodeMetadata } from "../../src/zmtp/commands.js";
import { encodeGreeting } from "../../src/zmtp/greeting.js";
import { ChildPeer } from "../support/child.js";
import { closeAndTerm, trackedContext } from "../support/context.js";
import { connectReady, type Transport } from "../support/endpoints.js";
import { withTimeout } from "../support/threads.js";

const BURST = 5000;
const MiB = 1024 * 1024;
/** The session's mark for a stream's backlog (4 MiB), one batch (256 KiB) and slack for the last message. */
const BACKLOG_BOUND = 4 * MiB + 512 * 1024;
const bindAt = (t: Transport): string => (t === "tcp" ? "tcp://127.0.0.1:*" : "ipc://*");
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const latin = (s: string): Buffer => Buffer.from(s, "latin1");
/** A NULL greeting and READY for a bare ZMTP peer of `type`. */
const nullHandshake = (type: string): Buffer =>
  Buffer.concat([encodeGreeting("NULL", false), encodeCommand("READY", encodeMetadata([["Socket-Type", latin(type)]]))]);

/** 16 bytes: "B", then the index. */
function burstFrame(i: number): Buffer {
  const b = Buffer.alloc(16, 0x2e);
  b[0] = 0x42;
  b.writeUInt32BE(i, 1);
  return b;
}

/** Publishes probes until `subscribed` resolves (the subscription reached the PUB), at most 5 s. */
async function probeUntil(pub: SendingSocket, subscribed: Promise<unknown>): Promise<void> {
  let done = false;
  void subscribed.then(() => (done = true), () => (done = true));
  for (let i = 0; i < 250 && !done; i++) {
    await pub.send("probe");
    await pause(20);
  }
  await withTimeout(subscribed, 100, "the subscription reaching the PUB");
}

/** Counts burst frames received until `BURST` of them or a quiet second (receiveTimeout). */
async function countBurst(sub: ReceivingSocket): Promise<number> {
  let n = 0;
  for (let i = 0; i < BURST * 3 && n < BURST; i++) {
    let frame: Buffer | undefined;
    try {
      [frame] = await sub.recv();
    } catch (err) {
      if (err instanceof ZocketError && err.code === "EAGAIN") break;
      throw err;
    }
    if (frame !== undefined && frame.length === 16 && frame[0] === 0x42) n++;
  }
  return n;
}

/**
 * Records the largest backlog (writableLength) any net.Socket of this
 * process has right after a write: the session's streams are among them.
 */
function watchBacklog(): { max: number; stop(): void } {
  const proto = net.Socket.prototype as { write: (...args: unknown[]) => boolean };
  const own = Object.prototype.hasOwnProperty.call(proto, "write");
  const original = proto.write;
  const w = {
    max: 0,
    stop(): void {
      if (own) proto.write = original;
      else delete (proto as { write?: unknown }).write;
    },
  };
  proto.write = function (this: net.Socket, ...args: unknown[]): boolean {
    const r = original.apply(this, args);
    if (this.writableLength > w.max) w.max = this.writableLength;
    return r;
  };
  return w;
}

describe("a burst reaches the wire (tcp/ipc sessions drain inside send)", function () {
  this.timeout(30_000);
  let ctx: Context;
  beforeEach(() => (ctx = trackedContext({ blocky: false })));
  afterEach(() => closeAndTerm(ctx));

  for (const transport of ["tcp", "ipc"] as const) {
    it(`PUB: ${BURST} × 16 B in one tight send loop reach a subscriber in this process (${transport})`, async () => {
      const pub = ctx.socket("PUB");
      const sub = ctx.socket("SUB", { receiveTimeout: 1000 });
      sub.subscribe();
      const ep = await pub.bind(bindAt(transport));
      await connectReady(sub, ep, transport);
      await probeUntil(pub, sub.recv());
      while (sub.tryRecv() !== null);
      // The subscriber reads nothing until this loop yields to the event loop.
      for (let i = 0; i < BURST; i++) await pub.send(burstFrame(i));
      const got = await countBurst(sub);
      expect(got, `burst messages received of ${BURST}`).to.be.at.least(BURST * 0.9);
    });

    it(`PUB: ${BURST} × 16 B in one tight send loop reach a subscriber in another process (${transport})`, async () => {
      const pub = ctx.socket("PUB");
      const ep = await pub.bind(bindAt(transport));
      const child = new ChildPeer("burst-sub-child", [ep, String(BURST)]);
      try {
        await probeUntil(pub, child.line("subscribed", 5000));
        for (let i = 0; i < BURST; i++) await pub.send(burstFrame(i));
        const line = await child.line("count", 10_000);
        const got = Number(line.split(" ")[1]);
        expect(got, `burst messages received of ${BURST}`).to.be.at.least(BURST * 0.9);
      } finally {
        child.proc.stdin?.end();
        await withTimeout(child.kill("SIGTERM"), 5000, "the subscriber process exiting");
      }
    });

    it(`PUSH to a peer that stops reading waits at its high-water mark; the stream's backlog stays bounded (${transport})`, async () => {
      const pull = ctx.socket("PULL", { receiveTimeout: 5000 });
      const push = ctx.socket("PUSH");
      const ep = await pull.bind(bindAt(transport));
      await connectReady(push, ep, transport, pull);
      const watch = watchBacklog();
      let sent = 0;
      let idleRounds = 0;
      try {
        // Rounds of trySend until it refuses, with a pause for the loop between them,
        // until nothing more is taken for 10 rounds in a row (at most 4000 rounds).
        for (let round = 0; round < 4000 && idleRounds < 10; round++) {
          const before = sent;
          while (sent - before < 100_000 && push.trySend(burstFrame(sent))) sent++;
          idleRounds = sent === before ? idleRounds + 1 : 0;
          await pause(round < 100 ? 0 : 5);
        }
      } finally {
        watch.stop();
      }
      expect(idleRounds, "the PUSH ends up blocked").to.equal(10);
      expect(watch.max, "largest stream backlog (bytes)").to.be.at.most(BACKLOG_BOUND);
      // Every message taken arrives, in order.
      for (let i = 0; i < sent; i++) {
        const [frame] = await pull.recv();
        if (frame!.readUInt32BE(1) !== i) expect.fail(`message ${i}: got ${frame!.readUInt32BE(1)}`);
      }
      expect(push.trySend(burstFrame(sent)), "room again once the peer read").to.equal(true);
    });

    it(`PUB to a subscriber that stops reading drops instead of buffering (${transport})`, async () => {
      const pub = ctx.socket("PUB");
      const sub = ctx.socket("SUB", { receiveTimeout: 1000 });
      sub.subscribe();
      const ep = await pub.bind(bindAt(transport));
      await connectReady(sub, ep, transport);
      await probeUntil(pub, sub.recv());
      const watch = watchBacklog();
      try {
        // 300 rounds of 5000 (27 MB of frames), the loop turning in between: far more than the kernel holds.
        for (let round = 0; round < 300; round++) {
          for (let i = 0; i < 5000; i++) await pub.send(burstFrame(i));
          await pause(0);
        }
      } finally {
        watch.stop();
      }
      expect(watch.max, "largest stream backlog (bytes)").to.be.at.most(BACKLOG_BOUND);
    });

    it(`a peer's last messages before it closes arrive even while they wait for room in the queue (${transport})`, async () => {
      const pull = ctx.socket("PULL", { receiveTimeout: 5000 });
      const ep = await pull.bind(bindAt(transport));
      // A bare ZMTP PUSH: greeting and READY, n frames, then its end, all before we read one.
      // As many as the kernel buffers hold for a peer that is not read (a unix socket holds less).
      const n = transport === "tcp" ? 20_000 : 6_000;
      const frames = Buffer.alloc(n * 18);
      for (let i = 0; i < n; i++) {
        frames[i * 18 + 1] = 16;
        burstFrame(i).copy(frames, i * 18 + 2);
      }
      const peer = transport === "tcp" ? net.connect({ host: "127.0.0.1", port: Number(ep.slice(ep.lastIndexOf(":") + 1)) }) : net.connect({ path: ep.slice("ipc://".length) });
      peer.on("error", () => {});
      peer.on("data", () => {});
      // Our end goes out behind the frames: the PULL sees it while its queue is full.
      const finished = new Promise<void>((resolve) => peer.once("finish", () => resolve()));
      peer.once("connect", () => peer.end(Buffer.concat([nullHandshake("PUSH"), frames])));
      await withTimeout(finished, 10_000, "the bare PUSH writing its frames and its end");
      for (let i = 0; i < n; i++) {
        const [frame] = await pull.recv();
        if (frame!.readUInt32BE(1) !== i) expect.fail(`message ${i}: got ${frame!.readUInt32BE(1)}`);
      }
      peer.destroy();
    });

    it(`a burst followed at once by close() is delivered whole (linger, ${transport})`, async () => {
      const pull = ctx.socket("PULL", { receiveTimeout: 5000 });
      const push = ctx.socket("PUSH", { linger: 5000 });
      const ep = await pull.bind(bindAt(transport));
      await connectReady(push, ep, transport, pull);
      for (let i = 0; i < BURST; i++) await push.send(burstFrame(i));
      push.close();
      for (let i = 0; i < BURST; i++) {
        const [frame] = await pull.recv();
        if (frame!.readUInt32BE(1) !== i) expect.fail(`message ${i}: got ${frame!.readUInt32BE(1)}`);
      }
    });
  }
});
