/**
 * Endpoints per transport, so a spec test written once runs over every
 * transport in TRANSPORTS. Tests must connect to the endpoint bindEndpoint()
 * returns (tcp/ipc pick a free port/path) and must not rely on inproc-only
 * timing (synchronous pipes, connect before bind) outside tests written for it.
 */
import type { BaseSocket } from "../../src/index.js";

export type Transport = "inproc" | "tcp" | "ipc";

/** The transports the spec tests run over. Add "tcp" and "ipc" once they are ready. */
export const TRANSPORTS: Transport[] = ["inproc"];

let uniq = 0;

/** A unique name for this process, so endpoints never collide across tests. */
export function uniqueName(name: string): string {
  return `${name}-${process.pid}-${++uniq}`;
}

/** Binds `sock` on `transport` and resolves with the endpoint peers should connect to. */
export async function bindEndpoint(sock: BaseSocket, transport: Transport, name: string): Promise<string> {
  switch (transport) {
    case "inproc":
      return sock.bind(`inproc://${uniqueName(name)}`);
    case "tcp":
      return sock.bind("tcp://127.0.0.1:*");
    case "ipc":
      return sock.bind("ipc://*");
  }
}

/**
 * An endpoint of `transport` that nobody listens on (a connect to it stays
 * pending). For tcp/ipc a scratch socket binds and unbinds to find one.
 */
export async function deadEndpoint(scratch: BaseSocket, transport: Transport, name: string): Promise<string> {
  if (transport === "inproc") return `inproc://${uniqueName(name)}`;
  const ep = await bindEndpoint(scratch, transport, name);
  await scratch.unbind(ep);
  return ep;
}

/**
 * Connects `sock` to `ep` and waits until the connection is usable: at once
 * over inproc (the pipe exists on return), after the handshake over tcp/ipc.
 * With `binder`, also waits for the binding side's handshake, so that a
 * binder that sends (round-robin, routing) already knows this peer.
 */
export async function connectReady(sock: BaseSocket, ep: string, transport: Transport, binder?: BaseSocket): Promise<void> {
  if (transport === "inproc") {
    sock.connect(ep);
    return;
  }
  const waits: Promise<void>[] = [];
  const once = (s: BaseSocket, match: (address: string) => boolean): Promise<void> =>
    new Promise<void>((resolve) => {
      const on = (e: { address: string }): void => {
        if (!match(e.address)) return;
        s.events.off("handshake", on);
        resolve();
      };
      s.events.on("handshake", on);
    });
  waits.push(once(sock, (a) => a === ep));
  if (binder !== undefined) waits.push(once(binder, () => true));
  sock.connect(ep);
  await Promise.all(waits);
}
