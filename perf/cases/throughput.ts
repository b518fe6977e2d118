/** PUSH→PULL throughput in this process: a sender loop and a receiver loop running together. */
import { bindAddress, open, type Lib } from "../peers.js";
import { countFor, seconds } from "../stats.js";

export async function pushPull(lib: Lib, transport: "inproc" | "ipc" | "tcp", size: number, parts = 1): Promise<number> {
  const l = open(lib);
  const pull = l.socket("PULL");
  const push = l.socket("PUSH");
  try {
    const ep = await pull.bind(bindAddress(transport));
    push.connect(ep);
    const frame = Buffer.alloc(size, 7);
    const msg = parts === 1 ? frame : Array.from({ length: parts }, () => frame);
    const n = countFor(size, parts);
    // Warm up (JIT, buffers, connection) before timing.
    const warm = Math.max(1, Math.min(5000, n >> 3));
    const warming = (async () => {
      for (let i = 0; i < warm; i++) await push.send(msg);
    })();
    for (let i = 0; i < warm; i++) await pull.recv();
    await warming;
    const t0 = process.hrtime.bigint();
    const sending = (async () => {
      for (let i = 0; i < n; i++) await push.send(msg);
    })();
    for (let i = 0; i < n; i++) await pull.recv();
    await sending;
    return n / seconds(t0);
  } finally {
    push.close();
    pull.close();
    await l.end();
  }
}
