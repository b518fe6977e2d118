/**
 * The `zocket` command end to end: a child process (node dist/src/cli.js)
 * against libzmq 4.3 (through zeromq.js) over tcp on 127.0.0.1. The CLI binds
 * port 0 (`:*`) and says where on stderr; libzmq sockets wait at most 5 s per
 * receive (receiveTimeout), CLI waits are bounded in cli.ts.
 */
import { expect } from "chai";
import * as zmq from "zeromq";
import { cli, killAll } from "../support/cli.js";

const ANY = "tcp://127.0.0.1:*";

describe("zocket CLI against libzmq", function () {
  this.timeout(20000);
  const zsockets: zmq.Socket[] = [];
  function z<T extends zmq.Socket>(s: T): T {
    zsockets.push(s);
    return s;
  }
  // zeromq.js takes only the options a type has: sendTimeout for senders, receiveTimeout for receivers.
  const tx = { linger: 0, sendTimeout: 5000 };
  const rx = { linger: 0, receiveTimeout: 5000 };
  const both = { ...tx, ...rx };

  afterEach(async () => {
    await killAll();
    for (const s of zsockets.splice(0)) s.close();
  });

  it("PULL bind prints what a libzmq PUSH sends: text, multipart (tab-separated), binary as 0x hex; exits after --count", async () => {
    const run = cli("PULL", "bind", ANY, "--count", "4");
    const push = z(new zmq.Push(tx));
    push.connect(await run.bound());
    await push.send("hello");
    await push.send(["two", "parts", ""]);
    await push.send(Buffer.from([0x00, 0x01, 0xfe, 0xff]));
    await push.send(["0x41", "é ok", "tab\there"]);
    expect(await run.exit()).to.equal(0);
    expect(run.out.all).to.deep.equal(["hello", "two\tparts\t", "0x0001feff", "0x30783431\té ok\t0x7461620968657265"]);
  });

  it("PUSH connect sends the lines of stdin to a libzmq PULL (0x frames as bytes), prints monitor events, exits once they are delivered", async () => {
    const pull = z(new zmq.Pull(rx));
    await pull.bind(ANY);
    const run = cli("PUSH", "connect", pull.lastEndpoint!, "--monitor");
    run.endInput("first\nmulti\tpart\n0xdeadbeef\ttext\n");
    const got = [await pull.receive(), await pull.receive(), await pull.receive()];
    expect(got.map((m) => m.map((f) => f.toString("hex")))).to.deep.equal([
      [Buffer.from("first").toString("hex")],
      [Buffer.from("multi").toString("hex"), Buffer.from("part").toString("hex")],
      ["deadbeef", Buffer.from("text").toString("hex")],
    ]);
    expect(await run.exit()).to.equal(0);
    expect(run.err.all).to.include(`monitor: handshake ${pull.lastEndpoint!}`);
  });

  it("stdin ending before the peer exists: the run waits for the linger flush, delivers, then exits 0", async () => {
    const probe = z(new zmq.Pull(rx));
    await probe.bind(ANY);
    const ep = probe.lastEndpoint!;
    await probe.unbind(ep);
    const run = cli("PUSH", "connect", ep, "--monitor");
    run.endInput("late 1\nlate 2\n");
    // A refused connect shows the CLI running, its input (sent before it started) read and ended;
    // the peer binds only now, so the lines can only arrive through the flush at the end of the run.
    await run.stderrLine(/^monitor: connect:retry /);
    const pull = z(new zmq.Pull(rx));
    await pull.bind(ep);
    expect([(await pull.receive()).map(String), (await pull.receive()).map(String)]).to.deep.equal([["late 1"], ["late 2"]]);
    expect(await run.exit()).to.equal(0);
  });

  it("SUB --subscribe sends its subscriptions to a libzmq publisher and receives only what matches", async () => {
    const pub = z(new zmq.XPublisher(both));
    await pub.bind(ANY);
    const run = cli("SUB", "connect", pub.lastEndpoint!, "--subscribe", "weather", "--subscribe", "0x00ff", "--count", "2");
    const [sub] = await pub.receive();
    expect(sub!.toString("hex")).to.match(/^01/);
    const [sub2] = await pub.receive();
    const topics = [sub!, sub2!].map((s) => s.subarray(1).toString("hex")).sort();
    expect(topics).to.deep.equal(["00ff", Buffer.from("weather").toString("hex")].sort());
    await pub.send("news: nothing");
    await pub.send(["weather", "sunny"]);
    await pub.send(Buffer.from([0x00, 0xff, 0x01]));
    expect(await run.exit()).to.equal(0);
    expect(run.out.all).to.deep.equal(["weather\tsunny", "0x00ff01"]);
  });

  it("a SUB without --subscribe receives nothing, as in libzmq, and says so", async () => {
    const pub = z(new zmq.XPublisher(both));
    await pub.bind(ANY);
    const run = cli("SUB", "connect", pub.lastEndpoint!, "--timeout", "400");
    expect(await run.stderrLine(/SUB receives nothing without --subscribe/)).to.be.a("string");
    expect(await run.exit()).to.equal(0);
    expect(run.out.all).to.deep.equal([]);
  });

  it("REP answers a libzmq REQ with the lines of stdin and ends when none is left", async () => {
    const run = cli("REP", "bind", ANY);
    run.endInput("pong 1\npong 2\n");
    const req = z(new zmq.Request(both));
    req.connect(await run.bound());
    await req.send("ping 1");
    expect((await req.receive()).map(String)).to.deep.equal(["pong 1"]);
    await req.send("ping 2");
    expect((await req.receive()).map(String)).to.deep.equal(["pong 2"]);
    expect(await run.exit()).to.equal(0);
    expect(run.out.all).to.deep.equal(["ping 1", "ping 2"]);
  });

  it("REQ sends each line to a libzmq REP and prints each reply", async () => {
    const rep = z(new zmq.Reply(both));
    await rep.bind(ANY);
    const run = cli("REQ", "connect", rep.lastEndpoint!);
    run.endInput("a\nb\n");
    for (const q of ["a", "b"]) {
      const [got] = await rep.receive();
      expect(String(got)).to.equal(q);
      await rep.send(["echo", q]);
    }
    expect(await run.exit()).to.equal(0);
    expect(run.out.all).to.deep.equal(["echo\ta", "echo\tb"]);
  });

  it("ROUTER --hex prints routing id and frames as hex; a printed id pasted back on stdin routes the reply", async () => {
    const run = cli("ROUTER", "bind", ANY, "--hex");
    const dealer = z(new zmq.Dealer({ ...both, routingId: "abc" }));
    dealer.connect(await run.bound());
    await dealer.send([Buffer.from([0x00, 0xff]), "hi"]);
    const [line] = await run.stdoutLines(1);
    expect(line).to.equal("616263\t00ff\t6869");
    run.endInput("616263\t7265706c79\n");
    expect((await dealer.receive()).map(String)).to.deep.equal(["reply"]);
    expect(await run.exit()).to.equal(0);
  });

  it("--plain-server admits a libzmq client with the right credentials and refuses a wrong one", async () => {
    const run = cli("PULL", "bind", ANY, "--plain-server", "admin:secret", "--monitor", "--count", "1");
    const ep = await run.bound();
    const wrong = z(new zmq.Push({ ...tx, plainUsername: "admin", plainPassword: "guess" }));
    wrong.connect(ep);
    await wrong.send("from the wrong one");
    expect(await run.stderrLine(/^zap: denied user "admin"/)).to.be.a("string");
    const right = z(new zmq.Push({ ...tx, plainUsername: "admin", plainPassword: "secret" }));
    right.connect(ep);
    await right.send("from the right one");
    expect(await run.exit()).to.equal(0);
    expect(run.out.all).to.deep.equal(["from the right one"]);
  });

  it("CURVE: a CLI server made its own keys; a CLI client with --curve-server-key talks to it through libzmq's eyes", async () => {
    const { publicKey, secretKey } = zmq.curveKeyPair();
    const pull = z(new zmq.Pull({ ...rx, curveServer: true, curveSecretKey: secretKey }));
    await pull.bind(ANY);
    const run = cli("PUSH", "connect", pull.lastEndpoint!, "--curve-server-key", publicKey);
    run.endInput("sealed\n");
    expect((await pull.receive()).map(String)).to.deep.equal(["sealed"]);
    expect(await run.exit()).to.equal(0);
  });

  it("proxy ROUTER/DEALER between a libzmq REQ and REP, with a PUSH capture, until SIGINT", async () => {
    const run = cli("proxy", "ROUTER", "bind", ANY, "DEALER", "bind", ANY, "--capture", "PUSH:bind:tcp://127.0.0.1:*");
    const [front, back, capture] = [await run.bound("front"), await run.bound("back"), await run.bound("capture")];
    const rep = z(new zmq.Reply(both));
    rep.connect(back);
    const req = z(new zmq.Request(both));
    req.connect(front);
    const tap = z(new zmq.Pull(rx));
    tap.connect(capture);
    for (const q of ["q1", "q2"]) {
      await req.send(q);
      const [got] = await rep.receive();
      await rep.send(`re ${String(got)}`);
      expect((await req.receive()).map(String)).to.deep.equal([`re ${q}`]);
    }
    // Each message, whole (envelope included), once per direction.
    const copies = [];
    for (let i = 0; i < 4; i++) copies.push((await tap.receive()).map(String).pop());
    expect(copies).to.deep.equal(["q1", "re q1", "q2", "re q2"]);
    run.proc.kill("SIGINT");
    expect(await run.exit()).to.equal(130);
  });

  it("proxy XSUB/XPUB carries a libzmq subscriber's subscription up to a libzmq publisher and its messages down", async () => {
    const upstream = z(new zmq.XPublisher(both));
    await upstream.bind(ANY);
    const run = cli("proxy", "XSUB", "connect", upstream.lastEndpoint!, "XPUB", "bind", ANY);
    const sub = z(new zmq.Subscriber(rx));
    sub.connect(await run.bound("back"));
    sub.subscribe("t.");
    const [subscription] = await upstream.receive();
    expect(subscription!.toString()).to.equal("\x01t.");
    await upstream.send(["u.skipped", "x"]);
    await upstream.send(["t.1", "y"]);
    expect((await sub.receive()).map(String)).to.deep.equal(["t.1", "y"]);
    run.proc.kill("SIGINT");
    expect(await run.exit()).to.equal(130);
  });

  it("proxy PULL/PUSH forwards a libzmq pipeline, multipart whole", async () => {
    const run = cli("proxy", "PULL", "bind", ANY, "PUSH", "bind", ANY);
    const push = z(new zmq.Push(tx));
    push.connect(await run.bound("front"));
    const pull = z(new zmq.Pull(rx));
    pull.connect(await run.bound("back"));
    for (let i = 0; i < 5; i++) await push.send([`m${i}`, Buffer.from([i, 0])]);
    for (let i = 0; i < 5; i++) expect((await pull.receive()).map((f) => f.toString("hex"))).to.deep.equal([Buffer.from(`m${i}`).toString("hex"), `0${i}00`]);
    run.proc.kill("SIGTERM");
    expect(await run.exit()).to.equal(143);
  });
});

describe("zocket CLI: command line, errors and endings", function () {
  this.timeout(20000);
  afterEach(killAll);

  // A few through the process (status, stderr format); the rest of the checks are in frames-args.test.ts.
  const badLines: [string[], RegExp][] = [
    [[], /missing the socket type/],
    [["PUSHER", "bind", "tcp://127.0.0.1:*"], /unknown socket type "PUSHER"/],
    [["PUSH", "bind", "tcp://127.0.0.1:99999"], /port/], // found by the library (EINVAL): still a bad command line
    [["PULL", "bind", "tcp://127.0.0.1:*", "--bogus"], /Unknown option '--bogus'/],
    [["proxy", "PUB", "bind", "tcp://127.0.0.1:*", "PUSH", "bind", "tcp://127.0.0.1:*"], /no message can flow between PUB and PUSH/],
  ];
  for (const [args, message] of badLines) {
    it(`exit 2 and a one-line message: zocket ${args.join(" ")}`, async () => {
      const run = cli(...args);
      expect(await run.exit()).to.equal(2);
      expect(run.err.all[0]).to.match(/^zocket: /).and.to.match(message);
      expect(run.err.all.slice(1)).to.deep.equal(["Try 'zocket --help'."]);
      expect(run.out.all).to.deep.equal([]);
    });
  }

  it("a runtime error (address in use) exits 1 with one line, no stack trace", async () => {
    const first = cli("PULL", "bind", "tcp://127.0.0.1:*");
    const ep = await first.bound();
    const second = cli("PULL", "bind", ep);
    expect(await second.exit()).to.equal(1);
    expect(second.err.all).to.have.length(1);
    expect(second.err.all[0]).to.match(/^zocket: .*EADDRINUSE|^zocket: .*in use/i);
  });

  it("--help prints the usage and exits 0; --version the package's version", async () => {
    const help = cli("--help");
    expect(await help.exit()).to.equal(0);
    expect(help.out.all[0]).to.equal("Usage:");
    expect(help.out.all.join("\n")).to.include("--subscribe").and.include("proxy");
    const version = cli("--version");
    expect(await version.exit()).to.equal(0);
    expect(version.out.all[0]).to.match(/^\d+\.\d+\.\d+/);
  });

  it("--timeout: exit 3 when --count is not reached in time, 0 when nothing was expected", async () => {
    const short = cli("PULL", "bind", "tcp://127.0.0.1:*", "--count", "1", "--timeout", "300");
    expect(await short.exit()).to.equal(3);
    expect(short.err.all.at(-1)).to.match(/^zocket: timed out after 300 ms without a message \(0 of 1 messages\)$/);
    const idle = cli("PULL", "bind", "tcp://127.0.0.1:*", "--timeout", "300");
    expect(await idle.exit()).to.equal(0);
  });

  it("SIGINT while waiting exits 130 at once, quietly", async () => {
    const run = cli("PULL", "bind", "tcp://127.0.0.1:*");
    await run.bound();
    run.proc.kill("SIGINT");
    expect(await run.exit(3000)).to.equal(130);
    expect(run.err.all.filter((l) => !l.startsWith("bound "))).to.deep.equal([]);
  });

  it("stdin EOF with inproc only (nothing holding the event loop) still sends, then exits 0", async () => {
    // A PAIR to an inproc endpoint nobody binds: the line stays queued; linger 0 lets it go at the end.
    const run = cli("PAIR", "connect", "inproc://nobody", "--linger", "0");
    run.endInput("lost\n");
    expect(await run.exit()).to.equal(0);
  });
});
