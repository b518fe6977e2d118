/**
 * `npm run docs` stays clean: TypeDoc (warnings and validation as errors, every
 * exported symbol documented) checks the API reference without writing it.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

describe("API reference", () => {
  it("TypeDoc builds the reference with no warning (every exported symbol documented, no broken link)", async function () {
    this.timeout(120_000);
    const root = fileURLToPath(new URL("../../..", import.meta.url));
    const typedoc = `${root}node_modules/typedoc/bin/typedoc`;
    const child = spawn(process.execPath, [typedoc, "--emit", "none"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += String(b)));
    child.stderr.on("data", (b: Buffer) => (out += String(b)));
    const killer = setTimeout(() => child.kill("SIGKILL"), 110_000);
    const [code] = (await once(child, "exit")) as [number | null];
    clearTimeout(killer);
    expect(out).to.not.match(/\[warning\]|\[error\]/);
    expect(code, out).to.equal(0);
  });
});
