/**
 * Hostile peers that try to make zocket buffer: bytes flooded while a ZAP
 * answer is pending, PINGs from a peer that never reads, messages flooded at a
 * socket whose queue is full, and one busy peer starving a quiet one. Each
 * attacker writes only as fast as the connection takes its bytes, so the
 * bytes it manages to hand over are what zocket read (and would have to
 * hold): the bounds below are on those, and on this process's RSS.
 */
import { expect } from "chai";
import net from "node:net";
import * as zmq from "zeromq";
import type { Context } from "../../src/index.js";
import { encodeCommand, encodeMetadata } from "../../src/zmtp/commands.js";
import { encodeGreeting } from "../../src/zmtp/greeting.js";
import { ChildPeer } from "../support/child.js";
import { closeAndTerm, trackedContext } from "../support/context.js";

const MiB = 1024 * 1024;
const latin = (s: string): Buffer => Buffer.from(s, "latin1");
const portOf = (ep: string): number => Number(ep.slice(ep.lastIndexOf(":") + 1));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const nullHandshake = (type: string): Buffer =>
  Buffer.concat([encodeGreeting("NULL", false), encodeCommand("READY", encodeMetadata([["Socket-Type", latin(type)]]))]);

interface Flood {
  /** Bytes the connection took from us (what the other side read, or its kernel holds). */
  written: number;
  /** Bytes the other side sent us (read only when `read` is set). */
  received: number;
  closed: boolean;
}

/**
 * Connects, writes `head`, then writes `unit` again and again for `ms`, only
 * as fast as the connection takes it (never more than `cap` bytes).
 */
function flood(port: number, head: Buffer, unit: Buffer, ms: number, opts: { cap?: number; readAfterMs?: number } = {}): Promise<Flood> {
  const cap = opts.cap ?? 512 * MiB;
  return new Promise((resolve) => {
    const r: Flood = { written: 0, received: 0, closed: false };
    const s = net.connect({ host: "127.0.0.1", port, noDelay: true });
    const batch = Buffer.concat(Array.from({ length: Math.max(1, Math.floor(65536 / unit.length)) }, () => unit));
    let stop = false;
    const done = (): void => {
      stop = true;
      clearTimeout(t);
      s.destroy();
      resolve(r);
    };
    // Then, with `readAfterMs`, stop writing and count what the other side had queued for us.
    const t = setTimeout(() => {
      if (opts.readAfterMs === undefined) return done();
      stop = true;
      s.on("data", (d: Buffer) => (r.received += d.length));
      setTimeout(done, opts.readAfterMs);
    }, ms);
    s.on("error", () => {});
    s.on("close", () => {
      r.closed = true;
      done();
    });
    s.on("connect", () => {
      s.write(head);
      const pump = (): void => {
        while (!stop && r.written < cap) {
          r.written += batch.length;
          if (!s.write(batch)) {
            s.once("drain", pump);
            return;
          }
        }
      };
      pump();
    });
  });
}

function rssMiB(): number {
  return process.memoryUsage().rss / MiB;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

describe("hostile peers cannot make zocket buffer", function () {
  this.timeout(30000);
  let ctx: Context;
  beforeEach(() => {
    ctx = trackedContext({ blocky: false });
  });
  afterEach(() => closeAndTerm(ctx));

  it("bytes flooded while a ZAP answer is pending are not read: ≤ 16 MiB taken in 2 s, RSS grows ≤ 64 MiB; a good client is served afterwards", async () => {
    // A ZAP handler that keeps the flooder waiting (2.5 s) and admits "good" at once.
    const zap = ctx.socket("ROUTER");
    await zap.bind("inproc://zeromq.zap.01");
    void (async () => {
      for await (const [id, empty, version, requestId, , , , mechanism, user] of zap) {
        const ok = String(mechanism) === "PLAIN" && String(user) === "good";
        if (!ok) await sleep(2500);
        await zap.send([id!, empty!, version!, requestId!, ok ? "200" : "400", ok ? "OK" : "no", "", ""]).catch(() => {});
      }
    })();
    const server = ctx.socket("PULL", { plainServer: true, receiveTimeout: 5000 });
    const ep = await server.bind("tcp://127.0.0.1:*");
    const user = latin("flood");
    const pass = latin("x");
    const hello = encodeCommand("HELLO", Buffer.concat([Buffer.from([user.length]), user, Buffer.from([pass.length]), pass]));
    const rss0 = rssMiB();
    let peak = rss0;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMiB())), 20);
    const r = await flood(portOf(ep), Buffer.concat([encodeGreeting("PLAIN", false), hello]), Buffer.alloc(65536, 0x41), 2000);
    clearInterval(sampler);
    expect(r.written, `bytes the server took while ZAP was pending (${(r.written / MiB).toFixed(1)} MiB)`).to.be.at.most(16 * MiB);
    expect(peak - rss0, `RSS growth (MiB) during the flood`).to.be.at.most(64);
    // The server still serves a well-behaved libzmq PLAIN client.
    const good = new zmq.Push({ linger: 0, plainUsername: "good", plainPassword: "pw" });
    try {
      good.connect(ep);
      await good.send("after the flood");
      expect(String((await server.recv())[0])).to.equal("after the flood");
    } finally {
      good.close();
    }
  });

  it("a peer that floods PINGs and never reads costs one pending PONG: ≤ 1 MiB queued for it after 2 s, RSS grows ≤ 64 MiB; a libzmq peer is served afterwards", async () => {
    const pull = ctx.socket("PULL");
    const ep = await pull.bind("tcp://127.0.0.1:*");
    const ping = encodeCommand("PING", Buffer.from([0, 0, 0x41, 0x42, 0x43, 0x44]));
    const rss0 = rssMiB();
    let peak = rss0;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMiB())), 20);
    const r = await flood(portOf(ep), nullHandshake("PUSH"), ping, 2000, { readAfterMs: 500 });
    clearInterval(sampler);
    expect(r.written, "PINGs written (a flood)").to.be.above(4 * MiB);
    // What zocket had queued for us: its greeting, READY and a PONG a turn (each answers every PING read in that turn).
    expect(r.received, `bytes zocket had queued for a peer that never read (${(r.received / MiB).toFixed(2)} MiB)`).to.be.at.most(MiB);
    const push = new zmq.Push({ linger: 0 });
    try {
      push.connect(ep);
      await push.send("well-behaved");
      pull.receiveTimeout = 5000;
      expect(String((await pull.recv())[0])).to.equal("well-behaved");
    } finally {
      push.close();
    }
    expect(peak - rss0, `RSS growth (MiB) after ${(r.written / MiB).toFixed(0)} MiB of PINGs`).to.be.at.most(64);
  });

  it("messages flooded at a PULL whose queue is full are not read: ≤ 16 MiB taken in 2 s, RSS grows ≤ 64 MiB; a libzmq peer is served afterwards", async () => {
    const pull = ctx.socket("PULL", { receiveHighWaterMark: 10, receiveTimeout: 5000 });
    const ep = await pull.bind("tcp://127.0.0.1:*");
    const rss0 = rssMiB();
    let peak = rss0;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMiB())), 20);
    const msg = Buffer.concat([Buffer.from([0x00, 16]), Buffer.alloc(16, 0x46)]);
    const r = await flood(portOf(ep), nullHandshake("PUSH"), msg, 2000);
    clearInterval(sampler);
    expect(r.written, `bytes the PULL took with its queue full (${(r.written / MiB).toFixed(1)} MiB)`).to.be.at.most(16 * MiB);
    expect(peak - rss0, "RSS growth (MiB) during the flood").to.be.at.most(64);
    // The flooder is gone; what it left in the queue is readable; a libzmq peer is served.
    const push = new zmq.Push({ linger: 0 });
    try {
      push.connect(ep);
      await push.send("well-behaved");
      let seen = false;
      for (let i = 0; i < 200_000 && !seen; i++) seen = String((await pull.recv())[0]) === "well-behaved";
      expect(seen).to.equal(true);
    } finally {
      push.close();
    }
  });

  for (const size of [16, 3]) {
    it(`one peer flooding ${size}-byte messages does not starve a quiet one: its messages' p99 latency ≤ 25 ms, a 10 ms timer's p99 gap ≤ 25 ms`, async () => {
      const pull = ctx.socket("PULL");
      const ep = await pull.bind("tcp://127.0.0.1:*");
      const flooder = new ChildPeer("flood-child", [String(portOf(ep)), String(size)]);
      const quiet = new zmq.Push({ linger: 0 });
      const latencies: number[] = [];
      const gaps: number[] = [];
      let reading = true;
      let flooded = 0;
      try {
        await flooder.line("flooding");
        quiet.connect(ep);
        const reader = (async () => {
          while (reading) {
            const [frame] = await pull.recv();
            if (frame!.length === 8) latencies.push(performance.now() - frame!.readDoubleLE(0));
            else flooded++;
          }
        })();
        // Let the flood reach full speed, then measure for 2 s.
        await sleep(300);
        let last = performance.now();
        const timer = setInterval(() => {
          const now = performance.now();
          gaps.push(now - last);
          last = now;
        }, 10);
        for (let i = 0; i < 200; i++) {
          const b = Buffer.alloc(8);
          b.writeDoubleLE(performance.now(), 0);
          await quiet.send(b);
          await sleep(10);
        }
        clearInterval(timer);
        reading = false;
        await quiet.send(Buffer.alloc(9)); // wakes the reader if it waits (not a timed message: 9 bytes)
        await Promise.race([reader, sleep(1000)]);
      } finally {
        reading = false;
        quiet.close();
        await flooder.kill();
      }
      const p99 = percentile(latencies, 99);
      const gap99 = percentile(gaps, 99);
      expect(flooded, "flood messages received (the flood ran)").to.be.above(10_000);
      expect(latencies.length, "quiet messages received").to.be.at.least(150);
      expect(p99, `quiet peer p99 latency (ms; max ${Math.max(...latencies).toFixed(1)})`).to.be.at.most(25);
      expect(gap99, `10 ms timer p99 gap (ms; max ${Math.max(...gaps).toFixed(1)})`).to.be.at.most(25);
    });
  }
});
