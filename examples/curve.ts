/**
 * CURVE security (RFC 26): every frame encrypted, both ends authenticated.
 *
 * Each side has a key pair (`curveKeyPair()`, 40-character Z85 strings). A
 * client must know the server's public key beforehand (`curveServerKey`):
 * talking to anyone else fails. The server learns each client's public key
 * during the handshake and, when a ZAP handler is bound at
 * inproc://zeromq.zap.01, asks it whether that key is welcome. Here the
 * handler knows one client key; a second client with a valid key pair of its
 * own is refused.
 *
 *   npm run build && node dist/examples/curve.js
 */
import { Context, curveKeyPair, z85 } from "zocket";

async function main(): Promise<void> {
  const ctx = new Context();
  const serverKeys = curveKeyPair();
  const trusted = curveKeyPair();
  const stranger = curveKeyPair();
  console.log(`server public key ${serverKeys.publicKey}`);

  // ZAP for CURVE: the credential is the client's 32-byte public key.
  const allowed = new Set([trusted.publicKey]);
  const zap = ctx.socket("REP");
  await zap.bind("inproc://zeromq.zap.01");
  const handling = (async () => {
    for await (const [version, requestId, , , , mechanism, clientKey] of zap) {
      const key = z85.encode(clientKey!);
      const ok = allowed.has(key);
      console.log(`zap: ${String(mechanism)} client ${key.slice(0, 8)}… → ${ok ? "200 welcome" : "400 unknown key"}`);
      await zap.send([version!, requestId!, ok ? "200" : "400", ok ? "OK" : "unknown key", ok ? key : "", ""]);
    }
    zap.close();
  })();

  // The server needs only its own secret key (the public one follows from it).
  const server = ctx.socket("REP", { curveServer: true, curveSecretKey: serverKeys.secretKey });
  const endpoint = await server.bind("tcp://127.0.0.1:*");
  const serving = (async () => {
    for await (const [question] of server) await server.send(`sealed reply to "${String(question)}"`);
    server.close();
  })();
  console.log(`server (CURVE) on ${endpoint}`);

  // A client needs the server's public key and a key pair of its own.
  const client = ctx.socket("REQ", {
    curveServerKey: serverKeys.publicKey,
    curvePublicKey: trusted.publicKey,
    curveSecretKey: trusted.secretKey,
  });
  client.connect(endpoint);
  await client.send("hello over CURVE");
  console.log(`trusted client got: ${String((await client.recv())[0])}`);

  // The stranger's handshake is refused by the ZAP handler.
  const other = ctx.socket("REQ", {
    curveServerKey: serverKeys.publicKey,
    curvePublicKey: stranger.publicKey,
    curveSecretKey: stranger.secretKey,
    linger: 0,
  });
  const refused = new Promise<string>((resolve) => {
    other.events.on("handshake:error", (e) => resolve(e.error?.message ?? "refused"));
  });
  other.connect(endpoint);
  console.log(`stranger was refused: ${await refused}`);
  other.close();
  client.close();

  await ctx.term(); // ends the loops of the ZAP handler and the server
  await Promise.all([handling, serving]);
  console.log("done: curve");
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
