/**
 * The entry point of one I/O thread (io-threads.ts starts it). It joins the
 * context as a thread of its own (so ZAP requests reach the handler through
 * the inproc registry) and serves every link it is handed: the tcp/ipc
 * endpoints of one socket per link (transport/net-link.ts).
 */
import { isMainThread, parentPort, workerData, MessagePort } from "node:worker_threads";
import { serveOverLink } from "../transport/net-link.js";
import { ThreadContext } from "./thread-context.js";

export interface IoWorkerData {
  kind: "zocket.io";
  contextId: string;
  path: string;
  port: MessagePort;
  blocky: boolean;
  maxSockets: number;
}

function isIoWorkerData(v: unknown): v is IoWorkerData {
  if (typeof v !== "object" || v === null) return false;
  const d = v as Record<string, unknown>;
  return d.kind === "zocket.io" && typeof d.contextId === "string" && typeof d.path === "string" && d.port instanceof MessagePort;
}

if (!isMainThread && parentPort !== null && isIoWorkerData(workerData)) {
  const data = workerData;
  const control = parentPort;
  // An I/O thread serves its own connections where they are: no I/O threads of its own.
  const thread = new ThreadContext(data.path, data.contextId, { blocky: data.blocky, maxSockets: data.maxSockets, ioThreads: 0 }, data.port);
  const stop = (): void => {
    // Whatever is still served (lingering sessions) holds the thread until done.
    control.removeAllListeners();
    control.unref();
  };
  control.on("message", (m: unknown) => {
    if (typeof m !== "object" || m === null) return;
    const msg = m as { op?: unknown; port?: unknown };
    if (msg.op === "stop") stop();
    else if (msg.op === "link" && msg.port instanceof MessagePort) acceptLink(msg.port);
  });

  function acceptLink(port: MessagePort): void {
    serveOverLink(port, thread.zap);
  }
}
