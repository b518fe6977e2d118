/**
 * Lazy Pirate (the Guide's lpclient/lpserver): reliable request-reply on the
 * client side alone.
 *
 * A REQ that sends a request to a server that dies is stuck: it may not send
 * again before it has a reply, and the reply will never come. The Lazy Pirate
 * client therefore waits for each reply with a timeout (`receiveTimeout`,
 * EAGAIN when it runs out), and on timeout throws its socket away (closed with
 * `linger: 0`, so the unanswered request goes with it), opens a new one and
 * sends the request again, up to RETRIES times before it gives up.
 *
 * The server here fails on purpose, at fixed points rather than at random so
 * the run always ends the same way: on its 3rd and 7th request it "crashes"
 * (drops the request, closes its socket) and restarts on the same address.
 *
 *   npm run build && node dist/examples/lazy-pirate.js
 */
import { Context, ZocketError } from "zocket";

const REQUESTS = 6;
const TIMEOUT_MS = 500; // how long the client waits for a reply before it retries
const RETRIES = 3; // attempts per request before the client gives up
const CRASH_ON = new Set([3, 7]); // the server crashes on these requests (counting every one it receives)

/**
 * The server: a REP that answers each request with itself, and crashes twice.
 * It first binds a free port, and binds that same port again after each crash.
 */
async function server(ctx: Context, bound: (endpoint: string) => void): Promise<number> {
  let endpoint = "tcp://127.0.0.1:*";
  let received = 0;
  let crashes = 0;
  for (;;) {
    const rep = ctx.socket("REP", { linger: 0 });
    endpoint = await rep.bind(endpoint);
    if (crashes === 0) bound(endpoint);
    let crashed = false;
    for await (const [request] of rep) {
      received++;
      if (CRASH_ON.has(received)) {
        console.log(`server: simulating a crash on request ${received} ("${String(request)}"); restarting`);
        crashed = true;
        break;
      }
      await rep.send(request!);
    }
    rep.close(); // releases the address at once, so the restarted server can bind it
    if (!crashed) return crashes; // the loop ended because the context is terminating
    crashes++;
  }
}

/** The client: sends REQUESTS numbered requests, each retried with a fresh socket on timeout. */
async function client(ctx: Context, endpoint: string): Promise<number> {
  const open = () => {
    const req = ctx.socket("REQ", { receiveTimeout: TIMEOUT_MS, linger: 0 });
    req.connect(endpoint);
    return req;
  };
  let req = open();
  let retries = 0;
  for (let seq = 1; seq <= REQUESTS; seq++) {
    for (let attempt = 1; ; attempt++) {
      await req.send(String(seq));
      try {
        const [reply] = await req.recv();
        if (Number(String(reply)) !== seq) throw new Error(`malformed reply ${String(reply)}`);
        console.log(`client: server replied OK (${seq})`);
        break;
      } catch (err) {
        if (!(err instanceof ZocketError) || err.code !== "EAGAIN") throw err;
        if (attempt === RETRIES) throw new Error(`server seems to be offline, abandoning request ${seq}`);
        console.log(`client: no response to ${seq} within ${TIMEOUT_MS} ms, retrying with a new socket`);
        retries++;
        req.close();
        req = open();
      }
    }
  }
  req.close();
  return retries;
}

async function main(): Promise<void> {
  const ctx = new Context();
  let serving!: Promise<number>;
  const endpoint = await new Promise<string>((resolve, reject) => {
    serving = server(ctx, resolve);
    serving.catch(reject);
  });
  console.log(`server address ${endpoint}`);
  const retries = await client(ctx, endpoint);
  await ctx.term(); // ends the server's loop
  const crashes = await serving;
  console.log(`client got all ${REQUESTS} replies after ${retries} retries; the server crashed ${crashes} times`);
  if (crashes !== CRASH_ON.size || retries < crashes) process.exitCode = 1;
  console.log("done: lazy-pirate");
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
