/**
 * What a socket needs of the thread it lives in (thread/thread-context.ts
 * implements it). These are requests and notices: the thread never writes a
 * socket's fields, and the socket never touches the context tree itself.
 */
import type { MessagePort } from "node:worker_threads";
import type { Pipe } from "../pipe/pipe.js";
import type { EndInfo } from "../protocols.js";
import type { ZapClient } from "../transport/zap.js";

/** A socket as its thread sees it. */
export interface HostedSocket {
  readonly sid: string;
  readonly type: string;
  /** What the socket tells a peer about itself (the other end of a new pipe). */
  ownInfo(): EndInfo;
  /** Takes in the binder's end of a same-thread inproc pipe. */
  acceptPipe(pipe: Pipe, endpoint: string): void;
  /**
   * Takes in a pipe port for one of our endpoints (an inproc connect from the
   * registry, or a session in a thread we left). `pending`: the peer is known after its handshake.
   */
  acceptPort(port: MessagePort, endpoint: string, pending?: boolean): void;
  /** The endpoints to name when term() waits on this socket. */
  describeEndpoints(): string[];
}

export interface SocketHost {
  readonly terminated: boolean;
  /** The ZAP client of this thread (PLAIN servers ask the handler through it). */
  readonly zap: ZapClient;
  /**
   * Registers an inproc bind with the context's registry; rejects EADDRINUSE.
   * `address` (the socket's mailbox address) goes with its first bind only.
   */
  registerInprocBind(sid: string, endpoint: string, address: MessagePort | null): Promise<void>;
  /** Resolves once the registry has let go of `endpoint` (a bind anywhere may take it then). */
  unregisterInprocBind(sid: string, endpoint: string): Promise<void>;
  /** Keeps this thread's index of inproc endpoints bound here, for same-thread connects. */
  boundHere(endpoint: string, socket: HostedSocket): void;
  unboundHere(endpoint: string, socket: HostedSocket): void;
  /**
   * A pipe to whoever binds `endpoint`: a same-thread pair if the binder lives
   * here, otherwise a port the registry delivers now or once the bind comes
   * (`cid` names that pending connect, for cancelInprocConnect).
   */
  openInprocPipe(endpoint: string, own: EndInfo): { pipe: Pipe; cid: string | null };
  cancelInprocConnect(cid: string): void;
  /** A link to one of the context's I/O threads (tcp/ipc run there), or null if it has none. */
  openIoLink(): MessagePort | null;
  /** The socket closed (it lingers as a zombie until zombieDone). `addressAtRoot`: the registry holds its address. */
  socketClosed(socket: HostedSocket, addressAtRoot: boolean): void;
  zombieDone(socket: HostedSocket): void;
}
