/**
 * ZAP client (RFC 27): a PLAIN server asks the handler bound at
 * inproc://zeromq.zap.01 in the same context. With no handler bound the
 * handshake is refused, as libzmq does.
 */
import type net from "node:net";

export const ZAP_ENDPOINT = "inproc://zeromq.zap.01";
const ZAP_TIMEOUT_MS = 5000;

import type { ZapReply, ZapRequest } from "../zmtp/mechanism.js";

/** What a socket's host offers for ZAP: one request/reply exchange with the handler, or null if none is bound. */
export interface ZapHost {
  zapExchange(frames: Buffer[], timeoutMs: number): Promise<Buffer[] | null>;
}

let nextRequestId = 1;

export function zapAuthenticator(
  host: ZapHost | null,
  routingId: Buffer | null,
  stream: net.Socket,
  domain: string,
): (req: ZapRequest) => Promise<ZapReply> {
  return async (req) => {
    const address = stream.remoteAddress ?? "";
    const id = String(nextRequestId++);
    const frames = [
      Buffer.from("1.0"),
      Buffer.from(id),
      Buffer.from(domain),
      Buffer.from(address),
      // libzmq sends the server socket's own routing id here.
      Buffer.from(routingId ?? Buffer.alloc(0)),
      Buffer.from(req.mechanism),
      ...req.credentials.map((c) => Buffer.from(c)),
    ];
    const reply = host !== null ? await host.zapExchange(frames, ZAP_TIMEOUT_MS) : null;
    if (reply === null) return { statusCode: "500", statusText: "no ZAP handler", userId: "" };
    // Reply: version, request id, status code, status text, user id, metadata.
    if (reply.length < 5 || reply[0]!.toString() !== "1.0" || reply[1]!.toString() !== id) {
      return { statusCode: "500", statusText: "malformed ZAP reply", userId: "" };
    }
    return {
      statusCode: reply[2]!.toString(),
      statusText: reply[3]!.toString(),
      userId: reply[4]!.toString(),
    };
  };
}
