/**
 * tcp:// and ipc:// addresses, parsed the way libzmq's tcp_address_t and
 * ipc_address_t accept them: `tcp://host:port` (host `*` = every interface,
 * port `*` or `0` = a free port when binding, IPv6 in brackets), `ipc://path`
 * (`ipc://*` = a fresh path, `ipc://@name` = Linux abstract namespace).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isIP } from "node:net";
import { zerr } from "../errors.js";

export interface TcpAddress {
  kind: "tcp";
  host: string;
  port: number;
  family: 4 | 6 | 0;
}

export interface IpcAddress {
  kind: "ipc";
  /** What node:net is given (abstract names start with a NUL byte). */
  path: string;
  /** As the user wrote it (and as reported back). */
  display: string;
  abstract: boolean;
}

export type NetAddress = TcpAddress | IpcAddress;

// Unix socket paths are limited to sun_path (108 bytes on Linux, with the NUL).
export const MAX_IPC_PATH = 107;

export function parseTcp(address: string, forBind: boolean, where: string): TcpAddress {
  // libzmq allows "source;destination" for connects; the destination is what matters here.
  const dest = address.includes(";") ? address.slice(address.indexOf(";") + 1) : address;
  const colon = dest.lastIndexOf(":");
  if (colon <= 0) throw zerr("EINVAL", `${where}: tcp address "${address}" needs host:port`);
  let host = dest.slice(0, colon);
  const portText = dest.slice(colon + 1);
  let family: 4 | 6 | 0 = 0;
  if (host.startsWith("[") && host.endsWith("]")) {
    host = host.slice(1, -1);
    if (isIP(host) !== 6) throw zerr("EINVAL", `${where}: "${host}" is not an IPv6 address`);
    family = 6;
  } else if (host === "*") {
    if (!forBind) throw zerr("EINVAL", `${where}: cannot connect to host "*"`);
    host = "0.0.0.0";
    family = 4;
  } else if (isIP(host) === 4) {
    family = 4;
  } else if (isIP(host) === 6) {
    family = 6;
  } else if (!/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(host)) {
    throw zerr("EINVAL", `${where}: "${host}" is not a valid host name`);
  }
  let port: number;
  if (portText === "*" || portText === "0") {
    if (!forBind) throw zerr("EINVAL", `${where}: connect needs a real port, not "${portText}"`);
    port = 0;
  } else if (/^[0-9]{1,5}$/.test(portText) && Number(portText) <= 65535) {
    port = Number(portText);
  } else {
    throw zerr("EINVAL", `${where}: "${portText}" is not a valid port`);
  }
  return { kind: "tcp", host, port, family };
}

export function parseIpc(address: string, forBind: boolean, where: string): IpcAddress {
  if (address === "*") {
    if (!forBind) throw zerr("EINVAL", `${where}: cannot connect to ipc://*`);
    const dir = mkdtempSync(join(tmpdir(), "zocket-"));
    const path = join(dir, "socket");
    return { kind: "ipc", path, display: path, abstract: false };
  }
  if (address.startsWith("@")) {
    // libzmq (ipc_address_t::resolve) refuses "@" alone; Linux would autobind a random name.
    if (address === "@") throw zerr("EINVAL", `${where}: an abstract ipc name needs at least one character after "@"`);
    if (Buffer.byteLength(address) > MAX_IPC_PATH) throw zerr("EINVAL", `${where}: ipc name longer than ${MAX_IPC_PATH} bytes`);
    return { kind: "ipc", path: "\0" + address.slice(1), display: address, abstract: true };
  }
  if (Buffer.byteLength(address) > MAX_IPC_PATH) throw zerr("EINVAL", `${where}: ipc path longer than ${MAX_IPC_PATH} bytes`);
  if (address.includes("\0")) throw zerr("EINVAL", `${where}: ipc path contains a NUL byte`);
  return { kind: "ipc", path: address, display: address, abstract: false };
}

export function formatTcp(host: string, port: number): string {
  return isIP(host) === 6 ? `tcp://[${host}]:${port}` : `tcp://${host}:${port}`;
}

/** The address of a tcp:// or ipc:// endpoint, checked for bind or for connect. */
export function parseNetAddress(transport: "tcp" | "ipc", address: string, forBind: boolean, where: string): NetAddress {
  return transport === "tcp" ? parseTcp(address, forBind, where) : parseIpc(address, forBind, where);
}
