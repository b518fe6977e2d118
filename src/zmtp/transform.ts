/**
 * After a handshake a mechanism may carry every frame in another form
 * (CURVE, RFC 26: each frame sealed in a MESSAGE). The engine installs the
 * mechanism's transform in its encoder and decoder once the handshake is
 * done; NULL and PLAIN have none and their frames go as they are.
 */

/** Where a transform writes a sealed frame: the encoder's room for one frame. */
export interface FrameWriter {
  /**
   * Writes the header of a frame of `n` body bytes with `flags` and returns
   * the buffer its body goes into, at offset `at`.
   */
  reserve(flags: number, n: number): Buffer;
  /** Where, in the buffer reserve() returned, the body starts. */
  readonly at: number;
}

export interface FrameTransform {
  /** How many bytes a sealed frame's body has beyond the frame it carries (size limits allow for them). */
  readonly overhead: number;
  /** Writes the frame `body` with ZMTP `flags` (MORE, COMMAND), sealed, through `out`. */
  seal(out: FrameWriter, body: Buffer, flags: number): void;
  /**
   * Opens a received frame (its body, its wire flags): the frame it carries,
   * whose ZMTP flags are then in `flags`; null if it is not authentic, out of
   * order or malformed (the reason is in `error`), which ends the connection.
   */
  open(body: Buffer, wireFlags: number): Buffer | null;
  readonly flags: number;
  readonly error: string;
}
