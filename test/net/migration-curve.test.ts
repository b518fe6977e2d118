/**
 * Sockets with live CURVE connections move between threads. A connection
 * stays in the thread where it was made, so its transient keys and nonces
 * stay there too; the moved socket's options (its long-term keys) travel
 * with it, and a connection it makes later from its new thread runs a new
 * handshake with them.
 */
import { expect } from "chai";
import { Worker } from "node:worker_threads";
import * as zmq from "zeromq";
import { Context, curveKeyPair, type DetachedSocket } from "../../src/index.js";

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

const SERVER = curveKeyPair();
const CLIENT = curveKeyPair();
const serverOptions = { curveServer: true, curveSecretKey: SERVER.secretKey };
const clientOptions = { curveServerKey: SERVER.publicKey, curvePublicKey: CLIENT.publicKey, curveSecretKey: CLIENT.secretKey };

describe("migration with live CURVE connections", function () {
  this.timeout(30000);

  it("a bound CURVE PULL moves to a worker mid-stream from a libzmq CURVE PUSH: nothing lost, duplicated or reordered", async () => {
    const ctx = new Context();
    const pull = ctx.socket("PULL", serverOptions);
    const ep = await pull.bind("tcp://127.0.0.1:*");
    const peer = new zmq.Push(clientOptions);
    peer.connect(ep);
    const n = 5000;
    const sending = (async () => {
      for (let i = 0; i < n; i++) await peer.send(String(i));
      await peer.send("end");
    })();
    for (let next = 0; next < 300; next++) expect(Number((await pull.recv())[0])).to.equal(next);
    const w = spawn(ctx, { role: "pull", from: 300 });
    const exited = once(w, "exit");
    const d = pull.detach();
    w.postMessage(d, d.transferList);
    expect(await once<{ next: number; bad: number }>(w, "message")).to.deep.equal({ next: n, bad: 0 });
    await sending;
    peer.close();
    await exited;
    await ctx.term();
  });

  it("a connected CURVE PUSH moves to a worker mid-stream towards a libzmq CURVE PULL", async () => {
    const ctx = new Context();
    const peer = new zmq.Pull(serverOptions);
    await peer.bind("tcp://127.0.0.1:*");
    const push = ctx.socket("PUSH", clientOptions);
    push.connect(peer.lastEndpoint!);
    for (let i = 0; i < 500; i++) await push.send(String(i));
    const w = spawn(ctx, { role: "push", from: 500, to: 5000 });
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
    expect(next).to.equal(5000);
    await exited;
    peer.close();
    await ctx.term();
  });

  it("when the thread hosting its CURVE connection dies, the moved client reconnects from its new thread with a new handshake", async () => {
    // Connections in the socket's own threads (with I/O threads they would not die with the host).
    const ctx = new Context({ ioThreads: 0 });
    const pull = ctx.socket("PULL", serverOptions);
    const ep = await pull.bind("tcp://127.0.0.1:*");
    let handshakes = 0;
    const second = new Promise<void>((resolve) =>
      pull.events.on("handshake", () => {
        if (++handshakes === 2) resolve();
      }),
    );
    const host = spawn(ctx, { role: "host", endpoint: ep, n: 10, options: clientOptions });
    const d = await once<DetachedSocket>(host, "message");
    const push = ctx.adopt(d);
    expect(push.curveServerKey).to.equal(SERVER.publicKey);
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
