/**
 * One listening socket per bound tcp/ipc endpoint: the single accept path for
 * that endpoint. libuv already refuses to spin on EMFILE (it accepts and drops
 * with a reserved descriptor); on top of that, a server error other than
 * "in use" pauses accepting for a while and resumes, so the listener never dies.
 */
import net from "node:net";
import { rmdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { zerr, ZocketError } from "../errors.js";
import { formatTcp, type NetAddress } from "./address.js";
import { listenIpcPath, listenOnce, removeIfOurs, type SocketFile } from "./ipc-file.js";

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
  /** The socket file this listener made (ipc paths only): the only one close() may remove. */
  private file: SocketFile | null = null;
  private backlog = 0;
  private readonly onError = (err: Error): void => this.onServerError(err);

  constructor(address: NetAddress, private readonly events: ListenerEvents, generatedDir: string | null = null) {
    this.address = address;
    this.generatedDir = generatedDir;
    // Accepted paused: the session switches each stream to reading into buffers of its choice (stream-reader.ts).
    this.server = net.createServer({ noDelay: true, pauseOnConnect: true });
    this.server.on("connection", (stream) => {
      if (this.closed) {
        stream.destroy();
        return;
      }
      this.events.accept(stream, this.endpoint);
    });
  }

  async listen(backlog: number): Promise<string> {
    this.backlog = backlog;
    const a = this.address;
    try {
      if (a.kind === "ipc" && !a.abstract) this.file = await listenIpcPath(this.server, a.path, backlog);
      else await listenOnce(this.server, a.kind === "tcp" ? { host: a.host, port: a.port, backlog, ipv6Only: false } : { path: a.path, backlog });
    } catch (err) {
      throw listenError(err as NodeJS.ErrnoException, this.describe(), a);
    }
    this.server.on("error", this.onError);
    this.server.unref();
    this.endpoint = this.reportedEndpoint();
    return this.endpoint;
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
      if (a.kind === "tcp") this.server.listen({ host: a.host, port: a.port === 0 ? portOf(this.endpoint) : a.port, backlog: this.backlog });
      else if (a.abstract) this.server.listen({ path: a.path, backlog: this.backlog });
      else this.relistenIpc(a.path);
    }, ACCEPT_BACKOFF_MS);
    t.unref();
  }

  /** Listens on our ipc path again (our old file is stale now and is replaced); a failure pauses again. */
  private relistenIpc(path: string): void {
    this.server.off("error", this.onError);
    listenIpcPath(this.server, path, this.backlog).then(
      (file) => {
        this.file = file;
        this.server.on("error", this.onError);
        if (this.closed) this.closeServer();
      },
      (err: Error) => {
        this.server.on("error", this.onError);
        this.onServerError(err);
      },
    );
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.closeServer();
    if (this.generatedDir !== null) {
      try {
        rmdirSync(this.generatedDir);
      } catch {
        // Not empty (someone else's files) or already gone: it is not ours to force.
      }
    }
  }

  /**
   * Stops listening; an ipc socket file goes with it (as libzmq does for its
   * generated paths), but only the one this listener made: a file someone put
   * at the path since is theirs.
   */
  private closeServer(): void {
    this.server.close();
    const a = this.address;
    if (a.kind === "ipc" && !a.abstract) removeIfOurs(a.path, this.file);
  }
}

function portOf(endpoint: string): number {
  return Number(endpoint.slice(endpoint.lastIndexOf(":") + 1));
}

function listenError(err: NodeJS.ErrnoException, endpoint: string, address: NetAddress): ZocketError {
  if (err instanceof ZocketError) return zerr(err.code, `bind: ${endpoint}: ${err.message}`, err);
  switch (err.code) {
    case "EADDRINUSE":
      return zerr("EADDRINUSE", `bind: ${endpoint} is already in use`, err);
    case "EADDRNOTAVAIL":
      return zerr("EADDRNOTAVAIL", `bind: ${endpoint}: address not available on this machine`, err);
    case "EACCES":
      // libuv reports bind(2)'s ENOENT (no such directory) as EACCES, for Windows' sake.
      if (address.kind === "ipc" && !address.abstract && !directoryExists(address.path)) {
        return zerr("ENOENT", `bind: ${endpoint}: directory does not exist`, err);
      }
      return zerr("EACCES", `bind: ${endpoint}: permission denied`, err);
    case "ENOENT":
    case "ENOTDIR":
      return zerr("ENOENT", `bind: ${endpoint}: directory does not exist`, err);
    default:
      return zerr("EINVAL", `bind: ${endpoint}: ${err.message}`, err);
  }
}

function directoryExists(path: string): boolean {
  try {
    return statSync(dirname(path)).isDirectory();
  } catch {
    return false;
  }
}
