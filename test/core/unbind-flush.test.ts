/**
 * unbind() and disconnect() of an inproc endpoint keep what was already sent:
 * libzmq terminates those pipes with delay (erase_pipes → terminate (true)),
 * so a message sent just before reaches the peer ahead of the delimiter,
 * also when the peer lives in another thread and the message is still in the
 * batch that leaves at the end of the tick. (Found porting zeromq.js's
 * threaded-worker example: its "stop" signal, sent together with the unbinds,
 * never arrived and the workers never stopped.)
 */
import { expect } from "chai";
import { Worker } from "node:worker_threads";
import { Context } from "../../src/index.js";

const lib = new URL("../../src/index.js", import.meta.url).href;

/** A worker whose SUB connects to `endpoint`, posts "ready", then posts the first message it receives. */
function subscriberThread(ctx: Context, endpoint: string): Worker {
  const src = `
    import { parentPort, workerData } from "node:worker_threads";
    const { Context } = await import(workerData.lib);
    const ctx = Context.attach(workerData.ctx);
    const sub = ctx.socket("SUB", { receiveTimeout: 5000 });
    sub.connect(workerData.endpoint);
    sub.subscribe();
    parentPort.postMessage("ready");
    try {
      const [m] = await sub.recv();
      parentPort.postMessage(String(m));
    } catch (err) {
      parentPort.postMessage("error: " + err.code);
    }
    sub.close();`;
  const h = ctx.share();
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(src)}`), {
    workerData: { lib, endpoint, ctx: h },
    transferList: h.transferList,
  });
}

const nextMessage = (w: Worker): Promise<unknown> =>
  new Promise((resolve, reject) => {
    w.once("message", resolve);
    w.once("error", reject);
  });

describe("inproc unbind/disconnect keep what was sent", function () {
  this.timeout(20000);

  it("a message sent in the same tick as unbind() reaches a SUB in another thread", async () => {
    const ctx = new Context();
    // An XPUB (a PUB that shows subscriptions) so we know when the SUB's subscription is in.
    const pub = ctx.socket("XPUB");
    await pub.bind("inproc://unbind-flush");
    const w = subscriberThread(ctx, "inproc://unbind-flush");
    const exited = new Promise((r) => w.once("exit", r));
    expect(await nextMessage(w)).to.equal("ready");
    const [subscription] = await pub.recv();
    expect(subscription?.[0]).to.equal(1);
    const received = nextMessage(w);
    await Promise.all([pub.send("stop"), pub.unbind("inproc://unbind-flush")]);
    expect(await received).to.equal("stop");
    await exited;
    pub.close();
    await ctx.term();
  });
});
