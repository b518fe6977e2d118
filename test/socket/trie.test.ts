/**
 * The subscription structures against models (fast-check): SubscriptionTrie
 * (counted, SUB/XSUB) against a Map topic → count, MTrie (PUB/XPUB) against a
 * Map topic → Set<pipe id>, Dist against a set of marked pipes, over random
 * subscribe / cancel / match / remove-pipe sequences whose topics overlap
 * (a small alphabet) and reach into long topics (prefixes of a few KiB, so
 * edges split and merge deep inside long labels). After each sequence the
 * radix trie's shape is checked: no empty leaf, children keyed by their
 * label's first byte, parent links right, no label holding more than twice
 * its bytes plus 64.
 * And topics of 1 MiB, with nothing walked recursively.
 * Runs are bounded and seeded (FC_SEED replays a seed, FC_SCALE multiplies the runs).
 */
import { expect } from "chai";
import fc from "fast-check";
import { Dist } from "../../src/socket/dist.js";
import { MTrie, RmResult } from "../../src/socket/mtrie.js";
import type { RadixNode } from "../../src/socket/radix.js";
import { SubscriptionTrie } from "../../src/socket/trie.js";
import type { Pipe } from "../../src/pipe/pipe.js";
import type { Msg } from "../../src/msg.js";
import { KiB, MiB, topic } from "../support/topics.js";

const SEED = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : 20261130;
const SCALE = Number(process.env.FC_SCALE ?? 1);
const params = (numRuns: number) => ({ numRuns: Math.ceil(numRuns * SCALE), seed: SEED });

const hexOf = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
const fromHex = (h: string): Buffer => Buffer.from(h, "hex");

/** A long base topic; generated topics are its prefixes plus a short tail, so they share long edges. */
const LONG = topic("long-base", 6 * KiB);

/** Short topics over a tiny alphabet (lots of shared prefixes), or a prefix of LONG (cut anywhere) with a short tail. */
const short = fc.array(fc.constantFrom(0x61, 0x62, 0x63, 0x00, 0xff), { maxLength: 6 }).map((a) => Buffer.from(a));
const topicArb = fc.oneof(
  { weight: 3, arbitrary: short },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.integer({ min: 0, max: LONG.length }), short).map(([n, tail]) => Buffer.concat([LONG.subarray(0, n), tail])),
  },
  // Close to the end of LONG, or at 64-byte steps: splits of the long edges near its ends and near SLACK.
  {
    weight: 1,
    arbitrary: fc.tuple(fc.integer({ min: 0, max: 100 }), fc.boolean(), short).map(([k, fromEnd, tail]) =>
      Buffer.concat([LONG.subarray(0, fromEnd ? LONG.length - k : k * 64), tail]),
    ),
  },
);

/** Data to match: a topic, maybe extended, so prefixes and non-prefixes both occur. */
const dataArb = fc.tuple(topicArb, short).map(([t, tail]) => Buffer.concat([t, tail]));

/** Every node of a radix trie, iteratively, with its parent and the parent's key for it. */
function nodesOf<V>(root: RadixNode<V>): { node: RadixNode<V>; key: number | null; parent: RadixNode<V> | null }[] {
  const out: { node: RadixNode<V>; key: number | null; parent: RadixNode<V> | null }[] = [{ node: root, key: null, parent: null }];
  for (let i = 0; i < out.length; i++) {
    const parent = out[i]!.node;
    for (const [k, child] of parent.children ?? []) out.push({ node: child, key: k, parent });
  }
  return out;
}

/** The radix trie's shape: the invariants every operation must keep. */
function checkShape<V>(root: RadixNode<V>): void {
  expect(root.label.length, "root label").to.equal(0);
  for (const { node, key, parent } of nodesOf(root)) {
    if (node.children !== null) expect(node.children.size, "an empty children map is null").to.be.above(0);
    expect(node.parent === parent, "a node's parent link is its parent").to.equal(true);
    if (key === null) continue;
    expect(node.label.length, "a label is never empty").to.be.above(0);
    expect(node.label[0], "children are keyed by their label's first byte").to.equal(key);
    expect(node.value !== null || node.children !== null, "no node holds nothing and leads nowhere").to.equal(true);
    const buf = node.label.buffer.byteLength;
    expect(buf, `a label of ${node.label.length} bytes holds ${buf}`).to.be.at.most(2 * node.label.length + 64);
  }
}

const internals = <V>(t: unknown): RadixNode<V> => (t as { trie: { root: RadixNode<V> } }).trie.root;

type TrieCmd = { op: "add"; t: Buffer } | { op: "remove"; t: Buffer } | { op: "match"; d: Buffer };
const trieCmd: fc.Arbitrary<TrieCmd> = fc.oneof(
  { weight: 4, arbitrary: topicArb.map((t) => ({ op: "add" as const, t })) },
  { weight: 3, arbitrary: topicArb.map((t) => ({ op: "remove" as const, t })) },
  { weight: 3, arbitrary: dataArb.map((d) => ({ op: "match" as const, d })) },
);

describe("subscription structures (fast-check against models)", function () {
  this.timeout(60_000);

  it("SubscriptionTrie is a counted prefix set: add/remove/has/matches/entries agree with a Map topic → count", () => {
    fc.assert(
      fc.property(fc.array(trieCmd, { minLength: 1, maxLength: 80 }), (cmds) => {
        const trie = new SubscriptionTrie();
        const model = new Map<string, number>();
        for (const c of cmds) {
          if (c.op === "add") {
            const k = hexOf(c.t);
            expect(trie.add(c.t), "add: new topic").to.equal(!model.has(k));
            model.set(k, (model.get(k) ?? 0) + 1);
          } else if (c.op === "remove") {
            const k = hexOf(c.t);
            const n = model.get(k) ?? 0;
            expect(trie.remove(c.t), "remove: gone").to.equal(n === 1);
            if (n === 1) model.delete(k);
            else if (n > 1) model.set(k, n - 1);
          } else {
            const d = hexOf(c.d);
            expect(trie.matches(c.d), "matches").to.equal([...model.keys()].some((k) => d.startsWith(k)));
          }
        }
        for (const [k] of model) expect(trie.has(fromHex(k))).to.equal(true);
        const entries = trie.entries().map((e) => [hexOf(e.topic), e.count] as const);
        expect(new Map(entries)).to.deep.equal(model);
        expect(entries.length).to.equal(model.size);
        checkShape(internals<number>(trie));
        // A copy through entries is the same set.
        expect(new Map(SubscriptionTrie.fromEntries(trie.entries()).entries().map((e) => [hexOf(e.topic), e.count]))).to.deep.equal(model);
      }),
      params(300),
    );
  });

  type MCmd = { op: "add"; t: Buffer; p: number } | { op: "rm"; t: Buffer; p: number } | { op: "rmPipe"; p: number } | { op: "match"; d: Buffer };
  const pipeArb = fc.integer({ min: 0, max: 4 });
  const mCmd: fc.Arbitrary<MCmd> = fc.oneof(
    { weight: 5, arbitrary: fc.tuple(topicArb, pipeArb).map(([t, p]) => ({ op: "add" as const, t, p })) },
    { weight: 3, arbitrary: fc.tuple(topicArb, pipeArb).map(([t, p]) => ({ op: "rm" as const, t, p })) },
    { weight: 1, arbitrary: pipeArb.map((p) => ({ op: "rmPipe" as const, p })) },
    { weight: 3, arbitrary: dataArb.map((d) => ({ op: "match" as const, d })) },
  );

  it("MTrie maps prefixes to pipe sets: add/rm/rmPipe/match/entries agree with a Map topic → Set<pipe>", () => {
    fc.assert(
      fc.property(fc.array(mCmd, { minLength: 1, maxLength: 80 }), (cmds) => {
        const m = new MTrie<number>();
        const model = new Map<string, Set<number>>();
        for (const c of cmds) {
          if (c.op === "add") {
            const k = hexOf(c.t);
            const set = model.get(k) ?? new Set<number>();
            expect(m.add(c.t, c.p), "add: first pipe on the topic").to.equal(set.size === 0);
            model.set(k, set.add(c.p));
          } else if (c.op === "rm") {
            const k = hexOf(c.t);
            const set = model.get(k);
            const expected = set === undefined || !set.has(c.p) ? RmResult.notFound : set.size === 1 ? RmResult.lastValueRemoved : RmResult.valuesRemain;
            expect(m.rm(c.t, c.p), "rm").to.equal(expected);
            set?.delete(c.p);
            if (set?.size === 0) model.delete(k);
          } else if (c.op === "rmPipe") {
            const last: string[] = [];
            m.rmPipe(c.p, (t) => last.push(hexOf(t)));
            const expected: string[] = [];
            for (const [k, set] of model) {
              if (!set.delete(c.p)) continue;
              if (set.size === 0) {
                expected.push(k);
                model.delete(k);
              }
            }
            expect(last.sort(), "rmPipe: topics it held last").to.deep.equal(expected.sort());
          } else {
            const d = hexOf(c.d);
            const got: number[] = [];
            m.match(c.d, (p, out) => out.push(p), got);
            const expected: number[] = [];
            for (const [k, set] of model) if (d.startsWith(k)) expected.push(...set);
            expect(got.sort(), "match: each pipe once per prefix it holds").to.deep.equal(expected.sort());
          }
        }
        const entries = m.entries().map((e) => [hexOf(e.topic), new Set(e.pipes)] as const);
        expect(new Map(entries)).to.deep.equal(model);
        checkShape(internals<Set<number>>(m));
      }),
      params(300),
    );
  });

  it("Dist writes a message once to each pipe marked since the last unmatch, and to no other, as pipes come and go", () => {
    type DCmd = { op: "attach" | "terminated" | "match"; p: number } | { op: "send" };
    const dCmd: fc.Arbitrary<DCmd> = fc.oneof(
      fc.integer({ min: 0, max: 7 }).map((p) => ({ op: "attach" as const, p })),
      fc.integer({ min: 0, max: 7 }).map((p) => ({ op: "terminated" as const, p })),
      { weight: 3, arbitrary: fc.integer({ min: 0, max: 7 }).map((p) => ({ op: "match" as const, p })) },
      fc.constant({ op: "send" as const }),
    );
    fc.assert(
      fc.property(fc.array(dCmd, { maxLength: 60 }), (cmds) => {
        const written = new Map<number, number>();
        const pipes = Array.from({ length: 8 }, (_, i) => ({ checkWrite: () => true, write: () => void written.set(i, (written.get(i) ?? 0) + 1) }) as unknown as Pipe);
        const dist = new Dist();
        const attached = new Set<number>();
        let marked = new Set<number>();
        for (const c of cmds) {
          if (c.op === "attach") {
            dist.attach(pipes[c.p]!);
            attached.add(c.p);
          } else if (c.op === "terminated") {
            dist.terminated(pipes[c.p]!);
            attached.delete(c.p);
            marked.delete(c.p);
          } else if (c.op === "match") {
            dist.match(pipes[c.p]!);
            if (attached.has(c.p)) marked.add(c.p);
          } else {
            written.clear();
            expect(dist.checkHwm()).to.equal(true);
            dist.sendToMatching([Buffer.from("m")] as Msg);
            dist.unmatch();
            expect(new Map([...written].sort((a, b) => a[0] - b[0]))).to.deep.equal(new Map([...marked].sort((a, b) => a - b).map((p) => [p, 1])));
            marked = new Set();
          }
          expect(dist.size).to.equal(attached.size);
        }
      }),
      params(300),
    );
  });

  it("1 MiB topics: a counted trie and an mtrie hold them in about their size, split them near either end, list them and remove them without recursion", () => {
    const big = topic("big", MiB);
    const cuts = [1, 2, 63, 64, 65, 4096, MiB / 2, MiB - 65, MiB - 1];
    const trie = new SubscriptionTrie();
    const m = new MTrie<number>();
    trie.add(big);
    m.add(big, 1);
    // Each cut's pipe is 100 + its length's index.
    const pipeOf = (n: number): number => 100 + cuts.indexOf(n);
    for (const n of cuts) {
      trie.add(big.subarray(0, n));
      m.add(big.subarray(0, n), pipeOf(n));
    }
    // A second long topic that leaves the first one half way.
    const other = Buffer.concat([big.subarray(0, MiB / 2), topic("other", MiB / 2)]);
    trie.add(other);
    m.add(other, 2);
    for (const root of [internals<unknown>(trie), internals<unknown>(m)]) {
      checkShape(root);
      let bytes = 0;
      for (const { node } of nodesOf(root)) bytes += node.label.buffer.byteLength;
      // The distinct bytes are 1.5 MiB; each label holds at most twice its own.
      expect(bytes, "bytes held by the labels").to.be.at.most(3 * MiB + 64 * 32);
    }
    expect(trie.matches(Buffer.concat([big, Buffer.from("!")]))).to.equal(true);
    expect(trie.entries().map((e) => e.topic.length).sort((a, b) => a - b)).to.deep.equal([...cuts, MiB, MiB].sort((a, b) => a - b));
    const got: number[] = [];
    m.match(big, (p, out) => out.push(p), got);
    expect(got.sort((a, b) => a - b)).to.deep.equal([1, ...cuts.map(pipeOf)].sort((a, b) => a - b));
    // Remove the long ones first, then every cut, in an order that splits and merges.
    expect(trie.remove(big)).to.equal(true);
    expect(m.rm(big, 1)).to.equal(RmResult.lastValueRemoved);
    const reported: number[] = [];
    m.rmPipe(2, (t) => reported.push(t.length));
    expect(reported).to.deep.equal([MiB]);
    expect(trie.remove(other)).to.equal(true);
    for (const n of [...cuts].reverse()) {
      expect(trie.remove(big.subarray(0, n))).to.equal(true);
      expect(m.rm(big.subarray(0, n), pipeOf(n))).to.equal(RmResult.lastValueRemoved);
      checkShape(internals<number>(trie));
      checkShape(internals<Set<number>>(m));
    }
    expect(trie.entries()).to.deep.equal([]);
    expect(m.entries()).to.deep.equal([]);
    expect(nodesOf(internals<number>(trie)).length, "nodes left").to.equal(1);
    expect(nodesOf(internals<Set<number>>(m)).length, "nodes left").to.equal(1);
  });

  it("removing a pipe costs its own topics: 2,000 pipes of one topic each leave an mtrie where another pipe holds 50,000 (bounded in time)", () => {
    const m = new MTrie<number>();
    // The departing pipes' topics first: a walk in insertion order would meet the 50,000 before them.
    for (let p = 1; p <= 2000; p++) m.add(Buffer.from(`own-${p}`), p);
    for (let i = 0; i < 50_000; i++) m.add(Buffer.from(`held-${i}-${"x".repeat(i % 40)}`), 0);
    const t0 = Date.now();
    const last: string[] = [];
    for (let p = 1; p <= 2000; p++) m.rmPipe(p, (t) => last.push(Buffer.from(t).toString()));
    const ms = Date.now() - t0;
    expect(last.length).to.equal(2000);
    expect(last[1999]).to.equal("own-2000");
    // Walking 50,000 topics per departing pipe would take seconds.
    expect(ms, "ms for 2,000 departures").to.be.below(500);
    expect(m.entries().length).to.equal(50_000);
  });

  it("subscribe/cancel of short prefixes of a 1 MiB topic, 2,000 times, copies nothing like 1 MiB each time (bounded in time)", () => {
    const big = topic("churn", MiB);
    const trie = new SubscriptionTrie();
    trie.add(big);
    const t0 = Date.now();
    for (let i = 0; i < 2000; i++) {
      const p = big.subarray(0, 1 + (i % 50));
      trie.add(p);
      trie.remove(p);
    }
    const ms = Date.now() - t0;
    // 2,000 copies of 1 MiB would take seconds; the cycles touch a few bytes each.
    expect(ms, "ms for 2,000 subscribe/cancel cycles").to.be.below(1000);
    checkShape(internals<number>(trie));
    expect(trie.entries().map((e) => e.topic.length)).to.deep.equal([MiB]);
  });
});
