/**
 * zocket: ZeroMQ-style messaging sockets in pure TypeScript.
 *
 *   import { Context, ZocketError } from "zocket";
 */
export { Context, type ContextOptions, type ContextHandle } from "./context.js";
export { Socket, type SocketType, type DetachedSocket, type CallOptions } from "./socket.js";
export { ZocketError, ErrorCode } from "./errors.js";
export type { SocketOptions, SocketOptionValues } from "./options.js";
export type { Message, Frame } from "./msg.js";
export type { SocketEvent, SocketEventName, SocketEvents } from "./events.js";
export { curveKeyPair, curvePublicKey, type CurveKeyPair } from "./curve-keys.js";
export { z85 } from "./z85.js";
export { Poller, type PollEvents, type AnySocket } from "./poller.js";
export { proxy, Proxy, type ProxyOptions, type ProxyStatistics, type ProxyCounters, type ProxyState } from "./proxy.js";
