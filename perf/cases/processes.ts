/** Cases that need separate processes: tcp throughput across two processes, and receive-side peak memory. */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Lib } from "../peers.js";
import { countFor } from "../stats.js";
import { hold } from "../cleanup.js";

const script = fileURLToPath(new URL("../child-tcp.js", import.meta.url));

interface Child {
  done: Promise<void>;
  kill(): void;
}

/** Runs child-tcp.js with `args`; its stdout lines go to `onLine`; "error <code>" lines fail it with that code. */
function run(args: string[], onLine: (line: string) => void, extra: string[] = []): Child {
  let failure: string | null = null;
  const p = spawn(process.execPath, [...extra, script, ...args], { stdio: ["ignore", "pipe", "inherit"] });
  // Killed if the case overruns its deadline.
  const release = hold(() => p.kill("SIGKILL"));
  const done = new Promise<void>((resolve, reject) => {
    let rest = "";
    p.stdout.setEncoding("utf8");
    p.stdout.on("data", (d: string) => {
      rest += d;
      let i: number;
      while ((i = rest.indexOf("\n")) >= 0) {
        const line = rest.slice(0, i);
        rest = rest.slice(i + 1);
        if (line.startsWith("error ")) failure = line.slice(6);
        else onLine(line);
      }
    });
    p.once("error", (err) => {
      release();
      reject(err);
    });
    p.once("exit", (code, signal) => {
      release();
      if (code === 0) resolve();
      else if (failure !== null) reject(Object.assign(new Error(`child ${args[0]} ${args[1]}: ${failure}`), { code: failure }));
      else reject(new Error(`child ${args[0]} ${args[1]} exited with ${code ?? signal}`));
    });
  });
  return { done, kill: () => p.kill("SIGKILL") };
}

/** Starts the receiving child, then the sender once the receiver prints its endpoint; a failing sender ends the receiver. */
async function pair(recvArgs: string[], sendArgs: (ep: string) => string[], onLine: (line: string) => void, extra: string[] = []): Promise<void> {
  let sender: Promise<void> = Promise.resolve();
  let senderError: unknown = null;
  const receiver = run(
    recvArgs,
    (line) => {
      if (line.startsWith("ep ")) {
        sender = run(sendArgs(line.slice(3)), () => {}).done.catch((err) => {
          senderError = err;
          receiver.kill();
        });
      } else onLine(line);
    },
    extra,
  );
  try {
    await receiver.done;
  } catch (err) {
    await sender;
    throw senderError ?? err;
  }
  await sender;
  if (senderError !== null) throw senderError;
}

/** msgs/s received by one process from another over tcp. */
export async function twoProcesses(lib: Lib, size: number): Promise<number> {
  const n = countFor(size);
  let rate = 0;
  await pair(["recv", lib, String(n)], (ep) => ["send", lib, ep, String(size), String(n)], (line) => {
    if (line.startsWith("rate ")) rate = Number(line.slice(5));
  });
  return rate;
}

/** Peak RSS over baseline in a process receiving one message of `bytes` over tcp. */
export async function peakMemory(lib: Lib, bytes: number): Promise<number> {
  let peak = 0;
  await pair(
    ["mem", lib],
    (ep) => ["bigsend", lib, ep, String(bytes)],
    (line) => {
      if (line.startsWith("peak ")) peak = Number(line.split(" ")[1]);
    },
    ["--expose-gc"],
  );
  return peak;
}
