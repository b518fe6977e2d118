/**
 * The 64-byte ZMTP 3.x greeting (RFC 23 / RFC 37). We always send ours whole
 * and at once; the peer's is checked byte by byte as it arrives, so a peer
 * that speaks ZMTP 1.0/2.0 or plain garbage is refused as early as possible.
 */
export const GREETING_SIZE = 64;

export type MechanismName = "NULL" | "PLAIN" | "CURVE";

export interface PeerGreeting {
  major: number;
  minor: number;
  mechanism: string;
  asServer: boolean;
}

/** Our greeting: signature, version 3.1, mechanism, as-server flag. */
export function encodeGreeting(mechanism: MechanismName, asServer: boolean): Buffer {
  const g = Buffer.alloc(GREETING_SIZE);
  g[0] = 0xff;
  // Bytes 1-8 are padding; libzmq writes a length there (1 for an empty identity) and nobody checks it.
  g[8] = 0x01;
  g[9] = 0x7f;
  g[10] = 3;
  g[11] = 1;
  g.write(mechanism, 12, "latin1");
  g[32] = asServer ? 1 : 0;
  return g;
}

/**
 * Checks the leading bytes of a peer's greeting (any prefix of it). Returns
 * why the peer cannot be a ZMTP 3 peer, or null if nothing is wrong so far.
 */
export function checkGreetingPrefix(bytes: Uint8Array, length: number): string | null {
  if (length > 0 && bytes[0] !== 0xff) return "not a ZMTP peer (bad signature)";
  if (length > 9 && (bytes[9]! & 1) === 0) return "ZMTP 1.0 peer (not supported)";
  if (length > 10 && bytes[10]! < 3) return `ZMTP ${bytes[10]}.x peer (3.0 or later required)`;
  return null;
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
