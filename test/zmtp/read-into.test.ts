/**
 * Reading into buffers the decoder chooses (Node's onread mode, driven here
 * by hand): a simulated kernel hands the peer's bytes out in reads of random
 * sizes into whatever readBuffer() returned, sometimes while the socket's
 * queue is full (the engine holds input and the reads stop until it is
 * restarted). Every message must arrive whole and in order, a big frame must
 * arrive in the very buffer its body was read into (no copy), and small
 * frames must never share bytes with a later read (a slab is never written twice).
 */
import { expect } from "chai";
import { encodeCommand, encodeMetadata } from "../../src/zmtp/commands.js";
import { FrameEncoder } from "../../src/zmtp/encoder.js";
import { encodeGreeting } from "../../src/zmtp/greeting.js";
import { ZmtpConnection } from "../../src/zmtp/protocol.js";
import { latin, options, rng } from "./harness.js";

/** A PUSH peer's bytes: greeting, READY, the messages. */
function pushStream(messages: Buffer[][]): Buffer {
  const enc = new FrameEncoder();
  enc.raw(encodeCommand("READY", encodeMetadata([["Socket-Type", latin("PUSH")]])));
  for (const m of messages) enc.message(m);
  return Buffer.concat([encodeGreeting("NULL", false), ...enc.take()]);
}

function frameOf(size: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i += 4096) b[i] = (seed + i) & 0xff;
  if (size > 0) b[size - 1] = seed & 0xff;
  return b;
}

interface Run {
  delivered: Buffer[][];
  /** Buffers handed out for reads, as the kernel saw them. */
  readInto: Buffer[];
  errors: string[];
}

/**
 * Feeds `wire` to a PULL engine in reads of at most `maxRead` bytes (random
 * sizes); the socket's queue refuses a message with probability `refuse`.
 */
function simulate(wire: Buffer, seed: number, maxRead: number, refuse: number): Run {
  const rand = rng(seed);
  const run: Run = { delivered: [], readInto: [], errors: [] };
  let reading = true;
  const conn = new ZmtpConnection(options("PULL"), {
    write: () => {},
    setReading: (on) => (reading = on),
    onReady: () => {},
    onMessage: (frames) => {
      if (rand() < refuse) return false;
      run.delivered.push(frames);
      return true;
    },
    onSubscribe: () => {},
    onError: (e) => run.errors.push(e.message),
  });
  conn.start();
  let at = 0;
  // Node asks for the next buffer after each read; the first one when reading starts.
  let buf = conn.readBuffer();
  for (let steps = 0; steps < 1_000_000 && (at < wire.length || !reading); steps++) {
    if (!reading) {
      conn.restartInput();
      continue;
    }
    expect(buf.length).to.be.greaterThan(0);
    const n = Math.min(buf.length, wire.length - at, 1 + Math.floor(rand() * maxRead));
    wire.copy(buf, 0, at, at + n);
    at += n;
    run.readInto.push(buf.subarray(0, n));
    conn.bytesRead(buf, n);
    buf = conn.readBuffer();
  }
  expect(at).to.equal(wire.length);
  return run;
}

const SIZES = [0, 1, 16, 255, 256, 4000, 9000, 65535, 65536, 65537, 200_000, 1 << 20];

describe("ZMTP decoder: reads into buffers it chooses", () => {
  for (const maxRead of [7, 4096, 70_000, 1 << 21]) {
    it(`messages of mixed sizes arrive whole and in order (reads up to ${maxRead} bytes, a full queue now and then)`, function () {
      this.timeout(20_000);
      for (let seed = 1; seed <= 6; seed++) {
        const rand = rng(seed * 7919);
        const messages: Buffer[][] = [];
        const count = maxRead < 100 ? 40 : 120;
        for (let i = 0; i < count; i++) {
          const parts = 1 + Math.floor(rand() * 3);
          messages.push(Array.from({ length: parts }, (_, p) => frameOf(SIZES[Math.floor(rand() * (maxRead < 100 ? 5 : SIZES.length))]!, i * 3 + p)));
        }
        const run = simulate(pushStream(messages), seed, maxRead, 0.1);
        expect(run.errors).to.deep.equal([]);
        expect(run.delivered.length).to.equal(messages.length);
        run.delivered.forEach((m, i) => {
          expect(m.length, `message ${i}`).to.equal(messages[i]!.length);
          m.forEach((f, p) => {
            expect(f.equals(messages[i]![p]!), `message ${i} frame ${p}`).to.equal(true);
            // A kept frame holds little more memory than its own: 16 times its size at most, or Node's small-Buffer pool.
            expect(f.buffer.byteLength, `memory behind message ${i} frame ${p}`).to.be.at.most(Math.max(16 * f.length, Buffer.poolSize));
          });
        });
      }
    });
  }

  it("a big frame is delivered in the buffer its body was read into; no read lands on bytes handed out before", () => {
    const big = frameOf(1 << 20, 3);
    const messages = [[latin("a")], [big], [latin("b"), frameOf(300_000, 5)], [latin("c")]];
    const run = simulate(pushStream(messages), 42, 1 << 21, 0);
    expect(run.delivered.map((m) => m.length)).to.deep.equal([1, 1, 2, 1]);
    const direct = (f: Buffer): number => run.readInto.filter((r) => r.buffer === f.buffer).reduce((s, r) => s + r.length, 0);
    const got = run.delivered[1]![0]!;
    expect(got.equals(big)).to.equal(true);
    // Its body came straight from reads into its own memory, but for what the read that found its header took (a slab's worth at most)...
    expect(direct(got)).to.be.greaterThan((1 << 20) - 64 * 1024);
    // ...which is short once big frames are coming: the next one is read almost whole into its buffer.
    expect(direct(run.delivered[2]![1]!)).to.be.greaterThan(300_000 - 4096);
    // Reads never overlap: each byte of memory was read into once.
    const seen = new Map<ArrayBufferLike, [number, number][]>();
    for (const r of run.readInto) {
      const spans = seen.get(r.buffer) ?? [];
      for (const [a, b] of spans) expect(r.byteOffset >= b || r.byteOffset + r.length <= a, "overlapping reads").to.equal(true);
      spans.push([r.byteOffset, r.byteOffset + r.length]);
      seen.set(r.buffer, spans);
    }
  });
});
