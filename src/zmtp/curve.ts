/**
 * CURVE (RFC 26 CurveZMQ over RFC 25 ZMTP-CURVE): a client that knows the
 * server's long-term public key S proves its own long-term key C and agrees
 * on transient keys C', S' whose box key then seals every frame
 * (curve-codec.ts). Keys: C/c, S/s long-term; C'/c', S'/s' transient.
 *
 *   C → S  HELLO     version 1.0, 72 zero bytes (anti-amplification), C',
 *                    short nonce, Box[64 zeros](C'->S) "CurveZMQHELLO---"
 *   S → C  WELCOME   long nonce, Box[S' + cookie](S->C') "WELCOME-"
 *                    cookie = nonce + SecretBox[C' + s'](cookie key) "COOKIE--"
 *   C → S  INITIATE  cookie, short nonce, Box[C + vouch + metadata](C'->S')
 *                    "CurveZMQINITIATE"; vouch = nonce + Box[C' + S](C->S') "VOUCH---"
 *   S → C  READY     short nonce, Box[metadata](S'->C') "CurveZMQREADY---"
 *
 * The server keeps nothing secret between HELLO and INITIATE: s' travels in
 * the cookie, under a cookie key that rotates every minute (the previous key
 * still opens cookies). It remembers only the cookie's nonce, so that an
 * INITIATE replayed on another connection is refused. It asks ZAP with
 * mechanism "CURVE" and C as the one credential; with no handler bound it
 * admits any client that completed the handshake (as libzmq does).
 * Every failure is a protocol error (or an auth error for a ZAP refusal):
 * the connection ends, and nothing is delivered.
 */
import type { KeyObject } from "node:crypto";
import { boxBeforenm, boxOpen, box, exportSecret, privateKey, publicKeyOf, randomBytes, transientKeyPair } from "../crypto/box.js";
import { secretbox, secretboxOpen } from "../crypto/secretbox.js";
import { equalBytes } from "../crypto/verify.js";
import { encodeCommand, encodeError, parseMetadata, type Metadata } from "./commands.js";
import { CurveCodec, ShortNonce } from "./curve-codec.js";
import { peerError, type Mechanism, type MechanismHost, type ZapReply } from "./mechanism.js";
import type { Authenticate } from "./plain.js";

const latin = (s: string): Buffer => Buffer.from(s, "latin1");
const HELLO_NONCE = latin("CurveZMQHELLO---");
const WELCOME_NONCE = latin("WELCOME-");
const COOKIE_NONCE = latin("COOKIE--");
const INITIATE_NONCE = latin("CurveZMQINITIATE");
const VOUCH_NONCE = latin("VOUCH---");
const READY_NONCE = latin("CurveZMQREADY---");
const ZERO64 = Buffer.alloc(64);

/** Command data sizes (after the name): HELLO 200 − 6, WELCOME 168 − 8, INITIATE at least 257 − 9, READY at least 30 − 6. */
const HELLO_DATA = 194;
const WELCOME_DATA = 160;
const INITIATE_MIN = 248;
const READY_MIN = 24;

/** A 24-byte nonce: an ASCII prefix, then bytes of the command. */
function nonce(prefix: Buffer, tail: Uint8Array): Buffer {
  return Buffer.concat([prefix, tail]);
}

/** A long-term secret key as a KeyObject with its public key, cached: a server derives them once, not per handshake. */
interface LongTermKey {
  key: KeyObject;
  publicKey: Buffer;
}
const longTermKeys = new Map<string, LongTermKey>();
function longTerm(secret: Buffer): LongTermKey {
  const id = secret.toString("base64");
  let k = longTermKeys.get(id);
  if (k === undefined) {
    k = { key: privateKey(secret), publicKey: publicKeyOf(secret) };
    if (longTermKeys.size >= 32) longTermKeys.delete(longTermKeys.keys().next().value!);
    longTermKeys.set(id, k);
  }
  return k;
}

/**
 * The cookie keys of this thread: a fresh one every minute, the previous one
 * kept for cookies issued just before. Rotated when used (no timer). Exported
 * for tests, which move `since` back to age it.
 */
export const COOKIE_KEY_LIFETIME = 60_000;
export const cookieKeys = {
  current: randomBytes(32),
  previous: null as Buffer | null,
  since: Date.now(),
  /** [current, previous], rotated first if due. */
  keys(): Buffer[] {
    const now = Date.now();
    if (now - this.since >= 2 * COOKIE_KEY_LIFETIME) {
      this.previous = null;
      this.current = randomBytes(32);
      this.since = now;
    } else if (now - this.since >= COOKIE_KEY_LIFETIME) {
      this.previous = this.current;
      this.current = randomBytes(32);
      this.since = now;
    }
    return this.previous === null ? [this.current] : [this.current, this.previous];
  },
};

export class CurveClient implements Mechanism {
  private step: "welcome" | "ready" | "done" = "welcome";
  private transient: { publicKey: Buffer; privateKey: KeyObject } | null = null;
  private longTerm: LongTermKey | null = null;
  /** The box key of C' and S'. */
  private key: Uint8Array | null = null;
  private readonly sent = new ShortNonce();
  private readonly received = new ShortNonce();

  constructor(
    private readonly host: MechanismHost,
    private readonly publicKey: Buffer | null,
    private readonly secretKey: Buffer | null,
    private readonly serverKey: Buffer | null,
  ) {}

  start(): void {
    const { publicKey, secretKey, serverKey } = this;
    if (publicKey === null || secretKey === null || serverKey === null) {
      return this.host.failed("protocol", "a CURVE client needs curveServerKey, curvePublicKey and curveSecretKey");
    }
    this.longTerm = longTerm(secretKey);
    if (!equalBytes(this.longTerm.publicKey, 0, publicKey, 0, 32)) {
      return this.host.failed("protocol", "curvePublicKey is not the public key of curveSecretKey");
    }
    const t = (this.transient = transientKeyPair());
    const data = Buffer.alloc(HELLO_DATA);
    data[0] = 1; // version 1.0; then 72 zero bytes of padding
    t.publicKey.copy(data, 74);
    this.sent.next(data, 106);
    let signature: Uint8Array;
    try {
      signature = box(ZERO64, nonce(HELLO_NONCE, data.subarray(106, 114)), serverKey, t.privateKey);
    } catch {
      return this.host.failed("protocol", "curveServerKey is not a usable public key");
    }
    data.set(signature, 114);
    this.host.sendCommand(encodeCommand("HELLO", data));
  }

  command(name: string, data: Buffer): void {
    if (name === "ERROR") return peerError(this.host, data);
    if (name === "WELCOME" && this.step === "welcome") return this.welcome(data);
    if (name === "READY" && this.step === "ready") return this.ready(data);
    this.host.failed("protocol", `unexpected ${name} command during the CURVE handshake`);
  }

  private welcome(data: Buffer): void {
    const t = this.transient!;
    if (data.length !== WELCOME_DATA) return this.host.failed("protocol", "malformed CURVE WELCOME");
    const plain = boxOpen(data.subarray(16), nonce(WELCOME_NONCE, data.subarray(0, 16)), this.serverKey!, t.privateKey);
    if (plain === null) return this.host.failed("protocol", "CURVE WELCOME does not open (not the server curveServerKey names?)");
    const serverTransient = plain.subarray(0, 32);
    const cookie = plain.subarray(32, 128);
    const key = boxBeforenm(serverTransient, t.privateKey);
    if (key === null) return this.host.failed("protocol", "CURVE WELCOME carries an unusable transient key");
    this.key = key;
    // The vouch: our long-term key stands for C' towards this server (S) only.
    const vouchNonce = randomBytes(16);
    let vouch: Uint8Array;
    try {
      vouch = box(Buffer.concat([t.publicKey, this.serverKey!]), nonce(VOUCH_NONCE, vouchNonce), serverTransient, this.longTerm!.key);
    } catch {
      return this.host.failed("protocol", "CURVE WELCOME carries an unusable transient key");
    }
    const plaintext = Buffer.concat([this.publicKey!, vouchNonce, vouch, this.host.metadata()]);
    const shortNonce = Buffer.alloc(8);
    this.sent.next(shortNonce, 0);
    const sealed = secretbox(plaintext, nonce(INITIATE_NONCE, shortNonce), key);
    this.step = "ready";
    this.host.sendCommand(encodeCommand("INITIATE", Buffer.concat([cookie, shortNonce, sealed])));
  }

  private ready(data: Buffer): void {
    if (data.length < READY_MIN) return this.host.failed("protocol", "malformed CURVE READY");
    const key = this.key!;
    const plain = secretboxOpen(data.subarray(8), nonce(READY_NONCE, data.subarray(0, 8)), key);
    if (plain === null) return this.host.failed("protocol", "CURVE READY does not open");
    this.received.read(data, 0);
    const props = parseMetadata(Buffer.from(plain.buffer, plain.byteOffset, plain.length));
    if (typeof props === "string") return this.host.failed("protocol", `${props} in CURVE READY`);
    this.step = "done";
    this.transient = null;
    this.host.established(props, "", new CurveCodec(key, false, this.sent, this.received));
    key.fill(0);
  }
}

export class CurveServer implements Mechanism {
  private step: "hello" | "initiate" | "zap" | "done" = "hello";
  private longTerm: LongTermKey | null = null;
  /** The nonce of the cookie we sent: the one INITIATE must bring back. */
  private cookieNonce: Buffer | null = null;
  private readonly sent = new ShortNonce();
  private readonly received = new ShortNonce();

  constructor(
    private readonly host: MechanismHost,
    private readonly secretKey: Buffer | null,
    private readonly authenticate: Authenticate | undefined,
  ) {}

  start(): void {
    if (this.secretKey === null) return this.host.failed("protocol", "a CURVE server needs curveSecretKey");
    this.longTerm = longTerm(this.secretKey);
  }

  command(name: string, data: Buffer): void {
    if (name === "ERROR") return peerError(this.host, data);
    if (name === "HELLO" && this.step === "hello") return this.hello(data);
    if (name === "INITIATE" && this.step === "initiate") return this.initiate(data);
    this.host.failed("protocol", `unexpected ${name} command during the CURVE handshake`);
  }

  private hello(data: Buffer): void {
    const host = this.host;
    if (data.length !== HELLO_DATA) return host.failed("protocol", "malformed CURVE HELLO (200 bytes, padding included)");
    if (data[0] !== 1 || data[1] !== 0) return host.failed("protocol", `CURVE HELLO of an unknown version ${data[0]}.${data[1]}`);
    const clientTransient = data.subarray(74, 106);
    const k = boxBeforenm(clientTransient, this.longTerm!.key);
    const signature = k === null ? null : secretboxOpen(data.subarray(114), nonce(HELLO_NONCE, data.subarray(106, 114)), k);
    if (k === null || signature === null || !equalBytes(signature, 0, ZERO64, 0, 64)) {
      k?.fill(0);
      return host.failed("protocol", "CURVE HELLO does not open (the client has another server key?)");
    }
    // WELCOME: a fresh transient key pair, its secret half sealed into the cookie and forgotten here.
    const t = transientKeyPair();
    const s = exportSecret(t.privateKey);
    const cookieNonce = randomBytes(16);
    const cookieBox = secretbox(Buffer.concat([clientTransient, s]), nonce(COOKIE_NONCE, cookieNonce), cookieKeys.keys()[0]!);
    s.fill(0);
    const welcomeNonce = randomBytes(16);
    const sealed = secretbox(Buffer.concat([t.publicKey, cookieNonce, cookieBox]), nonce(WELCOME_NONCE, welcomeNonce), k);
    k.fill(0);
    this.cookieNonce = cookieNonce;
    this.step = "initiate";
    host.sendCommand(encodeCommand("WELCOME", Buffer.concat([welcomeNonce, sealed])));
  }

  private initiate(data: Buffer): void {
    const host = this.host;
    if (data.length < INITIATE_MIN) return host.failed("protocol", "malformed CURVE INITIATE");
    // The cookie must be the one sent on this connection: a replayed INITIATE brings another.
    if (!equalBytes(data, 0, this.cookieNonce!, 0, 16)) return host.failed("protocol", "CURVE INITIATE brings a cookie of another connection");
    const cookieNonce = nonce(COOKIE_NONCE, data.subarray(0, 16));
    let cookie: Uint8Array | null = null;
    for (const ck of cookieKeys.keys()) if ((cookie = secretboxOpen(data.subarray(16, 96), cookieNonce, ck)) !== null) break;
    if (cookie === null) return host.failed("protocol", "CURVE INITIATE cookie does not open (expired?)");
    const clientTransient = cookie.subarray(0, 32);
    // s' once as a KeyObject: it agrees a key with C' (the connection) and with C (the vouch).
    const serverTransientSecret = privateKey(cookie.subarray(32, 64));
    cookie.fill(0, 32);
    const key = boxBeforenm(clientTransient, serverTransientSecret);
    const plain = key === null ? null : secretboxOpen(data.subarray(104), nonce(INITIATE_NONCE, data.subarray(96, 104)), key);
    if (key === null || plain === null) {
      key?.fill(0);
      return host.failed("protocol", "CURVE INITIATE does not open");
    }
    this.received.read(data, 96);
    const clientKey = Buffer.from(plain.subarray(0, 32));
    const vouchKey = boxBeforenm(clientKey, serverTransientSecret);
    const vouch = vouchKey === null ? null : secretboxOpen(plain.subarray(48, 128), nonce(VOUCH_NONCE, plain.subarray(32, 48)), vouchKey);
    vouchKey?.fill(0);
    // The vouch names C' (this connection's client) and S (us): a client key cannot be lifted from elsewhere.
    if (vouch === null || !equalBytes(vouch, 0, clientTransient, 0, 32) || !equalBytes(vouch, 32, this.longTerm!.publicKey, 0, 32)) {
      key.fill(0);
      return host.failed("protocol", "CURVE INITIATE vouch does not hold");
    }
    const props = parseMetadata(Buffer.from(plain.buffer, plain.byteOffset + 128, plain.length - 128));
    if (typeof props === "string") {
      key.fill(0);
      return host.failed("protocol", `${props} in CURVE INITIATE`);
    }
    this.step = "zap";
    if (this.authenticate === undefined) return this.admit(key, props, "");
    host.pause();
    this.authenticate({ mechanism: "CURVE", credentials: [clientKey] }).then(
      (reply) => this.zapReply(reply, key, props),
      () => this.zapReply({ statusCode: "500", statusText: "ZAP request failed", userId: "" }, key, props),
    );
  }

  private zapReply(reply: ZapReply, key: Uint8Array, props: Metadata): void {
    const host = this.host;
    if (!host.alive || (reply.unbound !== true && reply.statusCode !== "200")) key.fill(0);
    if (!host.alive) return;
    if (reply.unbound !== true && reply.statusCode !== "200") {
      host.sendCommand(encodeError(reply.statusCode));
      return host.failed("auth", `authentication refused (${reply.statusCode}${reply.statusText ? ` ${reply.statusText}` : ""})`);
    }
    this.admit(key, props, reply.unbound === true ? "" : reply.userId);
    host.resume();
  }

  /** READY, then every frame sealed. */
  private admit(key: Uint8Array, props: Metadata, userId: string): void {
    const shortNonce = Buffer.alloc(8);
    this.sent.next(shortNonce, 0);
    const sealed = secretbox(this.host.metadata(), nonce(READY_NONCE, shortNonce), key);
    this.step = "done";
    this.host.sendCommand(encodeCommand("READY", Buffer.concat([shortNonce, sealed])));
    this.host.established(props, userId, new CurveCodec(key, true, this.sent, this.received));
    key.fill(0);
  }
}
