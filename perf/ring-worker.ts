/**
 * Both ends of the SharedArrayBuffer ring baseline (see cases/ring.ts):
 * "produce" copies a 16-byte message into the next slot and publishes it;
 * "consume" copies each message out into a Buffer of its own (as a receive
 * hands the caller a message it keeps), warms up, counts for a timed window
 * and posts its rate.
 */
import { parentPort, workerData } from "node:worker_threads";
import { seconds } from "./stats.js";
import { CONSUMER_ASLEEP, HEAD, PRODUCER_ASLEEP, SLOT, STOP, TAIL } from "./cases/ring.js";

const { role, sab, slots, warm, warmCount, secs } = workerData as { role: "produce" | "consume"; sab: SharedArrayBuffer; slots: number; warm: number; warmCount: number; secs: number };
const ctl = new Int32Array(sab, 0, 8);
const data = new Uint8Array(sab, 64, slots * SLOT);
const mask = slots - 1;
/**
 * How many times a side looks again before it goes to sleep: a wake-up costs
 * a futex call on each side, and the other side is usually a few hundred
 * nanoseconds from making progress (ordinary practice for a spin-then-sleep ring).
 */
const SPIN = 1000;

if (role === "produce") {
  const msg = Buffer.alloc(SLOT, 7);
  let tail = 0;
  while (Atomics.load(ctl, STOP) === 0) {
    let head = Atomics.load(ctl, HEAD);
    for (let spin = 0; spin < SPIN && tail - head === slots; spin++) head = Atomics.load(ctl, HEAD);
    if (tail - head === slots) {
      // Full: sleep until the consumer takes one (it wakes us only if we say we sleep).
      Atomics.store(ctl, PRODUCER_ASLEEP, 1);
      if (Atomics.load(ctl, HEAD) === head) Atomics.wait(ctl, HEAD, head, 100);
      Atomics.store(ctl, PRODUCER_ASLEEP, 0);
      continue;
    }
    data.set(msg, (tail & mask) * SLOT);
    tail = (tail + 1) | 0;
    Atomics.store(ctl, TAIL, tail);
    if (Atomics.load(ctl, CONSUMER_ASLEEP) === 1) Atomics.notify(ctl, TAIL);
  }
} else {
  let head = 0;
  let kept: Buffer | null = null;
  const take = (): void => {
    let tail = Atomics.load(ctl, TAIL);
    for (let spin = 0; spin < SPIN && tail === head; spin++) tail = Atomics.load(ctl, TAIL);
    while (tail === head) {
      Atomics.store(ctl, CONSUMER_ASLEEP, 1);
      if (Atomics.load(ctl, TAIL) === head) Atomics.wait(ctl, TAIL, head, 100);
      Atomics.store(ctl, CONSUMER_ASLEEP, 0);
      tail = Atomics.load(ctl, TAIL);
    }
    const off = (head & mask) * SLOT;
    kept = Buffer.from(data.subarray(off, off + SLOT));
    head = (head + 1) | 0;
    Atomics.store(ctl, HEAD, head);
    if (Atomics.load(ctl, PRODUCER_ASLEEP) === 1) Atomics.notify(ctl, HEAD);
  };
  const w0 = process.hrtime.bigint();
  for (let i = 1; ; i++) {
    take();
    if (i % 16 === 0 && i >= warmCount && seconds(w0) >= warm) break;
  }
  const t0 = process.hrtime.bigint();
  let rate = 0;
  for (let counted = 1; ; counted++) {
    take();
    if (counted % 16 === 0) {
      const s = seconds(t0);
      if (s >= secs) {
        rate = counted / s;
        break;
      }
    }
  }
  Atomics.store(ctl, STOP, 1);
  Atomics.notify(ctl, HEAD);
  parentPort!.postMessage({ rate, last: (kept as Buffer | null)?.length ?? 0 });
}
