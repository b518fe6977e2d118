/**
 * Every error zocket raises is a ZocketError with a stable `code` named after
 * libzmq's errno, so code written against libzmq/zeromq.js can branch on it.
 */
export const ErrorCode = {
  EINVAL: "EINVAL",
  EAGAIN: "EAGAIN",
  ETERM: "ETERM",
  EFSM: "EFSM",
  EHOSTUNREACH: "EHOSTUNREACH",
  EADDRINUSE: "EADDRINUSE",
  EADDRNOTAVAIL: "EADDRNOTAVAIL",
  ENOTSOCK: "ENOTSOCK",
  ENOTSUP: "ENOTSUP",
  EPROTONOSUPPORT: "EPROTONOSUPPORT",
  EMSGSIZE: "EMSGSIZE",
  EMTHREAD: "EMTHREAD",
  EMFILE: "EMFILE",
  ENOENT: "ENOENT",
  ECONNREFUSED: "ECONNREFUSED",
  ECONNRESET: "ECONNRESET",
  ECONNABORTED: "ECONNABORTED",
  EPIPE: "EPIPE",
  EPROTO: "EPROTO",
  ETIMEDOUT: "ETIMEDOUT",
  EACCES: "EACCES",
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The same symbol in every copy of zocket a process has loaded. */
const BRAND = Symbol.for("zocket.ZocketError");

export class ZocketError extends Error {
  readonly code: ErrorCode;

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
