/**
 * A socket in transit between threads: what SocketBase.freeze() produces,
 * what travels (structured clone plus a transfer list), and the one place
 * that checks a detached socket handed to `ctx.adopt()` before anything of it
 * is used. A detached socket comes from user code, so it may be forged, come
 * from another context, or have been adopted already.
 */
import { MessagePort } from "node:worker_threads";
import { zerr } from "../errors.js";
import { reviveOptions, type SocketOptionValues } from "../options.js";
import { isPipeState, pipeTransferables, type PipeState } from "../pipe/migration.js";
import { isSocketType, type SocketTypeName } from "../socket-type.js";
import type { TransportName } from "../transport/endpoint.js";
import type { Transferable } from "../util/transfer.js";
import type { EndpointsState } from "./endpoints.js";

/** What SocketBase.freeze() returns. */
export interface FrozenSocket {
  sid: string;
  type: SocketTypeName;
  options: SocketOptionValues;
  pipes: PipeState[];
  /** The socket type's own state (xfreeze); pipes referred to by index. */
  typeState: unknown;
  /** Messages accepted by send() but not yet written to a pipe. */
  pendingSends: ArrayBuffer | null;
  mailbox: MessagePort;
  address: MessagePort | null;
  addressAtRoot: boolean;
  endpoints: EndpointsState;
}

/** A frozen socket on its way: which context it belongs to, and its lifeline to the root. */
export interface SocketState extends FrozenSocket {
  contextId: string;
  /** Tells the root the socket was adopted; closes by itself if the socket is lost. */
  lifeline: MessagePort;
}

export function socketTransferables(s: SocketState): Transferable[] {
  const list: Transferable[] = [s.mailbox, s.lifeline, ...s.endpoints.links];
  if (s.address !== null) list.push(s.address);
  if (s.pendingSends !== null) list.push(s.pendingSends);
  for (const p of s.pipes) list.push(...pipeTransferables(p));
  return list;
}

/** Detached sockets taken in once already in this thread: a second adopt would share or lose their ports. */
const adopted = new WeakSet<object>();

/**
 * Checks a detached socket before adoption: EINVAL for anything that is not
 * one, belongs to another context, or was adopted already.
 */
export function takeDetached(detached: unknown, contextId: string): SocketState {
  const bad = (why: string): Error => zerr("EINVAL", `ctx.adopt: ${why}`);
  if (typeof detached !== "object" || detached === null) throw bad("not a socket from socket.detach()");
  const d = detached as Record<string, unknown>;
  const s = d.state;
  if (d.kind !== "zocket.socket" || typeof s !== "object" || s === null) throw bad("not a socket from socket.detach()");
  if (adopted.has(s)) throw bad("this detached socket was already adopted");
  const st = s as Record<string, unknown>;
  if (typeof st.contextId !== "string") throw bad("not a socket from socket.detach()");
  if (st.contextId !== contextId) throw bad("the socket was detached from another context; adopt it with a handle of that context");
  if (!isSocketType(st.type) || d.type !== st.type) throw bad(`unknown socket type ${JSON.stringify(st.type)}`);
  if (!(st.mailbox instanceof MessagePort) || !(st.lifeline instanceof MessagePort)) {
    throw bad("this detached socket was already adopted, or its ports were not transferred with it (pass its transferList)");
  }
  if (
    typeof st.sid !== "string" ||
    !(st.address === null || st.address instanceof MessagePort) ||
    typeof st.addressAtRoot !== "boolean" ||
    !(st.pendingSends === null || st.pendingSends instanceof ArrayBuffer) ||
    !Array.isArray(st.pipes) ||
    !st.pipes.every(isPipeState) ||
    !isEndpointsState(st.endpoints)
  ) {
    throw bad("malformed detached socket");
  }
  const options = reviveOptions(st.options, "ctx.adopt");
  adopted.add(s);
  return { ...(st as unknown as SocketState), options };
}

const TRANSPORTS: readonly TransportName[] = ["inproc", "tcp", "ipc"];

function isEndpointsState(v: unknown): v is EndpointsState {
  if (typeof v !== "object" || v === null) return false;
  const e = v as Record<string, unknown>;
  if (!Array.isArray(e.links) || !e.links.every((p) => p instanceof MessagePort)) return false;
  const links = e.links.length;
  const linkIndex = (i: unknown): boolean => Number.isInteger(i) && (i as number) >= -1 && (i as number) < links;
  const common = (r: Record<string, unknown>): boolean =>
    TRANSPORTS.includes(r.transport as TransportName) && typeof r.endpoint === "string" && linkIndex(r.link);
  return (
    Array.isArray(e.binds) &&
    e.binds.every((b: unknown) => typeof b === "object" && b !== null && common(b as Record<string, unknown>) && typeof (b as { requested?: unknown }).requested === "string") &&
    Array.isArray(e.connects) &&
    e.connects.every((c: unknown) => {
      if (typeof c !== "object" || c === null) return false;
      const cids = (c as { cids?: unknown }).cids;
      return common(c as Record<string, unknown>) && Array.isArray(cids) && cids.every((x) => typeof x === "string");
    })
  );
}
