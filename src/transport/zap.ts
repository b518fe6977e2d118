/**
 * The ZAP client (RFC 27) of one thread: PLAIN and CURVE servers in this thread ask the
 * handler bound at inproc://zeromq.zap.01 in the same context. One client per
 * thread, reused for every handshake: it keeps one pipe to the handler (as a
 * DEALER would) and matches replies to requests by their request id. With no
 * handler bound the reply says so (`unbound`): PLAIN then refuses the
 * handshake and CURVE admits, as libzmq does. A bound handler that does not
 * answer in time refuses.
 */
import { EMPTY_FRAME, type Msg } from "../msg.js";
import type { Pipe, PipeSink } from "../pipe/pipe.js";
import type { EndInfo } from "../protocols.js";
import type { ZapReply, ZapRequest } from "../zmtp/mechanism.js";

export const ZAP_ENDPOINT = "inproc://zeromq.zap.01";
const ZAP_TIMEOUT_MS = 5000;

/** What the client needs of its thread. */
export interface ZapThread {
  readonly terminated: boolean;
  /** True if some thread of the context has bound `endpoint`. */
  isInprocBound(endpoint: string): Promise<boolean>;
  /** A pipe to whoever binds `endpoint`; `cid` names it while it waits for the bind. */
  openInprocPipe(endpoint: string, own: EndInfo): { pipe: Pipe; cid: string | null };
  cancelInprocConnect(cid: string): void;
}

interface Waiting {
  resolve: (reply: Msg | null) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * RFC 27 to the letter: exactly six frames (version, request id, status code,
 * status text, user id, metadata), version "1.0", our request id, and a status
 * code of 200, 300, 400 or 500. Anything else refuses the peer (as a 500);
 * nothing but a well-formed 200 admits it.
 */
export function checkReply(reply: Msg, id: string): ZapReply {
  const [version, requestId, code, text, userId] = reply;
  if (reply.length !== 6 || version?.toString("latin1") !== "1.0" || requestId?.toString("latin1") !== id) {
    return { statusCode: "500", statusText: "malformed ZAP reply", userId: "" };
  }
  const status = code?.toString("latin1") ?? "";
  if (!STATUS_CODES.has(status)) return { statusCode: "500", statusText: "malformed ZAP reply (bad status code)", userId: "" };
  return { statusCode: status, statusText: text?.toString() ?? "", userId: status === "200" ? (userId?.toString() ?? "") : "" };
}

const STATUS_CODES = new Set(["200", "300", "400", "500"]);

const OWN: EndInfo = { type: "DEALER", routingId: EMPTY_FRAME, sndhwm: 0, rcvhwm: 0, conflate: false };

export class ZapClient implements PipeSink {
  private pipe: Pipe | null = null;
  private cid: string | null = null;
  private readonly waiting = new Map<string, Waiting>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly thread: ZapThread) {}

  /**
   * An authenticator for one handshake (zmtp/mechanism.ts): the server
   * socket's routing id and the peer's address go into the request.
   */
  authenticator(routingId: Buffer | null, address: string, domain: string): (req: ZapRequest) => Promise<ZapReply> {
    return async (req) => {
      if (this.closed || this.thread.terminated || !(await this.thread.isInprocBound(ZAP_ENDPOINT))) {
        return { statusCode: "500", statusText: "no ZAP handler", userId: "", unbound: true };
      }
      const id = String(this.nextId++);
      const request: Msg = [
        Buffer.from("1.0"),
        Buffer.from(id),
        Buffer.from(domain),
        Buffer.from(address),
        // libzmq sends the server socket's own routing id here.
        Buffer.from(routingId ?? EMPTY_FRAME),
        Buffer.from(req.mechanism),
        ...req.credentials.map((c) => Buffer.from(c)),
      ];
      const reply = await this.exchange(id, request);
      if (reply === null) return { statusCode: "500", statusText: "the ZAP handler did not answer", userId: "" };
      return checkReply(reply, id);
    };
  }

  /** One request/reply with the handler; null if it goes away or does not answer in time. */
  private async exchange(id: string, request: Msg): Promise<Msg | null> {
    if (this.closed) return null;
    const pipe = this.connected();
    return new Promise<Msg | null>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve(null);
      }, ZAP_TIMEOUT_MS);
      timer.unref();
      this.waiting.set(id, { resolve, timer });
      // The empty delimiter frame makes a REP (or a ROUTER that answers in kind) accept it.
      if (!pipe.forceWrite([EMPTY_FRAME, ...request])) this.settle(id, null);
    });
  }

  private connected(): Pipe {
    if (this.pipe !== null && !this.pipe.isTerminated) return this.pipe;
    const { pipe, cid } = this.thread.openInprocPipe(ZAP_ENDPOINT, OWN);
    pipe.sink = this;
    pipe.attached = true;
    this.pipe = pipe;
    this.cid = cid;
    return pipe;
  }

  private settle(id: string, reply: Msg | null): void {
    const w = this.waiting.get(id);
    if (w === undefined) return; // timed out already, or not ours
    this.waiting.delete(id);
    clearTimeout(w.timer);
    w.resolve(reply);
  }

  readActivated(pipe: Pipe): void {
    for (let msg = pipe.read(); msg !== null; msg = pipe.read()) {
      const body = msg[0]?.length === 0 ? msg.slice(1) : msg;
      const id = body[1]?.toString();
      if (id !== undefined && this.waiting.has(id)) this.settle(id, body);
      else if (this.waiting.size === 1) {
        // Not an id we asked with: with one request waiting the reply must be
        // for it, and it fails it (libzmq checks the id too).
        for (const only of this.waiting.keys()) this.settle(only, body);
      }
    }
  }

  writeActivated(): void {}

  pipeHello(): void {}

  pipeTerminated(pipe: Pipe): void {
    if (pipe !== this.pipe) return;
    // The handler went away: requests in flight get no answer; the next one connects again.
    this.pipe = null;
    this.cid = null;
    for (const id of [...this.waiting.keys()]) this.settle(id, null);
  }

  /** The thread's context terminated. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.cid !== null) this.thread.cancelInprocConnect(this.cid);
    this.pipe?.terminate(false);
    for (const id of [...this.waiting.keys()]) this.settle(id, null);
  }
}
