/**
 * CURVE key helpers of the public API (libzmq's zmq_curve_keypair and
 * zmq_curve_public): keys as 40-character Z85 strings, ready for the
 * curvePublicKey / curveSecretKey / curveServerKey options.
 */
import { boxKeyPair, publicKeyOf } from "./crypto/box.js";
import { zerr } from "./errors.js";
import { decode, encode } from "./z85.js";

/** A CURVE key pair from {@link curveKeyPair}, as Z85 text. */
export interface CurveKeyPair {
  /** 40 Z85 characters. */
  publicKey: string;
  /** 40 Z85 characters; keep it secret. */
  secretKey: string;
}

/** A new long-term CURVE key pair (zmq_curve_keypair), as Z85 strings. */
export function curveKeyPair(): CurveKeyPair {
  const { publicKey, secretKey } = boxKeyPair();
  const pair = { publicKey: encode(publicKey), secretKey: encode(secretKey) };
  secretKey.fill(0);
  return pair;
}

/**
 * The public key of a CURVE secret key (zmq_curve_public): the secret key as
 * 40 Z85 characters or 32 bytes; the public key as Z85. EINVAL otherwise.
 */
export function curvePublicKey(secretKey: string | Uint8Array): string {
  let raw: Uint8Array;
  if (typeof secretKey === "string") {
    if (secretKey.length !== 40) throw zerr("EINVAL", `curvePublicKey: a Z85 secret key is 40 characters (got ${secretKey.length})`);
    raw = decode(secretKey);
  } else if (secretKey instanceof Uint8Array && secretKey.length === 32) {
    raw = secretKey;
  } else {
    throw zerr("EINVAL", "curvePublicKey: expected a 40-character Z85 string or 32 bytes");
  }
  return encode(publicKeyOf(raw));
}
