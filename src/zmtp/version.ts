/**
 * Which ZMTP the peer speaks, found out as libzmq 4.3 does (zmtp_engine.cpp,
 * receive_greeting): the greeting goes out in three steps, each sent once the
 * peer's bytes have shown that the next one is safe:
 *
 * 1. at once, the 10-byte signature (0xFF, 8-byte length, 0x7F). A ZMTP 1.0
 *    peer (RFC 13) reads it as the header of our identity message (length =
 *    identity + 1, then a flags byte), so it must not be followed by anything
 *    but the identity's body until we know the peer is versioned;
 * 2. after the peer's signature: our major version (3);
 * 3. after the peer's revision byte: for revision 0 or 1 our socket-type byte
 *    (the rest of a ZMTP 2.0 greeting, RFC 15), else the rest of the 3.x
 *    greeting (minor, mechanism, as-server, filler).
 *
 * libzmq sends the same way, so neither side ever waits on bytes the other
 * holds back. A peer whose first byte is not 0xFF, or whose byte 9 lacks
 * bit 0, is a 1.0 peer: its bytes so far are its identity message.
 */
import type { SocketTypeName } from "../socket-type.js";
import { encodeGreeting, type MechanismName } from "./greeting.js";

/** The signature is the first 10 bytes of every versioned greeting. */
export const SIGNATURE_SIZE = 10;
/** Where the revision (major version) byte is. */
export const REVISION_AT = 10;
/** A ZMTP 2.0 (and revision 0) greeting: signature, revision, socket type. */
export const OLD_GREETING_SIZE = 12;

/** What the peer speaks. "3.0" and "3.1" cover every 3.x (and later) peer. */
export type ProtocolVersion = "1.0" | "2.0" | "3.0" | "3.1";

/** Socket types as numbers on the wire of ZMTP 2.0 (RFC 15; the ZMQ_* values). */
const TYPE_NUMBERS: Record<SocketTypeName, number> = {
  PAIR: 0, PUB: 1, SUB: 2, REQ: 3, REP: 4, DEALER: 5, ROUTER: 6, PULL: 7, PUSH: 8, XPUB: 9, XSUB: 10,
};
const TYPE_NAMES = new Map<number, SocketTypeName>(
  (Object.entries(TYPE_NUMBERS) as [SocketTypeName, number][]).map(([name, n]) => [n, name]),
);

export function socketTypeNumber(type: SocketTypeName): number {
  return TYPE_NUMBERS[type];
}

/** The socket type a 2.0 peer announced, or null for a number no socket type has. */
export function socketTypeOf(n: number): SocketTypeName | null {
  return TYPE_NAMES.get(n) ?? null;
}

/**
 * What the first bytes say, as far as they go: "1.0" (unversioned), "need"
 * (not enough yet), or "versioned" (the signature of a 2.0 or later peer).
 */
export function readSignature(first: number, length: number, byte9: number): "1.0" | "need" | "versioned" {
  if (length === 0) return "need";
  if (first !== 0xff) return "1.0";
  if (length < SIGNATURE_SIZE) return "need";
  return (byte9 & 1) === 0 ? "1.0" : "versioned";
}

/** Revisions 0 and 1 send a 12-byte greeting; anything later the 64-byte 3.x one (libzmq treats 2 as 3.x too). */
export function isOldRevision(revision: number): boolean {
  return revision < 2;
}

/**
 * The greeting we send, cut into the three steps above. Bytes 1-8 carry our
 * identity's length + 1, which a 1.0 peer reads as our identity message's size.
 */
export class GreetingSteps {
  private readonly whole: Buffer;

  constructor(mechanism: MechanismName, asServer: boolean, identitySize: number) {
    this.whole = encodeGreeting(mechanism, asServer, identitySize);
  }

  signature(): Buffer {
    return this.whole.subarray(0, SIGNATURE_SIZE);
  }

  major(): Buffer {
    return this.whole.subarray(SIGNATURE_SIZE, SIGNATURE_SIZE + 1);
  }

  /** The rest of the 3.x greeting, after the major version. */
  rest(): Buffer {
    return this.whole.subarray(SIGNATURE_SIZE + 1);
  }
}
