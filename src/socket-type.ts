/**
 * Socket type names and which types may talk to each other (RFC 28-31;
 * libzmq's mechanism_t::check_socket_type). A neutral module: the pipe, the
 * socket types and the ZMTP engine all import it, and it imports nothing.
 */
export type SocketTypeName =
  | "PAIR" | "PUB" | "SUB" | "XPUB" | "XSUB" | "REQ" | "REP" | "DEALER" | "ROUTER" | "PUSH" | "PULL";

const PEERS: Record<SocketTypeName, readonly SocketTypeName[]> = {
  PAIR: ["PAIR"],
  PUB: ["SUB", "XSUB"],
  XPUB: ["SUB", "XSUB"],
  SUB: ["PUB", "XPUB"],
  XSUB: ["PUB", "XPUB"],
  REQ: ["REP", "ROUTER"],
  REP: ["REQ", "DEALER"],
  DEALER: ["REP", "DEALER", "ROUTER"],
  ROUTER: ["REQ", "DEALER", "ROUTER"],
  PUSH: ["PULL"],
  PULL: ["PUSH"],
};

export function isSocketType(name: unknown): name is SocketTypeName {
  return typeof name === "string" && Object.prototype.hasOwnProperty.call(PEERS, name);
}

export function isCompatible(ours: SocketTypeName, theirs: SocketTypeName): boolean {
  return PEERS[ours].includes(theirs);
}

/** A type `ours` can talk to, for a peer that never says its own (ZMTP 1.0). */
export function assumedPeer(ours: SocketTypeName): SocketTypeName {
  return PEERS[ours][0]!;
}
