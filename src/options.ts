/**
 * Socket options: names, defaults and validation. Every option can be passed
 * to `ctx.socket(type, options)` and read/written as a property of the socket.
 * Names follow zeromq.js; semantics follow libzmq's zmq_setsockopt.
 */
import { zerr } from "./errors.js";
import { decode as z85Decode } from "./z85.js";

export type { CurveKey, OptionName, SocketOptionValues, SocketOptions } from "./option-types.js";
import type { CurveKey, OptionName, SocketOptionValues } from "./option-types.js";

type Validator = (value: unknown, name: string) => unknown;

const int = (min: number, max = 2 ** 31 - 1): Validator => (v, name) => {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw zerr("EINVAL", `option ${name}: expected an integer in [${min}, ${max}], got ${String(v)}`);
  }
  return v;
};
const bool: Validator = (v, name) => {
  if (typeof v !== "boolean") throw zerr("EINVAL", `option ${name}: expected a boolean, got ${typeof v}`);
  return v;
};
const text = (nullable: boolean, maxLen = 255): Validator => (v, name) => {
  if (v === null && nullable) return null;
  if (typeof v !== "string") throw zerr("EINVAL", `option ${name}: expected a string${nullable ? " or null" : ""}`);
  if (Buffer.byteLength(v) > maxLen) throw zerr("EINVAL", `option ${name}: longer than ${maxLen} bytes`);
  return v;
};
const routingId: Validator = (v, name) => {
  if (v === null) return null;
  let b: Buffer;
  if (typeof v === "string") b = Buffer.from(v, "utf8");
  else if (v instanceof Uint8Array) b = Buffer.from(v);
  else throw zerr("EINVAL", `option ${name}: expected a string, Buffer or Uint8Array`);
  // RFC 28/libzmq: 1..255 bytes, and a leading zero byte is reserved for generated ids.
  if (b.length === 0 || b.length > 255) throw zerr("EINVAL", `option ${name}: must be 1 to 255 bytes`);
  if (b[0] === 0) throw zerr("EINVAL", `option ${name}: must not start with a zero byte (reserved for generated ids)`);
  return b;
};

/** A CURVE key: null, 32 bytes (kept as a Buffer copy) or 40 Z85 characters (kept as the string). */
const curveKey: Validator = (v, name) => {
  if (v === null) return null;
  if (v instanceof Uint8Array) {
    if (v.length !== 32) throw zerr("EINVAL", `option ${name}: a CURVE key is 32 bytes (got ${v.length})`);
    return Buffer.from(v);
  }
  if (typeof v === "string") {
    if (v.length !== 40) throw zerr("EINVAL", `option ${name}: a Z85 CURVE key is 40 characters (got ${v.length})`);
    try {
      z85Decode(v);
    } catch {
      throw zerr("EINVAL", `option ${name}: not valid Z85`);
    }
    return v;
  }
  throw zerr("EINVAL", `option ${name}: expected 32 bytes or a 40-character Z85 string`);
};

/** A CURVE key option as 32 bytes (null when unset). */
export function curveKeyBytes(key: CurveKey | null): Buffer | null {
  return key === null ? null : typeof key === "string" ? z85Decode(key) : key;
}

const SPECS: { [K in OptionName]: { def: SocketOptionValues[K] | "context"; check: Validator } } = {
  sendHighWaterMark: { def: 1000, check: int(0) },
  receiveHighWaterMark: { def: 1000, check: int(0) },
  sendTimeout: { def: -1, check: int(-1) },
  receiveTimeout: { def: -1, check: int(-1) },
  linger: { def: "context", check: int(-1) },
  routingId: { def: null, check: routingId },
  immediate: { def: false, check: bool },
  conflate: { def: false, check: bool },
  reconnectInterval: { def: 100, check: int(-1) },
  reconnectMaxInterval: { def: 0, check: int(0) },
  backlog: { def: 100, check: int(0) },
  handshakeInterval: { def: 30000, check: int(0) },
  heartbeatInterval: { def: 0, check: int(0) },
  heartbeatTimeout: { def: -1, check: int(-1) },
  heartbeatTimeToLive: { def: 0, check: int(0, 6553500) },
  maxMessageSize: { def: -1, check: int(-1, Number.MAX_SAFE_INTEGER) },
  routerMandatory: { def: false, check: bool },
  routerHandover: { def: false, check: bool },
  probeRouter: { def: false, check: bool },
  reqRelaxed: { def: false, check: bool },
  reqCorrelate: { def: false, check: bool },
  xpubVerbose: { def: false, check: bool },
  xpubNoDrop: { def: false, check: bool },
  plainServer: { def: false, check: bool },
  plainUsername: { def: null, check: text(true) },
  plainPassword: { def: null, check: text(true) },
  zapDomain: { def: "", check: text(false) },
  curveServer: { def: false, check: bool },
  curvePublicKey: { def: null, check: curveKey },
  curveSecretKey: { def: null, check: curveKey },
  curveServerKey: { def: null, check: curveKey },
};

export const OPTION_NAMES = Object.keys(SPECS) as OptionName[];

/** zeromq.js and libzmq spellings that are options here under another name. */
const ALIASES: Record<string, OptionName> = {
  sendHwm: "sendHighWaterMark",
  sndhwm: "sendHighWaterMark",
  receiveHwm: "receiveHighWaterMark",
  recvHwm: "receiveHighWaterMark",
  rcvhwm: "receiveHighWaterMark",
  mandatory: "routerMandatory",
  handover: "routerHandover",
  relaxed: "reqRelaxed",
  correlate: "reqCorrelate",
  verbose: "xpubVerbose",
  noDrop: "xpubNoDrop",
  identity: "routingId",
  maxMsgSize: "maxMessageSize",
  reconnectIvl: "reconnectInterval",
  reconnectIvlMax: "reconnectMaxInterval",
  handshakeIvl: "handshakeInterval",
  heartbeatIvl: "heartbeatInterval",
};

/** " (did you mean X?)" for a misspelt or zeromq.js-named option, or "". */
export function optionHint(name: string): string {
  const alias = ALIASES[name];
  if (alias !== undefined) return ` (did you mean ${alias}?)`;
  const lower = name.toLowerCase();
  let best: OptionName | null = null;
  let bestDistance = 3;
  for (const option of OPTION_NAMES) {
    const d = editDistance(lower, option.toLowerCase());
    if (d < bestDistance) {
      best = option;
      bestDistance = d;
    }
  }
  return best !== null ? ` (did you mean ${best}?)` : "";
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return 99;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

export function isOptionName(name: string): name is OptionName {
  return Object.prototype.hasOwnProperty.call(SPECS, name);
}

export function checkOption<K extends OptionName>(name: K, value: unknown): SocketOptionValues[K] {
  return SPECS[name].check(value, name) as SocketOptionValues[K];
}

/**
 * Options that libzmq refuses (EINVAL) on other socket types: those its
 * socket classes handle themselves (router.cpp, req.cpp, xpub.cpp, which PUB
 * extends). The rest (conflate, routingId, probeRouter among them) libzmq
 * takes on any type, so the runtime does too; the types are stricter.
 */
const TYPE_ONLY: Partial<Record<OptionName, readonly string[]>> = {
  routerMandatory: ["ROUTER"],
  routerHandover: ["ROUTER"],
  reqRelaxed: ["REQ"],
  reqCorrelate: ["REQ"],
  xpubVerbose: ["XPUB", "PUB"],
  xpubNoDrop: ["XPUB", "PUB"],
};

/** EINVAL when `name` does not apply to a socket of `type` (as zmq_setsockopt). */
export function checkOptionApplies(type: string, name: OptionName, where: string): void {
  const types = TYPE_ONLY[name];
  if (types !== undefined && !types.includes(type)) {
    throw zerr("EINVAL", `${where}: ${name} applies to ${types.join(" and ")} sockets only, not ${type}`);
  }
}

export function defaultOptions(linger: number): SocketOptionValues {
  const out = {} as Record<string, unknown>;
  for (const name of OPTION_NAMES) {
    const def = SPECS[name].def;
    out[name] = def === "context" ? linger : def;
  }
  return out as unknown as SocketOptionValues;
}

/** Applies user options onto `into`; unknown names and bad values throw EINVAL. */
export function applyOptions(into: SocketOptionValues, options: unknown, where: string, type?: string): void {
  if (options === undefined || options === null) return;
  if (typeof options !== "object") throw zerr("EINVAL", `${where}: options must be an object`);
  for (const [name, value] of Object.entries(options)) {
    if (!isOptionName(name)) throw zerr("EINVAL", `${where}: unknown option "${name}"${optionHint(name)}`);
    if (type !== undefined) checkOptionApplies(type, name, where);
    (into as unknown as Record<string, unknown>)[name] = checkOption(name, value);
  }
}

/** Plain-data copy that survives structured clone (for migration). */
export function cloneOptions(o: SocketOptionValues): SocketOptionValues {
  const copy = (k: CurveKey | null) => (k === null || typeof k === "string" ? k : Buffer.from(k));
  return {
    ...o,
    routingId: o.routingId === null ? null : Buffer.from(o.routingId),
    curvePublicKey: copy(o.curvePublicKey),
    curveSecretKey: copy(o.curveSecretKey),
    curveServerKey: copy(o.curveServerKey),
  };
}

/** Options that arrived from another thread (a detached socket, maybe forged): every value checked again. */
export function reviveOptions(raw: unknown, where: string): SocketOptionValues {
  if (typeof raw !== "object" || raw === null) throw zerr("EINVAL", `${where}: malformed options`);
  const values = raw as Record<string, unknown>;
  const out = defaultOptions(0) as unknown as Record<string, unknown>;
  for (const name of OPTION_NAMES) {
    if (!(name in values)) throw zerr("EINVAL", `${where}: option ${name} is missing`);
    out[name] = checkOption(name, values[name]);
  }
  return out as unknown as SocketOptionValues;
}
