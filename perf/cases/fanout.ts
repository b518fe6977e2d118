/**
 * PUB fan-out: one PUB over inproc with `subscribers` SUBs, of which one
 * subscribes to the published prefix and the others each to a prefix of
 * their own. The figure is the rate at which the matching subscriber
 * receives, with the PUB in no-drop mode (ZMQ_XPUB_NODROP) so that it sends
 * exactly as fast as that subscriber takes messages: what a publisher pays
 * per message for the subscribers it does not send to shows up as a lower
 * rate. libzmq matches a message's topic once in its mtrie and writes to the
 * pipes found (dist); a publisher that asks every subscriber in turn slows
 * down in proportion to their number.
 *
 * inproc, so the figure is the publisher's cost and not the kernel's; zeromq.js
 * can do inproc between sockets of one context (a case with many sockets
 * gets a context of its own, libzmq's default one takes only 1023 sockets).
 */
import { bindAddress, open, type BenchSocket, type Lib } from "../peers.js";
import { stream } from "./throughput.js";
import type { Window } from "../stats.js";


const SIZE = 16;

/** Publishes `topic` until `sub` receives one message (bounded): its subscription is in place at the PUB. */
async function awaitSubscribed(pub: BenchSocket, sub: BenchSocket, topic: string): Promise<void> {
  let got = false;
  const r = sub.recv().then(() => (got = true));
  r.catch(() => {});
  for (let i = 0; i < 2000 && !got; i++) {
    await pub.send(Buffer.from(topic));
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  if (!got) throw new Error(`fan-out: the subscription to ${topic} never reached the PUB`);
}

export async function fanOut(lib: Lib, subscribers: number, window: Window): Promise<number> {
  const l = open(lib, { sockets: subscribers + 1 });
  try {
    const pub = l.socket("PUB", { noDrop: true });
    const ep = await pub.bind(bindAddress("inproc"));
    const topicOf = (i: number): string => `other-${String(i).padStart(4, "0")}`;
    const others: BenchSocket[] = [];
    for (let i = 0; i < subscribers - 1; i++) {
      const s = l.socket("SUB");
      s.connect(ep);
      s.subscribe(topicOf(i));
      others.push(s);
    }
    const match = l.socket("SUB");
    match.connect(ep);
    match.subscribe("match");
    // The first and the last of the others have their subscriptions in place (each then holds a message or a few).
    for (const i of new Set([0, others.length - 1])) {
      const s = others[i];
      if (s !== undefined) await awaitSubscribed(pub, s, topicOf(i));
    }
    const msg = Buffer.alloc(SIZE, 7);
    msg.write("match");
    return await stream(pub, match, msg, window);
  } finally {
    await l.end();
  }
}
