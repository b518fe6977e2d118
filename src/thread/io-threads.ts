/**
 * The context's I/O threads (libzmq's ZMQ_IO_THREADS), owned by the root
 * thread: worker threads that run tcp/ipc listeners, sessions and engines
 * for sockets living in any thread of the context. A socket reaches one over
 * a link (transport/net-link.ts), the same link a migrated socket uses to
 * reach the thread it left; this module only starts the workers and hands
 * each new link to one of them, round robin.
 *
 * Liveness: a worker object never holds the root thread (unref'd); a socket's
 * end of a link holds the socket's thread while the I/O thread serves it. A
 * worker stays up until the context is terminated, then exits once it serves
 * nothing.
 */
import { pathToFileURL } from "node:url";
import { Worker, type MessagePort } from "node:worker_threads";
import type { IoWorkerData } from "./io-worker.js";

/** What a new I/O thread needs to join the context (a child link of the root). */
export type JoinContext = () => Omit<IoWorkerData, "kind">;

export class IoThreads {
  private readonly workers: (Worker | null)[];
  private next = 0;
  private stopped = false;

  constructor(
    readonly count: number,
    private readonly join: JoinContext,
  ) {
    this.workers = new Array<Worker | null>(count).fill(null);
  }

  /** Hands `port` (a socket's link) to the next I/O thread, started on first use. */
  open(port: MessagePort): void {
    if (this.stopped || this.count === 0) {
      // The context is terminated: the socket's end sees the link close.
      port.close();
      return;
    }
    const i = this.next;
    this.next = (this.next + 1) % this.count;
    const worker = this.workers[i] ?? this.start(i);
    worker.postMessage({ op: "link", port }, [port]);
  }

  /** The context is terminated: each worker exits once it serves nothing. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const w of this.workers) w?.postMessage({ op: "stop" });
  }

  private start(i: number): Worker {
    const join = this.join();
    const data: IoWorkerData = { kind: "zocket.io", ...join };
    const worker = new Worker(ioWorkerUrl(), { workerData: data, transferList: [join.port], stdout: false, stderr: false });
    worker.unref();
    worker.on("error", (err) => {
      // A crash in an I/O thread is a bug; its links close and their sockets
      // serve their endpoints from their own threads. Say so once.
      process.emitWarning(`zocket: an I/O thread failed: ${err instanceof Error ? err.message : String(err)}`, { code: "ZOCKET_IO_THREAD" });
    });
    worker.on("exit", () => {
      if (this.workers[i] === worker) this.workers[i] = null;
    });
    this.workers[i] = worker;
    return worker;
  }
}

/**
 * io-worker.js beside this module. Found through the call site rather than
 * `import.meta.url`, which the CommonJS build of the package cannot contain.
 */
function ioWorkerUrl(): URL {
  const here = thisFile();
  const base = here.startsWith("file:") ? new URL(here) : pathToFileURL(here);
  return new URL("./io-worker.js", base);
}

function thisFile(): string {
  const prepare = Error.prepareStackTrace;
  try {
    Error.prepareStackTrace = (_err, sites) => sites;
    const sites = new Error().stack as unknown as NodeJS.CallSite[];
    const file = sites[0]?.getFileName();
    if (file === undefined || file === null) throw new Error("zocket: cannot locate io-worker.js");
    return file;
  } finally {
    Error.prepareStackTrace = prepare;
  }
}
