/**
 * Socket type names and which types may talk to each other (RFC 28-31;
 * libzmq's mechanism_t::check_socket_type). A neutral module: the pipe, the
 * socket types and the ZMTP engine all import it, and it imports nothing.
 */
/** A socket type, as libzmq names them (`ZMQ_PUSH` is `"PUSH"`). */
export type SocketType =
  | "PAIR" | "PUB" | "SUB" | "XPUB" | "XSUB" | "REQ" | "REP" | "DEALER" | "ROUTER" | "PUSH" | "PULL";

/** The internal modules' name for {@link SocketType}. */
export type SocketTypeName = SocketType;

const PEERS: Record<SocketType, readonly SocketType[]> = {
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

export function isSocketType(name: unknown): name is SocketType {
  return typeof name === "string" && Object.prototype.hasOwnProperty.call(PEERS, name);
}

export function isCompatible(ours: SocketType, theirs: SocketType): boolean {
  return PEERS[ours].includes(theirs);
}

/** A type `ours` can talk to, for a peer that never says its own (ZMTP 1.0). */
export function assumedPeer(ours: SocketTypeName): SocketTypeName {
  return PEERS[ours][0]!;
}
