/**
 * Poly1305 against RFC 8439 (§2.5.2 and the edge cases of Appendix A.3,
 * which exercise the final reduction and carries) and NaCl's onetimeauth
 * vector; then against a BigInt reference on random keys and messages,
 * including all-ones blocks and the largest clamped r (fast-check, seeded).
 */
import { expect } from "chai";
import fc from "fast-check";
import { Poly1305, poly1305 } from "../../src/crypto/poly1305.js";
import { POLY1305 } from "./vectors.js";

const SEED = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : 20240611;
const SCALE = Number(process.env.FC_SCALE ?? 1);

/** Poly1305 as the RFC writes it, in BigInt: slow and obviously right. */
function reference(m: Uint8Array, key: Uint8Array): Buffer {
  const le = (b: Uint8Array) => BigInt("0x" + (Buffer.from(b).reverse().toString("hex") || "0"));
  const p = (1n << 130n) - 5n;
  const r = le(key.subarray(0, 16)) & 0x0ffffffc0ffffffc0ffffffc0fffffffn;
  const s = le(key.subarray(16, 32));
  let h = 0n;
  for (let i = 0; i < m.length; i += 16) {
    const block = m.subarray(i, Math.min(i + 16, m.length));
    h = ((h + le(block) + (1n << BigInt(8 * block.length))) * r) % p;
  }
  const tag = (h + s) & ((1n << 128n) - 1n);
  return Buffer.from(tag.toString(16).padStart(32, "0"), "hex").reverse();
}

describe("crypto: Poly1305", () => {
  for (const [name, key, msg, tag] of POLY1305) {
    it(`${name}`, () => {
      expect(Buffer.from(poly1305(msg, key)).toString("hex")).to.equal(tag.toString("hex"));
      expect(reference(msg, key).toString("hex")).to.equal(tag.toString("hex"));
    });
  }

  it("fed in two pieces split at every offset, the tag is the same", () => {
    for (const [name, key, msg, tag] of POLY1305) {
      for (let cut = 0; cut <= msg.length; cut++) {
        const out = new Uint8Array(16);
        new Poly1305().init(key).update(msg, 0, cut).update(msg, cut, msg.length - cut).finish(out, 0);
        expect(Buffer.from(out).toString("hex"), `${name} cut at ${cut}`).to.equal(tag.toString("hex"));
      }
    }
  });

  it("agrees with the BigInt reference on random keys and messages, extremes included", () => {
    const byte = fc.oneof(fc.constant(0), fc.constant(0xff), fc.integer({ min: 0, max: 255 }));
    const bytes = (max: number) => fc.array(byte, { maxLength: max }).map((a) => Uint8Array.from(a));
    fc.assert(
      fc.property(fc.array(byte, { minLength: 32, maxLength: 32 }).map((a) => Uint8Array.from(a)), bytes(300), (key, msg) => {
        expect(Buffer.from(poly1305(msg, key)).toString("hex")).to.equal(reference(msg, key).toString("hex"));
      }),
      { numRuns: Math.ceil(400 * SCALE), seed: SEED },
    );
  });

  it("the largest r and all-ones messages (the widest limbs) agree with the reference", () => {
    const key = Buffer.alloc(32, 0xff);
    for (const len of [16, 17, 64, 1000, 4096]) {
      const msg = Buffer.alloc(len, 0xff);
      expect(Buffer.from(poly1305(msg, key)).toString("hex"), `len ${len}`).to.equal(reference(msg, key).toString("hex"));
    }
  });
});
