// Builds what the package ships: `node scripts/build-package.mjs lib` builds
// dist/src (ESM, tsconfig.build.json) and then dist/cjs; `... cjs` only the
// CommonJS copy (tsconfig.cjs.json) and its package.json ({"type":"commonjs"},
// which makes Node and TypeScript read dist/cjs as CommonJS).
//
// Both builds are incremental, with their build info beside the output
// folder: an output folder deleted on its own would leave build info that says
// "nothing to emit", so that build info goes first.
import { execFileSync } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";

const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const builds = {
  lib: { project: "tsconfig.build.json", output: "dist/src/index.js", info: "dist/.lib.tsbuildinfo" },
  cjs: { project: "tsconfig.cjs.json", output: "dist/cjs/index.js", info: "dist/.cjs.tsbuildinfo" },
};

function build({ project, output, info }) {
  if (!existsSync(output)) rmSync(info, { force: true });
  execFileSync(process.execPath, [tsc, "-p", project], { stdio: "inherit" });
}

const what = process.argv[2];
if (what !== "lib" && what !== "cjs") throw new Error("usage: node scripts/build-package.mjs lib|cjs");
if (what === "lib") build(builds.lib);
build(builds.cjs);
writeFileSync("dist/cjs/package.json", `${JSON.stringify({ type: "commonjs" })}\n`);
