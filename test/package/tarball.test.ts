/**
 * The package as users get it: `npm pack` once, the tarball installed
 * (offline: zocket has no dependencies) into a temporary consumer project,
 * and programs there that import, require and type-check "zocket" and do a
 * PUSH/PULL round over tcp and inproc. `--no-experimental-require-module`
 * makes Node 20.20 resolve as Node 20.0–20.18 do (no require(esm), no
 * "module-sync" condition), which exercises the CommonJS build.
 */
import { expect } from "chai";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { ROOT, runOk } from "../support/run.js";

const CONSUMER_SOURCES = join(ROOT, "test/package/consumer");
const OLD_NODE = "--no-experimental-require-module";

/** Every file under `dir`, relative paths. */
function walk(dir: string, prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );
}

describe("the packed package", function () {
  this.timeout(60000);
  let tmp: string;
  let consumer: string;
  let installed: string;
  let tarball: string;

  before(async function () {
    this.timeout(120000);
    tmp = mkdtempSync(join(tmpdir(), "zocket-pack-"));
    // dist/src is what this test runs from; the CommonJS build is brought up to date here (incremental).
    await runOk("npm", ["run", "build:cjs", "--silent"], { timeout: 90000 });
    const packed = await runOk("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", tmp], { timeout: 60000 });
    const [info] = JSON.parse(packed.stdout) as [{ filename: string }];
    tarball = join(tmp, info.filename);
    consumer = join(tmp, "consumer");
    mkdirSync(consumer);
    writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "zocket-consumer", version: "1.0.0", private: true }));
    for (const f of readdirSync(CONSUMER_SOURCES)) copyFileSync(join(CONSUMER_SOURCES, f), join(consumer, f));
    await runOk("npm", ["install", "--offline", "--no-audit", "--no-fund", "--no-package-lock", tarball], { cwd: consumer, timeout: 60000 });
    installed = join(consumer, "node_modules/zocket");
  });

  after(() => {
    if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
  });

  it("holds the builds, the sources its maps name, the docs, and no tests or build state", () => {
    const files = walk(installed);
    expect(files).to.include.members(["package.json", "README.md", "LICENSE", "dist/src/index.js", "dist/src/index.d.ts", "dist/cjs/index.js", "dist/cjs/index.d.ts", "dist/cjs/package.json", "dist/src/cli.js", "src/index.ts"]);
    expect(files.filter((f) => /(^|\/)test\/|tsbuildinfo|^dist\/(examples|perf)\//.test(f)), "files that are not for users").to.deep.equal([]);
    const maps = files.filter((f) => f.endsWith(".map"));
    expect(maps.length).to.be.greaterThan(10);
    for (const map of maps) {
      const { sources } = JSON.parse(readFileSync(join(installed, map), "utf8")) as { sources: string[] };
      for (const s of sources) expect(existsSync(resolve(dirname(join(installed, map)), s)), `${map} names ${s}`).to.equal(true);
    }
    expect(JSON.parse(readFileSync(join(installed, "dist/cjs/package.json"), "utf8"))).to.deep.equal({ type: "commonjs" });
  });

  it("runs an ESM program (import)", async () => {
    const r = await runOk(process.execPath, ["esm.mjs"], { cwd: consumer });
    expect(r.stdout).to.match(/^esm: hello tcp, hello inproc, hello tcp \(io thread\), EINVAL, from file:.*\/node_modules\/zocket\/dist\/src\/index\.js\n$/);
  });

  it("runs a CommonJS program (require): the ESM build through module-sync on Node ≥ 20.19, the CJS build before", async () => {
    const now = await runOk(process.execPath, ["require.cjs"], { cwd: consumer });
    expect(now.stdout).to.match(/^require: hello tcp, hello inproc, hello tcp \(io thread\), EINVAL, from .*\/node_modules\/zocket\/dist\/src\/index\.js\n$/);
    expect(now.stderr, "no warning about require(esm)").to.equal("");
    const old = await runOk(process.execPath, [OLD_NODE, "require.cjs"], { cwd: consumer });
    expect(old.stdout).to.match(/^require: hello tcp, hello inproc, hello tcp \(io thread\), EINVAL, from .*\/node_modules\/zocket\/dist\/cjs\/index\.js\n$/);
  });

  it("compiles strict TypeScript (module node16, CommonJS and ESM files; @ts-expect-error where its types must refuse) and runs it", async () => {
    const tsconfig = {
      compilerOptions: {
        module: "node16",
        target: "ES2022",
        strict: true,
        noUncheckedIndexedAccess: true,
        exactOptionalPropertyTypes: true,
        // The package's own .d.ts files are checked too, under these settings
        // (TypeScript's lib files are not: not ours, and a third of the time).
        skipLibCheck: false,
        skipDefaultLibCheck: true,
        types: ["node"],
        typeRoots: [join(ROOT, "node_modules/@types")],
        outDir: "out",
      },
      files: ["typed-cjs.ts", "typed-esm.mts"],
    };
    writeFileSync(join(consumer, "tsconfig.json"), JSON.stringify(tsconfig));
    await runOk(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "."], { cwd: consumer, timeout: 60000 });
    expect(readFileSync(join(consumer, "out/typed-cjs.js"), "utf8"), "CommonJS output").to.match(/require\("zocket"\)/);
    const cjs = await runOk(process.execPath, ["out/typed-cjs.js"], { cwd: consumer });
    expect(cjs.stdout).to.match(/^typed-cjs: hello tcp, hello inproc, EINVAL, from .*\/dist\/src\/index\.js\n$/);
    const cjsOld = await runOk(process.execPath, [OLD_NODE, "out/typed-cjs.js"], { cwd: consumer });
    expect(cjsOld.stdout).to.match(/^typed-cjs: hello tcp, hello inproc, EINVAL, from .*\/dist\/cjs\/index\.js\n$/);
    const esm = await runOk(process.execPath, ["out/typed-esm.mjs"], { cwd: consumer });
    expect(esm.stdout).to.match(/^typed-esm: hello tcp, hello inproc, EINVAL, from file:.*\/dist\/src\/index\.js\n$/);
  });

  it("installs the zocket command (bin)", async () => {
    const r = await runOk(join(consumer, "node_modules/.bin/zocket"), ["--version"], { cwd: consumer });
    const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    expect(r.stdout).to.equal(`${version}\n`);
  });

  it("one process holding both builds (require before Node 20.19, import) shares ZocketError by instanceof", async () => {
    const program = [
      'const cjs = require("zocket");',
      'import("zocket").then(async (esm) => {',
      "  const ctx = new cjs.Context();",
      '  let e; try { ctx.socket("NOPE"); } catch (err) { e = err; }',
      "  await ctx.term();",
      '  console.log(cjs.ZocketError !== esm.ZocketError, e instanceof esm.ZocketError, e instanceof cjs.ZocketError, new Error("x") instanceof esm.ZocketError);',
      "});",
    ].join("\n");
    writeFileSync(join(consumer, "both.cjs"), program);
    const r = await runOk(process.execPath, [OLD_NODE, "both.cjs"], { cwd: consumer });
    expect(r.stdout).to.equal("true true true false\n");
  });
});
