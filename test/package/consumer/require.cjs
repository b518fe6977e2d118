// A user's CommonJS program against the installed tarball: `require("zocket")`.
"use strict";
const { Context, ZocketError } = require("zocket");

async function main() {
  const ctx = new Context();
  const round = async (ctx, endpoint) => {
    const pull = ctx.socket("PULL");
    const bound = await pull.bind(endpoint);
    const push = ctx.socket("PUSH");
    push.connect(bound);
    await push.send(["hello", endpoint.slice(0, endpoint.indexOf(":"))]);
    const frames = await pull.recv();
    push.close();
    pull.close();
    return frames.map(String).join(" ");
  };
  const tcp = await round(ctx, "tcp://127.0.0.1:*");
  const inproc = await round(ctx, "inproc://cjs");
  // The same over tcp with the connection served by an I/O thread (a worker the package starts from its own files).
  const ioCtx = new Context({ ioThreads: 1 });
  const io = await round(ioCtx, "tcp://127.0.0.1:*");
  await ioCtx.term();
  let code = "none";
  try {
    ctx.socket("NOPE");
  } catch (err) {
    code = err instanceof ZocketError ? err.code : "not a ZocketError";
  }
  await ctx.term();
  console.log(`require: ${tcp}, ${inproc}, ${io} (io thread), ${code}, from ${require.resolve("zocket")}`);
}
main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
