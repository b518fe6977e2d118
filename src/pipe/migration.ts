/**
 * Moving a pipe end to another thread: freeze it into plain, transferable
 * state and revive it there. A same-thread pair is first split into a port
 * pair: both ends swap their LocalLink for a PortLink in place, so the end
 * that stays behind (and its socket) notices nothing.
 */
import { MessageChannel, MessagePort } from "node:worker_threads";
import type { Transferable } from "../util/transfer.js";
import { isEndInfo, type EndInfo } from "../protocols.js";
import { packBatch, unpackBatch } from "./batch.js";
import { LocalLink, PortCounters, PortLink } from "./links.js";
import { ACTIVE, DELIMITER, DRAINING, TERM_SENT, Pipe, type PipeStateName } from "./pipe.js";

/** Everything needed to revive an end in another thread. */
export interface PipeState {
  /** null: the peer is already gone (what it delivered is in `inq`). */
  port: MessagePort | null;
  own: EndInfo;
  peer: EndInfo | null;
  delay: boolean;
  state: PipeStateName;
  inq: ArrayBuffer | null;
  delimiter: boolean;
  counters: [written: number, peerRead: number, readCount: number, creditSent: number];
  endpoint: string;
  routingId: Uint8Array | null;
  attached: boolean;
}

/** Freezes `pipe` (which must not be terminated); the object is retired afterwards. */
export function freezePipe(pipe: Pipe): PipeState {
  if (pipe.link instanceof LocalLink) splitLocal(pipe, pipe.link.other);
  pipe.flush();
  const link = pipe.link;
  let port: MessagePort | null = null;
  let counters = PortCounters.fresh();
  if (link instanceof PortLink) {
    port = link.release();
    counters = link.counters;
  }
  const queued = pipe.inq.toArray();
  const delimiter = queued.length > 0 && queued[queued.length - 1] === DELIMITER;
  if (delimiter) queued.pop();
  const state: PipeState = {
    port,
    own: pipe.own,
    peer: pipe.peer,
    delay: pipe.delay,
    state: pipe.state,
    inq: queued.length > 0 ? packBatch(queued).buf : null,
    delimiter,
    counters: [counters.written, counters.peerRead, counters.readCount, counters.creditSent],
    endpoint: pipe.endpoint,
    routingId: pipe.routingId,
    attached: pipe.attached,
  };
  pipe.retire();
  return state;
}

export function pipeTransferables(s: PipeState): Transferable[] {
  const out: Transferable[] = [];
  if (s.port !== null) out.push(s.port);
  if (s.inq !== null) out.push(s.inq);
  return out;
}

/** Revives an end from freezePipe() in this thread. */
export function revivePipe(s: PipeState): Pipe {
  const p = new Pipe(s.own);
  p.delay = s.delay;
  p.peer = s.peer;
  p.state = s.state;
  p.endpoint = s.endpoint;
  p.attached = s.attached;
  p.routingId = s.routingId !== null ? Buffer.from(s.routingId.buffer, s.routingId.byteOffset, s.routingId.byteLength) : null;
  if (s.inq !== null) unpackBatch(s.inq, (m) => p.inq.push(m));
  if (s.delimiter) p.inq.push(DELIMITER);
  p.readerAsleep = p.inq.length === 0;
  if (s.port !== null) p.link = new PortLink(p, s.port, new PortCounters(...s.counters));
  return p;
}

/** Checks a PipeState that arrived from another thread (it may be forged). */
export function isPipeState(v: unknown): v is PipeState {
  if (typeof v !== "object" || v === null) return false;
  const s = v as Record<string, unknown>;
  return (
    (s.port === null || s.port instanceof MessagePort) &&
    isEndInfo(s.own) &&
    (s.peer === null || isEndInfo(s.peer)) &&
    typeof s.delay === "boolean" &&
    (s.state === ACTIVE || s.state === TERM_SENT || s.state === DRAINING) &&
    (s.inq === null || s.inq instanceof ArrayBuffer) &&
    typeof s.delimiter === "boolean" &&
    Array.isArray(s.counters) &&
    s.counters.length === 4 &&
    s.counters.every((n) => Number.isSafeInteger(n)) &&
    typeof s.endpoint === "string" &&
    (s.routingId === null || s.routingId instanceof Uint8Array) &&
    typeof s.attached === "boolean"
  );
}

/**
 * Turns a local pair into a port pair. Counters restart at the split: each
 * writer has "written" exactly what the other end still holds unread. A writer
 * already blocked stays blocked until credit comes over the port.
 */
function splitLocal(a: Pipe, b: Pipe): void {
  const { port1, port2 } = new MessageChannel();
  // `a` is about to be frozen: its link does not listen (the port travels on).
  a.link = new PortLink(a, port2, new PortCounters(b.inboundCount, 0, 0, 0), false);
  b.link = new PortLink(b, port1, new PortCounters(a.inboundCount, 0, 0, 0));
}
