/**
 * Security mechanisms run the handshake after the greeting (RFC 23 §
 * "Authentication and Confidentiality"). Each is a small state machine fed
 * one command at a time; it talks to its connection through MechanismHost.
 */
import type { FailureKind } from "./decoder.js";
import type { FrameTransform } from "./transform.js";
import { encodeCommand, parseError, parseMetadata, type Metadata } from "./commands.js";

export interface ZapRequest {
  mechanism: string;
  credentials: Buffer[];
}

export interface ZapReply {
  statusCode: string;
  statusText: string;
  userId: string;
  /** Set when no handler is bound at all (a CURVE server then admits the client, as libzmq does). */
  unbound?: true;
}

export interface MechanismHost {
  /** Writes a command frame now. */
  sendCommand(frame: Buffer): void;
  /** Our READY/INITIATE properties (Socket-Type, Identity). */
  metadata(): Buffer;
  /**
   * The handshake is done; the peer's properties. A mechanism that seals
   * frames (CURVE) hands over the transform that does it.
   */
  established(props: Metadata, userId: string, transform?: FrameTransform | null): void;
  failed(kind: FailureKind, reason: string): void;
  /** Stop/restart handing us commands (while an async ZAP request is out). */
  pause(): void;
  resume(): void;
  /** False once the connection is gone (async replies check it). */
  readonly alive: boolean;
}

export interface Mechanism {
  start(): void;
  command(name: string, data: Buffer): void;
}

/** An ERROR from the peer: a ZAP status (3xx-5xx) means authentication failed. */
export function peerError(host: MechanismHost, data: Buffer): void {
  const reason = parseError(data);
  const auth = /^[345]\d\d$/.test(reason);
  host.failed(auth ? "auth" : "protocol", `peer sent ERROR${reason ? ` (${reason})` : ""}`);
}

/** Reads the READY properties and completes the handshake. */
export function acceptReady(host: MechanismHost, data: Buffer, userId: string): void {
  const props = parseMetadata(data);
  if (typeof props === "string") host.failed("protocol", `${props} in READY`);
  else host.established(props, userId);
}

/** NULL (RFC 23): both sides send READY and check the other's. */
export class NullMechanism implements Mechanism {
  private done = false;

  constructor(private readonly host: MechanismHost) {}

  start(): void {
    this.host.sendCommand(encodeCommand("READY", this.host.metadata()));
  }

  command(name: string, data: Buffer): void {
    if (name === "READY" && !this.done) {
      this.done = true;
      acceptReady(this.host, data, "");
    } else if (name === "ERROR") {
      peerError(this.host, data);
    } else {
      this.host.failed("protocol", `unexpected ${name} command during the NULL handshake`);
    }
  }
}
