/**
 * ZMTP commands (RFC 23/37): a frame with the COMMAND flag whose body is a
 * one-byte name length, the name, then command data. Metadata properties
 * (READY, INITIATE) are `u8 nameLen, name, u32be valueLen, value`.
 */
export const FLAG_MORE = 0x01;
export const FLAG_LONG = 0x02;
export const FLAG_COMMAND = 0x04;

export interface Command {
  name: string;
  data: Buffer;
}

/** A whole command frame (flags, size, body) ready to write. */
export function encodeCommand(name: string, data?: Uint8Array): Buffer {
  const nameLen = Buffer.byteLength(name, "latin1");
  const bodyLen = 1 + nameLen + (data?.length ?? 0);
  const long = bodyLen > 255;
  const header = long ? 9 : 2;
  const frame = Buffer.allocUnsafe(header + bodyLen);
  frame[0] = FLAG_COMMAND | (long ? FLAG_LONG : 0);
  if (long) frame.writeBigUInt64BE(BigInt(bodyLen), 1);
  else frame[1] = bodyLen;
  frame[header] = nameLen;
  frame.write(name, header + 1, "latin1");
  if (data !== undefined) frame.set(data, header + 1 + nameLen);
  return frame;
}

/** A command's body alone (name length, name, data), for the encoder to frame (and seal, after a CURVE handshake). */
export function commandBody(name: string, data?: Uint8Array): Buffer {
  const nameLen = Buffer.byteLength(name, "latin1");
  const body = Buffer.allocUnsafe(1 + nameLen + (data?.length ?? 0));
  body[0] = nameLen;
  body.write(name, 1, "latin1");
  if (data !== undefined) body.set(data, 1 + nameLen);
  return body;
}

/** Splits a command body into name and data; null if the name length overruns the body. */
export function parseCommand(body: Buffer): Command | null {
  if (body.length < 1) return null;
  const nameLen = body[0]!;
  // libzmq 4.3's PLAIN/CURVE servers write their ERROR as "\x5ERROR" (a C hex
  // escape that swallowed the E): 0x5E "RROR". Read it as the ERROR it means.
  if (nameLen === 0x5e && body.length >= 5 && body.toString("latin1", 1, 5) === "RROR") {
    return { name: "ERROR", data: body.subarray(5) };
  }
  if (1 + nameLen > body.length) return null;
  return { name: body.toString("latin1", 1, 1 + nameLen), data: body.subarray(1 + nameLen) };
}

export type Metadata = Map<string, Buffer>;

export function encodeMetadata(props: ReadonlyArray<readonly [string, Uint8Array]>): Buffer {
  let size = 0;
  for (const [name, value] of props) size += 1 + Buffer.byteLength(name, "latin1") + 4 + value.length;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const [name, value] of props) {
    out[at] = Buffer.byteLength(name, "latin1");
    at = out.write(name, at + 1, "latin1") + at + 1;
    out.writeUInt32BE(value.length, at);
    out.set(value, at + 4);
    at += 4 + value.length;
  }
  return out;
}

/**
 * Parses metadata properties. Names are case-insensitive (RFC 37: "the case
 * of names SHALL NOT be significant"), so keys are lower-cased, and a name
 * given twice in any case is refused: which of two Socket-Types or Identities
 * counts would otherwise be up to the reader. Returns what is wrong (a
 * string) when a length overruns the data or a name repeats.
 */
export function parseMetadata(data: Buffer): Metadata | string {
  const props: Metadata = new Map();
  let at = 0;
  while (at < data.length) {
    const nameLen = data[at]!;
    if (nameLen === 0 || at + 1 + nameLen + 4 > data.length) return "malformed metadata";
    const name = data.toString("latin1", at + 1, at + 1 + nameLen).toLowerCase();
    at += 1 + nameLen;
    const valueLen = data.readUInt32BE(at);
    at += 4;
    if (at + valueLen > data.length) return "malformed metadata";
    if (props.has(name)) return `metadata property ${JSON.stringify(data.toString("latin1", at - 4 - nameLen, at - 4))} given twice`;
    props.set(name, data.subarray(at, at + valueLen));
    at += valueLen;
  }
  return props;
}

/** PING: u16 TTL in tenths of a second, then up to 16 bytes of context. */
export function encodePing(ttlMs: number, context: Uint8Array = EMPTY): Buffer {
  return encodeCommand("PING", pingData(ttlMs, context));
}

/** A PING's body, for the encoder. */
export function pingBody(ttlMs: number, context: Uint8Array = EMPTY): Buffer {
  return commandBody("PING", pingData(ttlMs, context));
}

function pingData(ttlMs: number, context: Uint8Array): Buffer {
  const data = Buffer.allocUnsafe(2 + context.length);
  data.writeUInt16BE(Math.min(0xffff, Math.floor(ttlMs / 100)), 0);
  data.set(context, 2);
  return data;
}

/** ERROR: u8 reason length, reason. */
export function encodeError(reason: string): Buffer {
  return encodeCommand("ERROR", errorData(reason));
}

export function errorData(reason: string): Buffer {
  const text = Buffer.from(reason.slice(0, 255), "latin1");
  return Buffer.concat([Buffer.from([text.length]), text]);
}

export function parseError(data: Buffer): string {
  if (data.length < 1) return "";
  return data.toString("latin1", 1, Math.min(data.length, 1 + data[0]!));
}

const EMPTY = Buffer.alloc(0);
