/**
 * XPUB's fan-out and subscription reports (RFC 29), seen from outside:
 * 1. What an XPUB writes to each subscriber, read off the wire by bare ZMTP
 *    SUB engines (no filter of their own, so a message sent to the wrong
 *    peer, or twice, shows): random subscribe/cancel sequences from several
 *    peers, random messages, then some peers leave; checked against a model
 *    (topic → the peers holding it): each peer gets exactly the messages one
 *    of its prefixes matches, once, in order; the XPUB reports a topic's
 *    first subscribe and last cancel (every subscribe with xpubVerbose), and
 *    a departing peer's topics when it held them last.
 * 2. xpubNoDrop waits for matching subscribers only.
 * 3. The cost of fan-out is the matching pipes: 1,000 subscribers of which one
 *    matches cost the publisher little more than one.
 * Every wait is bounded; sockets and connections are closed in `finally`.
 */
import { expect } from "chai";
import fc from "fast-check";
import net from "node:net";
import type { ReceivingSocket } from "../../src/index.js";
import { closeAndTerm, trackedContext } from "../support/context.js";
import { options, rec, type Rec } from "../zmtp/harness.js";
import { expectCode } from "../support/assert.js";
import { sleep, withTimeout } from "../support/threads.js";

const SEED = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : 20261130;
const SCALE = Number(process.env.FC_SCALE ?? 1);

/** A SUB peer made of the transport-free ZMTP engine on a tcp socket: it records every message the XPUB sends it. */
class BareSub {
  readonly r: Rec;
  readonly sock: net.Socket;

  constructor(port: number) {
    this.r = rec(options("SUB"));
    this.sock = net.connect({ host: "127.0.0.1", port });
    this.sock.on("error", () => {});
    this.r.onWrite = (bufs) => {
      this.r.out.length = 0;
      for (const b of bufs) this.sock.write(b);
    };
    this.sock.on("data", (d: Buffer) => this.r.conn.receive(d));
    this.sock.once("connect", () => this.r.conn.start());
  }

  async ready(): Promise<void> {
    for (let i = 0; i < 500 && this.r.ready === null; i++) await sleep(5);
    expect(this.r.ready, "bare SUB: handshake").to.not.equal(null);
  }

  subscribe(topic: string, on = true): void {
    this.r.conn.sendSubscribe(Buffer.from(topic, "latin1"), on);
    this.r.conn.flush();
  }

  get received(): string[] {
    return this.r.messages.map((m) => m.map((f) => f.toString("latin1")).join("|"));
  }

  close(): void {
    this.r.conn.close();
    this.sock.destroy();
  }
}

/** The XPUB's next report as "+topic" / "-topic", or null after its receiveTimeout. */
async function nextReport(xpub: ReceivingSocket): Promise<string | null> {
  try {
    const [m] = await xpub.recv();
    return `${m![0] === 1 ? "+" : "-"}${m!.subarray(1).toString("latin1")}`;
  } catch (err) {
    expectCode(err, "EAGAIN");
    return null;
  }
}

/** The XPUB's reports until a receiveTimeout passes without one. */
async function reports(xpub: ReceivingSocket): Promise<string[]> {
  const out: string[] = [];
  for (let r = await nextReport(xpub), i = 0; r !== null && i < 10_000; r = await nextReport(xpub), i++) out.push(r);
  return out;
}

let syncSeq = 0;
/** Subscribes and cancels a unique topic through `peer`: once the XPUB reported both, everything the peer sent before was read. */
async function sync(xpub: ReceivingSocket, peer: BareSub): Promise<string[]> {
  const t = `~sync-${++syncSeq}`;
  peer.subscribe(t, true);
  peer.subscribe(t, false);
  const seen: string[] = [];
  const until = Date.now() + 5000;
  while (!seen.includes(`-${t}`)) {
    expect(Date.now() < until, `XPUB: the sync topic ${t} within 5 s`).to.equal(true);
    const r = await nextReport(xpub);
    if (r !== null) seen.push(r);
  }
  return seen.filter((s) => !s.startsWith("+~sync-") && !s.startsWith("-~sync-"));
}

type Op = { peer: number; subscribe: boolean; topic: string };
const topicArb = fc.constantFrom("", "a", "ab", "abc", "b", "ba", "c");
const opArb = (peers: number): fc.Arbitrary<Op> =>
  fc.record({ peer: fc.integer({ min: 0, max: peers - 1 }), subscribe: fc.boolean(), topic: topicArb });
const scenario = fc.integer({ min: 1, max: 5 }).chain((peers) =>
  fc.record({
    peers: fc.constant(peers),
    verbose: fc.boolean(),
    ops: fc.array(opArb(peers), { minLength: 1, maxLength: 16 }),
    messages: fc.array(fc.stringMatching(/^[abcd]{0,4}$/), { maxLength: 12 }),
    leaving: fc.array(fc.boolean(), { minLength: peers, maxLength: peers }),
  }),
);

describe("XPUB fan-out and reports", function () {
  this.timeout(60_000);

  it("bare ZMTP subscribers over tcp get exactly what their prefixes match, once, in order; first subscribe / last cancel reported (every subscribe when verbose), and a departing peer's last-held topics", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (sc) => {
        const ctx = trackedContext({ blocky: false });
        const xpub = ctx.socket("XPUB", { xpubVerbose: sc.verbose, receiveTimeout: 30 });
        const peers: BareSub[] = [];
        try {
          const ep = await xpub.bind("tcp://127.0.0.1:*");
          const port = Number(ep.slice(ep.lastIndexOf(":") + 1));
          for (let i = 0; i < sc.peers; i++) peers.push(new BareSub(port));
          for (const p of peers) await p.ready();
          for (const p of peers) await sync(xpub, p);

          // The model: topic → the peers holding it.
          const holders = new Map<string, Set<number>>();
          const expectedReports: string[] = [];
          const gotReports: string[] = [];
          for (const op of sc.ops) {
            const set = holders.get(op.topic) ?? new Set<number>();
            if (op.subscribe) {
              if (set.size === 0 || sc.verbose) expectedReports.push(`+${op.topic}`);
              holders.set(op.topic, set.add(op.peer));
            } else if (set.delete(op.peer) && set.size === 0) {
              expectedReports.push(`-${op.topic}`);
              holders.delete(op.topic);
            }
            peers[op.peer]!.subscribe(op.topic, op.subscribe);
            // One at a time: across connections the XPUB reads in no fixed order.
            gotReports.push(...(await sync(xpub, peers[op.peer]!)));
          }
          expect(gotReports, "reports").to.deep.equal(expectedReports);

          // Each peer also holds an end topic of its own; messages are sent after, then every end marker.
          for (const [i, p] of peers.entries()) {
            p.subscribe(`~end-${i}`);
            expect(await sync(xpub, p), "the end topic's report").to.deep.equal([`+~end-${i}`]);
          }
          const sent = [...sc.messages.map((m) => `${m}|x`), ...peers.map((_, i) => `~end-${i}|x`)];
          for (const m of sent) await xpub.send(m.split("|"));
          const want = peers.map((_, i) =>
            sent.filter((m) => {
              const first = m.split("|")[0]!;
              if (first === `~end-${i}`) return true;
              for (const [t, set] of holders) if (set.has(i) && first.startsWith(t)) return true;
              return false;
            }),
          );
          for (const [i, p] of peers.entries()) {
            for (let k = 0; k < 300 && p.received.length < want[i]!.length; k++) await sleep(5);
          }
          await sleep(30); // anything extra would be on its way by now
          expect(peers.map((p) => p.received), "what each peer received").to.deep.equal(want);

          // Some peers leave: their topics are cancelled, reported where they were the last holders.
          const leaving = peers.flatMap((_, i) => (sc.leaving[i] === true ? [i] : []));
          const expectedCancels: string[] = [];
          for (const [t, set] of holders) if ([...set].every((i) => leaving.includes(i))) expectedCancels.push(`-${t}`);
          for (const i of leaving) expectedCancels.push(`-~end-${i}`);
          for (const i of leaving) peers[i]!.close();
          const cancels: string[] = [];
          for (let k = 0; k < 100 && cancels.length < expectedCancels.length; k++) cancels.push(...(await reports(xpub)));
          cancels.push(...(await reports(xpub))); // and nothing more
          expect(cancels.sort(), "reports after peers left").to.deep.equal(expectedCancels.sort());
        } finally {
          for (const p of peers) p.close();
          await withTimeout(closeAndTerm(ctx), 5000, "ctx.term()");
        }
      }),
      { numRuns: Math.ceil(25 * SCALE), seed: SEED },
    );
  });

  it("xpubNoDrop waits for the matching subscribers only: a full one blocks its topic (EAGAIN after sendTimeout), not the others", async () => {
    const ctx = trackedContext({ blocky: false });
    try {
      const xpub = ctx.socket("XPUB", { xpubNoDrop: true, sendHighWaterMark: 2, sendTimeout: 100 });
      await xpub.bind("inproc://nodrop-matching");
      const slow = ctx.socket("SUB", { receiveHighWaterMark: 2, receiveTimeout: 1000 });
      const fast = ctx.socket("SUB", { receiveTimeout: 1000 });
      slow.connect("inproc://nodrop-matching");
      fast.connect("inproc://nodrop-matching");
      slow.subscribe("a");
      fast.subscribe("b");
      await xpub.recv();
      await xpub.recv();
      let sent = 0;
      let blocked = false;
      for (let i = 0; i < 100 && !blocked; i++) {
        try {
          await xpub.send(`a${i}`);
          sent++;
        } catch (err) {
          expectCode(err, "EAGAIN");
          blocked = true;
        }
      }
      expect(blocked, "sending to the full subscriber blocked").to.equal(true);
      expect(sent).to.be.below(100);
      for (let i = 0; i < 200; i++) await withTimeout(xpub.send(`b${i}`), 1000, `send b${i}`);
      for (let i = 0; i < 200; i++) expect(String((await fast.recv())[0])).to.equal(`b${i}`);
      // Once the slow one reads, its topic flows again.
      expect(String((await slow.recv())[0])).to.equal("a0");
      await withTimeout(xpub.send("a-again"), 1000, "send after the slow subscriber read");
    } finally {
      await withTimeout(closeAndTerm(ctx), 5000, "ctx.term()");
    }
  });

  it("fan-out costs the matching pipes: a PUB with 1,000 SUBs of which one matches sends at ≥ 0.25 × the rate it has with that SUB alone", async () => {
    /** Messages/s the matching SUB receives from a no-drop PUB over `ms`, with `others` SUBs on other prefixes. */
    async function rate(others: number, ms: number): Promise<number> {
      const ctx = trackedContext({ blocky: false });
      let sender: Promise<void> = Promise.resolve();
      try {
        const pub = ctx.socket("PUB", { xpubNoDrop: true });
        const ep = `inproc://fan-out-cost-${others}-${process.pid}`;
        await pub.bind(ep);
        for (let i = 0; i < others; i++) {
          const s = ctx.socket("SUB");
          s.connect(ep);
          s.subscribe(`other-${i}`);
        }
        const sub = ctx.socket("SUB");
        sub.connect(ep);
        sub.subscribe("match");
        const msg = Buffer.from("match-0123456789");
        let stop = false;
        sender = (async () => {
          while (!stop) await pub.send(msg);
        })().catch(() => {});
        for (let i = 0; i < 2000; i++) await sub.recv();
        let n = 0;
        const t0 = performance.now();
        while (performance.now() - t0 < ms && n < 5_000_000) {
          for (let i = 0; i < 64; i++) await sub.recv();
          n += 64;
        }
        stop = true;
        return n / ((performance.now() - t0) / 1000);
      } finally {
        // Closing the PUB ends the sender's last send (ENOTSOCK).
        await withTimeout(closeAndTerm(ctx), 10_000, "ctx.term()");
        await sender;
      }
    }
    // Best of two for each, alternating, so that a GC pause or a busy neighbour does not decide.
    const one: number[] = [];
    const many: number[] = [];
    for (let k = 0; k < 2; k++) {
      one.push(await rate(0, 300));
      many.push(await rate(999, 300));
    }
    const ratio = Math.max(...many) / Math.max(...one);
    console.log(`      (1 SUB: ${Math.round(Math.max(...one))} msgs/s, 1,000 SUBs: ${Math.round(Math.max(...many))} msgs/s, ratio ${ratio.toFixed(2)})`);
    expect(ratio).to.be.at.least(0.25);
  });
});
