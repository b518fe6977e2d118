/**
 * The public CURVE surface: options (32 bytes or 40-character Z85, read back
 * as given, EINVAL otherwise), curveKeyPair(), curvePublicKey(), z85, and a
 * zocket-to-zocket CURVE round trip over tcp and ipc.
 */
import { expect } from "chai";
import { curveKeyPair, curvePublicKey, z85, type Context } from "../../src/index.js";
import { cloneOptions, defaultOptions, reviveOptions } from "../../src/options.js";
import { expectCode } from "../support/assert.js";
import { closeAndTerm, trackedContext } from "../support/context.js";
import { within } from "../support/peers.js";

function einval(f: () => unknown): void {
  try {
    f();
  } catch (err) {
    expectCode(err, "EINVAL");
    return;
  }
  expect.fail("expected EINVAL");
}

describe("CURVE: options and key helpers", () => {
  let ctx: Context;
  beforeEach(() => (ctx = trackedContext()));
  afterEach(() => closeAndTerm(ctx));

  it("curveKeyPair() gives 40-character Z85 keys; curvePublicKey(secret) derives the public one (Z85 or bytes)", () => {
    const a = curveKeyPair();
    const b = curveKeyPair();
    expect(a.publicKey).to.have.length(40);
    expect(a.secretKey).to.have.length(40);
    expect(a.publicKey).to.not.equal(b.publicKey);
    expect(curvePublicKey(a.secretKey)).to.equal(a.publicKey);
    expect(curvePublicKey(z85.decode(a.secretKey))).to.equal(a.publicKey);
    // zmq_curve(7)'s test server key pair.
    expect(curvePublicKey("JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6")).to.equal("rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7");
    einval(() => curvePublicKey("short"));
    einval(() => curvePublicKey(new Uint8Array(31)));
    einval(() => curvePublicKey("~".repeat(40)));
  });

  it("options: defaults, read back as given (Z85 string or bytes), EINVAL for anything else", () => {
    const keys = curveKeyPair();
    const s = ctx.socket("DEALER");
    expect([s.curveServer, s.curvePublicKey, s.curveSecretKey, s.curveServerKey]).to.deep.equal([false, null, null, null]);
    s.curveServerKey = keys.publicKey;
    expect(s.curveServerKey).to.equal(keys.publicKey);
    const raw = z85.decode(keys.secretKey);
    const t = ctx.socket("ROUTER", { curveServer: true, curveSecretKey: new Uint8Array(raw) });
    expect(t.curveServer).to.equal(true);
    expect(Buffer.isBuffer(t.curveSecretKey)).to.equal(true);
    expect((t.curveSecretKey as Buffer).equals(raw)).to.equal(true);
    for (const bad of ["x".repeat(39), "~".repeat(40), "#".repeat(40), Buffer.alloc(31), Buffer.alloc(33), 42, {}, true]) {
      einval(() => ctx.socket("DEALER", { curveServerKey: bad as never }));
      einval(() => (s.curvePublicKey = bad as never));
    }
    einval(() => ctx.socket("DEALER", { curveServer: 1 as never }));
    s.curveServerKey = null;
    expect(s.curveServerKey).to.equal(null);
  });

  it("options survive the clone a migration makes (keys as given)", () => {
    const keys = curveKeyPair();
    const o = defaultOptions(0);
    o.curveServer = true;
    o.curveSecretKey = z85.decode(keys.secretKey);
    o.curvePublicKey = keys.publicKey;
    const back = reviveOptions(structuredClone(cloneOptions(o)), "test");
    expect(back.curveServer).to.equal(true);
    expect((back.curveSecretKey as Buffer).equals(o.curveSecretKey)).to.equal(true);
    expect(back.curvePublicKey).to.equal(keys.publicKey);
  });

  for (const transport of ["tcp", "ipc"] as const) {
    it(`zocket to zocket over ${transport}: REQ/REP with CURVE, keys given as Z85 on one side and bytes on the other`, async () => {
      const server = curveKeyPair();
      const client = curveKeyPair();
      const rep = ctx.socket("REP", { curveServer: true, curveSecretKey: server.secretKey });
      const ep = await rep.bind(transport === "tcp" ? "tcp://127.0.0.1:*" : "ipc://*");
      const req = ctx.socket("REQ", {
        curveServerKey: z85.decode(server.publicKey),
        curvePublicKey: client.publicKey,
        curveSecretKey: z85.decode(client.secretKey),
      });
      req.connect(ep);
      for (let i = 0; i < 3; i++) {
        await req.send(["ping", String(i)]);
        const got = await within(rep.recv(), 5000, "request");
        expect(got.map(String)).to.deep.equal(["ping", String(i)]);
        await rep.send("pong");
        expect((await within(req.recv(), 5000, "reply")).map(String)).to.deep.equal(["pong"]);
      }
    });
  }
});
