/**
 * CURVE against libzmq (4.3.x through zeromq.js): over tcp and ipc, either
 * library on either end, either side binding, either side the CURVE server;
 * PUSH/PULL, REQ/REP, DEALER/ROUTER, PUB/SUB; a 16 MiB multipart message;
 * ZAP allowing and denying with the handler in zocket and in libzmq; a client
 * with the wrong server key (refused, nothing delivered, the server goes on
 * serving); reconnection after the server restarts (a new handshake).
 */
import { createHash, randomBytes } from "node:crypto";
import { expect } from "chai";
import * as zmq from "zeromq";
import { Context, curveKeyPair, z85, type BaseSocket, type Socket, type SocketEventName, type SocketEventOf, type SocketType } from "../../src/index.js";
import { rejects, rejectsWithCode } from "../support/assert.js";
import { peer, str, within, type Lib, type Peer } from "../support/peers.js";

const TRANSPORTS = { tcp: "tcp://127.0.0.1:*", ipc: "ipc://*" } as const;
type Transport = keyof typeof TRANSPORTS;

interface Keys {
  publicKey: string;
  secretKey: string;
}
/** One key pair from each library's generator: both must work with both libraries. */
const SERVER: Keys = zmq.curveKeyPair();
const CLIENT: Keys = curveKeyPair();
const OTHER_CLIENT: Keys = zmq.curveKeyPair();

const serverOptions = (keys: Keys = SERVER): Record<string, unknown> => ({ curveServer: true, curveSecretKey: keys.secretKey });
const clientOptions = (keys: Keys = CLIENT, serverKey = SERVER.publicKey): Record<string, unknown> => ({
  curveServerKey: serverKey,
  curvePublicKey: keys.publicKey,
  curveSecretKey: keys.secretKey,
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/**
 * Sends until the receiver gets something (a SUB must see the connection
 * first). No nudging of libzmq sockets here: reading ZMQ_EVENTS while a
 * zeromq.js receive() is pending can swallow the edge that would wake it (the
 * message then sits in libzmq with `readable` true), which sealed traffic,
 * arriving in other bursts than clear traffic, makes easy to hit.
 */
async function sendUntilReceived(send: () => Promise<void>, recv: () => Promise<Buffer[]>): Promise<Buffer[]> {
  let got: Buffer[] | null = null;
  const receiving = recv().then((m) => (got = m));
  for (let i = 0; i < 150 && got === null; i++) {
    await send();
    await Promise.race([receiving, sleep(20)]);
  }
  return within(receiving, 2000, "sendUntilReceived");
}

/** Events of one type on a zocket socket, and a way to wait for the n-th. */
function watch<K extends SocketEventName>(s: BaseSocket, type: K): { events: SocketEventOf<K>[]; reach(n: number, ms?: number): Promise<void> } {
  const events: SocketEventOf<K>[] = [];
  s.events.on(type, (e) => events.push(e));
  return {
    events,
    async reach(n, ms = 5000) {
      const deadline = Date.now() + ms;
      while (events.length < n && Date.now() < deadline) await sleep(10);
      if (events.length < n) throw new Error(`${type}: ${events.length} of ${n} events within ${ms} ms`);
    },
  };
}

describe("CURVE interop with libzmq", function () {
  this.timeout(30000);
  let ctx: Context;
  const open: { close(): void }[] = [];
  const make = (lib: Lib, type: Parameters<typeof peer>[2], options: Record<string, unknown> = {}): Peer => {
    const p = peer(lib, ctx, type, { linger: 0, ...options });
    open.push(p);
    return p;
  };
  // Typed as the whole SocketType union: a runtime-checked Socket, whatever the type.
  const zsock = (type: SocketType, options: Record<string, unknown> = {}): Socket => {
    const s = ctx.socket(type, { linger: 0, ...options });
    open.push(s);
    return s;
  };
  beforeEach(() => {
    ctx = new Context({ blocky: false });
  });
  afterEach(async () => {
    for (const p of open.splice(0)) p.close();
    await ctx.term();
  });

  /** `first` and `second` wired: `binder` binds; `server` is the CURVE server. */
  async function wire(first: Peer, second: Peer, binder: "first" | "second", transport: Transport): Promise<void> {
    const [b, c] = binder === "first" ? [first, second] : [second, first];
    c.connect(await b.bind(TRANSPORTS[transport]));
  }

  for (const transport of ["tcp", "ipc"] as const) {
    for (const [a, b] of [
      ["zocket", "libzmq"],
      ["libzmq", "zocket"],
    ] as const) {
      for (const binder of ["first", "second"] as const) {
        const binds = binder === "first" ? a : b;
        for (const serverSide of ["binder", "connecter"] as const) {
          const serverIsFirst = (binder === "first") === (serverSide === "binder");
          const tag = `${a}→${b}, ${binds} binds, ${serverIsFirst ? a : b} is the server, ${transport}`;
          it(`PUSH→PULL: multipart messages in order, nothing in clear (${tag})`, async () => {
            const push = make(a, "PUSH", serverIsFirst ? serverOptions() : clientOptions());
            const pull = make(b, "PULL", serverIsFirst ? clientOptions() : serverOptions());
            await wire(push, pull, binder, transport);
            const bin = Buffer.from([0, 1, 2, 255, 254, 0]);
            for (let i = 0; i < 100; i++) await push.send([String(i), "", bin, Buffer.alloc(300, i)]);
            for (let i = 0; i < 100; i++) {
              const m = await within(pull.recv(), 5000, `message ${i}`);
              expect(m.length).to.equal(4);
              expect(String(m[0])).to.equal(String(i));
              expect(m[1]!.length).to.equal(0);
              expect(m[2]!.equals(bin)).to.equal(true);
              expect(m[3]!.equals(Buffer.alloc(300, i))).to.equal(true);
            }
          });
        }

        const tag = `${a}→${b}, ${binds} binds and is the server, ${transport}`;
        const serverOf = (first: boolean) => ((binder === "first") === first ? serverOptions() : clientOptions());

        it(`REQ/REP round trips (${tag})`, async () => {
          const req = make(a, "REQ", serverOf(true));
          const rep = make(b, "REP", serverOf(false));
          await wire(req, rep, binder, transport);
          for (let i = 0; i < 20; i++) {
            await req.send(["q", String(i)]);
            expect(str(await within(rep.recv(), 5000, "receive"))).to.deep.equal(["q", String(i)]);
            await rep.send(["a", String(i)]);
            expect(str(await within(req.recv(), 5000, "receive"))).to.deep.equal(["a", String(i)]);
          }
        });

        it(`DEALER/ROUTER both ways, identities kept (${tag})`, async () => {
          const dealer = make(a, "DEALER", { routingId: "dealer-7", ...serverOf(true) });
          const router = make(b, "ROUTER", serverOf(false));
          await wire(dealer, router, binder, transport);
          await dealer.send(["hello", "x"]);
          const m = await within(router.recv(), 5000, "receive");
          expect(str(m)).to.deep.equal(["dealer-7", "hello", "x"]);
          await router.send([m[0]!, "world"]);
          expect(str(await within(dealer.recv(), 5000, "receive"))).to.deep.equal(["world"]);
        });

        it(`PUB/SUB: the sealed subscription filters (${tag})`, async () => {
          const pub = make(a, "PUB", serverOf(true));
          const sub = make(b, "SUB", serverOf(false));
          sub.subscribe("news");
          await wire(pub, sub, binder, transport);
          const first = await sendUntilReceived(
            async () => {
              await pub.send(["weather", "rain"]);
              await pub.send(["news", "curve"]);
            },
            () => sub.recv(),
          );
          expect(str(first)).to.deep.equal(["news", "curve"]);
        });
      }
    }
  }

  for (const [a, b] of [
    ["zocket", "libzmq"],
    ["libzmq", "zocket"],
  ] as const) {
    it(`a 16 MiB multipart message arrives whole (${a}→${b}, tcp)`, async () => {
      const pull = make(b, "PULL", serverOptions());
      const push = make(a, "PUSH", clientOptions());
      push.connect(await pull.bind("tcp://127.0.0.1:*"));
      const big = randomBytes(16 * 1024 * 1024);
      await push.send(["head", big, "tail"]);
      const m = await within(pull.recv(), 20000, "16 MiB");
      expect(m.length).to.equal(3);
      expect(String(m[0])).to.equal("head");
      expect(m[1]!.length).to.equal(big.length);
      expect(sha(m[1]!)).to.equal(sha(big));
      expect(String(m[2])).to.equal("tail");
    });
  }

  describe("ZAP", () => {
    /** A zocket ZAP handler admitting only `allowed` (checks the request to the letter). */
    function zocketZap(allowed: Keys): { requests: Buffer[][]; done: Promise<void> } {
      const zap = zsock("REP");
      const requests: Buffer[][] = [];
      const done = (async () => {
        await zap.bind("inproc://zeromq.zap.01");
        for await (const req of zap) {
          requests.push(req);
          const [version, id, , , , mechanism, key] = req;
          const ok = String(mechanism) === "CURVE" && key !== undefined && key.equals(z85.decode(allowed.publicKey));
          await zap.send([version!, id!, ok ? "200" : "400", ok ? "OK" : "not on the list", ok ? "client-1" : "", ""]);
        }
      })().catch(() => {});
      return { requests, done };
    }

    for (const good of [true, false]) {
      it(`zocket CURVE server with a zocket ZAP handler, libzmq client ${good ? "on the list: admitted" : "not on the list: refused, nothing delivered"}`, async () => {
        const { requests } = zocketZap(CLIENT);
        await sleep(20);
        const server = zsock("PULL", serverOptions());
        const failures = watch(server, "handshake:error");
        const ep = await server.bind("tcp://127.0.0.1:*");
        const client = make("libzmq", "PUSH", clientOptions(good ? CLIENT : OTHER_CLIENT));
        client.connect(ep);
        await client.send("payload");
        if (good) {
          expect(str(await within(server.recv(), 5000, "admitted"))).to.deep.equal(["payload"]);
        } else {
          await failures.reach(1);
          expect(failures.events[0]!.reason).to.equal("auth");
          server.receiveTimeout = 300;
          await rejects(server.recv(), "EAGAIN");
        }
        // The request: 7 frames, mechanism CURVE, the client's 32-byte public key.
        expect(requests.length).to.be.at.least(1);
        const r = requests[0]!;
        expect(r.length).to.equal(7);
        expect(String(r[0])).to.equal("1.0");
        expect(String(r[5])).to.equal("CURVE");
        expect(r[6]!.equals(z85.decode((good ? CLIENT : OTHER_CLIENT).publicKey))).to.equal(true);
      });

      it(`libzmq CURVE server with a libzmq ZAP handler, zocket client ${good ? "on the list: admitted" : "not on the list: refused with an auth error"}`, async () => {
        // A context of its own: libzmq frees an inproc name only once the closed socket is reaped.
        const context = new zmq.Context();
        const zap = new zmq.Reply({ context, linger: 0 });
        open.push(zap);
        await zap.bind("inproc://zeromq.zap.01");
        const serving = (async () => {
          try {
            for await (const f of zap) {
              const [ver, id, , , , mechanism, key] = f;
              const ok = String(mechanism) === "CURVE" && key!.equals(z85.decode(CLIENT.publicKey));
              await zap.send([ver!, id!, ok ? "200" : "400", ok ? "OK" : "denied", ok ? "client-1" : "", ""]);
            }
          } catch (err) {
            if (!zap.closed) throw err;
          }
        })();
        const server = make("libzmq", "PULL", { context, ...serverOptions(), receiveTimeout: good ? 5000 : 500 });
        const ep = await server.bind("tcp://127.0.0.1:*");
        const client = zsock("PUSH", clientOptions(good ? CLIENT : OTHER_CLIENT));
        const failures = watch(client, "handshake:error");
        client.connect(ep);
        await client.send("hello");
        if (good) {
          expect(str(await server.recv())).to.deep.equal(["hello"]);
        } else {
          await failures.reach(1);
          expect(failures.events[0]!.reason).to.equal("auth");
          await rejectsWithCode(server.recv(), "EAGAIN");
        }
        client.close();
        zap.close();
        await serving;
      });
    }

    it("zocket CURVE server with no handler bound admits a libzmq client (as libzmq does)", async () => {
      const server = zsock("PULL", serverOptions());
      const client = make("libzmq", "PUSH", clientOptions(OTHER_CLIENT));
      client.connect(await server.bind("tcp://127.0.0.1:*"));
      await client.send("anyone");
      expect(str(await within(server.recv(), 5000, "admitted"))).to.deep.equal(["anyone"]);
    });
  });

  for (const serverLib of ["zocket", "libzmq"] as const) {
    const clientLib: Lib = serverLib === "zocket" ? "libzmq" : "zocket";
    it(`a ${clientLib} client with the wrong server key is refused, nothing delivered; the ${serverLib} server goes on serving others`, async () => {
      const wrongServer = curveKeyPair();
      const server = make(serverLib, "PULL", serverOptions());
      const ep = await server.bind("tcp://127.0.0.1:*");
      const serverFailures = serverLib === "zocket" ? watch(zsockOf(server), "handshake:error") : null;
      const bad = make(clientLib, "PUSH", clientOptions(CLIENT, wrongServer.publicKey));
      const badFailures = clientLib === "zocket" ? watch(zsockOf(bad), "handshake:error") : null;
      bad.connect(ep);
      void bad.send("must not arrive").catch(() => {});
      // The server cannot open the HELLO (it was boxed for another key) and drops the connection.
      await (serverFailures ?? badFailures)!.reach(1);
      if (serverFailures !== null) {
        expect(serverFailures.events[0]!.reason).to.equal("protocol");
        expect(String(serverFailures.events[0]!.error?.message)).to.match(/HELLO does not open/);
      }
      const good = make(clientLib, "PUSH", clientOptions());
      good.connect(ep);
      await good.send("good");
      expect(str(await within(server.recv(), 5000, "good client"))).to.deep.equal(["good"]);
      // Nothing from the bad client, ever.
      const pending = server.recv();
      pending.catch(() => {});
      expect(await Promise.race([pending.then(str), sleep(400).then(() => null)])).to.equal(null);
    });
  }

  for (const serverLib of ["zocket", "libzmq"] as const) {
    const clientLib: Lib = serverLib === "zocket" ? "libzmq" : "zocket";
    it(`a ${clientLib} client reconnects to a restarted ${serverLib} server with a new handshake`, async () => {
      let server = make(serverLib, "PULL", serverOptions());
      const ep = await server.bind("tcp://127.0.0.1:*");
      const client = make(clientLib, "PUSH", { ...clientOptions(), reconnectInterval: 50 });
      const handshakes = clientLib === "zocket" ? watch(zsockOf(client), "handshake") : null;
      client.connect(ep);
      await client.send("before");
      expect(str(await within(server.recv(), 5000, "receive"))).to.deep.equal(["before"]);
      server.close();
      await sleep(300);
      // The same keys on the same endpoint: the client's old transient keys and nonces mean nothing to it.
      for (let attempt = 0; ; attempt++) {
        server = make(serverLib, "PULL", serverOptions());
        try {
          await server.bind(ep);
          break;
        } catch (err) {
          server.close();
          if (attempt > 20) throw err;
          await sleep(100);
        }
      }
      await client.send("after");
      expect(str(await within(server.recv(), 10000, "after restart"))).to.deep.equal(["after"]);
      if (handshakes !== null) expect(handshakes.events.length).to.be.at.least(2);
    });
  }
});

/** The zocket Socket behind a Peer made by peer("zocket", ...). */
function zsockOf(p: Peer): Socket {
  if (p.socket === undefined) throw new Error("not a zocket peer");
  return p.socket;
}
