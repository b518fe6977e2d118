/**
 * Salsa20, HSalsa20 and XSalsa20 against NaCl's published vectors
 * (libsodium test/default core1-6, stream.c).
 */
import { expect } from "chai";
import { createHash } from "node:crypto";
import { hsalsa20, salsa20Core, SalsaStream, xsalsa20Xor } from "../../src/crypto/salsa20.js";
import { HSALSA20, NACL, SALSA20_CORE } from "./vectors.js";

const SIGMA = Buffer.from("expand 32-byte k", "latin1");

/** NaCl's crypto_core_salsa20(out, in, k, c) in terms of the exported core. */
function coreSalsa20(input: Uint8Array, key: Uint8Array): Buffer {
  const s = new Uint32Array(16);
  const words = (b: Uint8Array, at: number) => Buffer.from(b).readUInt32LE(at);
  for (let i = 0; i < 4; i++) {
    s[[0, 5, 10, 15][i]!] = words(SIGMA, 4 * i);
    s[1 + i] = words(key, 4 * i);
    s[11 + i] = words(key, 16 + 4 * i);
    s[6 + i] = words(input, 4 * i);
  }
  const out = new Uint32Array(16);
  salsa20Core(out, s);
  const b = Buffer.alloc(64);
  out.forEach((w, i) => b.writeUInt32LE(w, 4 * i));
  return b;
}

describe("crypto: Salsa20 family", () => {
  it("the Salsa20 core gives core4's output", () => {
    expect(coreSalsa20(SALSA20_CORE.input, SALSA20_CORE.key).toString("hex")).to.equal(SALSA20_CORE.output.toString("hex"));
  });

  it("HSalsa20 gives core5's output, and core6's (the Salsa20 core minus its input)", () => {
    const out = Buffer.alloc(32);
    hsalsa20(out, 0, HSALSA20.key, 0, HSALSA20.input, 0);
    expect(out.toString("hex")).to.equal(HSALSA20.output.toString("hex"));
    // core6: the same words from the Salsa20 core, the feed-forward subtracted.
    const full = coreSalsa20(HSALSA20.input, HSALSA20.key);
    const sub = (at: number, v: Uint8Array, vAt: number) => (full.readUInt32LE(at) - Buffer.from(v).readUInt32LE(vAt)) >>> 0;
    const words = [sub(0, SIGMA, 0), sub(20, SIGMA, 4), sub(40, SIGMA, 8), sub(60, SIGMA, 12), sub(24, HSALSA20.input, 0), sub(28, HSALSA20.input, 4), sub(32, HSALSA20.input, 8), sub(36, HSALSA20.input, 12)];
    const b = Buffer.alloc(32);
    words.forEach((w, i) => b.writeUInt32LE(w, 4 * i));
    expect(b.toString("hex")).to.equal(HSALSA20.output.toString("hex"));
  });

  it("HSalsa20 chains Alice and Bob's shared secret to NaCl's firstkey (core1) and secondkey (core2)", () => {
    const first = Buffer.alloc(32);
    hsalsa20(first, 0, NACL.shared, 0, new Uint8Array(16), 0);
    expect(first.toString("hex")).to.equal(NACL.firstKey.toString("hex"));
    const second = Buffer.alloc(32);
    hsalsa20(second, 0, NACL.firstKey, 0, NACL.nonce, 0);
    expect(second.toString("hex")).to.equal(NACL.secondKey.toString("hex"));
  });

  it("XSalsa20: 4 MiB of keystream hash to stream.c's SHA-256; its first 32 bytes are onetimeauth.c's key", () => {
    const zeros = new Uint8Array(4 * 1024 * 1024);
    const out = new Uint8Array(zeros.length);
    xsalsa20Xor(NACL.firstKey, NACL.nonce, zeros, out);
    expect(createHash("sha256").update(out).digest("hex")).to.equal(NACL.stream4MiBSha256);
    expect(Buffer.from(out.subarray(0, 32)).toString("hex")).to.equal(NACL.streamPrefix.toString("hex"));
  });

  it("Salsa20 under secondkey is the same stream (core3), and the 64-bit counter carries into its high word (stream.c)", () => {
    const s = new SalsaStream();
    s.setKey(NACL.secondKey);
    s.setNonce(NACL.nonce, 16);
    const out = new Uint8Array(192);
    s.xor(new Uint8Array(192), 0, out, 0, 192, (2 ** 32 - 1) * 64);
    expect(Buffer.from(out).toString("hex")).to.equal(NACL.streamAtWrap.toString("hex"));
    const head = new Uint8Array(32);
    s.xor(new Uint8Array(32), 0, head, 0, 32, 0);
    expect(Buffer.from(head).toString("hex")).to.equal(NACL.streamPrefix.toString("hex"));
  });

  it("reading the keystream in pieces of any size gives the same bytes as in one go", () => {
    const whole = new Uint8Array(700);
    xsalsa20Xor(NACL.firstKey, NACL.nonce, new Uint8Array(700), whole);
    for (const step of [1, 3, 16, 31, 63, 64, 65, 129]) {
      const s = new SalsaStream();
      s.setKey(NACL.secondKey);
      s.setNonce(NACL.nonce, 16);
      const out = new Uint8Array(700);
      for (let pos = 0; pos < 700; pos += step) s.xor(out, pos, out, pos, Math.min(step, 700 - pos), pos);
      expect(Buffer.from(out).equals(Buffer.from(whole)), `step ${step}`).to.equal(true);
    }
  });
});
