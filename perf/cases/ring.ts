/**
 * Baseline for the workers rows: a plain single-producer/single-consumer
 * ring of 16-byte slots in a SharedArrayBuffer between two workers, with no
 * library. Indices are published with Atomics.store; a side that finds the
 * ring empty (consumer) or full (producer) looks again a while, then sleeps in
 * Atomics.wait, and the other side calls Atomics.notify only when it sees the
 * sleeper's flag.
 * The consumer copies each message into a Buffer of its own, as recv() gives
 * the caller a message it may keep.
 */
import { Worker } from "node:worker_threads";
import type { Window } from "../stats.js";
import { hold } from "../cleanup.js";

/** Int32 indices in the control block (the first 64 bytes). */
export const HEAD = 0;
export const TAIL = 1;
export const CONSUMER_ASLEEP = 2;
export const PRODUCER_ASLEEP = 3;
export const STOP = 4;
export const SLOT = 16;
/**
 * A power of two. 64 Ki slots (1 MiB) rather than a few thousand: on a busy
 * machine a small ring fills or empties whenever one thread is descheduled,
 * and every such turn costs a sleep and a wake-up; the baseline is meant to
 * be what shared memory can do, so it gets the room.
 */
const SLOTS = 65536;

export async function sabRing(w: Window): Promise<number> {
  const sab = new SharedArrayBuffer(64 + SLOTS * SLOT);
  const url = new URL("../ring-worker.js", import.meta.url);
  const spawn = (role: string): Worker => new Worker(url, { workerData: { role, sab, slots: SLOTS, warm: w.warm, warmCount: w.warmCount, secs: w.secs } });
  const workers = [spawn("consume"), spawn("produce")];
  const ctl = new Int32Array(sab, 0, 8);
  const stop = async (): Promise<void> => {
    Atomics.store(ctl, STOP, 1);
    Atomics.notify(ctl, HEAD);
    Atomics.notify(ctl, TAIL);
    await Promise.all(workers.map((x) => x.terminate()));
  };
  const release = hold(stop);
  try {
    return await new Promise<number>((resolve, reject) => {
      const [consumer, producer] = workers as [Worker, Worker];
      consumer.on("message", (m: { rate: number }) => resolve(m.rate));
      consumer.once("error", reject);
      producer.once("error", reject);
      // The producer ends by itself once the consumer sets STOP; only the consumer's exit means no figure.
      consumer.once("exit", (code) => reject(new Error(`the ring consumer exited (${code}) before the figure`)));
    });
  } finally {
    release();
    await stop();
  }
}
