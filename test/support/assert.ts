import { expect } from "chai";
import { inspect } from "node:util";
import { ZocketError } from "../../src/index.js";

/** Checks that `err` (caught from a zocket call) is a ZocketError of `code`; any other error fails the test. */
export function expectCode(err: unknown, code: string): void {
  if (!(err instanceof ZocketError)) throw err;
  expect(err.code, err.message).to.equal(code);
}

/** Awaits `p` and checks that it rejected with a ZocketError of `code`. */
export async function rejects(p: Promise<unknown>, code: string): Promise<void> {
  let value: unknown;
  try {
    value = await p;
  } catch (err) {
    expectCode(err, code);
    return;
  }
  expect.fail(`expected ${code}, but it resolved with ${inspect(value)}`);
}

/**
 * Awaits `p` and checks that it rejected with an error whose `code` is `code`,
 * whichever library threw it (zocket's ZocketError or zeromq.js's errors, for
 * peers that may be either).
 */
export async function rejectsWithCode(p: Promise<unknown>, code: string): Promise<void> {
  let value: unknown;
  try {
    value = await p;
  } catch (err) {
    if (!(err instanceof Error)) throw err;
    expect((err as Error & { code?: unknown }).code, err.message).to.equal(code);
    return;
  }
  expect.fail(`expected ${code}, but it resolved with ${inspect(value)}`);
}
