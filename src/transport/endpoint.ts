/** Endpoint strings: `transport://address`, checked the way zmq_bind/zmq_connect do. */
import { zerr } from "../errors.js";

export type TransportName = "inproc" | "tcp" | "ipc";

export interface Endpoint {
  transport: TransportName;
  address: string;
  /** The endpoint as given, normalised. */
  text: string;
}

const KNOWN: readonly string[] = ["inproc", "tcp", "ipc"];
const UNSUPPORTED: readonly string[] = ["pgm", "epgm", "norm", "vmci", "udp", "tipc", "ws", "wss"];

export function parseEndpoint(value: unknown, where: string): Endpoint {
  if (typeof value !== "string") throw zerr("EINVAL", `${where}: the endpoint must be a string`);
  const i = value.indexOf("://");
  if (i <= 0) throw zerr("EINVAL", `${where}: malformed endpoint "${value}" (expected transport://address)`);
  const transport = value.slice(0, i);
  const address = value.slice(i + 3);
  if (!KNOWN.includes(transport)) {
    if (UNSUPPORTED.includes(transport) || /^[a-z][a-z0-9+.-]*$/.test(transport)) {
      throw zerr("EPROTONOSUPPORT", `${where}: transport "${transport}" is not supported (use inproc, tcp or ipc)`);
    }
    throw zerr("EINVAL", `${where}: malformed endpoint "${value}"`);
  }
  if (address.length === 0) throw zerr("EINVAL", `${where}: endpoint "${value}" has no address`);
  return { transport: transport as TransportName, address, text: value };
}
