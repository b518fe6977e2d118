/**
 * One listening socket per bound tcp/ipc endpoint: the single accept path for
 * that endpoint. libuv already refuses to spin on EMFILE (it accepts and drops
 * with a reserved descriptor); on top of that, a server error other than
 * "in use" pauses accepting for a while and resumes, so the listener never dies.
 */
import net from "node:net";
import { existsSync, unlinkSync, rmdirSync } from "node:fs";
import { zerr, type ZocketError } from "../errors.js";
import { formatTcp, type NetAddress } from "./address.js";

export interface ListenerEvents {
  accept(stream: net.Socket, endpoint: string): void;
  acceptError(err: Error, endpoint: string): void;
}

const ACCEPT_BACKOFF_MS = 100;

export class Listener {
  readonly server: net.Server;
  /** The endpoint as reported to the user (with the real port / path). */
  endpoint = "";
  private closed = false;
  private readonly address: NetAddress;
  private readonly generatedDir: string | null;

  constructor(address: NetAddress, private readonly events: ListenerEvents, generatedDir: string | null = null) {
    this.address = address;
    this.generatedDir = generatedDir;
    this.server = net.createServer({ noDelay: true });
    this.server.on("connection", (stream) => {
      if (this.closed) {
        stream.destroy();
        return;
      }
      this.events.accept(stream, this.endpoint);
    });
  }

  listen(backlog: number): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        this.server.off("listening", onListening);
        reject(listenError(err, this.describe()));
      };
      const onListening = (): void => {
        this.server.off("error", onError);
        this.server.on("error", (err) => this.onServerError(err));
        this.server.unref();
        this.endpoint = this.reportedEndpoint();
        resolve(this.endpoint);
      };
      this.server.once("error", onError);
      this.server.once("listening", onListening);
      const a = this.address;
      if (a.kind === "tcp") {
        this.server.listen({ host: a.host, port: a.port, backlog, ipv6Only: false });
      } else {
        if (!a.abstract) removeStaleSocket(a.path);
        this.server.listen({ path: a.path, backlog });
      }
    });
  }

  private describe(): string {
    const a = this.address;
    return a.kind === "tcp" ? formatTcp(a.host, a.port) : `ipc://${a.display}`;
  }

  private reportedEndpoint(): string {
    const a = this.address;
    if (a.kind === "ipc") return `ipc://${a.display}`;
    const info = this.server.address() as net.AddressInfo;
    return formatTcp(a.host, info.port);
  }

  /** Accept failures (EMFILE, ENFILE, ...): report, pause, resume. Never fatal. */
  private onServerError(err: Error): void {
    this.events.acceptError(err, this.endpoint);
    if (this.closed) return;
    const a = this.address;
    this.server.close();
    const t = setTimeout(() => {
      if (this.closed) return;
      if (a.kind === "tcp") this.server.listen({ host: a.host, port: a.port === 0 ? portOf(this.endpoint) : a.port });
      else this.server.listen({ path: a.path });
    }, ACCEPT_BACKOFF_MS);
    t.unref();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.server.close();
    const a = this.address;
    if (a.kind === "ipc" && !a.abstract) {
      // libzmq removes the socket file on unbind/close (and its generated directory).
      try {
        unlinkSync(a.path);
      } catch {
        // Already gone (removed by hand, or its directory was): nothing left to clean.
      }
      if (this.generatedDir !== null) {
        try {
          rmdirSync(this.generatedDir);
        } catch {
          // Not empty (someone else's files) or already gone: it is not ours to force.
        }
      }
    }
  }
}

function portOf(endpoint: string): number {
  return Number(endpoint.slice(endpoint.lastIndexOf(":") + 1));
}

/** A socket file left behind by an earlier run would block bind; libzmq unlinks it first too. */
function removeStaleSocket(path: string): void {
  if (!existsSync(path)) return;
  try {
    unlinkSync(path);
  } catch {
    // Not ours to remove (permissions) or gone meanwhile: listen() then reports what is wrong.
  }
}

function listenError(err: NodeJS.ErrnoException, endpoint: string): ZocketError {
  switch (err.code) {
    case "EADDRINUSE":
      return zerr("EADDRINUSE", `bind: ${endpoint} is already in use`, err);
    case "EADDRNOTAVAIL":
      return zerr("EADDRNOTAVAIL", `bind: ${endpoint}: address not available on this machine`, err);
    case "EACCES":
      return zerr("EACCES", `bind: ${endpoint}: permission denied`, err);
    case "ENOENT":
      return zerr("ENOENT", `bind: ${endpoint}: directory does not exist`, err);
    default:
      return zerr("EINVAL", `bind: ${endpoint}: ${err.message}`, err);
  }
}

