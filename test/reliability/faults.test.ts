/**
 * Faults a long-lived process meets: dead endpoints (reconnect backoff, fast
 * start-up), peers that freeze or die (heartbeats, reconnect when they come
 * back), descriptor shortage at a listener (backs off, does not spin,
 * recovers).
 */
import { expect } from "chai";
import net from "node:net";
import type { BaseSocket, Context, SocketEventName } from "../../src/index.js";
import { ChildPeer } from "../support/child.js";
import { closeAndTerm, trackedContext } from "../support/context.js";
import { drain } from "../support/threads.js";

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

function nextEvent(sock: BaseSocket, name: SocketEventName, ms = 5000): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => {
      sock.events.off(name, on);
      reject(new Error(`no ${name} event within ${ms} ms`));
    }, ms);
    const on = (): void => {
      clearTimeout(t);
      sock.events.off(name, on);
      resolve();
    };
    sock.events.on(name, on);
  });
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("faults: reconnects, dead peers, descriptor shortage", function () {
  this.timeout(30000);
  let ctx: Context;
  beforeEach(() => {
    ctx = trackedContext({ blocky: false });
  });
  afterEach(() => closeAndTerm(ctx));

  it("connecting to a dead endpoint backs off: a bounded number of attempts", async () => {
    const port = await freePort();
    const flat = ctx.socket("PUSH", { reconnectInterval: 100 });
    const backoff = ctx.socket("PUSH", { reconnectInterval: 50, reconnectMaxInterval: 400 });
    let flatAttempts = 0;
    let backoffAttempts = 0;
    flat.events.on("connect:retry", () => flatAttempts++);
    backoff.events.on("connect:retry", () => backoffAttempts++);
    flat.connect(`tcp://127.0.0.1:${port}`);
    backoff.connect(`tcp://127.0.0.1:${port}`);
    // Observation window (not synchronisation): count attempts over 2 s.
    await delay(2000);
    // 100 ms plus up to 100 ms jitter: 10 to 20 attempts in 2 s; a machine gun would make thousands.
    expect(flatAttempts).to.be.within(5, 21);
    // 50, 100, 200, 400, 400, ... plus jitter: at most ~9.
    expect(backoffAttempts).to.be.within(2, 10);
    flat.close();
    backoff.close();
  });

  it("start-up connects at once when the peer is there (no initial reconnect delay)", async () => {
    const pull = ctx.socket("PULL");
    const ep = await pull.bind("tcp://127.0.0.1:*");
    // With a 20 s reconnect interval, only an immediate first attempt can handshake within the test.
    const push = ctx.socket("PUSH", { reconnectInterval: 20000 });
    const handshake = nextEvent(push, "handshake", 3000);
    push.connect(ep);
    await handshake;
    await push.send("hi");
    expect(String((await pull.recv())[0])).to.equal("hi");
    push.close();
    pull.close();
  });

  it("reconnectInterval -1 disables reconnecting", async () => {
    const pull = ctx.socket("PULL");
    const ep = await pull.bind("tcp://127.0.0.1:*");
    const push = ctx.socket("PUSH", { reconnectInterval: -1 });
    let retries = 0;
    push.events.on("connect:retry", () => retries++);
    const handshake = nextEvent(push, "handshake");
    push.connect(ep);
    await handshake;
    const gone = nextEvent(push, "disconnect");
    pull.close();
    await gone;
    await delay(300);
    expect(retries).to.equal(0);
    push.close();
  });

  for (const how of ["linger 0", "linger running out"] as const) {
    it(`a PUSH closed (${how}) while its peer reads nothing: what it had not handed to the wire goes with it`, async () => {
      const pull = ctx.socket("PULL", { receiveHighWaterMark: 10 });
      const ep = await pull.bind("tcp://127.0.0.1:*");
      const push = ctx.socket("PUSH", { sendHighWaterMark: 25000, linger: how === "linger 0" ? 0 : 100 });
      const up = nextEvent(pull, "handshake");
      push.connect(ep);
      await up;
      // The PULL reads nothing yet: the kernel buffers and the stream's 4 MiB
      // fill, and most of these 80 MiB wait in the session's pipe.
      const body = Buffer.alloc(4096);
      const n = 20000;
      for (let i = 0; i < n; i++) await push.send(body);
      await delay(100);
      push.close();
      // Observation window: let the linger run out before the PULL reads.
      if (how === "linger running out") await delay(250);
      let disconnected = false;
      pull.events.on("disconnect", () => (disconnected = true));
      pull.receiveTimeout = 1000;
      const got = (await drain(pull, n)).length;
      // The connection ended with the PUSH's linger: the PULL got what was already
      // on the wire (kernel buffers and the stream's 4 MiB: a few thousand at most), not the rest.
      expect(got, "messages delivered after the PUSH closed").to.be.below(n / 2);
      expect(disconnected, "the PULL saw the connection end").to.equal(true);
    });
  }

  it("a connection lost with messages queued: what was not handed to the dead connection goes to the next one", async () => {
    const first = ctx.socket("PULL", { receiveHighWaterMark: 10, linger: 0 });
    const ep = await first.bind("tcp://127.0.0.1:*");
    const push = ctx.socket("PUSH", { sendHighWaterMark: 25000, reconnectInterval: 20 });
    const up = nextEvent(push, "handshake");
    push.connect(ep);
    await up;
    // The first PULL reads nothing: most of these 80 MiB wait in the PUSH's queue.
    const body = Buffer.alloc(4096);
    const n = 20000;
    for (let i = 0; i < n; i++) await push.send(body);
    const lost = nextEvent(push, "disconnect");
    first.close();
    await lost;
    // A new PULL on the same endpoint: the PUSH reconnects and sends it the rest.
    const second = ctx.socket("PULL", { receiveTimeout: 2000 });
    await second.bind(ep);
    const got = (await drain(second, n)).length;
    // Only what went into the dead connection (its kernel buffers and at most a turn's 4 MiB) is lost.
    expect(got, "messages the second PULL received").to.be.above(n / 2);
  });

  it("a frozen peer process is detected by heartbeats; a restarted one is reconnected to", async () => {
    let child = new ChildPeer("peer-child", ["pull"]);
    try {
      const ep = (await child.line("ready")).slice(6);
      const push = ctx.socket("PUSH", { heartbeatInterval: 100, heartbeatTimeout: 300, reconnectInterval: 50 });
      push.connect(ep);
      await push.send("one");
      expect(await child.line("got")).to.equal("got one");
      const lost = nextEvent(push, "disconnect", 5000);
      child.proc.kill("SIGSTOP");
      await lost;
      await child.kill("SIGKILL");
      // Queued while the peer is away (no `immediate`): delivered once it is back.
      await push.send("two");
      child = new ChildPeer("peer-child", ["pull", ep]);
      await child.line("ready");
      expect(await child.line("got", 10000)).to.equal("got two");
      push.close();
    } finally {
      await child.kill();
    }
  });

  it("a peer process killed with SIGKILL: disconnect seen at once, reconnect when it returns", async () => {
    let child = new ChildPeer("peer-child", ["pull"]);
    try {
      const ep = (await child.line("ready")).slice(6);
      const push = ctx.socket("PUSH", { reconnectInterval: 50 });
      push.connect(ep);
      await push.send("a");
      expect(await child.line("got")).to.equal("got a");
      const lost = nextEvent(push, "disconnect", 5000);
      await child.kill("SIGKILL");
      await lost;
      child = new ChildPeer("peer-child", ["pull", ep]);
      await child.line("ready");
      await push.send("b");
      expect(await child.line("got", 10000)).to.equal("got b");
      push.close();
    } finally {
      await child.kill();
    }
  });

  it("under a descriptor limit, a flooded listener backs off without spinning and recovers", async function () {
    const child = new ChildPeer("peer-child", ["emfile"], { ulimit: 64 });
    const flood: net.Socket[] = [];
    try {
      const ep = (await child.line("ready")).slice(6);
      const port = Number(ep.slice(ep.lastIndexOf(":") + 1));
      // More connections than the child has descriptors: the listener must shed
      // the excess (libuv drops them with its reserved descriptor) instead of spinning.
      let dropped = 0;
      const shed = new Promise<void>((resolve) => {
        for (let i = 0; i < 150; i++) {
          const s = net.connect({ host: "127.0.0.1", port });
          s.on("error", () => {});
          s.on("close", () => {
            if (++dropped === 1) resolve();
          });
          flood.push(s);
        }
      });
      await shed;
      child.send("cpu\n");
      const before = Number((await child.line("cpu")).slice(4));
      await delay(1000); // measurement window
      child.send("cpu\n");
      const after = Number((await child.line("cpu")).slice(4));
      // A listener spinning on EMFILE would burn the whole second.
      expect(after - before).to.be.below(500);
      for (const s of flood) s.destroy();
      const push = ctx.socket("PUSH", { reconnectInterval: 50 });
      push.connect(ep);
      await push.send("through");
      expect(await child.line("got", 10000)).to.equal("got through");
      push.close();
    } finally {
      for (const s of flood) s.destroy();
      await child.kill();
    }
  });
});
