/** One table: socket type name → implementation (JeroMQ's Sockets.java idea). */
import type { SocketTypeName } from "../pipe/pipe.js";
import type { SocketOptionValues } from "../options.js";
import type { MessagePort } from "node:worker_threads";
import type { SocketBase, SocketHost } from "./socket-base.js";
import { PairSocket } from "./pair.js";
import { PushSocket, PullSocket } from "./pipeline.js";
import { DealerSocket, RouterSocket } from "./dealer-router.js";
import { ReqSocket, RepSocket } from "./reqrep.js";
import { PubSocket, SubSocket, XPubSocket, XSubSocket } from "./pubsub.js";

type Ctor = new (
  type: SocketTypeName,
  sid: string,
  options: SocketOptionValues,
  host: SocketHost,
  ports?: { mailbox: MessagePort; address: MessagePort | null },
) => SocketBase;

const IMPLEMENTATIONS: Record<SocketTypeName, Ctor> = {
  PAIR: PairSocket,
  PUB: PubSocket,
  SUB: SubSocket,
  XPUB: XPubSocket,
  XSUB: XSubSocket,
  REQ: ReqSocket,
  REP: RepSocket,
  DEALER: DealerSocket,
  ROUTER: RouterSocket,
  PUSH: PushSocket,
  PULL: PullSocket,
};

export function createSocketCore(
  type: SocketTypeName,
  sid: string,
  options: SocketOptionValues,
  host: SocketHost,
  ports?: { mailbox: MessagePort; address: MessagePort | null },
): SocketBase {
  return new IMPLEMENTATIONS[type](type, sid, options, host, ports);
}
