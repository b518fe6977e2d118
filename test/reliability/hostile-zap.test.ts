/**
 * ZAP replies are checked to the letter (RFC 27): a handler that answers with
 * the wrong number of frames, another version, another request id or a status
 * code outside 200/300/400/500 refuses the client (an auth handshake error),
 * and is never taken for success.
 */
import { expect } from "chai";
import * as zmq from "zeromq";
import type { Context } from "../../src/index.js";
import { closeAndTerm, trackedContext } from "../support/context.js";
import { within } from "../support/peers.js";

type Reply = (f: { version: Buffer; requestId: Buffer }) => (string | Buffer)[];

/** What the handler answers, chosen by the client's user name. */
const VARIANTS: Record<string, Reply> = {
  good: (f) => [f.version, f.requestId, "200", "OK", "user", ""],
  fiveFrames: (f) => [f.version, f.requestId, "200", "OK", "user"],
  sevenFrames: (f) => [f.version, f.requestId, "200", "OK", "user", "", "extra"],
  version2: (f) => ["2.0", f.requestId, "200", "OK", "user", ""],
  otherRequestId: (f) => [f.version, Buffer.concat([f.requestId, Buffer.from("9")]), "200", "OK", "user", ""],
  status201: (f) => [f.version, f.requestId, "201", "OK", "user", ""],
  status2000: (f) => [f.version, f.requestId, "2000", "OK", "user", ""],
  emptyStatus: (f) => [f.version, f.requestId, "", "OK", "user", ""],
  status400: (f) => [f.version, f.requestId, "400", "denied", "", ""],
};

describe("hostile ZAP handlers: replies checked to the letter", function () {
  this.timeout(20000);
  let ctx: Context;
  beforeEach(() => {
    ctx = trackedContext({ blocky: false });
  });
  afterEach(() => closeAndTerm(ctx));

  it("only a well-formed 200 admits a client; every malformed reply refuses it with an auth handshake error", async () => {
    const zap = ctx.socket("ROUTER");
    await zap.bind("inproc://zeromq.zap.01");
    void (async () => {
      for await (const frames of zap) {
        const [id, empty, version, requestId, , , , , user] = frames;
        const reply = VARIANTS[String(user)] ?? VARIANTS.status400!;
        await zap.send([id!, empty!, ...reply({ version: version!, requestId: requestId! })]).catch(() => {});
      }
    })();
    const server = ctx.socket("PULL", { plainServer: true });
    const ep = await server.bind("tcp://127.0.0.1:*");
    // Every outcome is an event: a message delivered, or a handshake refused.
    const waiting: { settle: ((what: string) => void) | null } = { settle: null };
    server.events.on("handshake:error", (e) => waiting.settle?.(`refused ${e.reason ?? "?"}`));
    void (async () => {
      for await (const [m] of server) waiting.settle?.(`delivered ${String(m)}`);
    })();
    const outcome: Record<string, string> = {};
    for (const name of Object.keys(VARIANTS)) {
      const client = new zmq.Push({ linger: 0, plainUsername: name, plainPassword: "pw", reconnectInterval: 10_000 });
      try {
        const settled = new Promise<string>((resolve) => (waiting.settle = resolve));
        client.connect(ep);
        await client.send(name);
        outcome[name] = await within(settled, 3000, `the outcome for ${name}`);
      } finally {
        waiting.settle = null;
        client.close();
      }
    }
    expect(outcome).to.deep.equal({
      good: "delivered good",
      fiveFrames: "refused auth",
      sevenFrames: "refused auth",
      version2: "refused auth",
      otherRequestId: "refused auth",
      status201: "refused auth",
      status2000: "refused auth",
      emptyStatus: "refused auth",
      status400: "refused auth",
    });
  });
});
