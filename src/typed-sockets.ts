/**
 * Per-type views of the one runtime `Socket` class, so the compiler refuses
 * what a socket type cannot do: `ctx.socket("PUSH")` is a {@link PushSocket},
 * which has no `recv`, no `subscribe` and no ROUTER options. Types only: at
 * run time every socket is a `Socket`, which checks each call itself for
 * JavaScript callers (`recv()` on a PUSH rejects with `ENOTSUP`).
 *
 * The views are cut from `Socket` itself (Omit/Pick), so each member keeps
 * the documentation written on the class and a member added there reaches
 * every type without an edit here.
 */
import type { OptionNameOf, CommonOptionName, SocketOptionValues, TypeSpecificOptions } from "./option-types.js";
import type { SocketEvents } from "./events.js";
import type { DetachedSocket, Socket, SocketType } from "./socket.js";

type SendMember = "send" | "trySend";
type RecvMember = "recv" | "tryRecv" | typeof Symbol.asyncIterator;
type SubscribeMember = "subscribe" | "unsubscribe";
/**
 * Members BaseSocket declares itself: `type` and `detach` narrowed to the
 * socket type, and the getters (an Omit of a getter loses its doc comment
 * in TypeDoc, so they are written out).
 */
type Redeclared = "type" | "detach" | "closed" | "events" | "lastEndpoint" | "readable" | "writable";

/**
 * What every socket has, whatever its type: `bind`/`connect` and friends,
 * `events`, `close`, `detach` and the options every type takes. Take a
 * `BaseSocket` in code that accepts any socket (a typed one or a `Socket`).
 *
 * @typeParam T The socket type, or a union of them.
 */
export interface BaseSocket<T extends SocketType = SocketType>
  extends Omit<Socket, Redeclared | SendMember | RecvMember | SubscribeMember | keyof TypeSpecificOptions> {
  /** The socket type, as given to `ctx.socket()`. */
  readonly type: T;
  /** True once `close()` was called (or the socket was detached). */
  readonly closed: boolean;
  /** Monitor events: `sock.events.on("handshake", e => …)` or `for await (const e of sock.events)`. */
  readonly events: SocketEvents;
  /** The endpoint of the last successful `bind()` (libzmq's `ZMQ_LAST_ENDPOINT`); null before any. */
  readonly lastEndpoint: string | null;
  /** Whether `tryRecv()` would return a message now (libzmq's `ZMQ_EVENTS` & `ZMQ_POLLIN`; zeromq.js's `readable`). */
  readonly readable: boolean;
  /** Whether `trySend()` would take a message now (`ZMQ_EVENTS` & `ZMQ_POLLOUT`; PUB, XPUB and ROUTER always are: they drop). */
  readonly writable: boolean;
  /**
   * Freezes the socket for migration to another thread; this object is dead
   * afterwards (every call throws `ENOTSOCK`). Post the result with its
   * `transferList` and `ctx.adopt()` it there. `EAGAIN` while a `bind()` is
   * still settling.
   */
  detach(): DetachedSocket<T>;
}

/** A socket that sends: `send` and `trySend`. */
export interface SendingSocket<T extends SocketType = SocketType> extends BaseSocket<T>, Pick<Socket, SendMember> {}

/** A socket that receives: `recv`, `tryRecv` and `for await (const msg of sock)`. */
export interface ReceivingSocket<T extends SocketType = SocketType> extends BaseSocket<T>, Pick<Socket, RecvMember> {}

/** A socket that subscribes (SUB, XSUB): `subscribe` and `unsubscribe`. */
export interface SubscribingSocket<T extends SocketType = SocketType> extends BaseSocket<T>, Pick<Socket, SubscribeMember> {}

/** The options only sockets of type `T` (among others) take, as properties. */
type OwnOptions<T extends SocketType> = Pick<SocketOptionValues, Exclude<OptionNameOf<T>, CommonOptionName>>;

/** PAIR: one exclusive peer; sends and receives. */
export interface PairSocket extends SendingSocket<"PAIR">, ReceivingSocket<"PAIR">, OwnOptions<"PAIR"> {}

/** PUB: sends each message to every subscriber whose subscription prefixes it; never receives; drops for peers that are full (unless `xpubNoDrop`). */
export interface PubSocket extends SendingSocket<"PUB">, OwnOptions<"PUB"> {}

/** SUB: receives what it subscribed to from PUB/XPUB peers; never sends. Nothing arrives before `subscribe()`. */
export interface SubSocket extends ReceivingSocket<"SUB">, SubscribingSocket<"SUB">, OwnOptions<"SUB"> {}

/** XPUB: a PUB that also receives its subscribers' subscriptions and cancels (`0x01`/`0x00` + topic). */
export interface XPubSocket extends SendingSocket<"XPUB">, ReceivingSocket<"XPUB">, OwnOptions<"XPUB"> {}

/** XSUB: a SUB whose subscriptions are messages it sends (`0x01`/`0x00` + topic), or made with `subscribe()`. */
export interface XSubSocket extends SendingSocket<"XSUB">, ReceivingSocket<"XSUB">, SubscribingSocket<"XSUB">, OwnOptions<"XSUB"> {}

/** REQ: sends a request, then receives its reply, in strict turns (unless `reqRelaxed`); load-balances requests over REP/ROUTER peers. */
export interface ReqSocket extends SendingSocket<"REQ">, ReceivingSocket<"REQ">, OwnOptions<"REQ"> {}

/** REP: receives a request, then sends its reply to the peer that asked, in strict turns. */
export interface RepSocket extends SendingSocket<"REP">, ReceivingSocket<"REP">, OwnOptions<"REP"> {}

/** DEALER: load-balances outgoing messages and fair-queues incoming ones, with no envelope handling. */
export interface DealerSocket extends SendingSocket<"DEALER">, ReceivingSocket<"DEALER">, OwnOptions<"DEALER"> {}

/** ROUTER: receives each message prefixed with the sender's routing id, and sends to the peer named by the first frame. */
export interface RouterSocket extends SendingSocket<"ROUTER">, ReceivingSocket<"ROUTER">, OwnOptions<"ROUTER"> {}

/** PUSH: load-balances messages over PULL peers; never receives. */
export interface PushSocket extends SendingSocket<"PUSH">, OwnOptions<"PUSH"> {}

/** PULL: fair-queues messages from PUSH peers; never sends. */
export interface PullSocket extends ReceivingSocket<"PULL">, OwnOptions<"PULL"> {}

/** Each socket type's typed view: `SocketTypeMap["PUSH"]` is {@link PushSocket}. */
export interface SocketTypeMap {
  /** `ctx.socket("PAIR")`. */
  PAIR: PairSocket;
  /** `ctx.socket("PUB")`. */
  PUB: PubSocket;
  /** `ctx.socket("SUB")`. */
  SUB: SubSocket;
  /** `ctx.socket("XPUB")`. */
  XPUB: XPubSocket;
  /** `ctx.socket("XSUB")`. */
  XSUB: XSubSocket;
  /** `ctx.socket("REQ")`. */
  REQ: ReqSocket;
  /** `ctx.socket("REP")`. */
  REP: RepSocket;
  /** `ctx.socket("DEALER")`. */
  DEALER: DealerSocket;
  /** `ctx.socket("ROUTER")`. */
  ROUTER: RouterSocket;
  /** `ctx.socket("PUSH")`. */
  PUSH: PushSocket;
  /** `ctx.socket("PULL")`. */
  PULL: PullSocket;
}

/**
 * The socket `ctx.socket(type)` returns for `type: T`: `SocketOf<"PUSH">` is
 * {@link PushSocket}, `SocketOf<"SUB" | "XSUB">` is `SubSocket | XSubSocket`.
 * When `T` is the whole `SocketType` union (a type known only at run time),
 * the full `Socket`, whose calls are checked at run time.
 */
export type SocketOf<T extends SocketType> = SocketType extends T ? Socket : SocketTypeMap[T];
