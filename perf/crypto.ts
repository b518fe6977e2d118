/**
 * `node dist/perf/crypto.js`: speed of the crypto layer on the shapes CURVE
 * uses: one MESSAGE box (flags byte + body) sealed and opened with a
 * connection's SecretBox, for 16-byte and 64 KiB bodies; the parts
 * (Salsa20 keystream, Poly1305) alone; and the X25519 steps of a handshake.
 */
import { boxBeforenm, transientKeyPair, privateKey, boxKeyPair } from "../src/crypto/box.js";
import { Poly1305 } from "../src/crypto/poly1305.js";
import { SalsaStream } from "../src/crypto/salsa20.js";
import { SecretBox } from "../src/crypto/secretbox.js";

/** Best of five rounds (other processes on the machine only ever slow a round down). */
function measure(name: string, bytesPerOp: number, op: () => void, roundMs = 150): void {
  for (let i = 0; i < 200; i++) op(); // warm up
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    let ops = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0;
    while (elapsed < roundMs) {
      for (let i = 0; i < 16; i++) op();
      ops += 16;
      elapsed = Number(process.hrtime.bigint() - start) / 1e6;
    }
    best = Math.min(best, (elapsed * 1000) / ops);
  }
  const mbs = bytesPerOp > 0 ? `${(bytesPerOp / best).toFixed(1)} MB/s, ` : "";
  console.log(`${name.padEnd(44)} ${mbs}${(1e6 / best).toFixed(0)} ops/s, ${best.toFixed(2)} µs/op`);
}

const key = new Uint8Array(32).fill(7);
const prefix = Buffer.from("CurveZMQMESSAGEC", "latin1");
const sb = new SecretBox(key, prefix);
const nonce = Buffer.alloc(8);
for (const size of [16, 1024, 65536]) {
  const body = Buffer.alloc(size, 0x61);
  const out = Buffer.alloc(16 + 1 + size);
  let n = 0;
  measure(`seal ${size} B (flags + body)`, size, () => {
    nonce.writeUInt32BE(++n, 4);
    sb.seal(nonce, 0, 0, body, 0, size, out, 0);
  });
  const sealed = Buffer.from(out);
  const work = Buffer.alloc(sealed.length);
  measure(`open ${size} B (verify + decrypt in place)`, size, () => {
    sealed.copy(work);
    if (!sb.open(nonce, 0, work, 0, work.length, work, 16)) throw new Error("open failed");
  });
}
const big = Buffer.alloc(65536);
const s = new SalsaStream();
s.setKey(key);
s.setNonce(nonce, 0);
measure("Salsa20 keystream XOR 64 KiB", 65536, () => s.xor(big, 0, big, 0, 65536, 0));
const p = new Poly1305();
const tag = new Uint8Array(16);
measure("Poly1305 64 KiB", 65536, () => p.init(key).update(big, 0, 65536).finish(tag, 0));
measure("Poly1305 16 B", 16, () => p.init(key).update(big, 0, 16).finish(tag, 0));
const peer = boxKeyPair();
const mine = boxKeyPair();
const mineKey = privateKey(mine.secretKey);
measure("X25519 key pair (transient)", 0, () => transientKeyPair(), 100);
measure("import a raw secret key", 0, () => privateKey(mine.secretKey), 100);
measure("beforenm (X25519 + HSalsa20), key object", 0, () => boxBeforenm(peer.publicKey, mineKey), 100);
