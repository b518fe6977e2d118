/**
 * Hostile neighbours and hostile peers, over real sockets:
 * - ipc:// paths: a bind never takes a path another socket listens on, never
 *   deletes what is not a socket, clears only a stale socket file (its
 *   process died), and unbind/close remove only the file this bind made.
 * - routing ids: a peer claiming a 0x00-prefixed id (the prefix of the ids a
 *   ROUTER generates) is refused, so two peers never share one and an id the
 *   ROUTER generated cannot be taken over; a READY naming a property twice is
 *   refused.
 * Raw peers are node:net sockets writing ZMTP bytes; libzmq peers come
 * through zeromq.js.
 */
import { expect } from "chai";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as zmq from "zeromq";
import { Context, type BaseSocket, type ReceivingSocket, type SocketEventName, type SocketEventOf } from "../../src/index.js";
import { encodeCommand, encodeMetadata } from "../../src/zmtp/commands.js";
import { encodeGreeting } from "../../src/zmtp/greeting.js";
import { expectCode, rejects } from "../support/assert.js";
import { ChildPeer } from "../support/child.js";
import { closeAndTerm, trackedContext } from "../support/context.js";
import { str, within } from "../support/peers.js";

const latin = (s: string): Buffer => Buffer.from(s, "latin1");
const portOf = (ep: string): number => Number(ep.slice(ep.lastIndexOf(":") + 1));

/** A generated-style routing id: 0x00 then a u32. */
function generated(n: number): Buffer {
  const id = Buffer.alloc(5);
  id.writeUInt32BE(n >>> 0, 1);
  return id;
}

/** Greeting and READY of a NULL peer with these properties. */
function hello(props: [string, Buffer][]): Buffer {
  return Buffer.concat([encodeGreeting("NULL", false), encodeCommand("READY", encodeMetadata(props))]);
}

/** One message as short ZMTP frames. */
function message(frames: string[]): Buffer {
  return Buffer.concat(
    frames.map((f, i) => {
      const body = latin(f);
      if (body.length > 255) throw new Error("short frames only");
      return Buffer.concat([Buffer.from([i < frames.length - 1 ? 1 : 0, body.length]), body]);
    }),
  );
}

/** A raw ZMTP peer over tcp: writes `bytes` once connected, reads the messages it is sent. */
class RawPeer {
  readonly messages: Buffer[][] = [];
  readonly ended: Promise<void>;
  private readonly sock: net.Socket;
  private buf = Buffer.alloc(0);
  private greeted = false;
  private frames: Buffer[] = [];
  private taken = 0;
  private wake: (() => void) | null = null;

  constructor(port: number, bytes: Buffer) {
    this.sock = net.connect({ host: "127.0.0.1", port });
    this.sock.on("error", () => {});
    this.sock.on("connect", () => this.sock.write(bytes));
    this.sock.on("data", (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.parse();
      this.wake?.();
    });
    this.ended = new Promise((resolve) =>
      this.sock.on("close", () => {
        this.wake?.();
        resolve();
      }),
    );
  }

  /** The next message sent to us; rejects after `ms`. */
  async next(ms: number, what: string): Promise<string[]> {
    const deadline = Date.now() + ms;
    while (this.messages.length <= this.taken) {
      const left = deadline - Date.now();
      if (left <= 0 || this.sock.destroyed) throw new Error(`${what}: nothing within ${ms} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
    return str(this.messages[this.taken++]!);
  }

  close(): void {
    this.sock.destroy();
  }

  /** Skips the 64-byte greeting, then reads whole frames; commands (READY) are dropped. */
  private parse(): void {
    if (!this.greeted) {
      if (this.buf.length < 64) return;
      this.buf = this.buf.subarray(64);
      this.greeted = true;
    }
    while (this.buf.length >= 2) {
      const flags = this.buf[0]!;
      const head = flags & 2 ? 9 : 2;
      if (this.buf.length < head) return;
      const size = flags & 2 ? Number(this.buf.readBigUInt64BE(1)) : this.buf[1]!;
      if (this.buf.length < head + size) return;
      const body = this.buf.subarray(head, head + size);
      this.buf = this.buf.subarray(head + size);
      if (flags & 4) continue;
      this.frames.push(body);
      if ((flags & 1) === 0) {
        this.messages.push(this.frames);
        this.frames = [];
      }
    }
  }
}

/** Records a socket's events of some types; `reach(n)` resolves once there are n. */
function counter<K extends SocketEventName>(socket: BaseSocket, types: K[]): { events: SocketEventOf<K>[]; reach(n: number): Promise<void> } {
  const events: SocketEventOf<K>[] = [];
  let waiter: { n: number; resolve: () => void } | null = null;
  for (const type of types) {
    socket.events.on(type, (e) => {
      events.push(e);
      if (waiter !== null && events.length >= waiter.n) waiter.resolve();
    });
  }
  return {
    events,
    reach: (n) => (events.length >= n ? Promise.resolve() : new Promise((resolve) => (waiter = { n, resolve }))),
  };
}

/** Everything left to receive, until EAGAIN after `ms` of silence. */
async function drainFor(s: ReceivingSocket, ms: number): Promise<string[][]> {
  s.receiveTimeout = ms;
  const got: string[][] = [];
  for (let i = 0; i < 1000; i++) {
    try {
      got.push(str(await s.recv()));
    } catch (err) {
      expectCode(err, "EAGAIN");
      break;
    }
  }
  return got;
}

describe("hostile neighbours on ipc paths", function () {
  this.timeout(20000);
  let ctx: Context;
  let dir: string;
  beforeEach(() => {
    ctx = trackedContext({ blocky: false });
    dir = mkdtempSync(join(tmpdir(), "zocket-ipc-safety-"));
  });
  afterEach(async () => {
    try {
      await closeAndTerm(ctx);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a path where a zocket socket listens: bind is EADDRINUSE at once; the holder keeps its file and keeps serving", async () => {
    const path = join(dir, "s");
    const holder = ctx.socket("PULL");
    await holder.bind(`ipc://${path}`);
    const before = lstatSync(path);
    const intruder = ctx.socket("PULL");
    const t0 = Date.now();
    await rejects(intruder.bind(`ipc://${path}`), "EADDRINUSE");
    expect(Date.now() - t0, "the live check took too long").to.be.below(1000);
    expect(lstatSync(path).ino).to.equal(before.ino);
    expect(readdirSync(dir), "files left behind").to.deep.equal(["s"]);
    const push = new zmq.Push({ linger: 0 });
    try {
      push.connect(`ipc://${path}`);
      await push.send("still mine");
      expect(str(await within(holder.recv(), 3000, "holder"))).to.deep.equal(["still mine"]);
    } finally {
      push.close();
    }
  });

  it("a path where a libzmq socket listens: EADDRINUSE; libzmq keeps serving; zocket's file gets libzmq's mode (0777 less the umask)", async () => {
    const path = join(dir, "libzmq");
    const holder = new zmq.Pull({ linger: 0 });
    try {
      await holder.bind(`ipc://${path}`);
      const before = lstatSync(path);
      await rejects(ctx.socket("PULL").bind(`ipc://${path}`), "EADDRINUSE");
      expect(lstatSync(path).ino).to.equal(before.ino);
      const push = ctx.socket("PUSH");
      push.connect(`ipc://${path}`);
      await push.send("to libzmq");
      expect(str(await within(holder.receive(), 3000, "libzmq holder"))).to.deep.equal(["to libzmq"]);
      // Mode: neither library sets one; both files come out of bind(2) under the umask.
      const ours = join(dir, "zocket");
      await ctx.socket("PULL").bind(`ipc://${ours}`);
      expect((lstatSync(ours).mode & 0o7777).toString(8)).to.equal((before.mode & 0o7777).toString(8));
      expect(lstatSync(ours).mode & 0o7777).to.equal(0o777 & ~process.umask());
    } finally {
      holder.close();
    }
  });

  it("a regular file, a directory or a symlink at the path: EADDRINUSE, and it is left as it was", async () => {
    const file = join(dir, "file");
    writeFileSync(file, "precious");
    const sub = join(dir, "dir");
    mkdirSync(sub);
    writeFileSync(join(sub, "inside"), "x");
    const link = join(dir, "link");
    symlinkSync(file, link);
    for (const path of [file, sub, link]) {
      const err = await ctx.socket("PULL").bind(`ipc://${path}`).then(
        (ep) => expect.fail(`bound ${ep} over what was there`),
        (e: unknown) => e,
      );
      expectCode(err, "EADDRINUSE");
      expect((err as Error).message, path).to.match(/not a socket/);
    }
    expect(readFileSync(file, "utf8")).to.equal("precious");
    expect(readFileSync(join(sub, "inside"), "utf8")).to.equal("x");
    expect(lstatSync(link).isSymbolicLink()).to.equal(true);
    expect(readdirSync(dir).sort()).to.deep.equal(["dir", "file", "link"]);
  });

  it("a stale socket file left by a SIGKILLed process is cleared: bind succeeds and serves; of two binds racing for it exactly one wins", async () => {
    const staleOnce = async (path: string): Promise<void> => {
      const child = new ChildPeer("peer-child", ["pull", `ipc://${path}`]);
      try {
        await child.line("ready", 10000);
      } finally {
        await child.kill("SIGKILL");
      }
      expect(lstatSync(path).isSocket(), "the killed process left its socket file").to.equal(true);
    };
    const path = join(dir, "stale");
    await staleOnce(path);
    const pull = ctx.socket("PULL");
    const t0 = Date.now();
    await pull.bind(`ipc://${path}`);
    expect(Date.now() - t0, "clearing the stale file took too long").to.be.below(1000);
    const push = new zmq.Push({ linger: 0 });
    try {
      push.connect(`ipc://${path}`);
      await push.send("after the crash");
      expect(str(await within(pull.recv(), 3000, "new binder"))).to.deep.equal(["after the crash"]);
    } finally {
      push.close();
    }

    const raced = join(dir, "raced");
    await staleOnce(raced);
    const racers = [ctx.socket("PULL"), ctx.socket("PULL"), ctx.socket("PULL")];
    const results = await Promise.allSettled(racers.map((s) => s.bind(`ipc://${raced}`)));
    const won = results.flatMap((r, i) => (r.status === "fulfilled" ? [i] : []));
    expect(won.length, "binds that succeeded").to.equal(1);
    for (const r of results) if (r.status === "rejected") expectCode(r.reason, "EADDRINUSE");
    const winner = racers[won[0]!]!;
    const push2 = ctx.socket("PUSH");
    push2.connect(`ipc://${raced}`);
    await push2.send("to the winner");
    expect(str(await within(winner.recv(), 3000, "winner"))).to.deep.equal(["to the winner"]);
  });

  it("unbind and close remove only the file this bind made: a file put at the path since is left alone", async () => {
    const path = join(dir, "s");
    const ep = `ipc://${path}`;
    // Ours: removed on unbind.
    const a = ctx.socket("PULL");
    await a.bind(ep);
    await a.unbind(ep);
    expect(existsSync(path)).to.equal(false);

    // Replaced by a regular file: unbind leaves it.
    const b = ctx.socket("PULL");
    await b.bind(ep);
    unlinkSync(path);
    writeFileSync(path, "someone else's");
    await b.unbind(ep);
    expect(readFileSync(path, "utf8")).to.equal("someone else's");
    unlinkSync(path);

    // Replaced by a libzmq socket (libzmq unlinks whatever is at the path when it binds): our
    // close leaves its file, and it keeps serving.
    const own = new Context({ blocky: false });
    const lz = new zmq.Pull({ linger: 0 });
    try {
      const c = own.socket("PULL");
      await c.bind(ep);
      await lz.bind(ep);
      const theirs = lstatSync(path).ino;
      c.close();
      await within(own.term(), 5000, "term");
      expect(lstatSync(path).ino, "libzmq's file").to.equal(theirs);
      const push = ctx.socket("PUSH");
      push.connect(ep);
      await push.send("to libzmq");
      expect(str(await within(lz.receive(), 3000, "libzmq"))).to.deep.equal(["to libzmq"]);
    } finally {
      lz.close();
      await own.term();
    }
  });

  it("a path near sun_path's limit (no room for a side name) binds at the path itself, with the same rules", async () => {
    const deep = join(dir, "d".repeat(Math.max(1, 100 - Buffer.byteLength(dir))));
    mkdirSync(deep);
    const path = join(deep, "s");
    expect(Buffer.byteLength(path)).to.be.within(100, 107);
    const holder = ctx.socket("PULL");
    await holder.bind(`ipc://${path}`);
    await rejects(ctx.socket("PULL").bind(`ipc://${path}`), "EADDRINUSE");
    const push = ctx.socket("PUSH");
    push.connect(`ipc://${path}`);
    await push.send("near the limit");
    expect(str(await within(holder.recv(), 3000, "holder"))).to.deep.equal(["near the limit"]);
    await holder.unbind(`ipc://${path}`);
    expect(readdirSync(deep)).to.deep.equal([]);
  });

  it("a missing directory is ENOENT; an empty abstract name (ipc://@) is EINVAL", async () => {
    await rejects(ctx.socket("PULL").bind(`ipc://${join(dir, "no", "such", "dir", "s")}`), "ENOENT");
    writeFileSync(join(dir, "plain"), "");
    await rejects(ctx.socket("PULL").bind(`ipc://${join(dir, "plain", "s")}`), "ENOENT");
    await rejects(ctx.socket("PULL").bind("ipc://@"), "EINVAL");
    try {
      ctx.socket("PUSH").connect("ipc://@");
      expect.fail("connect to ipc://@ was accepted");
    } catch (err) {
      expectCode(err, "EINVAL");
    }
    expect(readdirSync(dir), "files left behind").to.deep.equal(["plain"]);
  });
});

describe("hostile peers claiming routing ids and repeating READY properties", function () {
  this.timeout(20000);
  let ctx: Context;
  const cleanups: (() => void)[] = [];
  beforeEach(() => {
    ctx = trackedContext({ blocky: false });
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0)) c();
    await closeAndTerm(ctx);
  });
  const dealer = (): zmq.Dealer => {
    const d = new zmq.Dealer({ linger: 0 });
    cleanups.push(() => d.close());
    return d;
  };
  const raw = (port: number, bytes: Buffer): RawPeer => {
    const r = new RawPeer(port, bytes);
    cleanups.push(() => r.close());
    return r;
  };

  it("a peer claiming a routing id that starts with 0x00 (the ROUTER's generated ids) is refused: handshake:error (protocol), nothing delivered; replies reach the right peers", async () => {
    const router = ctx.socket("ROUTER");
    const refused = counter(router, ["handshake:error"]);
    const ep = await router.bind("tcp://127.0.0.1:*");
    const port = portOf(ep);
    const a = dealer();
    a.connect(ep);
    await a.send("from A");
    const [idA, bodyA] = await within(router.recv(), 3000, "A");
    expect(String(bodyA)).to.equal("from A");
    expect(idA!.length).to.equal(5);
    expect(idA![0]).to.equal(0);
    const next = generated(idA!.readUInt32BE(1) + 1);

    // Spoofers claim the next generated id, and A's.
    const s1 = raw(port, Buffer.concat([hello([["Socket-Type", latin("DEALER")], ["Identity", next]]), message(["from S1"])]));
    const s2 = raw(port, Buffer.concat([hello([["Socket-Type", latin("DEALER")], ["Identity", idA!]]), message(["from S2"])]));
    await within(refused.reach(2), 3000, "two refusals");
    expect(refused.events.map((e) => e.reason)).to.deep.equal(["protocol", "protocol"]);
    await within(Promise.all([s1.ended, s2.ended]), 3000, "the spoofers' connections closed");

    // An anonymous peer now gets the next generated id, which nobody took.
    const b = dealer();
    b.connect(ep);
    await b.send("from B");
    const [idB, bodyB] = await within(router.recv(), 3000, "B");
    expect(String(bodyB)).to.equal("from B");
    expect(idB![0]).to.equal(0);
    expect(idB!.equals(idA!)).to.equal(false);

    await router.send([idA!, "to A"]);
    await router.send([idB!, "to B"]);
    expect(str(await within(a.receive(), 3000, "A's reply"))).to.deep.equal(["to A"]);
    expect(str(await within(b.receive(), 3000, "B's reply"))).to.deep.equal(["to B"]);
    expect(await drainFor(router, 300), "delivered from the spoofers").to.deep.equal([]);
    expect([s1.messages, s2.messages]).to.deep.equal([[], []]);
  });

  it("routerHandover: a peer claiming the id the ROUTER generated for another is refused; a claimed id can still be handed over", async () => {
    const router = ctx.socket("ROUTER", { routerHandover: true });
    const refused = counter(router, ["handshake:error"]);
    const ep = await router.bind("tcp://127.0.0.1:*");
    const port = portOf(ep);
    const a = dealer();
    a.connect(ep);
    await a.send("from A");
    const [idA] = await within(router.recv(), 3000, "A");
    const thief = raw(port, Buffer.concat([hello([["Socket-Type", latin("DEALER")], ["Identity", idA!]]), message(["from the thief"])]));
    await within(refused.reach(1), 3000, "the thief refused");
    expect(await drainFor(router, 300), "delivered from the thief").to.deep.equal([]);
    await router.send([idA!, "to A"]);
    expect(str(await within(a.receive(), 3000, "A's reply"))).to.deep.equal(["to A"]);
    await a.send("A again");
    const [idAgain, body] = await within(router.recv(), 3000, "A again");
    expect(idAgain!.equals(idA!) && String(body) === "A again", "A kept its id").to.equal(true);
    expect(thief.messages).to.deep.equal([]);

    // Handover as libzmq means it: a peer reconnecting with its own claimed id takes it over.
    const first = raw(port, Buffer.concat([hello([["Socket-Type", latin("DEALER")], ["Identity", latin("client-7")]]), message(["first"])]));
    expect(str(await within(router.recv(), 3000, "first"))).to.deep.equal(["client-7", "first"]);
    const second = raw(port, Buffer.concat([hello([["Socket-Type", latin("DEALER")], ["Identity", latin("client-7")]]), message(["second"])]));
    expect(str(await within(router.recv(), 3000, "second"))).to.deep.equal(["client-7", "second"]);
    await router.send(["client-7", "to the newer"]);
    expect(await second.next(3000, "the newer's reply")).to.deep.equal(["to the newer"]);
    await within(first.ended, 3000, "the older connection closed");
  });

  it("a READY naming Socket-Type (or Identity) twice is refused: handshake:error (protocol), nothing delivered; a libzmq DEALER is served after", async () => {
    const router = ctx.socket("ROUTER");
    const failures = counter(router, ["handshake:error"]);
    const ep = await router.bind("tcp://127.0.0.1:*");
    const port = portOf(ep);
    const twice: [string, Buffer][][] = [
      [["Socket-Type", latin("DEALER")], ["Socket-Type", latin("PUB")]],
      [["Socket-Type", latin("PUB")], ["Socket-Type", latin("DEALER")]],
      [["Socket-Type", latin("DEALER")], ["socket-type", latin("DEALER")]],
      [["Socket-Type", latin("DEALER")], ["Identity", latin("one")], ["IDENTITY", latin("two")]],
    ];
    const peers = twice.map((props) => raw(port, Buffer.concat([hello(props), message(["spoof"])])));
    await within(Promise.all(peers.map((p) => p.ended)), 3000, "the refused connections closed");
    await within(failures.reach(twice.length), 3000, "handshake:error events");
    for (const e of failures.events) {
      expect(e.type === "handshake:error" && e.reason).to.equal("protocol");
      expect(e.error?.message).to.match(/given twice/);
    }
    const d = dealer();
    d.connect(ep);
    await d.send("real");
    const [id, body] = await within(router.recv(), 3000, "libzmq DEALER");
    expect(String(body)).to.equal("real");
    await router.send([id!, "reply"]);
    expect(str(await within(d.receive(), 3000, "reply"))).to.deep.equal(["reply"]);
    expect(await drainFor(router, 300), "delivered from a refused peer").to.deep.equal([]);
    for (const p of peers) expect(p.messages).to.deep.equal([]);
  });
});
