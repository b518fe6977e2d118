/**
 * Raw Node `net` baselines: what one Node thread (or two processes) gets
 * from the kernel's loopback with no messaging library at all, measured in
 * the same run as the libraries so that targets can be ratios to them.
 * - bulk: a sender writes one `size`-byte Buffer after another (a large
 *   writable highWaterMark, so it is never the one waiting), the receiver
 *   counts bytes; the figure is in `size`-byte messages per second so that
 *   it sits in the same column as PUSH→PULL at that size;
 * - ping-pong: 16 bytes there and back, the next write when all 16 came
 *   back, callbacks only: the floor under a REQ/REP round trip.
 * Both ends set TCP_NODELAY, as zocket and libzmq do.
 * The functions are used in one process and, from child-net.ts, across two.
 */
import net from "node:net";
import { hold } from "../cleanup.js";
import { seconds, type Window } from "../stats.js";

/** The sender's writable high-water mark: far above one message, so a write seldom has to wait for 'drain'. */
const SEND_HWM = 16 << 20;

async function listen(onConnection: (s: net.Socket) => void): Promise<{ server: net.Server; port: number }> {
  const server = net.createServer({ noDelay: true }, onConnection);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return { server, port: (server.address() as net.AddressInfo).port };
}

/** Bulk receiver: resolves `listening` with its port, then `rate` with `size`-byte messages/s over `window.secs` after `window.warm`. */
export async function bulkReceiver(size: number, window: Window): Promise<{ port: number; rate: Promise<number>; close(): void }> {
  let resolveRate!: (v: number) => void;
  let rejectRate!: (e: Error) => void;
  const rate = new Promise<number>((res, rej) => ((resolveRate = res), (rejectRate = rej)));
  let peer: net.Socket | null = null;
  const { server, port } = await listen((s) => {
    peer = s;
    let bytes = 0;
    let phase: "warm" | "count" = "warm";
    let t = process.hrtime.bigint();
    s.on("data", (d: Buffer) => {
      bytes += d.length;
      const el = seconds(t);
      if (phase === "warm") {
        if (el >= window.warm && bytes >= window.warmCount * size) {
          phase = "count";
          bytes = 0;
          t = process.hrtime.bigint();
        }
      } else if (el >= window.secs) {
        s.removeAllListeners("data");
        s.pause();
        resolveRate(bytes / size / el);
      }
    });
    s.on("error", (e) => rejectRate(e));
    s.on("close", () => rejectRate(new Error("net bulk: the sender went away before the window ended")));
  });
  return {
    port,
    rate,
    close: () => {
      (peer as net.Socket | null)?.destroy();
      server.close();
    },
  };
}

/** Bulk sender: writes `size`-byte Buffers (one, reused: the kernel copies it) until closed. */
export function bulkSender(port: number, size: number): { close(): void } {
  const s = net.connect({ port, host: "127.0.0.1", noDelay: true, writableHighWaterMark: SEND_HWM } as net.NetConnectOpts);
  const msg = Buffer.alloc(size, 7);
  let closed = false;
  const pump = (): void => {
    while (!closed && s.write(msg));
  };
  s.on("connect", pump);
  s.on("drain", pump);
  s.on("error", () => {});
  return {
    close: () => {
      closed = true;
      s.destroy();
    },
  };
}

/** Echo server for ping-pong: writes back whatever arrives. */
export async function echoServer(): Promise<{ port: number; close(): void }> {
  const peers = new Set<net.Socket>();
  const { server, port } = await listen((s) => {
    peers.add(s);
    s.on("data", (d: Buffer) => s.write(d));
    s.on("error", () => {});
  });
  return {
    port,
    close: () => {
      for (const p of peers) p.destroy();
      server.close();
    },
  };
}

/** µs per 16-byte round trip to an echo server, after 500 round trips of warm-up, over about `ms`. */
export function pingPong(port: number, ms: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: "127.0.0.1", noDelay: true });
    const msg = Buffer.alloc(16, 7);
    let got = 0;
    let n = 0;
    let t0 = 0n;
    let until = 0;
    const WARM = 500;
    s.on("error", reject);
    s.on("connect", () => s.write(msg));
    s.on("data", (d: Buffer) => {
      got += d.length;
      if (got < 16) return;
      got -= 16;
      n++;
      if (n === WARM) {
        t0 = process.hrtime.bigint();
        until = Date.now() + ms;
      } else if (n > WARM && (n - WARM) % 64 === 0 && Date.now() >= until) {
        const us = (seconds(t0) * 1e6) / (n - WARM);
        s.destroy();
        resolve(us);
        return;
      }
      s.write(msg);
    });
  });
}

/** Raw net bulk in this process: messages/s of `size` bytes. */
export async function netBulkOneProcess(size: number, window: Window): Promise<number> {
  const rx = await bulkReceiver(size, window);
  const tx = bulkSender(rx.port, size);
  const release = hold(() => {
    tx.close();
    rx.close();
  });
  try {
    return await rx.rate;
  } finally {
    release();
    tx.close();
    rx.close();
  }
}

/** Raw net ping-pong in this process: µs per round trip. */
export async function netPingPongOneProcess(ms: number): Promise<number> {
  const echo = await echoServer();
  const release = hold(() => echo.close());
  try {
    return await pingPong(echo.port, ms);
  } finally {
    release();
    echo.close();
  }
}
