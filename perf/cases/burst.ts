/**
 * A PUB burst (issue 13, item 3): `count` messages of `size` bytes published
 * in one tight `await send()` loop to a subscriber in this process, which
 * reads only once the loop yields. The figure is how many it receives (not a
 * rate): libzmq's I/O thread drains the PUB's pipe into the kernel while the
 * loop runs; zocket's session does so from inside send() once the pipe is
 * full. Whatever neither drained by the loop's end was dropped at the
 * high-water mark (1000).
 */
import { bindAddress, open, type BenchSocket, type Lib } from "../peers.js";

/** The next message, or null after `ms` without one. */
function recvWithin(sub: BenchSocket, ms: number): Promise<Buffer[] | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const quiet = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)));
  return Promise.race([sub.recv(), quiet]).finally(() => clearTimeout(timer));
}

export async function pubBurst(lib: Lib, transport: "ipc" | "tcp", count = 5000, size = 16, ioThreads?: number): Promise<number> {
  const l = open(lib, ioThreads !== undefined ? { ioThreads } : {});
  try {
    const pub = l.socket("PUB");
    const sub = l.socket("SUB");
    sub.subscribe("");
    const ep = await pub.bind(bindAddress(transport));
    sub.connect(ep);
    // Probes until one arrives: the subscription is in place at the PUB (bounded: 5 s).
    let subscribed = false;
    const first = sub.recv().then(() => (subscribed = true));
    first.catch(() => {});
    for (let i = 0; i < 1000 && !subscribed; i++) {
      await pub.send(Buffer.from("probe"));
      await new Promise((r) => setTimeout(r, 5));
    }
    if (!subscribed) throw new Error("burst: the subscription never reached the PUB");
    // Late probes, if any, are read and not counted.
    const msg = Buffer.alloc(size, 0x42);
    for (let i = 0; i < count; i++) await pub.send(msg);
    let got = 0;
    for (let i = 0; i < count * 2 && got < count; i++) {
      const m = await recvWithin(sub, 500);
      if (m === null) break;
      if (m[0]!.length === size) got++;
    }
    return got;
  } finally {
    await l.end();
  }
}
