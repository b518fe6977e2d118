/**
 * Sockets with live tcp/ipc connections move between threads: the thread
 * where a connection was made keeps hosting it, peers see no disconnect and
 * no message is lost, duplicated or reordered; if that thread dies, the
 * connect side reconnects from the socket's new thread.
 */
import { expect } from "chai";
import { Worker } from "node:worker_threads";
import * as zmq from "zeromq";
import { Context, ZocketError, type DetachedSocket } from "../../src/index.js";

const workerUrl = new URL("../fixtures/net-worker.js", import.meta.url);

function spawn(ctx: Context, data: Record<string, unknown>): Worker {
  const h = ctx.share();
  return new Worker(workerUrl, { workerData: { ...data, ctx: h }, transferList: h.transferList });
}

function once<T>(w: Worker, event: "message" | "exit"): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    w.once(event, resolve);
    if (event === "message") w.once("error", reject);
  });
}

describe("migration with tcp/ipc connections", () => {
  for (const transport of ["tcp", "ipc"] as const) {
    const bindAt = transport === "tcp" ? "tcp://127.0.0.1:*" : "ipc://*";

    it(`a bound PULL moves to a worker mid-stream from a libzmq PUSH (${transport})`, async () => {
      const ctx = new Context();
      const pull = ctx.socket("PULL");
      const ep = await pull.bind(bindAt);
      const peer = new zmq.Push();
      peer.connect(ep);
      const n = 20000;
      const sending = (async () => {
        for (let i = 0; i < n; i++) await peer.send(String(i));
        await peer.send("end");
      })();
      let next = 0;
      while (next < 500) {
        expect(Number((await pull.recv())[0])).to.equal(next);
        next++;
      }
      const w = spawn(ctx, { role: "pull", from: next });
      const exited = once(w, "exit");
      const d = pull.detach();
      expect(() => pull.recv()).to.throw(ZocketError).with.property("code", "ENOTSOCK");
      w.postMessage(d, d.transferList);
      const res = await once<{ next: number; bad: number }>(w, "message");
      expect(res).to.deep.equal({ next: n, bad: 0 });
      await sending;
      peer.close();
      await exited;
      await ctx.term();
    });

    it(`a connected PUSH moves to a worker mid-stream towards a libzmq PULL (${transport})`, async () => {
      const ctx = new Context();
      const peer = new zmq.Pull();
      await peer.bind(bindAt);
      const push = ctx.socket("PUSH");
      push.connect(peer.lastEndpoint!);
      for (let i = 0; i < 1000; i++) await push.send(String(i));
      const w = spawn(ctx, { role: "push", from: 1000, to: 20000 });
      const exited = once(w, "exit");
      const d = push.detach();
      w.postMessage(d, d.transferList);
      let next = 0;
      for (;;) {
        const s = String((await peer.receive())[0]);
        if (s === "end") break;
        expect(Number(s)).to.equal(next);
        next++;
      }
      expect(next).to.equal(20000);
      await exited;
      peer.close();
      await ctx.term();
    });
  }

  it("a socket migrates twice over tcp and keeps its connection", async () => {
    const ctx = new Context();
    const pull = ctx.socket("PULL");
    const ep = await pull.bind("tcp://127.0.0.1:*");
    const push = ctx.socket("PUSH");
    let accepts = 0;
    pull.events.on("accept", () => accepts++);
    push.connect(ep);
    await push.send("0");
    expect(String((await pull.recv())[0])).to.equal("0");
    // main → worker A (which only relays it back) → main again.
    const relay = new Worker(
      new URL(
        `data:text/javascript,${encodeURIComponent(`
          import { parentPort, workerData } from "node:worker_threads";
          const { Context } = await import(workerData.lib);
          const ctx = Context.attach(workerData.ctx);
          parentPort.once("message", async (d) => {
            const s = ctx.adopt(d);
            await s.send("1");
            const back = s.detach();
            parentPort.postMessage(back, back.transferList);
          });`)}`,
      ),
      (() => {
        const h = ctx.share();
        return { workerData: { ctx: h, lib: new URL("../../src/index.js", import.meta.url).href }, transferList: h.transferList };
      })(),
    );
    const d = push.detach();
    relay.postMessage(d, d.transferList);
    const back = await once<DetachedSocket>(relay, "message");
    const again = ctx.adopt(back);
    await again.send("2");
    expect(String((await pull.recv())[0])).to.equal("1");
    expect(String((await pull.recv())[0])).to.equal("2");
    expect(accepts).to.equal(1);
    again.close();
    pull.close();
    await relay.terminate();
    await ctx.term();
  });

  it("when the thread hosting a connection dies, the moved socket reconnects from its new thread", async () => {
    // Connections in the socket's own threads (with I/O threads they would not die with the host).
    const ctx = new Context({ ioThreads: 0 });
    const pull = ctx.socket("PULL");
    const ep = await pull.bind("tcp://127.0.0.1:*");
    let handshakes = 0;
    const second = new Promise<void>((resolve) =>
      pull.events.on("handshake", () => {
        if (++handshakes === 2) resolve();
      }),
    );
    const host = spawn(ctx, { role: "host", endpoint: ep, n: 10 });
    const d = await once<DetachedSocket>(host, "message");
    const push = ctx.adopt(d);
    for (let i = 0; i < 10; i++) expect(String((await pull.recv())[0])).to.equal(String(i));
    await push.send("via host");
    expect(String((await pull.recv())[0])).to.equal("via host");
    await host.terminate();
    await second;
    await push.send("after");
    expect(String((await pull.recv())[0])).to.equal("after");
    push.close();
    pull.close();
    await ctx.term();
  });
});
