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

export class ZocketError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ZocketError";
    this.code = code;
  }
}

/** Shorthand used across the code base: `throw zerr("EINVAL", "...")`. */
export function zerr(code: ErrorCode, message: string, cause?: unknown): ZocketError {
  return new ZocketError(code, message, cause === undefined ? undefined : { cause });
}
