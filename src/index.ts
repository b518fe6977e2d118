/**
 * zocket: ZeroMQ-style messaging sockets in pure TypeScript for Node.js.
 * The public API only; the README is the reference's front page.
 *
 * @packageDocumentation
 * @document ../docs/MIGRATING-FROM-ZEROMQ-JS.md
 * @document ../docs/ARCHITECTURE.md
 * @document ../CHANGELOG.md
 */
export { Context, type ContextOptions, type ContextHandle } from "./context.js";
export { Socket, type SocketType, type DetachedSocket, type CallOptions } from "./socket.js";
export type {
  BaseSocket,
  SendingSocket,
  ReceivingSocket,
  SubscribingSocket,
  PairSocket,
  PubSocket,
  SubSocket,
  XPubSocket,
  XSubSocket,
  ReqSocket,
  RepSocket,
  DealerSocket,
  RouterSocket,
  PushSocket,
  PullSocket,
  SocketTypeMap,
  SocketOf,
} from "./typed-sockets.js";
export { ZocketError, ErrorCode } from "./errors.js";
export type {
  SocketOptions,
  SocketOptionValues,
  OptionsOf,
  OptionValuesOf,
  OptionName,
  OptionNameOf,
  CommonOptionName,
  TypeSpecificOptions,
  OptionInputs,
  WiderOptionInputs,
  CurveKey,
} from "./option-types.js";
export type { Message, Frame } from "./msg.js";
export type {
  SocketEvent,
  SocketEventName,
  SocketEventMap,
  SocketEventOf,
  SocketEventListener,
  HandshakeFailure,
  EventBase,
  EventError,
  EventCause,
  EventHandshakeError,
  SocketEvents,
} from "./events.js";
export { curveKeyPair, curvePublicKey, type CurveKeyPair } from "./curve-keys.js";
export { z85 } from "./z85.js";
export { Poller, type PollEvents, type AnySocket } from "./poller.js";
export { proxy, Proxy, type ProxyOptions, type ProxyStatistics, type ProxyCounters, type ProxyState } from "./proxy.js";
