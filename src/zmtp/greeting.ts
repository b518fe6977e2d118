/**
 * The 64-byte ZMTP 3.x greeting (RFC 23 / RFC 37). It goes out in steps
 * (version.ts says when); the peer's is read as its bytes arrive.
 */
export const GREETING_SIZE = 64;

export type MechanismName = "NULL" | "PLAIN" | "CURVE";

export interface PeerGreeting {
  major: number;
  minor: number;
  mechanism: string;
  asServer: boolean;
}

/**
 * Our greeting: signature, version 3.1, mechanism, as-server flag. Bytes 1-8
 * are padding to a 2.0/3.x peer (nobody checks them); as libzmq does, they
 * hold our identity's size + 1, which a ZMTP 1.0 peer reads as the size of our
 * identity message (its flags byte being the 0x7F that ends the signature).
 */
export function encodeGreeting(mechanism: MechanismName, asServer: boolean, identitySize = 0): Buffer {
  const g = Buffer.alloc(GREETING_SIZE);
  g[0] = 0xff;
  g.writeBigUInt64BE(BigInt(identitySize + 1), 1);
  g[9] = 0x7f;
  g[10] = 3;
  g[11] = 1;
  g.write(mechanism, 12, "latin1");
  g[32] = asServer ? 1 : 0;
  return g;
}

/** Parses a whole greeting whose prefix has already been checked. */
export function parseGreeting(g: Uint8Array): PeerGreeting {
  // The whole 20-byte field counts (as libzmq compares it): only trailing zeros are padding.
  let end = 32;
  while (end > 12 && g[end - 1] === 0) end--;
  return {
    major: g[10]!,
    // A peer newer than 3.x speaks at least 3.1 to us.
    minor: g[10]! > 3 ? 1 : g[11]!,
    mechanism: Buffer.from(g.buffer, g.byteOffset + 12, end - 12).toString("latin1"),
    asServer: g[32] === 1,
  };
}
