/** One table: socket type name → implementation (JeroMQ's Sockets.java idea). */
import type { SocketTypeName } from "../socket-type.js";
import type { SocketOptionValues } from "../options.js";
import type { SocketHost } from "./host.js";
import type { SocketBase, SocketPorts } from "./socket-base.js";
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
  ports?: SocketPorts,
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
  ports?: SocketPorts,
): SocketBase {
  return new IMPLEMENTATIONS[type](type, sid, options, host, ports);
}
