/**
 * The CLI's proxy mode: whole messages from frontend to backend and back, a
 * copy of each to an optional capture socket, as zmq_proxy does. Same shape
 * as the library's proxy(frontend, backend, { capture }) (a `done` promise and
 * terminate()), so the CLI can switch to it in one line.
 */
import { ZocketError } from "../index.js";

/** What forwarding needs of a socket (its type is only known at run time). */
export interface ForwardSocket {
  readonly type: string;
  send(message: Buffer[]): Promise<void>;
  recv(options?: { signal?: AbortSignal }): Promise<Buffer[]>;
}

export interface Forwarding {
  /** Resolves when terminated, or when a socket is closed or its context terminated; rejects on another error. */
  readonly done: Promise<void>;
  /** Stops forwarding; no message is taken from a socket after this. */
  terminate(): void;
}

const CAN_RECV = (type: string): boolean => type !== "PUSH" && type !== "PUB";
const CAN_SEND = (type: string): boolean => type !== "PULL" && type !== "SUB";

export function forward(frontend: ForwardSocket, backend: ForwardSocket, options: { capture?: ForwardSocket } = {}): Forwarding {
  const stop = new AbortController();
  const { capture } = options;
  const pump = async (from: ForwardSocket, to: ForwardSocket): Promise<void> => {
    while (!stop.signal.aborted) {
      let msg: Buffer[];
      try {
        msg = await from.recv({ signal: stop.signal });
      } catch (err) {
        if (stop.signal.aborted) return;
        throw err;
      }
      await to.send(msg);
      if (capture !== undefined) await capture.send(msg);
    }
  };
  const ways: Promise<void>[] = [];
  if (CAN_RECV(frontend.type) && CAN_SEND(backend.type)) ways.push(pump(frontend, backend));
  if (CAN_RECV(backend.type) && CAN_SEND(frontend.type)) ways.push(pump(backend, frontend));
  if (ways.length === 0) {
    const err = new ZocketError("EINVAL", `proxy: no message can flow between ${frontend.type} and ${backend.type}`);
    return { done: Promise.reject(err), terminate: () => {} };
  }
  const done = Promise.all(ways).then(
    () => undefined,
    (err: unknown) => {
      stop.abort();
      // A closed socket or a terminated context ends a proxy, as zmq_proxy returns on ETERM.
      if (err instanceof ZocketError && (err.code === "ETERM" || err.code === "ENOTSOCK")) return;
      throw err;
    },
  );
  return { done, terminate: () => stop.abort() };
}
