/**
 * Every error zocket raises is a ZocketError with a stable `code` named after
 * libzmq's errno, so code written against libzmq/zeromq.js can branch on it.
 */
/** The codes a {@link ZocketError} carries, by name: `err.code === ErrorCode.EAGAIN`. */
export const ErrorCode = {
  /** An invalid argument: unknown option or socket type, bad value, malformed endpoint, misuse. */
  EINVAL: "EINVAL",
  /** Would block: `sendTimeout`/`receiveTimeout` ran out, or a call that may not wait could not proceed. */
  EAGAIN: "EAGAIN",
  /** The context was terminated (`ctx.term()`). */
  ETERM: "ETERM",
  /** The call is not allowed in the socket's current state (REQ/REP out of turn). */
  EFSM: "EFSM",
  /** A ROUTER with `routerMandatory` has no peer with that routing id. */
  EHOSTUNREACH: "EHOSTUNREACH",
  /** The endpoint is already bound (by this process or another). */
  EADDRINUSE: "EADDRINUSE",
  /** The address is not local (binding to an address this host does not have). */
  EADDRNOTAVAIL: "EADDRNOTAVAIL",
  /** The socket is closed, or was detached for migration. */
  ENOTSOCK: "ENOTSOCK",
  /** The socket type does not support the call (`recv()` on a PUSH, `subscribe()` on a PUB). */
  ENOTSUP: "ENOTSUP",
  /** The endpoint's transport is not supported (only tcp, ipc and inproc are). */
  EPROTONOSUPPORT: "EPROTONOSUPPORT",
  /** A peer sent a message larger than `maxMessageSize` (in `disconnect`/`handshake:error` events). */
  EMSGSIZE: "EMSGSIZE",
  /** No thread available (libzmq's code, kept for programs that test for it). */
  EMTHREAD: "EMTHREAD",
  /** Too many sockets (`maxSockets`) or open files. */
  EMFILE: "EMFILE",
  /** An ipc path's directory does not exist. */
  ENOENT: "ENOENT",
  /** The peer refused the connection (in `connect:delay` events). */
  ECONNREFUSED: "ECONNREFUSED",
  /** The peer reset the connection (in `disconnect` events). */
  ECONNRESET: "ECONNRESET",
  /** A connection was aborted (the thread hosting a migrated socket's connections exited). */
  ECONNABORTED: "ECONNABORTED",
  /** The peer closed the connection while we were writing. */
  EPIPE: "EPIPE",
  /** The peer broke the ZMTP protocol, or the connection closed during the handshake. */
  EPROTO: "EPROTO",
  /** A timer ran out on a connection (heartbeat, handshake), or another non-protocol failure. */
  ETIMEDOUT: "ETIMEDOUT",
  /** Permission denied: an ipc path or privileged port, or authentication refused during a handshake. */
  EACCES: "EACCES",
} as const;

/** A libzmq-style error code: `"EINVAL"`, `"EAGAIN"`, … (see {@link ErrorCode}). */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The same symbol in every copy of zocket a process has loaded. */
const BRAND = Symbol.for("zocket.ZocketError");

/**
 * Every error zocket raises. `code` names the libzmq errno (`EAGAIN`,
 * `ETERM`, …); `message` says what was wrong and where (socket type,
 * endpoint, option); `cause` keeps the underlying error when there is one.
 */
export class ZocketError extends Error {
  /** The libzmq-style code, stable across versions: branch on it, not on the message. */
  readonly code: ErrorCode;

  /** Made by zocket; user code may make them too (for example in tests). */
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ZocketError";
    this.code = code;
  }

  /**
   * `instanceof ZocketError` checks a brand, not the prototype chain: a
   * process can hold two copies of zocket (on Node < 20.19, `require()` loads
   * the CommonJS build and `import` the ESM one), and an error thrown by
   * either must match the class of both. Subclasses keep the usual check.
   */
  static override [Symbol.hasInstance](value: unknown): value is ZocketError {
    if (this !== ZocketError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === "object" && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
  }
}
Object.defineProperty(ZocketError.prototype, BRAND, { value: true });

/** Shorthand used across the code base: `throw zerr("EINVAL", "...")`. */
export function zerr(code: ErrorCode, message: string, cause?: unknown): ZocketError {
  return new ZocketError(code, message, cause === undefined ? undefined : { cause });
}
