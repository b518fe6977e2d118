/**
 * PLAIN authentication (RFC 24) checked by a ZAP handler (RFC 27).
 *
 * A server socket with `plainServer: true` asks the ZAP handler about every
 * client that connects: the handler is any socket bound at
 * inproc://zeromq.zap.01 in the same context, answering each request with a
 * status code (200 = welcome, 400 = refused). Here it knows one user; a client
 * with the right password gets its answers, one with a wrong password is
 * refused during the handshake and sees a `handshake:error` event.
 *
 * PLAIN sends the password in clear text: use it on trusted networks, or use
 * CURVE (see curve.ts), which encrypts.
 *
 *   npm run build && node dist/examples/plain-zap.js
 */
import { Context } from "zocket";

const USERS = new Map([["admin", "secret"]]);

async function main(): Promise<void> {
  const ctx = new Context();

  // The ZAP handler. A request has these frames (RFC 27): version, request id,
  // domain, peer address, routing id, mechanism, then the credentials (for
  // PLAIN: user name and password). The reply: version, request id, status
  // code, status text, user id, metadata.
  const zap = ctx.socket("REP");
  await zap.bind("inproc://zeromq.zap.01");
  const handling = (async () => {
    for await (const [version, requestId, domain, address, , mechanism, user, password] of zap) {
      const ok = USERS.get(String(user)) === String(password);
      console.log(`zap: ${String(mechanism)} user "${String(user)}" from ${String(address)} in domain "${String(domain)}" → ${ok ? "200 welcome" : "400 refused"}`);
      await zap.send([version!, requestId!, ok ? "200" : "400", ok ? "OK" : "bad user name or password", ok ? String(user) : "", ""]);
    }
    zap.close();
  })();

  const server = ctx.socket("REP", { plainServer: true, zapDomain: "example" });
  const endpoint = await server.bind("tcp://127.0.0.1:*");
  const serving = (async () => {
    for await (const [question] of server) await server.send(`hello ${String(question)}, you are in`);
    server.close();
  })();
  console.log(`server (PLAIN) on ${endpoint}`);

  // The allowed client: its request goes through once the handshake is done.
  const alice = ctx.socket("REQ", { plainUsername: "admin", plainPassword: "secret" });
  alice.connect(endpoint);
  await alice.send("admin");
  console.log(`admin got: "${String((await alice.recv())[0])}"`);

  // The refused client: the handshake fails, so nothing it sends would ever
  // be delivered; its monitor says why. (It would keep reconnecting and being
  // refused, so it is closed with linger 0, dropping its request.)
  const mallory = ctx.socket("REQ", { plainUsername: "mallory", plainPassword: "guess", linger: 0 });
  const refused = new Promise<string>((resolve) => {
    mallory.events.on("handshake:error", (e) => resolve(e.error?.message ?? "refused"));
  });
  mallory.connect(endpoint);
  await mallory.send("mallory"); // queued: it waits for a peer that never accepts it
  console.log(`mallory was refused: ${await refused}`);
  mallory.close();
  alice.close();

  await ctx.term(); // ends the ZAP handler's and the server's loops
  await Promise.all([handling, serving]);
  console.log("done: plain-zap");
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
