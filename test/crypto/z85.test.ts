/**
 * Z85 (RFC 32): the RFC's example, the CurveZMQ test keys (RFC 26 /
 * zmq_curve(7)), malformed input (EINVAL), and the round trip on random bytes.
 */
import { expect } from "chai";
import fc from "fast-check";
import { z85 } from "../../src/z85.js";
import { publicKeyOf } from "../../src/crypto/box.js";
import { expectCode } from "../support/assert.js";
import { Z85 } from "./vectors.js";

const SEED = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : 20240611;

function throwsEinval(f: () => unknown): void {
  try {
    f();
  } catch (err) {
    expectCode(err, "EINVAL");
    return;
  }
  expect.fail("expected EINVAL");
}

describe("z85", () => {
  it("RFC 32: 86 4F D2 6F B5 59 F7 5B is HelloWorld, both ways", () => {
    expect(z85.encode(Z85.helloWorld.bytes)).to.equal("HelloWorld");
    expect(z85.decode("HelloWorld").toString("hex")).to.equal(Z85.helloWorld.bytes.toString("hex"));
  });

  it("the CurveZMQ test keys, and each public key derived from its secret key", () => {
    for (const k of [Z85.clientPublic, Z85.clientSecret, Z85.serverPublic, Z85.serverSecret]) {
      expect(z85.encode(k.bytes)).to.equal(k.text);
      expect(z85.decode(k.text).equals(k.bytes)).to.equal(true);
    }
    expect(publicKeyOf(Z85.clientSecret.bytes).equals(Z85.clientPublic.bytes)).to.equal(true);
    expect(publicKeyOf(Z85.serverSecret.bytes).equals(Z85.serverPublic.bytes)).to.equal(true);
  });

  it("EINVAL for a bad length, a character outside the alphabet, a group ≥ 2^32, or a wrong type", () => {
    throwsEinval(() => z85.encode(Buffer.alloc(3)));
    throwsEinval(() => z85.decode("Hello"+"W"));
    throwsEinval(() => z85.decode("Hello World"));
    throwsEinval(() => z85.decode("Hell~"));
    throwsEinval(() => z85.decode("Hell\u00e9"));
    throwsEinval(() => z85.decode("#####")); // 84·(85^4+85^3+85^2+85+1) > 2^32 − 1
    throwsEinval(() => z85.decode(42 as unknown as string));
    throwsEinval(() => z85.encode("abcd" as unknown as Uint8Array));
    expect(z85.encode(new Uint8Array(0))).to.equal("");
    expect(z85.decode("").length).to.equal(0);
    expect(z85.encode(new Uint8Array([0xff, 0xff, 0xff, 0xff]))).to.equal("%nSc0");
  });

  it("decode(encode(b)) = b for random byte strings", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }).map((a) => a.subarray(0, a.length - (a.length % 4))), (b) => {
        expect(z85.decode(z85.encode(b)).equals(Buffer.from(b))).to.equal(true);
      }),
      { numRuns: 300, seed: SEED },
    );
  });
});
