// A strict TypeScript program in ESM mode (an .mts file): the import types.
import { Context, ZocketError, z85, type Message } from "zocket";

/** Never called: it only has to fail to compile where the package's types say so. */
export function mistakes(ctx: Context): void {
  // @ts-expect-error: an option's value is checked against the package's types
  ctx.socket("PULL", { linger: "forever" });
}

const ctx = new Context();
async function round(endpoint: string): Promise<string> {
  const pull = ctx.socket("PULL");
  const bound: string = await pull.bind(endpoint);
  const push = ctx.socket("PUSH");
  push.connect(bound);
  const message: Message = ["hello", endpoint.slice(0, endpoint.indexOf(":"))];
  await push.send(message);
  const frames: Buffer[] = await pull.recv();
  push.close();
  pull.close();
  return frames.map(String).join(" ");
}
const tcp = await round("tcp://127.0.0.1:*");
const inproc = await round("inproc://typed-esm");
let code = "none";
try {
  z85.decode("not z85 (length)");
} catch (err) {
  code = err instanceof ZocketError ? err.code : "not a ZocketError";
}
await ctx.term();
console.log(`typed-esm: ${tcp}, ${inproc}, ${code}, from ${import.meta.resolve("zocket")}`);
