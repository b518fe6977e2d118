/** Cases that need separate processes: tcp throughput across two processes, and receive-side peak memory. */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Lib } from "../peers.js";
import { countFor } from "../stats.js";

const script = fileURLToPath(new URL("../child.js", import.meta.url));

function run(args: string[], onLine: (line: string) => void, extra: string[] = []): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...extra, script, ...args], { stdio: ["ignore", "pipe", "inherit"] });
    let rest = "";
    p.stdout.setEncoding("utf8");
    p.stdout.on("data", (d: string) => {
      rest += d;
      let i: number;
      while ((i = rest.indexOf("\n")) >= 0) {
        onLine(rest.slice(0, i));
        rest = rest.slice(i + 1);
      }
    });
    p.once("error", reject);
    p.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`child ${args.join(" ")} exited with ${code}`))));
  });
}

/** msgs/s received by one process from another over tcp. */
export async function twoProcesses(lib: Lib, size: number): Promise<number> {
  const n = countFor(size);
  let rate = 0;
  let started = false;
  let sender: Promise<void> = Promise.resolve();
  await run(["recv", lib, String(n)], (line) => {
    if (line.startsWith("ep ") && !started) {
      started = true;
      sender = run(["send", lib, line.slice(3), String(size), String(n)], () => {});
    } else if (line.startsWith("rate ")) rate = Number(line.slice(5));
  });
  await sender;
  return rate;
}

/** Peak RSS over baseline in a process receiving one message of `bytes` over tcp. */
export async function peakMemory(lib: Lib, bytes: number): Promise<number> {
  let peak = 0;
  let sender: Promise<void> = Promise.resolve();
  await run(
    ["mem", lib],
    (line) => {
      if (line.startsWith("ep ")) sender = run(["bigsend", lib, line.slice(3), String(bytes)], () => {});
      else if (line.startsWith("peak ")) peak = Number(line.split(" ")[1]);
    },
    ["--expose-gc"],
  );
  await sender;
  return peak;
}
