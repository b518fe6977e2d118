/**
 * The ZMTP engine without a network: ZmtpConnections wired back to back or
 * fed hand-made bytes. Fixtures are split at every offset; random splits and
 * random mutations (seeded, bounded) must never throw out of receive() and
 * never deliver a message that was not sent.
 */
import { expect } from "chai";
import { encodeCommand, encodeMetadata, parseCommand } from "../../src/zmtp/commands.js";
import { Decoder } from "../../src/zmtp/decoder.js";
import { FrameEncoder } from "../../src/zmtp/encoder.js";
import { encodeGreeting } from "../../src/zmtp/greeting.js";
import { ZmtpConnection, type EngineError, type ZmtpOptions, type ZmtpPeer } from "../../src/zmtp/protocol.js";
import type { SocketTypeName } from "../../src/socket-type.js";
import { options, referenceDecode, rng } from "./harness.js";

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex");
const latin = (s: string): Buffer => Buffer.from(s, "latin1");

interface Recorder {
  conn: ZmtpConnection;
  out: Buffer[];
  messages: Buffer[][];
  subs: [string, boolean][];
  ready: ZmtpPeer | null;
  errors: EngineError[];
}

function recorder(opts: ZmtpOptions): Recorder {
  const r: Recorder = { out: [], messages: [], subs: [], ready: null, errors: [] } as unknown as Recorder;
  r.conn = new ZmtpConnection(opts, {
    write: (bufs) => r.out.push(...bufs.map((b) => Buffer.from(b))),
    onReady: (p) => (r.ready = p),
    onMessage: (m) => {
      r.messages.push(m.map((f) => Buffer.from(f)));
    },
    onSubscribe: (t, s) => r.subs.push([t.toString("latin1"), s]),
    onError: (e) => r.errors.push(e),
  });
  return r;
}

/** Moves everything A wrote to B and back until both are quiet. */
function pump(a: Recorder, b: Recorder): void {
  for (let i = 0; i < 20 && (a.out.length > 0 || b.out.length > 0); i++) {
    for (const chunk of a.out.splice(0)) b.conn.receive(chunk);
    for (const chunk of b.out.splice(0)) a.conn.receive(chunk);
  }
}

/** The bytes a NULL peer of `type` sends: greeting, READY, then the messages. */
function peerStream(type: SocketTypeName, messages: Buffer[][], identity?: string): Buffer {
  const props: [string, Buffer][] = [["Socket-Type", latin(type)]];
  if (identity !== undefined) props.push(["Identity", latin(identity)]);
  const enc = new FrameEncoder();
  enc.raw(encodeCommand("READY", encodeMetadata(props)));
  for (const m of messages) enc.message(m);
  return Buffer.concat([encodeGreeting("NULL", false), ...enc.take()]);
}

const FIXTURE_MESSAGES: Buffer[][] = [
  [latin("hello")],
  [latin("multi"), Buffer.alloc(0), latin("part")],
  [Buffer.alloc(0)],
  [Buffer.alloc(300, 7)], // long size form
  [latin("a"), Buffer.alloc(200 * 1024, 9)], // big frame, filled across chunks
];

describe("ZMTP codec and handshake", () => {
  it("greeting: 64 bytes, signature, version 3.1, mechanism, as-server", () => {
    const g = encodeGreeting("PLAIN", true);
    expect(g.length).to.equal(64);
    expect(g[0]).to.equal(0xff);
    expect(g[9]).to.equal(0x7f);
    expect([g[10], g[11]]).to.deep.equal([3, 1]);
    expect(g.toString("latin1", 12, 17)).to.equal("PLAIN");
    expect(g[32]).to.equal(1);
    expect(g.subarray(33).every((b) => b === 0)).to.equal(true);
  });

  it("READY for a DEALER with an empty identity matches the spec bytes", () => {
    const frame = encodeCommand("READY", encodeMetadata([["Socket-Type", latin("DEALER")], ["Identity", Buffer.alloc(0)]]));
    expect(frame.equals(Buffer.concat([hex("0429 05"), latin("READY"), hex("0B"), latin("Socket-Type"), hex("00000006"), latin("DEALER"), hex("08"), latin("Identity"), hex("00000000")]))).to.equal(true);
  });

  it("NULL handshake back to back; messages, SUBSCRIBE/CANCEL commands to a 3.1 peer", () => {
    const sub = recorder(options("SUB"));
    const pub = recorder(options("PUB"));
    sub.conn.start();
    pub.conn.start();
    pump(sub, pub);
    expect(sub.ready?.socketType).to.equal("PUB");
    expect(pub.ready?.socketType).to.equal("SUB");
    expect(pub.ready?.minor).to.equal(1);
    sub.conn.sendSubscribe(latin("A"), true);
    sub.conn.flush();
    // The 3.1 command form on the wire: 04 0B 09 "SUBSCRIBE" 41.
    expect(Buffer.concat(sub.out).equals(Buffer.concat([hex("040B09"), latin("SUBSCRIBE"), hex("41")]))).to.equal(true);
    sub.conn.sendSubscribe(latin("A"), false);
    sub.conn.flush();
    pump(sub, pub);
    expect(pub.subs).to.deep.equal([
      ["A", true],
      ["A", false],
    ]);
    pub.conn.sendMessage([latin("A"), latin("body")]);
    pub.conn.flush();
    pump(sub, pub);
    expect(sub.messages.map((m) => m.map(String))).to.deep.equal([["A", "body"]]);
  });

  it("a ZMTP 3.0 peer gets subscriptions in the message form", () => {
    const sub = recorder(options("SUB"));
    sub.conn.start();
    const g30 = encodeGreeting("NULL", false);
    g30[11] = 0;
    sub.conn.receive(Buffer.concat([g30, encodeCommand("READY", encodeMetadata([["Socket-Type", latin("PUB")]]))]));
    expect(sub.ready?.minor).to.equal(0);
    sub.out.length = 0;
    sub.conn.sendSubscribe(latin("xy"), true);
    sub.conn.flush();
    expect(Buffer.concat(sub.out).equals(hex("0003 01 7879"))).to.equal(true);
  });

  it("PING is answered with a PONG echoing the context (NOTES fixture)", () => {
    const r = recorder(options("DEALER"));
    r.conn.start();
    r.conn.receive(peerStream("DEALER", []));
    r.out.length = 0;
    r.conn.receive(Buffer.concat([hex("040A04"), latin("PING"), hex("0000"), latin("LOL")]));
    expect(Buffer.concat(r.out).equals(Buffer.concat([hex("040804"), latin("PONG"), latin("LOL")]))).to.equal(true);
    expect(r.errors).to.deep.equal([]);
  });

  it("every fixture stream split at every offset (and in 1-byte pieces) decodes identically", () => {
    const stream = peerStream("PUSH", FIXTURE_MESSAGES.slice(0, 4), "id");
    const expected = FIXTURE_MESSAGES.slice(0, 4).map((m) => m.map((f) => f.toString("hex")));
    for (let cut = 0; cut <= stream.length; cut++) {
      const r = recorder(options("PULL"));
      r.conn.start();
      r.conn.receive(stream.subarray(0, cut));
      r.conn.receive(stream.subarray(cut));
      expect(r.errors, `cut at ${cut}`).to.deep.equal([]);
      expect(r.messages.map((m) => m.map((f) => f.toString("hex"))), `cut at ${cut}`).to.deep.equal(expected);
    }
    const r = recorder(options("PULL"));
    r.conn.start();
    for (let i = 0; i < stream.length; i++) r.conn.receive(stream.subarray(i, i + 1));
    expect(r.messages.map((m) => m.map((f) => f.toString("hex")))).to.deep.equal(expected);
  });

  it("random splits of a stream with a 200 KiB frame decode identically; big frames arrive as one buffer of their own", () => {
    const stream = peerStream("PUSH", FIXTURE_MESSAGES);
    const next = rng(42);
    for (let run = 0; run < 50; run++) {
      const r = recorder(options("PULL"));
      let big: Buffer | null = null;
      const conn = new ZmtpConnection(options("PULL"), {
        write: () => {},
        onReady: () => {},
        onMessage: (m) => {
          r.messages.push(m.map((f) => Buffer.from(f)));
          if (m.length === 2 && m[1]!.length === 200 * 1024) big = m[1]!;
        },
        onSubscribe: () => {},
        onError: (e) => r.errors.push(e),
      });
      conn.start();
      for (let at = 0; at < stream.length; ) {
        const n = 1 + Math.floor(next() * 70000);
        conn.receive(Buffer.from(stream.subarray(at, at + n)));
        at += n;
      }
      expect(r.errors).to.deep.equal([]);
      expect(r.messages.length).to.equal(FIXTURE_MESSAGES.length);
      expect(r.messages[4]![1]!.equals(FIXTURE_MESSAGES[4]![1]!)).to.equal(true);
      // Allocated once at its final size (not a view into a read chunk, not concatenated).
      expect(big).to.not.equal(null);
      expect(big!.buffer.byteLength).to.equal(200 * 1024);
    }
  });

  for (const [name, bytes, kind] of [
    ["random garbage", Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), "protocol"],
    ["a ZMTP 1.0 greeting", hex("01 00"), "protocol"],
    ["a ZMTP 2.0 greeting", hex("ff 0000000000000001 7f 01 05"), "protocol"],
    ["a mechanism mismatch", (() => { const g = encodeGreeting("PLAIN", false); return g; })(), "protocol"],
    ["a frame claiming 2^63 bytes", Buffer.concat([peerStream("PUSH", []), hex("02 8000000000000000")]), "size"],
    ["reserved flag bits", Buffer.concat([peerStream("PUSH", []), hex("10 01 00")]), "protocol"],
    ["a command with MORE", Buffer.concat([peerStream("PUSH", []), hex("05 01 00")]), "protocol"],
    ["data before the handshake", Buffer.concat([encodeGreeting("NULL", false), hex("00 01 41")]), "protocol"],
    ["an oversized handshake command", Buffer.concat([encodeGreeting("NULL", false), hex("06 0000000010000000")]), "protocol"],
    ["a malformed READY", Buffer.concat([encodeGreeting("NULL", false), encodeCommand("READY", hex("0B") )]), "protocol"],
    ["an incompatible socket type", peerStream("PUB", []), "protocol"],
    ["an ERROR from the peer", Buffer.concat([encodeGreeting("NULL", false), encodeCommand("ERROR", hex("03 343030"))]), "auth"],
  ] as const) {
    it(`${name} fails the connection once (${kind}), without throwing and without delivering`, () => {
      const r = recorder(options("PULL"));
      r.conn.start();
      expect(() => r.conn.receive(Buffer.from(bytes))).to.not.throw();
      expect(() => r.conn.receive(Buffer.from("more bytes after the failure"))).to.not.throw();
      expect(r.errors.length).to.equal(1);
      expect(r.errors[0]!.kind).to.equal(kind);
      expect(r.messages).to.deep.equal([]);
    });
  }

  it("maxMessageSize: a bigger message fails the connection and is not delivered", () => {
    const r = recorder(options("PULL", { maxMessageSize: 100 }));
    r.conn.start();
    r.conn.receive(peerStream("PUSH", [[latin("ok")], [Buffer.alloc(60), Buffer.alloc(60)], [latin("never")]]));
    expect(r.messages.map((m) => m.map(String))).to.deep.equal([["ok"]]);
    expect(r.errors.map((e) => [e.kind, e.code])).to.deep.equal([["size", "EMSGSIZE"]]);
  });

  it("libzmq 4.3's mangled ERROR (0x5E \"RROR\") is read as ERROR", () => {
    expect(parseCommand(Buffer.concat([hex("5e"), latin("RROR"), hex("03"), latin("400")]))).to.deep.include({ name: "ERROR" });
  });

  it("PLAIN back to back: accepted, and refused with ERROR (credentials never in the error)", async () => {
    for (const accept of [true, false]) {
      const client = recorder(options("REQ", { mechanism: "PLAIN", plainUsername: "alice", plainPassword: "s3cret-pw" }));
      const asked: string[][] = [];
      const server = recorder(
        options("REP", {
          mechanism: "PLAIN",
          asServer: true,
          zapAuthenticate: async (req) => {
            asked.push(req.credentials.map(String));
            return accept ? { statusCode: "200", statusText: "OK", userId: "alice" } : { statusCode: "400", statusText: "no", userId: "" };
          },
        }),
      );
      client.conn.start();
      server.conn.start();
      pump(client, server);
      await new Promise((r) => setImmediate(r)); // the ZAP reply is asynchronous
      pump(client, server);
      expect(asked).to.deep.equal([["alice", "s3cret-pw"]]);
      if (accept) {
        expect(client.ready?.socketType).to.equal("REP");
        expect(server.ready?.userId).to.equal("alice");
      } else {
        expect(client.ready).to.equal(null);
        expect(client.errors.map((e) => e.kind)).to.deep.equal(["auth"]);
        expect(server.errors.map((e) => e.kind)).to.deep.equal(["auth"]);
        for (const e of [...client.errors, ...server.errors]) expect(e.message).to.not.match(/alice|s3cret/);
      }
    }
  });

  it("random mutations never throw out of receive() and deliver exactly what the mutated bytes encode", () => {
    const sent = [[latin("alpha")], [latin("beta"), latin("gamma")], [Buffer.alloc(400, 3)], [latin("delta")]];
    const clean = peerStream("PUSH", sent);
    const next = rng(7);
    let bytesFuzzed = 0;
    for (let run = 0; run < 3000; run++) {
      const mutated = Buffer.from(clean);
      const flips = 1 + Math.floor(next() * 4);
      for (let k = 0; k < flips; k++) mutated[Math.floor(next() * mutated.length)] = Math.floor(next() * 256);
      bytesFuzzed += mutated.length;
      const r = recorder(options("PULL", { maxMessageSize: 1 << 20 }));
      r.conn.start();
      for (let at = 0; at < mutated.length; ) {
        const n = 1 + Math.floor(next() * 64);
        expect(() => r.conn.receive(mutated.subarray(at, at + n))).to.not.throw();
        at += n;
      }
      expect(r.errors.length).to.be.at.most(1);
      // Never a message the bytes do not encode (no partial, merged or shifted message),
      // and nothing after the first error.
      const got = r.messages.map((m) => m.map((f) => f.toString("hex")).join("|"));
      expect(got, `run ${run}`).to.deep.equal(referenceDecode(mutated, 1 << 20).messages.slice(0, got.length));
      if (r.errors.length === 0) expect(got.length, `run ${run}`).to.equal(referenceDecode(mutated, 1 << 20).messages.length);
    }
    expect(bytesFuzzed).to.be.greaterThan(500000);
  });

  it("heartbeats: PINGs go out on the interval and a silent peer is dropped after the timeout", async () => {
    const r = recorder(options("DEALER", { heartbeatInterval: 20, heartbeatTimeout: 60 }));
    r.conn.start();
    r.conn.receive(peerStream("DEALER", []));
    r.out.length = 0;
    const failed = new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (r.errors.length > 0) {
          clearInterval(t);
          resolve();
        }
      }, 5);
    });
    await failed;
    expect(Buffer.concat(r.out).includes(latin("PING"))).to.equal(true);
    expect(r.errors[0]!.kind).to.equal("other");
    r.conn.close();
  });

  it("the decoder pauses while a mechanism waits and resumes where it stopped", () => {
    const frames: string[] = [];
    const d = new Decoder(
      {
        signature: () => {},
        revision: () => {},
        unversioned: () => {},
        oldGreeting: () => {},
        greeting: () => {},
        identity: () => {},
        command: (b) => frames.push(`cmd:${b.toString("latin1")}`),
        message: (m) => {
          frames.push(`msg:${m.map(String).join(",")}`);
          return true;
        },
        failed: (k, why) => frames.push(`failed:${k}:${why}`),
      },
      -1,
    );
    d.handshaken = true;
    d.push(encodeGreeting("NULL", false));
    d.paused = true;
    d.push(hex("0001 41 0001 42"));
    expect(frames).to.deep.equal([]);
    d.paused = false;
    d.run();
    expect(frames).to.deep.equal(["msg:A", "msg:B"]);
  });
});
