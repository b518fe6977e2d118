/**
 * The socket options as types: what each one means (the doc comments the
 * editor shows on `ctx.socket(type, { … })` and on `sock.linger`), what may be
 * passed in, and which socket types take which option. Validation and
 * defaults at run time live in options.ts; this module holds no code.
 *
 * Names follow zeromq.js; meanings follow libzmq's zmq_setsockopt, whose
 * option each one is (named in every comment).
 */
import type { SocketType } from "./socket-type.js";

/** A CURVE key as given: 32 bytes, or its 40-character Z85 text (RFC 32). */
export type CurveKey = Buffer | string;

/**
 * Every socket option with the type it reads back as. Each is also a
 * read/write property of the socket; which socket types take which option is
 * in {@link OptionsOf}.
 */
export interface SocketOptionValues {
  /**
   * High-water mark for outbound messages (`ZMQ_SNDHWM`): how many messages
   * may wait for any single peer before the socket blocks `send()` or drops,
   * depending on its type (PUB and XPUB drop, ROUTER drops unless
   * `routerMandatory`, the others wait). 0 means no limit.
   *
   * Unit: messages. Range: integer ≥ 0. Default: 1000. Takes effect for
   * connections made after it is set.
   */
  sendHighWaterMark: number;
  /**
   * High-water mark for inbound messages (`ZMQ_RCVHWM`): how many messages
   * from any single peer may wait to be read before that peer is told to hold
   * back (with `sendHighWaterMark` of the sender, the queue between two
   * sockets holds the sum). 0 means no limit.
   *
   * Unit: messages. Range: integer ≥ 0. Default: 1000. Takes effect for
   * connections made after it is set.
   */
  receiveHighWaterMark: number;
  /**
   * How long `send()` may wait for room before it rejects with `EAGAIN`
   * (`ZMQ_SNDTIMEO`). -1 waits for ever; 0 rejects at once when the message
   * cannot be queued now.
   *
   * Unit: milliseconds. Range: integer ≥ -1. Default: -1.
   */
  sendTimeout: number;
  /**
   * How long `recv()` may wait for a message before it rejects with `EAGAIN`
   * (`ZMQ_RCVTIMEO`). -1 waits for ever; 0 rejects at once when no message is
   * waiting.
   *
   * Unit: milliseconds. Range: integer ≥ -1. Default: -1.
   */
  receiveTimeout: number;
  /**
   * How long messages still queued for peers are kept after `close()` (or
   * `disconnect()`) before they are dropped (`ZMQ_LINGER`). -1 keeps them
   * until delivered (and `ctx.term()` waits for them); 0 drops them at once.
   *
   * Unit: milliseconds. Range: integer ≥ -1. Default: -1, or 0 in a context
   * made with `blocky: false`.
   */
  linger: number;
  /**
   * This socket's routing id (`ZMQ_ROUTING_ID`, formerly `ZMQ_IDENTITY`): the
   * name a ROUTER peer knows it by, sent in the handshake. Without one, the
   * ROUTER makes one up. Set it before connecting.
   *
   * Range: 1 to 255 bytes, not starting with a zero byte (reserved for
   * generated ids); a string is taken as UTF-8 and reads back as a Buffer.
   * Default: null. Socket types: REQ, REP, DEALER, ROUTER.
   */
  routingId: Buffer | null;
  /**
   * Queue messages only to connections whose handshake has completed
   * (`ZMQ_IMMEDIATE`). By default a connecting socket queues to a peer it is
   * still connecting to, so a round-robin socket (PUSH, DEALER, REQ) may park
   * messages on a peer that never comes; with `immediate` it waits for (or
   * picks) a live one instead.
   *
   * Range: boolean. Default: false. tcp and ipc only.
   */
  immediate: boolean;
  /**
   * Keep only the last message (`ZMQ_CONFLATE`): the queue holds at most one
   * message, the newest, and high-water marks are ignored. Meant for
   * single-frame "latest value" messages.
   *
   * Range: boolean. Default: false. Socket types: PUSH, PULL, PUB, SUB,
   * DEALER.
   */
  conflate: boolean;
  /**
   * How long a connecting socket waits before it tries again after a
   * connection fails or is lost (`ZMQ_RECONNECT_IVL`); a random extra of up
   * to the same amount spreads reconnection storms. -1 means never reconnect.
   *
   * Unit: milliseconds. Range: integer ≥ -1. Default: 100. tcp and ipc only.
   */
  reconnectInterval: number;
  /**
   * Upper bound of the reconnection interval (`ZMQ_RECONNECT_IVL_MAX`): when
   * set, the interval doubles after each failed attempt up to this value. 0
   * means no back-off (always `reconnectInterval`).
   *
   * Unit: milliseconds. Range: integer ≥ 0. Default: 0. tcp and ipc only.
   */
  reconnectMaxInterval: number;
  /**
   * Length of the queue of connections the operating system accepts for a
   * bound endpoint before the socket takes them (`ZMQ_BACKLOG`, the
   * `backlog` of listen(2)). Takes effect for later binds.
   *
   * Unit: connections. Range: integer ≥ 0. Default: 100. tcp and ipc only.
   */
  backlog: number;
  /**
   * Longest time a new connection may take to complete its ZMTP handshake
   * (greeting, security mechanism, READY) before it is dropped
   * (`ZMQ_HANDSHAKE_IVL`). 0 means no limit.
   *
   * Unit: milliseconds. Range: integer ≥ 0. Default: 30000. tcp and ipc only.
   */
  handshakeInterval: number;
  /**
   * Send a ZMTP PING every this often on each connection
   * (`ZMQ_HEARTBEAT_IVL`), so dead peers are noticed. 0 turns heartbeats off.
   *
   * Unit: milliseconds. Range: integer ≥ 0. Default: 0. tcp and ipc only.
   */
  heartbeatInterval: number;
  /**
   * How long to wait for any traffic after sending a PING before the
   * connection is dropped as dead (`ZMQ_HEARTBEAT_TIMEOUT`). -1 means "the
   * same as `heartbeatInterval`". Has no effect unless `heartbeatInterval`
   * is set.
   *
   * Unit: milliseconds. Range: integer ≥ -1. Default: -1. tcp and ipc only.
   */
  heartbeatTimeout: number;
  /**
   * Time-to-live announced in our PINGs (`ZMQ_HEARTBEAT_TTL`): the peer drops
   * the connection if it hears nothing from us for this long. Sent in
   * deciseconds, so it is rounded down to a multiple of 100 ms; 0 (or less
   * than 100) means no limit. Has no effect unless `heartbeatInterval` is
   * set.
   *
   * Unit: milliseconds. Range: integer from 0 to 6553500. Default: 0. tcp
   * and ipc only.
   */
  heartbeatTimeToLive: number;
  /**
   * Largest inbound message a peer may send (`ZMQ_MAXMSGSIZE`); a peer that
   * sends more is disconnected. zocket counts a whole multipart message: the
   * sum of its frames plus 32 bytes per frame after the first (libzmq counts
   * each frame alone). -1 means no limit.
   *
   * Unit: bytes. Range: integer ≥ -1. Default: -1. tcp and ipc only.
   */
  maxMessageSize: number;
  /**
   * Refuse messages that cannot be routed (`ZMQ_ROUTER_MANDATORY`): `send()`
   * to an unknown routing id rejects with `EHOSTUNREACH`, and to a peer whose
   * queue is full it waits (then `EAGAIN` after `sendTimeout`) instead of
   * dropping the message silently.
   *
   * Range: boolean. Default: false. Socket types: ROUTER.
   */
  routerMandatory: boolean;
  /**
   * When a second peer connects with a routing id already in use, hand the id
   * over to the newcomer and disconnect the old peer
   * (`ZMQ_ROUTER_HANDOVER`); by default the newcomer is refused.
   *
   * Range: boolean. Default: false. Socket types: ROUTER.
   */
  routerHandover: boolean;
  /**
   * Send an empty message on every new connection (`ZMQ_PROBE_ROUTER`), so
   * a ROUTER peer learns of us (and our routing id) before we send anything.
   * The ROUTER application must expect those empty messages. Use it only
   * towards ROUTER sockets.
   *
   * Range: boolean. Default: false. Socket types: ROUTER, DEALER, REQ.
   */
  probeRouter: boolean;
  /**
   * Relax REQ's strict send/recv alternation (`ZMQ_REQ_RELAXED`): a new
   * `send()` is allowed before the reply to the previous request arrived;
   * that reply is then discarded. Combine it with `reqCorrelate` so a late
   * reply cannot pass for the answer to the new request.
   *
   * Range: boolean. Default: false. Socket types: REQ.
   */
  reqRelaxed: boolean;
  /**
   * Tag each request with an id and accept only the reply carrying it
   * (`ZMQ_REQ_CORRELATE`): the request on the wire becomes (id, empty
   * delimiter, your frames); replies without the current id are dropped.
   *
   * Range: boolean. Default: false. Socket types: REQ.
   */
  reqCorrelate: boolean;
  /**
   * Report every subscription to the application, not only the first for
   * each topic (`ZMQ_XPUB_VERBOSE`). Cancels are still reported once, when
   * the last subscriber of a topic goes.
   *
   * Range: boolean. Default: false. Socket types: XPUB.
   */
  xpubVerbose: boolean;
  /**
   * Wait instead of dropping (`ZMQ_XPUB_NODROP`): when a matching subscriber's
   * queue is full, `send()` waits for room (then `EAGAIN` after
   * `sendTimeout`) rather than dropping the message for that subscriber.
   *
   * Range: boolean. Default: false. Socket types: PUB, XPUB.
   */
  xpubNoDrop: boolean;
  /**
   * Act as a PLAIN server (`ZMQ_PLAIN_SERVER`, RFC 24): clients must send a
   * user name and password, which the ZAP handler bound at
   * `inproc://zeromq.zap.01` checks (RFC 27); with no handler bound, every
   * client is refused, as in libzmq.
   *
   * Range: boolean. Default: false. tcp and ipc only.
   */
  plainServer: boolean;
  /**
   * PLAIN client user name (`ZMQ_PLAIN_USERNAME`); setting it makes the
   * socket a PLAIN client.
   *
   * Range: a string of up to 255 UTF-8 bytes, or null. Default: null. tcp
   * and ipc only.
   */
  plainUsername: string | null;
  /**
   * PLAIN client password (`ZMQ_PLAIN_PASSWORD`), sent with `plainUsername`.
   * PLAIN sends it in clear text: use CURVE over untrusted networks.
   *
   * Range: a string of up to 255 UTF-8 bytes, or null. Default: null. tcp
   * and ipc only.
   */
  plainPassword: string | null;
  /**
   * ZAP domain (`ZMQ_ZAP_DOMAIN`) sent to the ZAP handler with each
   * authentication request of a PLAIN or CURVE server, so one handler can
   * serve several policies.
   *
   * Range: a string of up to 255 UTF-8 bytes. Default: "". tcp and ipc only.
   */
  zapDomain: string;
  /**
   * Act as a CURVE server (`ZMQ_CURVE_SERVER`, RFC 26): the socket accepts
   * CURVE clients that know its public key; it needs `curveSecretKey`. The
   * ZAP handler, if one is bound (mechanism "CURVE", the client's public key
   * as credential), decides who is admitted; with none, every such client
   * is. CURVE takes precedence over PLAIN options.
   *
   * Range: boolean. Default: false. tcp and ipc only.
   */
  curveServer: boolean;
  /**
   * This socket's long-term CURVE public key (`ZMQ_CURVE_PUBLICKEY`), the
   * public half of `curveSecretKey`. A CURVE client needs it; make a pair
   * with `curveKeyPair()`.
   *
   * Range: 32 bytes or 40 Z85 characters, read back as given. Default: null.
   * tcp and ipc only.
   */
  curvePublicKey: CurveKey | null;
  /**
   * This socket's long-term CURVE secret key (`ZMQ_CURVE_SECRETKEY`). CURVE
   * servers and clients both need it.
   *
   * Range: 32 bytes or 40 Z85 characters, read back as given. Default: null.
   * tcp and ipc only.
   */
  curveSecretKey: CurveKey | null;
  /**
   * The server's long-term CURVE public key (`ZMQ_CURVE_SERVERKEY`); setting
   * it makes the socket a CURVE client of that server (it also needs
   * `curvePublicKey` and `curveSecretKey`).
   *
   * Range: 32 bytes or 40 Z85 characters, read back as given. Default: null.
   * tcp and ipc only.
   */
  curveServerKey: CurveKey | null;
}

/** The name of a socket option. */
export type OptionName = keyof SocketOptionValues;

/**
 * Options whose value may be given in more forms than it reads back as:
 * a routing id as text or bytes, CURVE keys as bytes of any kind.
 */
export interface WiderOptionInputs {
  /**
   * This socket's routing id (`ZMQ_ROUTING_ID`): the name a ROUTER peer knows
   * it by. 1 to 255 bytes, not starting with a zero byte; a string is taken as
   * UTF-8. Reads back as a Buffer. Default: null.
   */
  routingId: Buffer | Uint8Array | string | null;
  /**
   * This socket's long-term CURVE public key (`ZMQ_CURVE_PUBLICKEY`): 32
   * bytes or 40 Z85 characters. Default: null.
   */
  curvePublicKey: Uint8Array | string | null;
  /**
   * This socket's long-term CURVE secret key (`ZMQ_CURVE_SECRETKEY`): 32
   * bytes or 40 Z85 characters. Default: null.
   */
  curveSecretKey: Uint8Array | string | null;
  /**
   * The server's long-term CURVE public key (`ZMQ_CURVE_SERVERKEY`): 32 bytes
   * or 40 Z85 characters; makes the socket a CURVE client. Default: null.
   */
  curveServerKey: Uint8Array | string | null;
}

/** What may be passed in for each option (the value it reads back as, or a wider form). */
export type OptionInputs = Omit<SocketOptionValues, keyof WiderOptionInputs> & WiderOptionInputs;

/**
 * Every option, each optional, as `ctx.socket(type, options)` takes them
 * when the type is only known at run time. For a known type,
 * {@link OptionsOf} lists what that type takes.
 */
export type SocketOptions = Partial<OptionInputs>;

/**
 * The options only some socket types take, and which (libzmq's "applicable
 * socket types" in zmq_setsockopt). Every other option applies to all types.
 */
export interface TypeSpecificOptions {
  /** `ZMQ_ROUTING_ID`: REQ, REP, DEALER, ROUTER. */
  routingId: "REQ" | "REP" | "DEALER" | "ROUTER";
  /** `ZMQ_CONFLATE`: PUSH, PULL, PUB, SUB, DEALER. */
  conflate: "PUSH" | "PULL" | "PUB" | "SUB" | "DEALER";
  /** `ZMQ_ROUTER_MANDATORY`: ROUTER. */
  routerMandatory: "ROUTER";
  /** `ZMQ_ROUTER_HANDOVER`: ROUTER. */
  routerHandover: "ROUTER";
  /** `ZMQ_PROBE_ROUTER`: ROUTER, DEALER, REQ. */
  probeRouter: "ROUTER" | "DEALER" | "REQ";
  /** `ZMQ_REQ_RELAXED`: REQ. */
  reqRelaxed: "REQ";
  /** `ZMQ_REQ_CORRELATE`: REQ. */
  reqCorrelate: "REQ";
  /** `ZMQ_XPUB_VERBOSE`: XPUB. */
  xpubVerbose: "XPUB";
  /** `ZMQ_XPUB_NODROP`: PUB, XPUB. */
  xpubNoDrop: "PUB" | "XPUB";
}

/** The names of the options every socket type takes. */
export type CommonOptionName = Exclude<OptionName, keyof TypeSpecificOptions>;

/**
 * The names of the options a socket of type `T` takes. For a union of types,
 * the options every one of them takes.
 */
export type OptionNameOf<T extends SocketType> =
  | CommonOptionName
  | { [K in keyof TypeSpecificOptions]: [T] extends [TypeSpecificOptions[K]] ? K : never }[keyof TypeSpecificOptions];

/**
 * The options `ctx.socket(type, options)` takes for a socket of type `T`:
 * `OptionsOf<"ROUTER">` has `routerMandatory`, `OptionsOf<"PUSH">` does not.
 * When `T` is the whole `SocketType` union (a type known only at run time),
 * every option: the run time checks them then.
 */
export type OptionsOf<T extends SocketType> = SocketType extends T ? SocketOptions : Partial<Pick<OptionInputs, OptionNameOf<T>>>;

/** The option values a socket of type `T` has as properties. */
export type OptionValuesOf<T extends SocketType> = Pick<SocketOptionValues, OptionNameOf<T>>;
