/**
 * A Context for one test that remembers the sockets made through it, so the
 * afterEach hook can close what a failed test left open before `term()`:
 * otherwise term() waits (as zmq_ctx_term does) and every later test of the
 * suite is skipped behind a hook timeout.
 */
import { Context, type BaseSocket, type ContextOptions } from "../../src/index.js";

const made = new WeakMap<Context, BaseSocket[]>();

export function trackedContext(options?: ContextOptions): Context {
  const ctx = new Context(options);
  const sockets: BaseSocket[] = [];
  const socket = ctx.socket.bind(ctx);
  ctx.socket = (type, opts) => {
    const s = socket(type, opts);
    sockets.push(s);
    return s;
  };
  made.set(ctx, sockets);
  return ctx;
}

/** Closes every socket the test made (idempotent for those it closed) and terminates the context. */
export async function closeAndTerm(ctx: Context): Promise<void> {
  for (const s of made.get(ctx)?.splice(0) ?? []) s.close();
  await ctx.term();
}
