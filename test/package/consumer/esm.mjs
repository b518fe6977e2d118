// A user's ESM program against the installed tarball: `import` from "zocket".
import { Context, ZocketError } from "zocket";

const ctx = new Context();
async function round(ctx, endpoint) {
  const pull = ctx.socket("PULL");
  const bound = await pull.bind(endpoint);
  const push = ctx.socket("PUSH");
  push.connect(bound);
  await push.send(["hello", endpoint.slice(0, endpoint.indexOf(":"))]);
  const frames = await pull.recv();
  push.close();
  pull.close();
  return frames.map(String).join(" ");
}
const tcp = await round(ctx, "tcp://127.0.0.1:*");
const inproc = await round(ctx, "inproc://esm");
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
console.log(`esm: ${tcp}, ${inproc}, ${io} (io thread), ${code}, from ${import.meta.resolve("zocket")}`);
