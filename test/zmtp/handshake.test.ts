/**
 * Spec tests of the ZMTP engine without a network (RFC 23/37, 24, 27 and the
 * byte fixtures of ZMTP-NOTES.md): the exact greeting, READY/SUBSCRIBE/PING
 * fixtures, 3.0 versus 3.1 peers, ERROR, mechanism mismatch, old and garbage
 * greetings, NULL and PLAIN back to back, every fixture stream split at every
 * offset, hostile frames, maxMessageSize, large frames and heartbeats.
 */
import { expect } from "chai";
import { encodeCommand, encodeMetadata } from "../../src/zmtp/commands.js";
import { encodeGreeting } from "../../src/zmtp/greeting.js";
import { FRAME_COST } from "../../src/zmtp/decoder.js";
import { ZmtpConnection, type EngineError } from "../../src/zmtp/protocol.js";
import { afterGreeting, drain, hex, latin, options, peerStream, pump, rec, tick, wire, type Rec } from "./harness.js";

/** Rejects if `p` does not settle within `ms`: a hang becomes a clear failure. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: ReturnType<typeof setTimeout>;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<T>((_, reject) => {
      t = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
    }),
  ]);
}

/** Feeds `bytes` to a fresh PULL connection; receive() must never throw. */
function feed(bytes: Buffer, extra: Parameters<typeof options>[1] = {}): Rec {
  const r = rec(options("PULL", extra));
  r.conn.start();
  expect(() => r.conn.receive(bytes)).to.not.throw();
  return r;
}

const strs = (r: Rec): string[][] => r.messages.map((m) => m.map((f) => f.toString("latin1")));

describe("ZMTP engine: greeting", () => {
  it("NULL greeting is exactly the 64 bytes libzmq sends", () => {
    const expected = hex(
      "ff 0000000000000001 7f 03 01" + // signature, version 3.1
        "4e554c4c 00000000000000000000000000000000" + // "NULL", zero-padded to 20
        "00" + // as-server
        "00".repeat(31),
    );
    expect(encodeGreeting("NULL", false).equals(expected)).to.equal(true);
  });

  it("PLAIN server greeting: mechanism PLAIN, as-server 1, 64 bytes", () => {
    const expected = hex("ff 0000000000000001 7f 03 01" + "504c41494e" + "00".repeat(15) + "01" + "00".repeat(31));
    const g = encodeGreeting("PLAIN", true);
    expect(g.length).to.equal(64);
    expect(g.equals(expected)).to.equal(true);
  });

  it("the greeting goes out in libzmq's steps: signature at start(), major after the peer's signature, the rest after its revision byte", () => {
    const r = rec(options("DEALER"));
    const whole = encodeGreeting("NULL", false);
    r.conn.start();
    expect(r.writes).to.equal(1);
    expect(drain(r).equals(whole.subarray(0, 10))).to.equal(true);
    // libzmq sends its first 10 bytes, then waits for ours: they are enough for our major version.
    r.conn.receive(whole.subarray(0, 9));
    expect(r.out).to.deep.equal([]);
    r.conn.receive(whole.subarray(9, 10));
    expect(drain(r).equals(hex("03"))).to.equal(true);
    // Then libzmq sends its major version: the rest of ours follows.
    r.conn.receive(whole.subarray(10, 11));
    expect(drain(r).equals(whole.subarray(11))).to.equal(true);
    expect(r.errors).to.deep.equal([]);
    r.conn.receive(whole.subarray(11));
    expect(drain(r).equals(encodeCommand("READY", encodeMetadata([["Socket-Type", latin("DEALER")], ["Identity", Buffer.alloc(0)]])))).to.equal(true);
  });

  it("the signature's length field holds our identity's size + 1 (a 1.0 peer reads it as our identity message's header)", () => {
    const r = rec(options("DEALER", { routingId: latin("abc") }));
    r.conn.start();
    expect(drain(r).equals(hex("ff 0000000000000004 7f"))).to.equal(true);
  });

  const rejected: [string, Buffer][] = [
    ["a ZMTP 1.0 frame with reserved flag bits", hex("01 02")],
    ["a ZMTP 1.0 identity over 255 bytes (long form)", hex("ff 0000000000000101 00")],
    ["a ZMTP 1.0 frame of size 0 (no flags byte)", hex("00")],
    ["a ZMTP 2.0 PULL talking to our PULL", hex("ff 0000000000000001 7f 01 07")],
    ["a ZMTP 2.0 peer with an unknown socket type", hex("ff 0000000000000001 7f 01 63")],
    ["a ZMTP 2.0 identity frame with the COMMAND bit", hex("ff 0000000000000001 7f 01 08 04")],
    ["an HTTP request (\"GE\": size 71, flags 0x45)", latin("GE")],
    ["a TLS ClientHello (size 22, flags 0x03)", hex("16 03")],
  ];
  for (const [name, bytes] of rejected) {
    it(`rejects ${name} as soon as the bad byte arrives (once, kind protocol, no message, nothing written after)`, () => {
      const r = rec(options("PULL"));
      r.conn.start();
      drain(r);
      // Byte by byte: the failure comes with the last byte given (each is the first that cannot be valid).
      for (const b of bytes.subarray(0, -1)) r.conn.receive(Buffer.from([b]));
      expect(r.errors).to.deep.equal([]);
      r.conn.receive(bytes.subarray(-1));
      expect(r.errors.map((e) => [e.kind, e.code])).to.deep.equal([["protocol", "EPROTO"]]);
      const written = drain(r);
      expect(() => r.conn.receive(encodeGreeting("NULL", false))).to.not.throw();
      expect(r.out).to.deep.equal([]);
      // At most the steps of our greeting went out: our major and type byte, and our identity frame once the 2.0 greeting was whole.
      expect(written.length).to.be.at.most(4);
      expect(r.messages).to.deep.equal([]);
      expect(r.conn.alive).to.equal(false);
    });
  }

  it("a 3.x greeting with any padding, filler and as-server bytes is accepted; major 4 counts as 3.1", () => {
    const g = encodeGreeting("NULL", false);
    for (let i = 1; i <= 8; i++) g[i] = 0xa5;
    g[9] = 0xff; // only bit 0 counts
    g[11] = 7;
    g[32] = 1;
    for (let i = 33; i < 64; i++) g[i] = 0x5a;
    const r = feed(Buffer.concat([g, encodeCommand("READY", encodeMetadata([["Socket-Type", latin("PUSH")]]))]));
    expect(r.errors).to.deep.equal([]);
    expect(r.ready?.minor).to.equal(7);
    g[10] = 4;
    g[11] = 0;
    const r4 = feed(Buffer.concat([g, encodeCommand("READY", encodeMetadata([["Socket-Type", latin("PUSH")]]))]));
    expect(r4.ready?.minor).to.equal(1);
  });

  for (const [ours, theirs] of [
    ["NULL", "PLAIN"],
    ["NULL", "CURVE"],
    ["PLAIN", "NULL"],
    ["NULL", "NULLX"],
    ["NULL", "NULL\0\0\0X"],
    ["NULL", ""],
  ] as const) {
    it(`mechanism mismatch: we ${ours}, peer ${JSON.stringify(theirs)} → fails (protocol), no READY/HELLO sent`, () => {
      const r = rec(options("PULL", { mechanism: ours, asServer: ours === "PLAIN" }));
      r.conn.start();
      drain(r);
      const g = encodeGreeting("NULL", false);
      g.fill(0, 12, 32);
      g.write(theirs, 12, "latin1");
      r.conn.receive(g);
      expect(r.errors.map((e) => e.kind)).to.deep.equal(["protocol"]);
      expect(r.errors[0]!.message).to.match(/mechanism/);
      // Our greeting's steps, and nothing after them.
      expect(afterGreeting(drain(r)).length).to.equal(0);
    });
  }
});

describe("ZMTP engine: commands and fixtures", () => {
  it("READY from a libzmq DEALER (NOTES fixture) is read: type, empty identity, 3.1", () => {
    const ready = Buffer.concat([hex("0429 05"), latin("READY"), hex("0B"), latin("Socket-Type"), hex("00000006"), latin("DEALER"), hex("08"), latin("Identity"), hex("00000000")]);
    const r = rec(options("ROUTER"));
    r.conn.start();
    r.conn.receive(Buffer.concat([encodeGreeting("NULL", false), ready]));
    expect(r.errors).to.deep.equal([]);
    expect(r.ready?.socketType).to.equal("DEALER");
    expect(r.ready?.routingId.length).to.equal(0);
    expect(r.ready?.minor).to.equal(1);
    // And we send the very same bytes as a DEALER.
    const d = rec(options("DEALER"));
    d.conn.start();
    drain(d);
    d.conn.receive(encodeGreeting("NULL", false));
    expect(afterGreeting(drain(d)).equals(ready)).to.equal(true);
  });

  it("READY property names are case-insensitive; an Identity is passed on", () => {
    const r = rec(options("ROUTER"));
    r.conn.start();
    r.conn.receive(Buffer.concat([encodeGreeting("NULL", false), encodeCommand("READY", encodeMetadata([["SOCKET-TYPE", latin("REQ")], ["identity", latin("abc")], ["X-Extra", latin("1")]]))]));
    expect(r.ready?.socketType).to.equal("REQ");
    expect(r.ready?.routingId.toString()).to.equal("abc");
  });

  it("SUBSCRIBE/CANCEL: NOTES fixture bytes to a 3.1 peer; both forms accepted from peers", () => {
    const sub = rec(options("SUB"));
    sub.conn.start();
    sub.conn.receive(peerStream("PUB", []));
    expect(sub.ready?.minor).to.equal(1);
    drain(sub);
    sub.conn.sendSubscribe(latin("A"), true);
    sub.conn.flush();
    expect(drain(sub).equals(Buffer.concat([hex("040B09"), latin("SUBSCRIBE"), hex("41")]))).to.equal(true);
    sub.conn.sendSubscribe(latin("A"), false);
    sub.conn.flush();
    expect(drain(sub).equals(Buffer.concat([hex("040806"), latin("CANCEL"), hex("41")]))).to.equal(true);

    // A PUB hears the command form as subscriptions and the 3.0 message form as messages (the socket decodes those).
    const pub = rec(options("XPUB"));
    pub.conn.start();
    pub.conn.receive(peerStream("SUB", []));
    pub.conn.receive(Buffer.concat([hex("040B09"), latin("SUBSCRIBE"), hex("41"), hex("040806"), latin("CANCEL"), hex("41"), hex("0003 01 7879"), hex("0001 00")]));
    expect(pub.errors).to.deep.equal([]);
    expect(pub.events.filter((e) => e.t === "sub").map((e) => (e.t === "sub" ? [e.topic.toString(), e.on] : null))).to.deep.equal([
      ["A", true],
      ["A", false],
    ]);
    expect(pub.messages.map((m) => m.map((f) => f.toString("hex")))).to.deep.equal([["017879"], ["00"]]);
  });

  it("a ZMTP 3.0 peer (minor 0) gets subscriptions in the message form, a 3.1 peer in the command form", () => {
    for (const minor of [0, 1]) {
      const sub = rec(options("XSUB"));
      sub.conn.start();
      sub.conn.receive(peerStream("XPUB", [], { minor }));
      expect(sub.ready?.minor).to.equal(minor);
      drain(sub);
      sub.conn.sendSubscribe(latin("xy"), true);
      sub.conn.sendSubscribe(latin("xy"), false);
      sub.conn.flush();
      const wire = drain(sub);
      if (minor === 0) expect(wire.equals(hex("0003 01 7879 0003 00 7879"))).to.equal(true);
      else expect(wire.equals(Buffer.concat([hex("040C09"), latin("SUBSCRIBE"), latin("xy"), hex("040906"), latin("CANCEL"), latin("xy")]))).to.equal(true);
    }
  });

  it("PING is answered with PONG echoing the context (NOTES fixture); context cut to 16 bytes", () => {
    const r = rec(options("DEALER"));
    r.conn.start();
    r.conn.receive(peerStream("DEALER", []));
    drain(r);
    r.conn.receive(Buffer.concat([hex("040A04"), latin("PING"), hex("0000"), latin("LOL")]));
    expect(drain(r).equals(Buffer.concat([hex("040804"), latin("PONG"), latin("LOL")]))).to.equal(true);
    r.conn.receive(Buffer.concat([hex("041A04"), latin("PING"), hex("0000"), latin("0123456789abcdefXYZ")]));
    expect(drain(r).equals(Buffer.concat([hex("041504"), latin("PONG"), latin("0123456789abcdef")]))).to.equal(true);
    r.conn.receive(Buffer.concat([hex("040504"), latin("PONG"), hex("040806"), latin("NEWCMD"), latin("x")]));
    expect(r.out).to.deep.equal([]);
    expect(r.errors).to.deep.equal([]);
  });

  it("PING in a long-size frame and unknown commands after the handshake are fine", () => {
    const r = rec(options("DEALER"));
    r.conn.start();
    r.conn.receive(peerStream("DEALER", []));
    drain(r);
    r.conn.receive(Buffer.concat([hex("06 000000000000000A 04"), latin("PING"), hex("0000"), latin("LOL")]));
    expect(drain(r).equals(Buffer.concat([hex("040804"), latin("PONG"), latin("LOL")]))).to.equal(true);
    expect(r.errors).to.deep.equal([]);
  });

  describe("ERROR", () => {
    const g = encodeGreeting("NULL", false);
    const err = (reason: string): Buffer => Buffer.concat([hex("04"), Buffer.from([7 + reason.length, 5]), latin("ERROR"), Buffer.from([reason.length]), latin(reason)]);

    it("ERROR with a ZAP status during the handshake fails with kind auth", () => {
      for (const code of ["300", "400", "500"]) {
        const r = feed(Buffer.concat([g, err(code)]));
        expect(r.errors.map((e) => [e.kind, e.code])).to.deep.equal([["auth", "EACCES"]]);
        expect(r.errors[0]!.message).to.contain(code);
      }
    });

    it("ERROR with another reason during the handshake fails with kind protocol", () => {
      const r = feed(Buffer.concat([g, err("Invalid socket type")]));
      expect(r.errors.map((e) => e.kind)).to.deep.equal(["protocol"]);
    });

    it("ERROR after the handshake fails with kind protocol; messages before it were delivered", () => {
      const r = feed(Buffer.concat([peerStream("PUSH", [[latin("before")]]), err("bye"), hex("0005"), latin("after")]));
      expect(strs(r)).to.deep.equal([["before"]]);
      expect(r.errors.map((e) => e.kind)).to.deep.equal(["protocol"]);
    });

    it("a malformed ERROR (reason length overruns, or no reason) still fails cleanly", () => {
      for (const body of [hex("05 4552524f52 ff 41"), hex("05 4552524f52")]) {
        const r = feed(Buffer.concat([g, encodeCommand("ERROR", body.subarray(6))]));
        expect(r.errors.length).to.equal(1);
      }
    });

    it("libzmq 4.3's mangled ERROR (0x5E \"RROR\" ...) is read as ERROR", () => {
      const r = feed(Buffer.concat([g, hex("04 09 5e"), latin("RROR"), hex("03"), latin("400")]));
      expect(r.errors.map((e) => e.kind)).to.deep.equal(["auth"]);
    });

    it("an incompatible peer gets an ERROR before we fail (protocol)", () => {
      const r = rec(options("PULL"));
      r.conn.start();
      drain(r);
      r.conn.receive(peerStream("PULL", []));
      const out = drain(r);
      expect(out.includes(Buffer.concat([hex("05"), latin("ERROR")]))).to.equal(true);
      expect(r.errors.map((e) => e.kind)).to.deep.equal(["protocol"]);
      expect(r.ready).to.equal(null);
    });
  });

  it("a READY without a valid Socket-Type, a second READY, or a non-READY command fails the NULL handshake", () => {
    const g = encodeGreeting("NULL", false);
    for (const bytes of [
      Buffer.concat([g, encodeCommand("READY", encodeMetadata([["Identity", latin("x")]]))]),
      Buffer.concat([g, encodeCommand("READY", encodeMetadata([["Socket-Type", latin("push")]]))]),
      Buffer.concat([g, encodeCommand("READY", encodeMetadata([["Socket-Type", latin("BOGUS")]]))]),
      Buffer.concat([g, encodeCommand("PING", hex("0000"))]),
      Buffer.concat([g, encodeCommand("HELLO", hex("0000"))]),
      Buffer.concat([g, hex("04 00")]), // empty command body
      Buffer.concat([g, hex("04 02 09 41")]), // name length overruns the body
    ]) {
      const r = feed(bytes);
      expect(r.errors.map((e) => e.kind), bytes.subarray(64).toString("hex")).to.deep.equal(["protocol"]);
      expect(r.ready).to.equal(null);
    }
  });

  it("a READY naming a property twice, in any case (RFC 37: case not significant), fails the handshake (protocol), whichever comes last", () => {
    const g = encodeGreeting("NULL", false);
    const twice: [string, Buffer][][] = [
      [["Socket-Type", latin("PUSH")], ["Socket-Type", latin("PUB")]],
      [["Socket-Type", latin("PUB")], ["Socket-Type", latin("PUSH")]],
      [["Socket-Type", latin("PUSH")], ["socket-TYPE", latin("PUSH")]],
      [["Socket-Type", latin("PUSH")], ["Identity", latin("a")], ["IDENTITY", latin("b")]],
      [["X-Thing", latin("1")], ["Socket-Type", latin("PUSH")], ["x-thing", latin("1")]],
    ];
    for (const props of twice) {
      const r = feed(Buffer.concat([g, encodeCommand("READY", encodeMetadata(props)), hex("0002"), latin("m1")]));
      const what = props.map(([n]) => n).join(",");
      expect(r.errors.map((e) => e.kind), what).to.deep.equal(["protocol"]);
      expect(r.errors[0]!.message, what).to.match(/given twice in READY/);
      expect(r.ready, what).to.equal(null);
      expect(r.messages, what).to.deep.equal([]);
    }
    // Distinct names in any case are fine.
    const ok = feed(Buffer.concat([g, encodeCommand("READY", encodeMetadata([["socket-type", latin("PUSH")], ["IDENTITY", latin("a")], ["X-A", latin("1")], ["X-B", latin("2")]]))]));
    expect(ok.errors).to.deep.equal([]);
    expect(ok.ready?.routingId.toString()).to.equal("a");
  });

  it("PLAIN: an INITIATE naming a property twice fails the handshake (protocol) before READY is sent", async () => {
    const server = rec(options("PULL", { mechanism: "PLAIN", asServer: true, zapAuthenticate: async () => ({ statusCode: "200", statusText: "", userId: "u" }) }));
    server.conn.start();
    const hello = encodeCommand("HELLO", Buffer.concat([hex("01"), latin("u"), hex("01"), latin("p")]));
    const initiate = encodeCommand("INITIATE", encodeMetadata([["Socket-Type", latin("PUB")], ["SOCKET-TYPE", latin("PUSH")]]));
    server.conn.receive(Buffer.concat([encodeGreeting("PLAIN", false), hello, initiate, hex("0002"), latin("m1")]));
    await tick();
    expect(server.errors.map((e) => e.kind)).to.deep.equal(["protocol"]);
    expect(server.errors[0]!.message).to.match(/given twice in INITIATE/);
    expect(server.ready).to.equal(null);
    expect(server.messages).to.deep.equal([]);
    expect(server.out.some((b) => b.includes(latin("READY")))).to.equal(false);
  });
});

describe("ZMTP engine: NULL and PLAIN back to back", () => {
  it("NULL: every compatible pair completes; messages flow both ways; identities are carried", () => {
    const pairs = [
      ["PAIR", "PAIR"],
      ["PUB", "SUB"],
      ["XPUB", "XSUB"],
      ["REQ", "ROUTER"],
      ["REP", "DEALER"],
      ["DEALER", "ROUTER"],
      ["PUSH", "PULL"],
    ] as const;
    for (const [x, y] of pairs) {
      const a = rec(options(x, { routingId: latin(`id-${x}`) }));
      const b = rec(options(y, { routingId: latin(`id-${y}`) }));
      a.conn.start();
      b.conn.start();
      pump(a, b);
      expect(a.ready?.socketType, `${x}-${y}`).to.equal(y);
      expect(b.ready?.socketType, `${x}-${y}`).to.equal(x);
      if (x === "DEALER" || x === "REQ") expect(b.ready?.routingId.toString()).to.equal(`id-${x}`);
      a.conn.sendMessage([latin("m1"), Buffer.alloc(0), latin("m3")]);
      a.conn.flush();
      b.conn.sendMessage([latin("back")]);
      b.conn.flush();
      pump(a, b);
      expect(strs(b)).to.deep.equal([["m1", "", "m3"]]);
      expect(strs(a)).to.deep.equal([["back"]]);
      expect([...a.errors, ...b.errors]).to.deep.equal([]);
    }
  });

  it("NULL: incompatible types fail on both sides with kind protocol", () => {
    const a = rec(options("PUSH"));
    const b = rec(options("SUB"));
    a.conn.start();
    b.conn.start();
    pump(a, b);
    expect(a.errors.map((e) => e.kind)).to.deep.equal(["protocol"]);
    expect(b.errors.map((e) => e.kind)).to.deep.equal(["protocol"]);
  });

  function plainPair(authenticate: ((creds: string[]) => Promise<{ statusCode: string; statusText: string; userId: string }>) | undefined, user = "alice", pass = "s3cret-pw") {
    const client = rec(options("DEALER", { mechanism: "PLAIN", plainUsername: user, plainPassword: pass }));
    const server = rec(
      options("ROUTER", {
        mechanism: "PLAIN",
        asServer: true,
        zapAuthenticate: authenticate && ((req) => authenticate(req.credentials.map((c) => c.toString("utf8")))),
      }),
    );
    return { client, server };
  }

  async function run(client: Rec, server: Rec): Promise<void> {
    client.conn.start();
    server.conn.start();
    for (let i = 0; i < 10; i++) {
      pump(client, server);
      await tick();
    }
  }

  it("PLAIN: accepted by the authenticate callback; userId and identity reach the server", async () => {
    const asked: string[][] = [];
    const { client, server } = plainPair(async (c) => {
      asked.push(c);
      return { statusCode: "200", statusText: "OK", userId: "user-alice" };
    });
    await run(client, server);
    expect(asked).to.deep.equal([["alice", "s3cret-pw"]]);
    expect(client.ready?.socketType).to.equal("ROUTER");
    expect(server.ready?.socketType).to.equal("DEALER");
    expect(server.ready?.userId).to.equal("user-alice");
    client.conn.sendMessage([latin("hi")]);
    client.conn.flush();
    pump(client, server);
    expect(strs(server)).to.deep.equal([["hi"]]);
  });

  it("PLAIN: HELLO carries the credentials as RFC 24 lays them out", () => {
    const client = rec(options("DEALER", { mechanism: "PLAIN", plainUsername: "ab", plainPassword: "xyz" }));
    client.conn.start();
    drain(client);
    client.conn.receive(encodeGreeting("PLAIN", true));
    expect(afterGreeting(drain(client)).equals(Buffer.concat([hex("040D05"), latin("HELLO"), hex("02"), latin("ab"), hex("03"), latin("xyz")]))).to.equal(true);
  });

  for (const code of ["400", "300", "500"]) {
    it(`PLAIN: refused (${code}) → server sends ERROR "${code}", both fail with kind auth, credentials in no message`, async () => {
      const { client, server } = plainPair(async () => ({ statusCode: code, statusText: "denied", userId: "" }));
      let errorSeen: Buffer | null = null;
      client.conn.start();
      server.conn.start();
      for (let i = 0; i < 10; i++) {
        const fromServer = server.out.splice(0);
        for (const c of fromServer) {
          if (c.includes(latin("ERROR"))) errorSeen = Buffer.from(c);
          client.conn.receive(c);
        }
        for (const c of client.out.splice(0)) server.conn.receive(c);
        await tick();
      }
      expect(errorSeen!.subarray(errorSeen!.indexOf(latin("ERROR")) - 1).equals(Buffer.concat([hex("05"), latin("ERROR"), hex("03"), latin(code)]))).to.equal(true);
      expect(client.errors.map((e) => [e.kind, e.code])).to.deep.equal([["auth", "EACCES"]]);
      expect(server.errors.map((e) => [e.kind, e.code])).to.deep.equal([["auth", "EACCES"]]);
      expect(client.ready).to.equal(null);
      expect(server.ready).to.equal(null);
      for (const e of [...client.errors, ...server.errors]) {
        expect(e.message).to.not.match(/alice|s3cret/);
        expect(String(e.stack)).to.not.match(/alice|s3cret/);
      }
    });
  }

  it("PLAIN: no authenticate callback refuses (as libzmq without a ZAP handler); a throwing one refuses too", async () => {
    for (const auth of [undefined, async () => Promise.reject(new Error("handler blew up with s3cret-pw"))]) {
      const { client, server } = plainPair(auth as never);
      await run(client, server);
      expect(server.errors.map((e) => e.kind)).to.deep.equal(["auth"]);
      expect(client.errors.map((e) => e.kind)).to.deep.equal(["auth"]);
      for (const e of [...client.errors, ...server.errors]) expect(e.message).to.not.match(/alice|s3cret/);
    }
  });

  it("PLAIN: a malformed HELLO fails with protocol, without the bytes in the message", () => {
    const server = rec(options("ROUTER", { mechanism: "PLAIN", asServer: true, zapAuthenticate: async () => ({ statusCode: "200", statusText: "", userId: "" }) }));
    server.conn.start();
    // user length 5 "alice", password length 40 but only "s3cret-pw" present.
    server.conn.receive(Buffer.concat([encodeGreeting("PLAIN", false), encodeCommand("HELLO", Buffer.concat([hex("05"), latin("alice"), hex("28"), latin("s3cret-pw")]))]));
    expect(server.errors.map((e) => e.kind)).to.deep.equal(["protocol"]);
    expect(server.errors[0]!.message).to.not.match(/alice|s3cret/);
  });

  it("PLAIN: commands out of order (server gets INITIATE first, client gets HELLO) fail with protocol", () => {
    const server = rec(options("ROUTER", { mechanism: "PLAIN", asServer: true }));
    server.conn.start();
    server.conn.receive(Buffer.concat([encodeGreeting("PLAIN", false), encodeCommand("INITIATE", encodeMetadata([["Socket-Type", latin("DEALER")]]))]));
    expect(server.errors.map((e) => e.kind)).to.deep.equal(["protocol"]);
    const client = rec(options("DEALER", { mechanism: "PLAIN", plainUsername: "u", plainPassword: "p" }));
    client.conn.start();
    client.conn.receive(Buffer.concat([encodeGreeting("PLAIN", true), encodeCommand("HELLO", hex("0100"))]));
    expect(client.errors.map((e) => e.kind)).to.deep.equal(["protocol"]);
    // READY before WELCOME.
    const early = rec(options("DEALER", { mechanism: "PLAIN", plainUsername: "u", plainPassword: "p" }));
    early.conn.start();
    early.conn.receive(Buffer.concat([encodeGreeting("PLAIN", true), encodeCommand("READY", encodeMetadata([["Socket-Type", latin("ROUTER")]]))]));
    expect(early.errors.map((e) => e.kind)).to.deep.equal(["protocol"]);
  });

  it("PLAIN: bytes arriving while ZAP is pending wait, then are processed in order (INITIATE and messages in one chunk)", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const server = rec(
      options("PULL", {
        mechanism: "PLAIN",
        asServer: true,
        zapAuthenticate: async () => {
          await gate;
          return { statusCode: "200", statusText: "", userId: "u" };
        },
      }),
    );
    server.conn.start();
    const hello = encodeCommand("HELLO", Buffer.concat([hex("01"), latin("u"), hex("01"), latin("p")]));
    const initiate = encodeCommand("INITIATE", encodeMetadata([["Socket-Type", latin("PUSH")]]));
    server.conn.receive(Buffer.concat([encodeGreeting("PLAIN", false), hello, initiate, hex("0002"), latin("m1"), hex("0002"), latin("m2")]));
    expect(server.ready).to.equal(null);
    expect(server.messages).to.deep.equal([]);
    release();
    await tick();
    expect(server.errors).to.deep.equal([]);
    expect(server.ready?.userId).to.equal("u");
    expect(strs(server)).to.deep.equal([["m1"], ["m2"]]);
  });

  it("PLAIN: a ZAP reply arriving after the connection closed writes nothing", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const server = rec(options("PULL", { mechanism: "PLAIN", asServer: true, zapAuthenticate: async () => (await gate, { statusCode: "200", statusText: "", userId: "" }) }));
    server.conn.start();
    server.conn.receive(Buffer.concat([encodeGreeting("PLAIN", false), encodeCommand("HELLO", hex("0000"))]));
    expect(server.errors).to.deep.equal([]);
    drain(server);
    server.conn.close();
    release();
    await tick();
    expect(server.out).to.deep.equal([]);
    expect(server.errors).to.deep.equal([]);
  });
});

describe("ZMTP engine: framing under any split", () => {
  /** Seeded bytes: any shift or misplaced copy of a region shows. */
  const pattern = (n: number, seed: number): Buffer => {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) | 0;
      b[i] = seed >>> 24;
    }
    return b;
  };
  const fixture = (bigSize: number): Buffer[][] => [
    [latin("hello")],
    [latin("multi"), Buffer.alloc(0), latin("part")],
    [Buffer.alloc(0)],
    [Buffer.alloc(0), Buffer.alloc(0)],
    [pattern(255, 1)], // largest short size
    [pattern(256, 2)], // smallest long size
    [pattern(300, 3), latin("tail")],
    [latin("a"), pattern(bigSize, 4)], // big frame: filled into its own buffer across chunks
    [latin("last")],
  ];
  const MESSAGES = fixture(200 * 1024);
  const before = [encodeCommand("PING", hex("0000")), encodeCommand("NEWTHING", latin("x"))];
  const STREAM = peerStream("PUSH", MESSAGES, { identity: "peer-id", before });

  /** A PULL connection that checks each delivery against `messages` as it arrives (no copies kept). */
  function checker(messages: Buffer[][] = MESSAGES): { conn: ZmtpConnection; got: () => number; errors: EngineError[] } {
    let n = 0;
    const errors: EngineError[] = [];
    const conn = new ZmtpConnection(options("PULL"), {
      write: () => {},
      onReady: () => {},
      onMessage: (m) => {
        const want = messages[n++];
        if (want === undefined || m.length !== want.length || m.some((f, i) => !f.equals(want[i]!))) throw new Error(`message ${n - 1} differs`);
      },
      onSubscribe: () => {},
      onError: (e) => errors.push(e),
    });
    conn.start();
    return { conn, got: () => n, errors };
  }

  /** Splits `stream` in two at each of `cuts`; a delivery that differs throws in onMessage and fails the connection. */
  function splitAt(stream: Buffer, messages: Buffer[][], cuts: Iterable<number>): number {
    let tried = 0;
    for (const cut of cuts) {
      const c = checker(messages);
      c.conn.receive(stream.subarray(0, cut));
      c.conn.receive(stream.subarray(cut));
      tried++;
      if (c.errors.length > 0 || c.got() !== messages.length) {
        expect.fail(`cut at ${cut}: ${c.got()} messages, errors ${c.errors.map((e) => e.message)}`);
      }
    }
    return tried;
  }

  it("a fixture stream with a 70 KiB frame (over the fill threshold) split in two at every offset decodes identically", function () {
    this.timeout(20000);
    const messages = fixture(70 * 1024);
    const stream = peerStream("PUSH", messages, { identity: "peer-id", before });
    const all = Array.from({ length: stream.length + 1 }, (_, i) => i);
    expect(splitAt(stream, messages, all)).to.equal(stream.length + 1);
  });

  it("the fixture stream with a 200 KiB frame split at every offset outside its body, and inside it near its ends, at the threshold and at a stride", function () {
    this.timeout(20000);
    // Inside one body every cut leaves the decoder in the same state (filling); those are sampled.
    const bodyEnd = STREAM.length - (2 + 4); // the last message's frame follows the big body
    const bodyStart = bodyEnd - 200 * 1024;
    const cuts: number[] = [];
    for (let cut = 0; cut <= STREAM.length; cut++) {
      const inside = cut > bodyStart + 2048 && cut < bodyEnd - 2048;
      const nearThreshold = Math.abs(cut - bodyStart - 64 * 1024) <= 64;
      if (!inside || nearThreshold || cut % 97 === 0) cuts.push(cut);
    }
    expect(STREAM.subarray(bodyStart, bodyEnd).equals(MESSAGES[7]![1]!)).to.equal(true);
    expect(splitAt(STREAM, MESSAGES, cuts)).to.be.greaterThan(7000);
  });

  it("the fixture stream in 1-byte pieces, and in pieces of every size 2..64, decodes to the same messages", () => {
    for (let piece = 1; piece <= 64; piece++) {
      const c = checker();
      for (let at = 0; at < STREAM.length; at += piece) c.conn.receive(STREAM.subarray(at, at + piece));
      expect(c.errors, `piece ${piece}`).to.deep.equal([]);
      expect(c.got(), `piece ${piece}`).to.equal(MESSAGES.length);
    }
  });

  it("NULL and PLAIN handshakes between two engines succeed whatever the split of each write", async () => {
    /** Like pump(), but every chunk is handed over in two pieces cut at `cut`. */
    const splitPump = (a: Rec, b: Rec, cut: number): void => {
      for (let i = 0; i < 50 && (a.out.length > 0 || b.out.length > 0); i++) {
        for (const [from, to] of [[a, b], [b, a]] as const) {
          for (const c of from.out.splice(0)) {
            to.conn.receive(c.subarray(0, cut));
            to.conn.receive(c.subarray(cut));
          }
        }
      }
    };
    for (let cut = 0; cut <= 100; cut++) {
      const a = rec(options("DEALER", { routingId: latin("A") }));
      const b = rec(options("ROUTER"));
      a.conn.start();
      b.conn.start();
      splitPump(a, b, cut);
      a.conn.sendMessage([latin("m"), Buffer.alloc(300, 1)]);
      a.conn.flush();
      splitPump(a, b, cut);
      expect(a.ready?.socketType, `cut ${cut}`).to.equal("ROUTER");
      expect(b.ready?.routingId.toString(), `cut ${cut}`).to.equal("A");
      expect(b.messages.length, `cut ${cut}`).to.equal(1);
      expect([...a.errors, ...b.errors]).to.deep.equal([]);
    }
    for (let cut = 0; cut <= 100; cut += 3) {
      const a = rec(options("DEALER", { mechanism: "PLAIN", plainUsername: "user", plainPassword: "pw" }));
      const b = rec(options("ROUTER", { mechanism: "PLAIN", asServer: true, zapAuthenticate: async () => ({ statusCode: "200", statusText: "", userId: "u" }) }));
      a.conn.start();
      b.conn.start();
      for (let i = 0; i < 5; i++) {
        splitPump(a, b, cut);
        await tick();
      }
      expect(a.ready?.socketType, `cut ${cut}`).to.equal("ROUTER");
      expect(b.ready?.userId, `cut ${cut}`).to.equal("u");
      expect([...a.errors, ...b.errors]).to.deep.equal([]);
    }
  });

  it("an 8 MiB frame fed in 64 KiB chunks arrives as one buffer with its own backing store of exactly its size", () => {
    const size = 8 * 1024 * 1024;
    const body = Buffer.allocUnsafe(size);
    for (let i = 0; i < size; i += 4) body.writeUInt32LE(i, i);
    const stream = peerStream("PUSH", [[latin("head"), body], [latin("after")]]);
    const r = rec(options("PULL"), false);
    r.conn.start();
    const chunks: Buffer[] = [];
    for (let at = 0; at < stream.length; at += 64 * 1024) {
      // Each chunk in its own allocation, as a socket's reads are.
      const c = Buffer.from(stream.subarray(at, at + 64 * 1024));
      chunks.push(c);
      r.conn.receive(c);
    }
    expect(r.errors).to.deep.equal([]);
    expect(r.messages.length).to.equal(2);
    const got = r.messages[0]![1]!;
    expect(got.length).to.equal(size);
    expect(got.byteOffset).to.equal(0);
    expect(got.buffer.byteLength).to.equal(size);
    expect(chunks.some((c) => c.buffer === got.buffer)).to.equal(false);
    expect(got.equals(body)).to.equal(true);
    expect(r.messages[1]![0]!.toString()).to.equal("after");
  });

  it("a large frame inside one chunk is handed out without a copy (a view into that chunk)", () => {
    const stream = peerStream("PUSH", [[Buffer.alloc(100_000, 5)]]);
    const r = rec(options("PULL"), false);
    r.conn.start();
    r.conn.receive(stream);
    expect(r.messages[0]![0]!.buffer).to.equal(stream.buffer);
  });
});

describe("ZMTP engine: hostile frames", () => {
  const ready = peerStream("PUSH", [[latin("ok")]]);
  const cases: [string, Buffer, string][] = [
    ["a frame claiming 2^63 bytes", Buffer.concat([ready, hex("02 8000000000000000")]), "size"],
    ["a frame claiming 2^64-1 bytes", Buffer.concat([ready, hex("02 ffffffffffffffff")]), "size"],
    ["a frame claiming 2^53+1 bytes", Buffer.concat([ready, hex("02 0020000000000001")]), "size"],
    ["a command claiming 2^63 bytes", Buffer.concat([ready, hex("06 8000000000000000")]), "size"],
    ["reserved flag bit 3", Buffer.concat([ready, hex("08 01 00")]), "protocol"],
    ["reserved flag bit 7", Buffer.concat([ready, hex("80 01 00")]), "protocol"],
    ["a command with MORE", Buffer.concat([ready, hex("05 05 04"), latin("PING")]), "protocol"],
    ["a command inside a multipart message", Buffer.concat([ready, hex("01 01 41 04 06 04"), latin("PING"), hex("00")]), "protocol"],
    ["data before the handshake", Buffer.concat([encodeGreeting("NULL", false), hex("00 01 41")]), "protocol"],
    ["data between greeting and READY (long form)", Buffer.concat([encodeGreeting("NULL", false), hex("02 0000000000000001 41")]), "protocol"],
    ["an oversized handshake command (header only)", Buffer.concat([encodeGreeting("NULL", false), hex("06 0000000000010001")]), "protocol"],
    ["a huge handshake command (header only)", Buffer.concat([encodeGreeting("NULL", false), hex("06 0000000010000000")]), "protocol"],
    ["a malformed PING (no TTL)", Buffer.concat([ready, hex("04 05 04"), latin("PING")]), "protocol"],
  ];
  for (const [name, bytes, kind] of cases) {
    it(`${name}: fails once (${kind}) from the header alone, never throws, delivers nothing after`, () => {
      const r = rec(options("PULL"));
      r.conn.start();
      expect(() => r.conn.receive(bytes)).to.not.throw();
      expect(() => r.conn.receive(peerStream("PUSH", [[latin("late")]]).subarray(64))).to.not.throw();
      expect(r.errors.map((e) => e.kind)).to.deep.equal([kind]);
      expect(r.messages.every((m) => m[0]!.toString() === "ok")).to.equal(true);
      expect(r.conn.alive).to.equal(false);
    });
  }

  it("a sink that throws while taking a message costs the connection, not the caller", () => {
    const errors: EngineError[] = [];
    const conn = new ZmtpConnection(options("PULL"), {
      write: () => {},
      onReady: () => {},
      onMessage: () => {
        throw new Error("sink exploded");
      },
      onSubscribe: () => {},
      onError: (e) => errors.push(e),
    });
    conn.start();
    expect(() => conn.receive(peerStream("PUSH", [[latin("x")], [latin("y")]]))).to.not.throw();
    expect(errors.length).to.equal(1);
  });

  describe("maxMessageSize", () => {
    it("a message of exactly maxMessageSize is delivered (bodies plus FRAME_COST per frame after the first); one byte more fails (size), from the header, undelivered", () => {
      const r = rec(options("PULL", { maxMessageSize: 100 }));
      r.conn.start();
      r.conn.receive(peerStream("PUSH", [[Buffer.alloc(100)], [Buffer.alloc(40), Buffer.alloc(60 - FRAME_COST)]]));
      expect(r.messages.length).to.equal(2);
      r.conn.receive(hex("00 65")); // 101 bytes announced, none sent
      expect(r.errors.map((e) => [e.kind, e.code])).to.deep.equal([["size", "EMSGSIZE"]]);
      expect(r.messages.length).to.equal(2);
    });

    it("the limit counts the whole multipart message: no part of it is delivered", () => {
      const r = feed(peerStream("PUSH", [[latin("ok")], [Buffer.alloc(60), Buffer.alloc(30), Buffer.alloc(30)], [latin("never")]]), { maxMessageSize: 100 });
      expect(strs(r)).to.deep.equal([["ok"]]);
      expect(r.errors.map((e) => e.kind)).to.deep.equal(["size"]);
    });

    it("an endless multipart of empty frames reaches the limit too (each frame after the first costs FRAME_COST)", () => {
      const r = rec(options("PULL", { maxMessageSize: 1024 }));
      r.conn.start();
      r.conn.receive(peerStream("PUSH", []));
      // 0-byte frames with MORE set, 10,000 of them: 32 fit, the 33rd is refused from its header.
      r.conn.receive(Buffer.alloc(2 * 10_000, Buffer.from([0x01, 0x00])));
      expect(r.errors.map((e) => e.kind)).to.deep.equal(["size"]);
      expect(r.messages).to.deep.equal([]);
    });

    it("a big frame over the limit fails before any of its body is buffered", () => {
      const r = rec(options("PULL", { maxMessageSize: 1024 * 1024 }));
      r.conn.start();
      r.conn.receive(peerStream("PUSH", []));
      r.conn.receive(hex("02 0000000000200000")); // 2 MiB announced
      expect(r.errors.map((e) => e.kind)).to.deep.equal(["size"]);
      expect(r.messages).to.deep.equal([]);
    });
  });
});

describe("ZMTP engine: input flow control", () => {
  /** An engine whose sink takes `room` messages, then refuses; it records what the engine asks of the stream. */
  function gated(room: number, backlogged = () => false) {
    const r = { delivered: 0, offered: 0, reading: [] as boolean[], out: [] as Buffer[], room };
    const conn = new ZmtpConnection(options("PULL"), {
      write: (bufs) => r.out.push(...bufs.map((b) => Buffer.from(b))),
      onReady: () => {},
      onMessage: () => {
        r.offered++;
        if (r.room === 0) return false;
        r.room--;
        r.delivered++;
        return true;
      },
      onSubscribe: () => {},
      onError: (e) => {
        throw e;
      },
      setReading: (on) => r.reading.push(on),
      backlogged,
    });
    conn.start();
    return { r, conn };
  }

  const many = (n: number): Buffer[][] => Array.from({ length: n }, (_, i) => [latin(`m${i}`)]);

  it("a message the socket cannot take holds decoding: offered once, the rest of the read waits undecoded, reading stops; restartInput goes on", async () => {
    const { r, conn } = gated(3);
    conn.receive(peerStream("PUSH", many(100)));
    // Three taken, the fourth refused and held: nothing else decoded (no side array of messages).
    expect([r.delivered, r.offered]).to.deep.equal([3, 4]);
    expect(r.reading).to.deep.equal([false]);
    conn.restartInput();
    expect(r.offered, "still full: offered once more, nothing else").to.equal(5);
    r.room = 1000;
    conn.restartInput();
    await tick();
    expect(r.delivered).to.equal(100);
    expect(r.reading).to.deep.equal([false, true]);
  });

  it("decoding yields after a turn's worth of frames: the rest of one read goes on at the next turn, with reading held meanwhile", async () => {
    const { r, conn } = gated(1_000_000);
    conn.receive(peerStream("PUSH", many(3000)));
    expect(r.delivered, "one turn").to.be.within(1, 2000);
    expect(r.reading).to.deep.equal([false]);
    for (let i = 0; i < 10 && r.delivered < 3000; i++) await new Promise((res) => setImmediate(res));
    expect(r.delivered).to.equal(3000);
    expect(r.reading).to.deep.equal([false, true]);
  });

  it("many PINGs in one read get one PONG (echoing the last); none while the stream is backlogged, one when it drains", () => {
    let backlog = false;
    const { r, conn } = gated(10, () => backlog);
    conn.receive(peerStream("PUSH", []));
    r.out.length = 0;
    const ping = (ctx: string): Buffer => Buffer.concat([hex("040A"), Buffer.from([4]), latin("PING"), hex("0000"), latin(ctx)]);
    conn.receive(Buffer.concat(Array.from({ length: 500 }, (_, i) => ping(String(i).padStart(3, "0")))));
    expect(Buffer.concat(r.out).equals(Buffer.concat([hex("040804"), latin("PONG"), latin("499")]))).to.equal(true);
    r.out.length = 0;
    backlog = true;
    conn.receive(Buffer.concat([ping("aaa"), ping("bbb")]));
    expect(r.out, "no PONG while backlogged").to.deep.equal([]);
    backlog = false;
    conn.outputDrained();
    expect(Buffer.concat(r.out).equals(Buffer.concat([hex("040804"), latin("PONG"), latin("bbb")]))).to.equal(true);
  });
});

describe("ZMTP engine: timers", () => {
  it("handshakeInterval: a peer that never completes the handshake fails (other) after the interval", async () => {
    const r = rec(options("PULL", { handshakeInterval: 50 }));
    const t0 = Date.now();
    r.conn.start();
    r.conn.receive(encodeGreeting("NULL", false).subarray(0, 30));
    const err = await within(r.failure, 2000, "handshake timeout");
    expect(err.kind).to.equal("other");
    expect(Date.now() - t0).to.be.at.least(45);
  });

  it("handshakeInterval does not fire once the handshake is done", async () => {
    const r = rec(options("PULL", { handshakeInterval: 30, heartbeatInterval: 0 }));
    r.conn.start();
    r.conn.receive(peerStream("PUSH", []));
    expect(r.ready).to.not.equal(null);
    // A second connection with the same interval that never completes tells us when the first one's timer would have fired.
    const probe = rec(options("PULL", { handshakeInterval: 60 }));
    probe.conn.start();
    await within(probe.failure, 2000, "probe timeout");
    expect(r.errors).to.deep.equal([]);
    r.conn.close();
  });

  it("heartbeats: PINGs (with our TTL) go out on the interval; a silent peer fails (other) after the timeout", async () => {
    const r = rec(options("DEALER", { heartbeatInterval: 20, heartbeatTimeout: 60, heartbeatTimeToLive: 1500 }));
    r.conn.start();
    r.conn.receive(peerStream("DEALER", []));
    drain(r);
    const t0 = Date.now();
    const err = await within(r.failure, 3000, "heartbeat timeout");
    const elapsed = Date.now() - t0;
    expect(err.kind).to.equal("other");
    expect(elapsed).to.be.at.least(70); // first PING at 20 ms, then 60 ms of silence
    const out = drain(r);
    // 04 07 04 "PING" 00 0F: TTL in tenths of a second.
    const ping = Buffer.concat([hex("040704"), latin("PING"), hex("000f")]);
    expect(out.subarray(0, ping.length).equals(ping)).to.equal(true);
  });

  it("heartbeats: a peer that answers PINGs keeps the connection alive", async () => {
    const a = rec(options("DEALER", { heartbeatInterval: 10, heartbeatTimeout: 30 }));
    const b = rec(options("DEALER"));
    wire(a, b);
    a.conn.start();
    b.conn.start();
    // Count PONGs arriving at a: 15 of them span 150 ms, five times the timeout.
    let pongs = 0;
    const enough = new Promise<void>((resolve) => {
      b.onWrite = (bufs) => {
        for (const c of b.out.splice(0)) {
          if (c.includes(latin("PONG")) && ++pongs >= 15) resolve();
          setImmediate(() => a.conn.alive && a.conn.receive(c));
        }
        void bufs;
      };
    });
    await within(Promise.race([enough, a.failure.then((e) => Promise.reject(e))]), 5000, "15 PONGs");
    expect(a.errors).to.deep.equal([]);
    a.conn.close();
    b.conn.close();
  });

  it("heartbeats: a peer's PING TTL makes us drop it when it goes silent past the TTL", async () => {
    const r = rec(options("DEALER"));
    r.conn.start();
    r.conn.receive(peerStream("DEALER", []));
    const t0 = Date.now();
    r.conn.receive(Buffer.concat([hex("040704"), latin("PING"), hex("0001")])); // TTL 100 ms
    const err = await within(r.failure, 3000, "TTL expiry");
    expect(err.kind).to.equal("other");
    expect(Date.now() - t0).to.be.at.least(90);
  });

  it("close() stops the heartbeat: no write after it", async () => {
    const r = rec(options("DEALER", { heartbeatInterval: 5, heartbeatTimeout: 1000 }));
    r.conn.start();
    r.conn.receive(peerStream("DEALER", []));
    // Wait for the first PING, then close.
    await within(new Promise<void>((res) => (r.onWrite = () => res())), 2000, "first PING");
    r.conn.close();
    const writes = r.writes;
    // A fresh connection's handshake timer firing bounds the wait (several heartbeat intervals).
    const probe = rec(options("PULL", { handshakeInterval: 40 }));
    probe.conn.start();
    await within(probe.failure, 2000, "probe");
    expect(r.writes).to.equal(writes);
    expect(r.errors).to.deep.equal([]);
  });
});
