import { expect } from "chai";
import { ZocketError } from "../../src/index.js";

/** Awaits `p` and checks that it rejected with a ZocketError of `code`. */
export async function rejects(p: Promise<unknown>, code: string): Promise<void> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(ZocketError);
    expect((err as ZocketError).code).to.equal(code);
    return;
  }
  expect.fail(`expected ${code}`);
}
