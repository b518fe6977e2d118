/**
 * Writing to a session's stream and closing it. Reading is stream-reader.ts.
 */
import type net from "node:net";

/** The longest a closed socket's stream may take to hand its last bytes to the kernel. */
const MAX_CLOSE_GRACE = 30_000;

/** One write for one buffer; several go out together as one writev. */
export function writeAll(stream: net.Socket, buffers: Buffer[]): void {
  if (stream.destroyed) return;
  if (buffers.length === 1) {
    stream.write(buffers[0]!);
    return;
  }
  stream.cork();
  for (const b of buffers) stream.write(b);
  stream.uncork();
}

/**
 * Lets what is already written reach the peer, and the peer read it, before
 * the connection goes: we half-close and wait for the peer to close its side.
 * Closing outright can cost the peer what it had not read yet (libzmq over
 * ipc drops unread bytes when it sees the hang-up while its pipe is full).
 * Never waits forever: a peer that stops reading or never closes would hold
 * the stream, and the process, so the wait is the socket's linger (capped),
 * none for linger 0. The stream holds the event loop while it closes, so a
 * process that ends after term() still delivers what linger allows.
 * `stopInput` is called when reading goes on only to see the peer's close.
 */
export function closeGracefully(stream: net.Socket, linger: number, stopInput: () => void): void {
  const grace = linger < 0 ? MAX_CLOSE_GRACE : Math.min(linger, MAX_CLOSE_GRACE);
  if (grace === 0 || stream.destroyed) {
    stream.destroy();
    return;
  }
  const t = setTimeout(() => stream.destroy(), grace);
  t.unref();
  stream.once("close", () => clearTimeout(t));
  // Nothing more is read for the socket, but reading goes on (even if input
  // was held): the peer's close is seen, and no unread bytes are left to turn
  // our close into a reset (which can cost the peer what we sent it). A
  // stream read in onread mode keeps feeding the stopped engine, which
  // discards; one read by `data` events gets a listener that does.
  stopInput();
  stream.removeAllListeners("data");
  stream.on("data", () => {});
  stream.resume();
  stream.ref();
  stream.end();
}
