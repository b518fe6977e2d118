/**
 * Churn leaves nothing behind: 10,000 connect/send/close cycles over inproc
 * and over tcp, and 1,000 migrations of a socket connected over both, leave
 * descriptors, active resources and heap flat. Runs in a child process with
 * --expose-gc so that the heap figure is taken after a full collection.
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

interface Snapshot {
  fds: number;
  resources: Record<string, number>;
  heap: number;
}

describe("churn and leaks", function () {
  this.timeout(120000);

  it("10,000 connect/close cycles (inproc and tcp) and 1,000 migrations leave fds, handles and heap flat", async () => {
    const script = fileURLToPath(new URL("../fixtures/churn-child.js", import.meta.url));
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ["--expose-gc", script, "10000", "1000"], { timeout: 100000 }, (err, stdout) =>
        err ? reject(err) : resolve(stdout),
      ),
    );
    const r = JSON.parse(out.trim().split("\n").pop()!) as { before: Snapshot; after: Snapshot };
    expect(r.after.fds - r.before.fds, "file descriptors").to.be.at.most(3);
    for (const [kind, n] of Object.entries(r.after.resources)) {
      expect(n - (r.before.resources[kind] ?? 0), `active ${kind}`).to.be.at.most(2);
    }
    expect(r.after.heap - r.before.heap, "heap growth (bytes)").to.be.below(8 * 1024 * 1024);
  });
});
