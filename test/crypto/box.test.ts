/**
 * secretbox and box against NaCl's Alice/Bob vectors (box.c, box2.c,
 * secretbox.c, scalarmult.c), then properties (fast-check, seeded): what is
 * sealed opens to itself, and any flipped bit, truncation or wrong key or
 * nonce makes open fail.
 */
import { expect } from "chai";
import fc from "fast-check";
import { box, boxBeforenm, boxKeyPair, boxOpen, publicKeyOf, privateKey } from "../../src/crypto/box.js";
import { SecretBox, secretbox, secretboxOpen } from "../../src/crypto/secretbox.js";
import { equalBytes, sameBytes } from "../../src/crypto/verify.js";
import { expectCode } from "../support/assert.js";
import { NACL } from "./vectors.js";

const SEED = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : 20240611;
const SCALE = Number(process.env.FC_SCALE ?? 1);
const h = (b: Uint8Array | null) => (b === null ? "null" : Buffer.from(b).toString("hex"));

describe("crypto: box and secretbox", () => {
  it("X25519: Alice's and Bob's public keys and their shared key (scalarmult.c)", () => {
    expect(h(publicKeyOf(NACL.aliceSecret))).to.equal(h(NACL.alicePublic));
    expect(h(publicKeyOf(NACL.bobSecret))).to.equal(h(NACL.bobPublic));
    // beforenm = HSalsa20(X25519 shared secret): NaCl's firstkey, from either side.
    expect(h(boxBeforenm(NACL.bobPublic, NACL.aliceSecret))).to.equal(h(NACL.firstKey));
    expect(h(boxBeforenm(NACL.alicePublic, privateKey(NACL.bobSecret)))).to.equal(h(NACL.firstKey));
  });

  it("secretbox under firstkey gives secretbox.c's box, and opens it", () => {
    expect(h(secretbox(NACL.message, NACL.nonce, NACL.firstKey))).to.equal(h(NACL.box));
    expect(h(secretboxOpen(NACL.box, NACL.nonce, NACL.firstKey))).to.equal(h(NACL.message));
  });

  it("box from Alice to Bob gives box.c's box; Bob opens it (box2.c)", () => {
    expect(h(box(NACL.message, NACL.nonce, NACL.bobPublic, NACL.aliceSecret))).to.equal(h(NACL.box));
    expect(h(boxOpen(NACL.box, NACL.nonce, NACL.alicePublic, NACL.bobSecret))).to.equal(h(NACL.message));
  });

  it("a low-order public key is refused (box.c's small_order_p)", () => {
    expect(boxBeforenm(NACL.smallOrder, NACL.aliceSecret)).to.equal(null);
    expect(boxBeforenm(new Uint8Array(32), NACL.aliceSecret)).to.equal(null);
    expect(boxOpen(NACL.box, NACL.nonce, NACL.smallOrder, NACL.bobSecret)).to.equal(null);
    try {
      box(NACL.message, NACL.nonce, NACL.smallOrder, NACL.aliceSecret);
      expect.fail("box with a low-order key");
    } catch (err) {
      expectCode(err, "EINVAL");
    }
  });

  it("fresh key pairs agree with each other", () => {
    const a = boxKeyPair();
    const b = boxKeyPair();
    expect(h(publicKeyOf(a.secretKey))).to.equal(h(a.publicKey));
    expect(h(boxBeforenm(b.publicKey, a.secretKey))).to.equal(h(boxBeforenm(a.publicKey, b.secretKey)));
  });

  it("SecretBox with a head byte seals [head, ...body] exactly as secretbox does, and opens in place", () => {
    const body = NACL.message.subarray(1);
    const head = NACL.message[0]!;
    const sb = new SecretBox(NACL.firstKey, NACL.nonce, 0);
    const out = Buffer.alloc(16 + 1 + body.length);
    sb.seal(NACL.nonce, 16, head, body, 0, body.length, out, 0);
    expect(h(out)).to.equal(h(NACL.box));
    expect(sb.open(NACL.nonce, 16, out, 0, out.length, out, 16)).to.equal(true);
    expect(h(out.subarray(16))).to.equal(h(NACL.message));
  });

  it("the comparisons: equal and unequal bytes", () => {
    expect(equalBytes(Buffer.from("abcd"), 1, Buffer.from("xbc"), 1, 2)).to.equal(true);
    expect(equalBytes(Buffer.from("abcd"), 0, Buffer.from("abce"), 0, 4)).to.equal(false);
    expect(sameBytes(Buffer.from("ab"), Buffer.from("abc"))).to.equal(false);
  });

  describe("properties", () => {
    const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
    const params = (n: number) => ({ numRuns: Math.ceil(n * SCALE), seed: SEED });

    it("open(seal(m)) = m for any message, key and nonce", () => {
      fc.assert(
        fc.property(bytes(0, 600), bytes(32, 32), bytes(24, 24), (m, key, nonce) => {
          expect(h(secretboxOpen(secretbox(m, nonce, key), nonce, key))).to.equal(h(m));
        }),
        params(300),
      );
    });

    it("any flipped bit, any truncation, another key or another nonce: open fails", () => {
      fc.assert(
        fc.property(bytes(0, 200), bytes(32, 32), bytes(24, 24), fc.nat(), fc.nat(), (m, key, nonce, at, bit) => {
          const sealed = secretbox(m, nonce, key);
          const flipped = Uint8Array.from(sealed);
          flipped[at % flipped.length]! ^= 1 << (bit % 8);
          expect(secretboxOpen(flipped, nonce, key)).to.equal(null);
          expect(secretboxOpen(sealed.subarray(0, at % sealed.length), nonce, key)).to.equal(null);
          const otherKey = Uint8Array.from(key);
          otherKey[at % 32]! ^= 1 << (bit % 8);
          expect(secretboxOpen(sealed, nonce, otherKey)).to.equal(null);
          const otherNonce = Uint8Array.from(nonce);
          otherNonce[at % 24]! ^= 1 << (bit % 8);
          expect(secretboxOpen(sealed, otherNonce, key)).to.equal(null);
        }),
        params(300),
      );
    });

    it("a box between fresh key pairs opens for the other side only", () => {
      const a = boxKeyPair();
      const b = boxKeyPair();
      const c = boxKeyPair();
      fc.assert(
        fc.property(bytes(0, 100), bytes(24, 24), (m, nonce) => {
          const sealed = box(m, nonce, b.publicKey, a.secretKey);
          expect(h(boxOpen(sealed, nonce, a.publicKey, b.secretKey))).to.equal(h(m));
          expect(boxOpen(sealed, nonce, a.publicKey, c.secretKey)).to.equal(null);
        }),
        params(30),
      );
    });
  });
});
