/**
 * NODE_DEBUG=zocket: a child process with it prints connection, retry,
 * handshake, pipe and term lines on stderr through util.debuglog; without it,
 * nothing at all.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const script = fileURLToPath(new URL("../fixtures/trace-child.js", import.meta.url));

function run(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`trace child did not finish; stderr so far:\n${stderr}`));
    }, 15000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("NODE_DEBUG=zocket tracing", function () {
  it("prints connections, retries, handshakes, pipe lifecycle, bind/unbind and term", async () => {
    // Sessions in the socket's own thread, so the socket-side pipe end is seen ending (with I/O threads its end can be cut by the link instead).
    const env = { ...process.env, NODE_DEBUG: "zocket", ZOCKET_IO_THREADS: "0" };
    const { code, stdout, stderr } = await run(env);
    expect(code, stderr).to.equal(0);
    expect(stdout.trim()).to.equal("done hello");
    const lines = stderr.split("\n").filter((l) => l.startsWith("ZOCKET "));
    const has = (re: RegExp, what: string): void => {
      expect(lines.some((l) => re.test(l)), `${what}:\n${stderr}`).to.equal(true);
    };
    has(/PULL \S+: bind tcp:\/\/127\.0\.0\.1:\d+/, "bind");
    has(/PULL \S+: unbind tcp:\/\//, "unbind");
    has(/session tcp:\/\/\S+: connecting/, "connect attempt");
    has(/session tcp:\/\/\S+: retry in \d+ ms/, "retry with its delay");
    has(/session tcp:\/\/\S+: connected .* handshake as PUSH, NULL/, "connected, mechanism");
    has(/session tcp:\/\/\S+: accepted .* handshake as PULL, NULL/, "accepted");
    has(/handshake done: ZMTP 3\.1, peer PULL/, "handshake result with version and peer type");
    has(/PUSH \S+: pipe attached/, "pipe attach");
    has(/pipe \S+ \(\S+ end, peer \S+\): terminate \(discard unsent\)/, "pipe terminate on disconnect");
    has(/PUSH \S+: pipe terminated/, "pipe end");
    has(/context \S+: term \(/, "term");
    has(/context \S+: term done/, "term done");
  });

  it("prints nothing without NODE_DEBUG (or with another section)", async () => {
    const env = { ...process.env, NODE_DEBUG: "net-not-zocket" };
    const { code, stdout, stderr } = await run(env);
    expect(code).to.equal(0);
    expect(stdout.trim()).to.equal("done hello");
    expect(stderr).to.equal("");
  });
});
