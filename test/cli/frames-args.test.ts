/** The CLI's line ↔ frames format and its command-line checks, without a process. */
import { expect } from "chai";
import { parseCommandLine, UsageError, type Config } from "../../src/cli/args.js";
import { formatFrame, formatMessage, parseLine, type FrameFormat } from "../../src/cli/frames.js";

const b = (...bytes: number[]): Buffer => Buffer.from(bytes);

describe("CLI frames", () => {
  it("auto: printable UTF-8 as text, anything ambiguous or unprintable as 0x hex", () => {
    const cases: [Buffer, string][] = [
      [Buffer.from("hello wörld ✓"), "hello wörld ✓"],
      [b(), ""],
      [b(0x00, 0x80, 0xff), "0x0080ff"],
      [Buffer.from("0xab"), "0x30786162"],
      [Buffer.from("a\tb"), "0x610962"],
      [Buffer.from("line\nbreak"), "0x6c696e650a627265616b"],
      [b(0xc3), "0xc3"], // a UTF-8 sequence cut short
      [Buffer.from("\u2028"), "0xe280a8"],
    ];
    for (const [frame, want] of cases) expect(formatFrame(frame, "auto", "\t"), frame.toString("hex")).to.equal(want);
  });

  it("every frame printed in auto or hex reads back as the same bytes", () => {
    const frames = [b(), b(0), Buffer.from("text"), Buffer.from("0x00"), Buffer.from("a|b"), b(0xff, 0xfe), Buffer.from("é")];
    for (const format of ["auto", "hex"] as FrameFormat[]) {
      for (const delimiter of ["\t", "|", " :: "]) {
        const line = formatMessage(frames, format, delimiter);
        expect(line).not.to.include("\n");
        const back = parseLine(line, format, delimiter);
        expect(back.map((f) => f.toString("hex")), `${format} ${JSON.stringify(delimiter)}`).to.deep.equal(frames.map((f) => f.toString("hex")));
      }
    }
  });

  it("text sends lines as written; hex refuses what is not hex", () => {
    expect(parseLine("0xff\tx", "text", "\t").map(String)).to.deep.equal(["0xff", "x"]);
    expect(parseLine("0xFF\t00", "hex", "\t").map((f) => f.toString("hex"))).to.deep.equal(["ff", "00"]);
    expect(() => parseLine("zz", "hex", "\t")).to.throw(/not hex/);
    expect(parseLine("0xf", "auto", "\t").map(String)).to.deep.equal(["0xf"]); // odd digits: text
  });
});

describe("CLI command line", () => {
  const parse = (...args: string[]): Config => {
    const c = parseCommandLine(args);
    if (typeof c === "string") throw new Error(`got ${c}`);
    return c;
  };

  it("reads a socket with several endpoints and its options", () => {
    const c = parse("dealer", "connect", "tcp://127.0.0.1:1", "bind", "ipc:///tmp/x", "-d", "|", "--identity", "0x0102", "-n", "3", "-t", "500");
    expect(c.sockets).to.deep.equal([{ label: "", type: "DEALER", attach: [{ verb: "connect", endpoint: "tcp://127.0.0.1:1" }, { verb: "bind", endpoint: "ipc:///tmp/x" }] }]);
    expect([c.delimiter, c.identity?.toString("hex"), c.count, c.timeout, c.linger]).to.deep.equal(["|", "0102", 3, 500, 500]);
  });

  it("reads proxy mode with a capture, bare or typed", () => {
    const bare = parse("proxy", "XSUB", "connect", "tcp://127.0.0.1:1", "XPUB", "bind", "tcp://127.0.0.1:2", "--capture", "tcp://127.0.0.1:3");
    expect(bare.sockets.map((s) => `${s.label} ${s.type} ${s.attach[0]!.verb}`)).to.deep.equal(["front XSUB connect", "back XPUB bind", "capture PUB bind"]);
    const typed = parse("proxy", "PULL", "bind", "inproc://a", "PUSH", "bind", "inproc://b", "--capture", "push:connect:tcp://127.0.0.1:4");
    expect(typed.sockets[2]).to.deep.equal({ label: "capture", type: "PUSH", attach: [{ verb: "connect", endpoint: "tcp://127.0.0.1:4" }] });
  });

  it("refuses security combinations that make no sense", () => {
    const bad = (...args: string[]): void => void expect(() => parseCommandLine(args), args.join(" ")).to.throw(UsageError);
    bad("REQ", "connect", "tcp://127.0.0.1:1", "--plain", "nopassword");
    bad("REQ", "connect", "tcp://127.0.0.1:1", "--plain", "a:b", "--curve-server");
    bad("REQ", "connect", "tcp://127.0.0.1:1", "--curve-secret-key", "x");
    bad("proxy", "PULL", "bind", "inproc://a", "PUSH", "bind", "inproc://b", "--plain", "a:b");
    bad("PULL", "bind", "inproc://a", "--capture", "tcp://127.0.0.1:1");
    bad("PULL", "bind", "inproc://a", "--delimiter", "");
  });

  it("says what is wrong with a bad command line", () => {
    const cases: [string[], RegExp][] = [
      [["PUSH", "attach", "tcp://127.0.0.1:1"], /expected bind or connect after the socket type, got "attach"/],
      [["PUSH", "bind"], /expected an endpoint after bind/],
      [["PUSH", "bind", "127.0.0.1:5555"], /is not an endpoint/],
      [["PUSH", "bind", "tcp://127.0.0.1:1", "--count", "2"], /--count: a PUSH socket receives nothing/],
      [["PULL", "bind", "tcp://127.0.0.1:1", "--timeout", "soon"], /--timeout expects an integer/],
      [["PULL", "bind", "tcp://127.0.0.1:1", "--hex", "--text"], /exclude each other/],
      [["PUSH", "bind", "tcp://127.0.0.1:1", "--subscribe", "x"], /--subscribe is for SUB and XSUB/],
      [["SUB", "bind", "tcp://127.0.0.1:1", "--hex", "--subscribe", "xyz"], /--subscribe "xyz" is not hex/],
      [["proxy", "PULL", "bind", "tcp://127.0.0.1:1"], /proxy expects/],
      [["proxy", "PULL", "bind", "inproc://a", "PUSH", "bind", "inproc://b", "--capture", "SUB:bind:inproc://c"], /a SUB socket cannot send/],
    ];
    for (const [args, message] of cases) expect(() => parseCommandLine(args), args.join(" ")).to.throw(UsageError, message);
  });

  it("--help and --version win over everything else", () => {
    expect(parseCommandLine(["PUSHER", "--help"])).to.equal("help");
    expect(parseCommandLine(["-V"])).to.equal("version");
  });
});
