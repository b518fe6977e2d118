/**
 * Every message that crosses a thread boundary, one discriminated union per
 * channel, and the one validating entry point for each. Whatever arrives on a
 * MessagePort is `unknown` until it has passed its `parse…` function here: a
 * port can be handed to us by user code (a forged context handle or detached
 * socket), so nothing is trusted by its shape alone.
 *
 * Channels:
 *  - pipe port: the two ends of one message pipe (data batches, credit, the
 *    shutdown handshake);
 *  - socket mailbox: commands to a socket wherever it lives (a peer's pipe for
 *    an inproc bind, the registry's goodbye);
 *  - net link: a migrated socket and the thread that still hosts its tcp/ipc
 *    connections;
 *  - context tree: threads and the root (requests up, replies and broadcasts
 *    down);
 *  - lifeline: a detached socket in transit and the root (adopted, or lost).
 */
import { MessagePort } from "node:worker_threads";
import { ErrorCode, zerr, type ZocketError } from "./errors.js";
import { isSocketType, type SocketTypeName } from "./socket-type.js";
import { SOCKET_EVENT_NAMES, type SocketEvent, type SocketEventName } from "./events.js";

// ---------------------------------------------------------------- shared parts

/** What one pipe end tells the other about its socket. */
export interface EndInfo {
  type: SocketTypeName;
  routingId: Uint8Array;
  sndhwm: number;
  rcvhwm: number;
  conflate: boolean;
}

/** An error as it crosses a thread: its code, message and the message of its cause. */
export interface WireError {
  code: ErrorCode;
  message: string;
  cause: string | null;
}

export function toWireError(err: Error): WireError {
  const code = (err as { code?: unknown }).code;
  const cause = err.cause instanceof Error ? err.cause.message : typeof err.cause === "string" ? err.cause : null;
  return { code: isErrorCode(code) ? code : "EPROTO", message: err.message, cause };
}

export function fromWireError(w: WireError): ZocketError {
  return zerr(w.code, w.message, w.cause === null ? undefined : new Error(w.cause));
}

// ---------------------------------------------------------------- pipe port

export const PIPE_HELLO = 0;
export const PIPE_DATA = 1;
export const PIPE_CREDIT = 2;
export const PIPE_TERM = 3;
export const PIPE_TERM_ACK = 4;
export const PIPE_HICCUP = 5;
/** The peer let go at once (linger 0): as if its thread had died, but said now, not when the port's close comes through. */
export const PIPE_GONE = 6;

export type PipePortMsg =
  | { k: typeof PIPE_HELLO; info: EndInfo }
  /** b: the packed batch; m: frames moved beside it (batch.ts), when there are any. */
  | { k: typeof PIPE_DATA; b: ArrayBuffer; m?: ArrayBuffer[] }
  | { k: typeof PIPE_CREDIT; r: number }
  | { k: typeof PIPE_TERM }
  | { k: typeof PIPE_TERM_ACK }
  | { k: typeof PIPE_HICCUP }
  | { k: typeof PIPE_GONE };

/** Hot path (one call per batch): a switch on the kind, then only the fields that kind uses. */
export function parsePipePortMsg(m: unknown): PipePortMsg | null {
  if (typeof m !== "object" || m === null) return null;
  const k = (m as { k?: unknown }).k;
  switch (k) {
    case PIPE_DATA: {
      const { b, m: moved } = m as { b?: unknown; m?: unknown };
      if (!(b instanceof ArrayBuffer)) return null;
      if (moved !== undefined && !(Array.isArray(moved) && moved.every((x) => x instanceof ArrayBuffer))) return null;
      return m as PipePortMsg;
    }
    case PIPE_CREDIT: {
      const r = (m as { r?: unknown }).r;
      return typeof r === "number" && Number.isSafeInteger(r) && r >= 0 ? (m as PipePortMsg) : null;
    }
    case PIPE_HELLO:
      return isEndInfo((m as { info?: unknown }).info) ? (m as PipePortMsg) : null;
    case PIPE_TERM:
    case PIPE_TERM_ACK:
    case PIPE_HICCUP:
    case PIPE_GONE:
      return { k };
    default:
      return null;
  }
}

export function isEndInfo(v: unknown): v is EndInfo {
  if (typeof v !== "object" || v === null) return false;
  const i = v as Record<string, unknown>;
  return (
    isSocketType(i.type) &&
    i.routingId instanceof Uint8Array &&
    typeof i.sndhwm === "number" &&
    typeof i.rcvhwm === "number" &&
    typeof i.conflate === "boolean"
  );
}

// ---------------------------------------------------------------- socket mailbox

export type MailboxCommand =
  /** A connecting peer's pipe port for one of our inproc binds. */
  | { op: "attach"; port: MessagePort; endpoint: string }
  /** The registry let go of our address: nothing more will come. */
  | { op: "bye" };

export function parseMailboxCommand(m: unknown): MailboxCommand | null {
  if (!isRecord(m)) return null;
  if (m.op === "attach" && m.port instanceof MessagePort && typeof m.endpoint === "string") {
    return { op: "attach", port: m.port, endpoint: m.endpoint };
  }
  if (m.op === "bye") return { op: "bye" };
  return null;
}

// ---------------------------------------------------------------- net link

/** A monitor event as it crosses a thread. */
export interface WireEvent {
  type: SocketEventName;
  address: string;
  error: WireError | null;
  reason: "protocol" | "auth" | "other" | null;
}

export function toWireEvent(e: SocketEvent): WireEvent {
  const error = "error" in e && e.error !== undefined ? toWireError(e.error) : null;
  return { type: e.type, address: e.address, error, reason: "reason" in e ? e.reason : null };
}

/** The event as it was emitted: fields it did not have stay absent. */
export function fromWireEvent(w: WireEvent): SocketEvent {
  const e: { type: SocketEventName; address: string; error?: Error; reason?: "protocol" | "auth" | "other" } = { type: w.type, address: w.address };
  if (w.error !== null) e.error = fromWireError(w.error);
  if (w.reason !== null) e.reason = w.reason;
  // The sending side built it as a SocketEvent; the fields were checked by isWireEvent.
  return e as SocketEvent;
}

/** Host thread → migrated socket. */
export type HostToSocket =
  /** A new pipe for `endpoint`; `pending`: its peer is known only after the handshake. */
  | { op: "attach"; port: MessagePort; endpoint: string; pending: boolean }
  | { op: "event"; event: WireEvent }
  /** The listener of the unbind `rid` is closed. */
  | { op: "unbound"; rid: number }
  /** The bind `rid` (an I/O thread's link) listens on `endpoint`, or failed with `err`. */
  | { op: "bound"; rid: number; endpoint: string; err: WireError | null }
  /** Whether the host still serves something: an I/O thread's link holds the socket's thread while it does. */
  | { op: "serving"; serving: boolean };

/** Migrated socket → host thread. */
export type SocketToHost =
  /** An I/O thread's link: its first message, naming the socket it serves. */
  | { op: "hello"; type: SocketTypeName; options: unknown }
  /** The link's socket end moved to another thread: say again whether you serve. */
  | { op: "sync" }
  /** I/O threads: bind or connect there, with the socket's options as they are now (checked again on arrival). */
  | { op: "bind"; rid: number; endpoint: string; options: unknown }
  | { op: "connect"; endpoint: string; options: unknown }
  | { op: "unbind"; rid: number; endpoint: string }
  | { op: "disconnect"; endpoint: string }
  | { op: "close" };

export function parseHostToSocket(m: unknown): HostToSocket | null {
  if (!isRecord(m)) return null;
  if (m.op === "attach" && m.port instanceof MessagePort && typeof m.endpoint === "string" && typeof m.pending === "boolean") {
    return { op: "attach", port: m.port, endpoint: m.endpoint, pending: m.pending };
  }
  if (m.op === "event" && isWireEvent(m.event)) return { op: "event", event: m.event };
  if (m.op === "unbound" && isRid(m.rid)) return { op: "unbound", rid: m.rid };
  if (m.op === "bound" && isRid(m.rid) && typeof m.endpoint === "string" && (m.err === null || isWireError(m.err))) {
    return { op: "bound", rid: m.rid, endpoint: m.endpoint, err: m.err };
  }
  if (m.op === "serving" && typeof m.serving === "boolean") return { op: "serving", serving: m.serving };
  return null;
}

export function parseSocketToHost(m: unknown): SocketToHost | null {
  if (!isRecord(m)) return null;
  if (m.op === "sync") return { op: "sync" };
  if (m.op === "hello" && typeof m.type === "string" && isSocketType(m.type)) return { op: "hello", type: m.type, options: m.options };
  if (m.op === "bind" && isRid(m.rid) && typeof m.endpoint === "string") return { op: "bind", rid: m.rid, endpoint: m.endpoint, options: m.options };
  if (m.op === "connect" && typeof m.endpoint === "string") return { op: "connect", endpoint: m.endpoint, options: m.options };
  if (m.op === "unbind" && isRid(m.rid) && typeof m.endpoint === "string") return { op: "unbind", rid: m.rid, endpoint: m.endpoint };
  if (m.op === "disconnect" && typeof m.endpoint === "string") return { op: "disconnect", endpoint: m.endpoint };
  if (m.op === "close") return { op: "close" };
  return null;
}

// ---------------------------------------------------------------- context tree

/** Thread → root. `from` is the path of the thread that asked. */
export type TreeUp =
  | { op: "hello"; from: string }
  | { op: "bind"; from: string; rid: number; endpoint: string; sid: string; addr: MessagePort | null }
  | { op: "unbind"; from: string; rid: number; endpoint: string; sid: string }
  | { op: "lookup"; from: string; rid: number; endpoint: string }
  | { op: "connect"; from: string; endpoint: string; cid: string; port: MessagePort }
  | { op: "cancel"; from: string; cid: string }
  | { op: "closed"; from: string; sid: string }
  | { op: "detached"; from: string; sid: string; lifeline: MessagePort }
  | { op: "term"; from: string }
  | { op: "status"; from: string; idle: boolean; holders: string[] }
  | { op: "gone"; from: string; path: string }
  /** A socket's link to an I/O thread: the root hands `port` to one of them. */
  | { op: "io"; from: string; port: MessagePort };

/** Root → one thread (`to`) or every thread (`to` null). */
export type TreeDown =
  | { op: "reply"; to: string; rid: number; err: WireError | null }
  | { op: "term"; to: string | null }
  | { op: "termDone"; to: null };

export function parseTreeUp(m: unknown): TreeUp | null {
  if (!isRecord(m) || typeof m.from !== "string") return null;
  const from = m.from;
  switch (m.op) {
    case "hello":
    case "term":
      return { op: m.op, from };
    case "bind":
      if (isRid(m.rid) && typeof m.endpoint === "string" && typeof m.sid === "string" && (m.addr === null || m.addr instanceof MessagePort)) {
        return { op: "bind", from, rid: m.rid, endpoint: m.endpoint, sid: m.sid, addr: m.addr };
      }
      return null;
    case "unbind":
      return isRid(m.rid) && typeof m.endpoint === "string" && typeof m.sid === "string"
        ? { op: "unbind", from, rid: m.rid, endpoint: m.endpoint, sid: m.sid }
        : null;
    case "lookup":
      return isRid(m.rid) && typeof m.endpoint === "string" ? { op: "lookup", from, rid: m.rid, endpoint: m.endpoint } : null;
    case "connect":
      return typeof m.endpoint === "string" && typeof m.cid === "string" && m.port instanceof MessagePort
        ? { op: "connect", from, endpoint: m.endpoint, cid: m.cid, port: m.port }
        : null;
    case "cancel":
      return typeof m.cid === "string" ? { op: "cancel", from, cid: m.cid } : null;
    case "closed":
      return typeof m.sid === "string" ? { op: "closed", from, sid: m.sid } : null;
    case "detached":
      return typeof m.sid === "string" && m.lifeline instanceof MessagePort ? { op: "detached", from, sid: m.sid, lifeline: m.lifeline } : null;
    case "status":
      return typeof m.idle === "boolean" && Array.isArray(m.holders) && m.holders.every((h) => typeof h === "string")
        ? { op: "status", from, idle: m.idle, holders: m.holders as string[] }
        : null;
    case "gone":
      return typeof m.path === "string" ? { op: "gone", from, path: m.path } : null;
    case "io":
      return m.port instanceof MessagePort ? { op: "io", from, port: m.port } : null;
    default:
      return null;
  }
}

export function parseTreeDown(m: unknown): TreeDown | null {
  if (!isRecord(m)) return null;
  switch (m.op) {
    case "reply":
      return typeof m.to === "string" && isRid(m.rid) && (m.err === null || isWireError(m.err))
        ? { op: "reply", to: m.to, rid: m.rid, err: m.err }
        : null;
    case "term":
      return m.to === null || typeof m.to === "string" ? { op: "term", to: m.to } : null;
    case "termDone":
      return { op: "termDone", to: null };
    default:
      return null;
  }
}

/** The ports a tree message carries (transferred when it is forwarded). */
export function treePorts(m: TreeUp): MessagePort[] {
  switch (m.op) {
    case "bind":
      return m.addr !== null ? [m.addr] : [];
    case "connect":
    case "io":
      return [m.port];
    case "detached":
      return [m.lifeline];
    default:
      return [];
  }
}

// ---------------------------------------------------------------- lifeline

/** Adopting thread → root, on the lifeline that travelled with a detached socket. */
export type LifelineMsg = { op: "adopted"; path: string };

export function parseLifelineMsg(m: unknown): LifelineMsg | null {
  return isRecord(m) && m.op === "adopted" && typeof m.path === "string" ? { op: "adopted", path: m.path } : null;
}

// ---------------------------------------------------------------- helpers

function isRecord(m: unknown): m is Record<string, unknown> {
  return typeof m === "object" && m !== null;
}

function isRid(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v > 0;
}

const CODES = new Set<string>(Object.values(ErrorCode));

export function isErrorCode(v: unknown): v is ErrorCode {
  return typeof v === "string" && CODES.has(v);
}

function isWireError(v: unknown): v is WireError {
  return isRecord(v) && isErrorCode(v.code) && typeof v.message === "string" && (v.cause === null || typeof v.cause === "string");
}

const EVENT_NAMES = new Set<string>(SOCKET_EVENT_NAMES);

function isWireEvent(v: unknown): v is WireEvent {
  return (
    isRecord(v) &&
    typeof v.type === "string" &&
    EVENT_NAMES.has(v.type) &&
    typeof v.address === "string" &&
    (v.error === null || isWireError(v.error)) &&
    (v.reason === null || v.reason === "protocol" || v.reason === "auth" || v.reason === "other")
  );
}
