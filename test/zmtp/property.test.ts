/**
 * Property-based tests of the ZMTP codec and handshake (fast-check):
 *  - random message lists framed by FrameEncoder read back identically from
 *    the wire bytes whatever way they are split, and the encoder's bytes are
 *    the spec's encoding;
 *  - random mutations of a valid stream never throw out of receive(), fail
 *    the connection at most once, and deliver exactly what an independent
 *    whole-buffer reading of the mutated bytes yields (differential);
 *  - mutations of the greeting and READY, and truncation anywhere, never
 *    deliver a message that was not sent: what arrives is the sent messages,
 *    in order, or a prefix of them (a peer dying mid-message delivers nothing
 *    partial).
 * (A mutated frame header or body can of course encode another valid message;
 * ZMTP has no checksum, so for those only the differential property holds.)
 * Runs are bounded and seeded (FC_SEED replays a seed, FC_SCALE multiplies the runs).
 */
import { expect } from "chai";
import fc from "fast-check";
import { encodeCommand, encodeMetadata } from "../../src/zmtp/commands.js";
import { FrameEncoder } from "../../src/zmtp/encoder.js";
import { encodeGreeting } from "../../src/zmtp/greeting.js";
import { ZmtpConnection } from "../../src/zmtp/protocol.js";
import { announcedVersion, key, latin, options, referenceDecode } from "./harness.js";

const SEED = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : 20240611;
/** FC_SCALE multiplies the run counts for a longer local hunt. */
const SCALE = Number(process.env.FC_SCALE ?? 1);
const params = (numRuns: number) => ({ numRuns: Math.ceil(numRuns * SCALE), seed: SEED });

/** Frame bodies with the sizes that matter: tiny, around the short/long boundary (255/256), around the copy limit (8 KiB), over the fill threshold (64 KiB). */
const body = fc.oneof(
  { weight: 12, arbitrary: fc.uint8Array({ minLength: 0, maxLength: 24 }) },
  { weight: 3, arbitrary: fc.integer({ min: 250, max: 262 }).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })) },
  { weight: 2, arbitrary: fc.uint8Array({ minLength: 263, maxLength: 2000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 8180, max: 8200 }).map((n) => Buffer.alloc(n, n & 0xff)) },
  { weight: 1, arbitrary: fc.integer({ min: 65530, max: 70000 }).map((n) => Buffer.alloc(n, (n * 7) & 0xff)) },
).map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength));

const message = fc.array(body, { minLength: 1, maxLength: 5 });
const messageList = fc.array(message, { minLength: 0, maxLength: 16 });

/** Chunk sizes, used in turn: mostly small, sometimes large. */
const splits = fc.array(fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 16 }) }, { weight: 1, arbitrary: fc.integer({ min: 17, max: 100_000 }) }), {
  minLength: 1,
  maxLength: 24,
});

function* chunks(b: Buffer, sizes: readonly number[]): Generator<Buffer> {
  for (let at = 0, i = 0; at < b.length; i++) {
    const n = sizes[i % sizes.length]!;
    yield b.subarray(at, at + n);
    at += n;
  }
}

/** The spec's encoding of one message (RFC 23 §2.3.1), written independently of FrameEncoder. */
function specEncode(frames: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [];
  frames.forEach((f, i) => {
    const more = i < frames.length - 1 ? 1 : 0;
    if (f.length > 255) {
      const h = Buffer.alloc(9);
      h[0] = more | 2;
      h.writeBigUInt64BE(BigInt(f.length), 1);
      parts.push(h);
    } else parts.push(Buffer.from([more, f.length]));
    parts.push(f);
  });
  return Buffer.concat(parts);
}

const ready = (type: string, identity?: Buffer): Buffer =>
  encodeCommand("READY", encodeMetadata(identity === undefined ? [["Socket-Type", latin(type)]] : [["Socket-Type", latin(type)], ["Identity", identity]]));

interface Outcome {
  messages: string[];
  errors: number;
  /** An event (message, subscription, second error) after the first error. */
  afterError: boolean;
  threw: boolean;
}

/** Feeds `pieces` to a fresh PULL connection and records what it delivers. */
function decode(pieces: Iterable<Buffer>, maxMessageSize = -1): Outcome {
  const o: Outcome = { messages: [], errors: 0, afterError: false, threw: false };
  const conn = new ZmtpConnection(options("PULL", { maxMessageSize }), {
    write: () => {},
    onReady: () => {
      if (o.errors > 0) o.afterError = true;
    },
    onMessage: (m) => {
      if (o.errors > 0) o.afterError = true;
      o.messages.push(key(m));
    },
    onSubscribe: () => {
      if (o.errors > 0) o.afterError = true;
    },
    onError: () => {
      if (o.errors > 0) o.afterError = true;
      o.errors++;
    },
  });
  conn.start();
  for (const p of pieces) {
    try {
      conn.receive(p);
    } catch {
      // Recorded, not hidden: every property asserts that receive() never threw.
      o.threw = true;
    }
  }
  conn.close();
  return o;
}

describe("ZMTP codec properties (fast-check)", function () {
  this.timeout(30000);

  it("FrameEncoder output is the spec encoding; read back under any split it yields the same messages", () => {
    fc.assert(
      fc.property(messageList, splits, fc.array(fc.boolean(), { maxLength: 16 }), (msgs, sizes, takeAfter) => {
        const enc = new FrameEncoder();
        const taken: Buffer[] = [];
        // Interleave commands and take() batches at random points; keep the taken views uncopied
        // until the end, so an encoder that reused bytes it had handed out would show.
        enc.raw(ready("PUSH", Buffer.from("id")));
        msgs.forEach((m, i) => {
          enc.message(m);
          if (i % 3 === 2) enc.raw(encodeCommand("PING", Buffer.from([0, 0, i & 0xff])));
          if (takeAfter[i]) taken.push(...enc.take());
        });
        taken.push(...enc.take());
        const wire = Buffer.concat(taken);
        const expected = Buffer.concat([
          ready("PUSH", Buffer.from("id")),
          ...msgs.flatMap((m, i) => (i % 3 === 2 ? [specEncode(m), encodeCommand("PING", Buffer.from([0, 0, i & 0xff]))] : [specEncode(m)])),
        ]);
        expect(wire.equals(expected), "encoder bytes").to.equal(true);
        const stream = Buffer.concat([encodeGreeting("NULL", false), wire]);
        const out = decode(chunks(stream, sizes));
        expect(out.threw).to.equal(false);
        expect(out.errors).to.equal(0);
        expect(out.messages).to.deep.equal(msgs.map(key));
      }),
      params(300),
    );
  });

  /** A valid PUSH stream of small printable messages. */
  const sentList = fc.array(fc.array(fc.string({ minLength: 0, maxLength: 12 }).map((s) => Buffer.from(s, "latin1")), { minLength: 1, maxLength: 3 }), {
    minLength: 1,
    maxLength: 8,
  });

  type Mutation = { kind: "set" | "insert" | "delete" | "xor"; at: number; byte: number } | { kind: "truncate"; at: number } | { kind: "append"; bytes: Uint8Array };
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constantFrom("set" as const, "insert" as const, "delete" as const, "xor" as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("append" as const), bytes: fc.uint8Array({ maxLength: 40 }) }) },
  );

  function mutate(src: Buffer, muts: readonly Mutation[], region = src.length): Buffer {
    let b = Buffer.from(src);
    for (const m of muts) {
      if (m.kind === "append") {
        b = Buffer.concat([b, m.bytes]);
        continue;
      }
      const at = m.at % Math.max(1, Math.min(region, b.length));
      if (m.kind === "set") b[at] = m.byte;
      else if (m.kind === "xor") b[at]! ^= m.byte | 1;
      else if (m.kind === "insert") b = Buffer.concat([b.subarray(0, at), Buffer.from([m.byte]), b.subarray(at)]);
      else if (m.kind === "delete") b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
      else b = b.subarray(0, at);
    }
    return b;
  }

  function streamOf(sent: Buffer[][]): Buffer {
    return Buffer.concat([encodeGreeting("NULL", false), ready("PUSH", Buffer.from("me")), ...sent.map(specEncode)]);
  }

  let bytesFuzzed = 0;
  let runs = 0;
  after(() => console.log(`      (mutation properties: ${runs} mutated streams, ${bytesFuzzed} bytes fuzzed)`));

  it("random mutations never throw out of receive(), fail at most once, and deliver exactly what the mutated bytes encode", () => {
    const MAX = 1 << 20;
    fc.assert(
      fc.property(sentList, fc.array(mutation, { minLength: 1, maxLength: 5 }), splits, (sent, muts, sizes) => {
        const bytes = mutate(streamOf(sent), muts);
        bytesFuzzed += bytes.length;
        runs++;
        const out = decode(chunks(bytes, sizes), MAX);
        const ref = referenceDecode(bytes, MAX);
        expect(out.threw, "threw out of receive()").to.equal(false);
        expect(out.errors).to.be.at.most(1);
        expect(out.afterError, "event after the failure").to.equal(false);
        expect(out.messages).to.deep.equal(ref.messages);
        expect(out.errors, "failed exactly when the bytes are invalid").to.equal(ref.failed ? 1 : 0);
      }),
      params(3000),
    );
  });

  it("a corrupted greeting or READY byte never delivers a message that was not sent (all sent, in order, or none)", () => {
    // One byte changed in place: an inserted or deleted byte, or several changes, can shift the framing so that
    // the following bytes legitimately encode other messages (ZMTP has no checksum; the differential property covers those).
    const inPlace = fc.record({ kind: fc.constantFrom("set" as const, "xor" as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) });
    fc.assert(
      fc.property(sentList, inPlace, splits, (sent, mut, sizes) => {
        const clean = streamOf(sent);
        const handshakeBytes = 64 + ready("PUSH", Buffer.from("me")).length;
        const bytes = mutate(clean, [mut], handshakeBytes);
        bytesFuzzed += bytes.length;
        runs++;
        const out = decode(chunks(bytes, sizes), 1 << 20);
        expect(out.threw).to.equal(false);
        expect(out.errors).to.be.at.most(1);
        if (announcedVersion(bytes) !== "3.x") {
          // The change made the first bytes announce ZMTP 1.0/2.0 (libzmq's reading too): what follows is
          // read in that framing and may encode other messages; the reference reading says which.
          expect(out.messages).to.deep.equal(referenceDecode(bytes, 1 << 20).messages);
          return;
        }
        const want = sent.map(key);
        // Each delivered message is a sent one, in order (as a subsequence)...
        let j = 0;
        for (const m of out.messages) {
          while (j < want.length && want[j] !== m) j++;
          expect(j, `delivered ${m}, never sent (in this order)`).to.be.below(want.length);
          j++;
        }
        // ...and in fact a handshake either fails before any message or lets all through (bar a truncation).
        expect(want.slice(0, out.messages.length)).to.deep.equal(out.messages);
      }),
      params(2000),
    );
  });

  it("a stream cut anywhere (a peer dying mid-message) delivers a prefix of the sent messages, nothing partial", () => {
    fc.assert(
      fc.property(sentList, fc.nat(), splits, (sent, cutSeed, sizes) => {
        const clean = streamOf(sent);
        const cut = cutSeed % (clean.length + 1);
        const out = decode(chunks(clean.subarray(0, cut), sizes));
        expect(out.errors).to.equal(0);
        const want = sent.map(key);
        expect(want.slice(0, out.messages.length)).to.deep.equal(out.messages);
        // Exactly the messages whose last byte arrived.
        const complete = sent.filter((_, i) => streamOf(sent.slice(0, i + 1)).length <= cut).length;
        expect(out.messages.length).to.equal(complete);
      }),
      params(1000),
    );
  });
});
