/**
 * Cross-thread batches (src/pipe/batch.ts): messages packed into one
 * ArrayBuffer, big frames a writer owns moved beside it instead of copied.
 * The batch really crosses a MessageChannel here, so a moved frame is really
 * detached from the sender.
 */
import { expect } from "chai";
import { MessageChannel, receiveMessageOnPort } from "node:worker_threads";
import { MOVE_MIN, packBatch, unpackBatch } from "../../src/pipe/batch.js";
import type { Msg } from "../../src/msg.js";

/** Posts a batch over a real port and unpacks what arrives. */
function cross(msgs: Msg[], move: boolean): { got: Msg[]; moved: number } {
  const batch = packBatch(msgs, move);
  const { port1, port2 } = new MessageChannel();
  try {
    port1.postMessage({ b: batch.buf, m: batch.moved }, [batch.buf, ...batch.moved]);
    const arrived = receiveMessageOnPort(port2)?.message as { b: ArrayBuffer; m: ArrayBuffer[] };
    const got: Msg[] = [];
    const count = unpackBatch(arrived.b, (m) => got.push(m), arrived.m);
    expect(count).to.equal(msgs.length);
    return { got, moved: batch.moved.length };
  } finally {
    port1.close();
  }
}

describe("cross-thread batches", () => {
  it("a writer that owns its frames moves the big ones that are whole buffers, copies the rest, and the reader gets every message whole", () => {
    const whole = Buffer.allocUnsafeSlow(MOVE_MIN).fill(1);
    const bigger = Buffer.allocUnsafeSlow(3 * MOVE_MIN).fill(2);
    const slab = Buffer.alloc(4 * MOVE_MIN, 3);
    const view = slab.subarray(MOVE_MIN, 2 * MOVE_MIN + 5); // big, but a view of a larger buffer: copied
    const small = Buffer.allocUnsafeSlow(MOVE_MIN - 1).fill(4); // whole, but small: copied
    const msgs: Msg[] = [[Buffer.from("a"), whole], [Buffer.alloc(0)], [view, bigger, small, bigger]];
    const expected = msgs.map((m) => m.map((f) => Buffer.from(f)));
    const { got, moved } = cross(msgs, true);
    expect(moved).to.equal(2);
    expect(got.length).to.equal(3);
    got.forEach((m, i) => {
      expect(m.length).to.equal(expected[i]!.length);
      m.forEach((f, j) => expect(f.equals(expected[i]![j]!), `message ${i} frame ${j}`).to.equal(true));
    });
    // Moved: gone from the sender. The repeat of `bigger` was copied, so the
    // batch did not list the same memory twice (postMessage would refuse it).
    expect(whole.length).to.equal(0);
    expect(bigger.length).to.equal(0);
    expect(view.length).to.equal(MOVE_MIN + 5);
    expect(small.length).to.equal(MOVE_MIN - 1);
  });

  it("without ownership nothing is moved: the writer's buffers stay usable", () => {
    const whole = Buffer.allocUnsafeSlow(2 * MOVE_MIN).fill(9);
    const { got, moved } = cross([[whole], [whole]], false);
    expect(moved).to.equal(0);
    expect(whole.length).to.equal(2 * MOVE_MIN);
    expect(got.every((m) => m[0]!.equals(whole))).to.equal(true);
  });
});
