// A strict TypeScript program in CommonJS mode (module: node16, no "type" in
// package.json): `import` compiles to require() and must find the CJS types.
import { Context, ZocketError, type Message } from "zocket";

async function round(ctx: Context, endpoint: string): Promise<string> {
  const pull = ctx.socket("PULL");
  const bound: string = await pull.bind(endpoint);
  const push = ctx.socket("PUSH", { sendHighWaterMark: 10 });
  push.connect(bound);
  const message: Message = ["hello", endpoint.slice(0, endpoint.indexOf(":"))];
  await push.send(message);
  const frames: Buffer[] = await pull.recv();
  push.close();
  pull.close();
  return frames.map(String).join(" ");
}

/** Never called: it only has to fail to compile where the package's types say so. */
export function mistakes(ctx: Context): void {
  // @ts-expect-error: an option's value is checked against the package's types
  ctx.socket("PUSH", { sendHighWaterMark: "lots" });
  // @ts-expect-error: so is the socket type
  ctx.socket("PUSHER");
}

async function main(): Promise<void> {
  const ctx = new Context();
  const tcp = await round(ctx, "tcp://127.0.0.1:*");
  const inproc = await round(ctx, "inproc://typed-cjs");
  let code = "none";
  try {
    ctx.socket("PUSH", { linger: -5 });
  } catch (err) {
    code = err instanceof ZocketError ? err.code : "not a ZocketError";
  }
  await ctx.term();
  console.log(`typed-cjs: ${tcp}, ${inproc}, ${code}, from ${require.resolve("zocket")}`);
}
void main();
