/**
 * NODE_DEBUG=zocket tracing through util.debuglog: connections, handshakes,
 * pipe lifecycle, bind/unbind, term. Never on per-message paths.
 *
 * Callers test TRACE before building anything: `if (TRACE) trace("...", x)`,
 * so a disabled trace costs one constant check. TRACE is read once, when
 * this module loads, as Node reads NODE_DEBUG once per process.
 */
import { debuglog } from "node:util";

const log = debuglog("zocket");

/** Whether NODE_DEBUG names zocket (checked once). */
export const TRACE: boolean = log.enabled;

/** A printf-style line on stderr, prefixed "ZOCKET <pid>:" by Node; call only under `if (TRACE)`. */
export function trace(format: string, ...args: unknown[]): void {
  log(format, ...args);
}
