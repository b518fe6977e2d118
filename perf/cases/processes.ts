/**
 * Cases across two processes (tcp on 127.0.0.1): steady-state throughput,
 * round trips, receive-side peak memory, and the raw `net` baselines for them.
 * One child binds and prints its endpoint, the other connects; the measuring
 * child prints one figure, and then both are killed (the other one would
 * stream or echo forever). A child that fails or exits before the figure
 * fails the run: there is no default figure.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Lib } from "../peers.js";
import { checkFigure, type Window } from "../stats.js";
import { hold } from "../cleanup.js";

const zmqChild = fileURLToPath(new URL("../child-tcp.js", import.meta.url));
export const netChild = fileURLToPath(new URL("../child-net.js", import.meta.url));

interface Child {
  /** Rejects if the child exits (or fails) before it is killed by kill(). */
  exited: Promise<void>;
  kill(): void;
}

function run(script: string, args: string[], onLine: (line: string) => void, extra: string[] = []): Child {
  let failure: string | null = null;
  let killed = false;
  const p = spawn(process.execPath, [...extra, script, ...args], { stdio: ["ignore", "pipe", "inherit"] });
  const kill = (): void => {
    killed = true;
    p.kill("SIGKILL");
  };
  // Killed if the case overruns its deadline.
  const release = hold(kill);
  const exited = new Promise<void>((resolve, reject) => {
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
      if (killed) resolve();
      else if (failure !== null) reject(Object.assign(new Error(`child ${args[0]} ${args[1]}: ${failure}`), { code: failure }));
      else reject(new Error(`child ${args[0]} ${args[1]} exited with ${code ?? signal} before its figure`));
    });
  });
  exited.catch(() => {});
  return { exited, kill };
}

/**
 * Starts the binding child, then the connecting one once the first prints
 * "ep <endpoint>"; resolves with the number after `key ` printed by the
 * measuring one, which must be finite and positive.
 */
export async function pair(script: string, bindArgs: string[], connectArgs: (ep: string) => string[], measuring: "bind" | "connect", key: string, extra: string[] = []): Promise<number> {
  let resolveFigure!: (v: number) => void;
  let rejectFigure!: (e: unknown) => void;
  const figure = new Promise<number>((res, rej) => ((resolveFigure = res), (rejectFigure = rej)));
  const take = (line: string): void => {
    if (line.startsWith(`${key} `)) {
      try {
        resolveFigure(checkFigure(Number(line.split(" ")[1]), `${key} from child`));
      } catch (e) {
        rejectFigure(e);
      }
    }
  };
  let connector: Child | null = null;
  const binder = run(
    script,
    bindArgs,
    (line) => {
      if (line.startsWith("ep ") && connector === null) {
        connector = run(script, connectArgs(line.slice(3)), measuring === "connect" ? take : () => {}, extra);
        connector.exited.catch(rejectFigure);
      } else if (measuring === "bind") take(line);
    },
    extra,
  );
  binder.exited.catch(rejectFigure);
  try {
    return await figure;
  } finally {
    binder.kill();
    (connector as Child | null)?.kill();
    await Promise.allSettled([binder.exited, (connector as Child | null)?.exited]);
  }
}

/** msgs/s received by one process from another over tcp, steady state (warm-up, then a timed window). */
export function twoProcesses(lib: Lib, size: number, w: Window): Promise<number> {
  return pair(zmqChild, ["recv", lib, String(w.warm), String(w.warmCount), String(w.secs)], (ep) => ["send", lib, ep, String(size)], "bind", "rate");
}

/** µs per REQ/REP round trip between two processes over tcp. */
export function twoProcessRoundTrip(lib: Lib, ms: number): Promise<number> {
  return pair(zmqChild, ["rep", lib], (ep) => ["req", lib, ep, String(ms)], "connect", "rtt");
}

/** Peak RSS over baseline (bytes) in a process receiving one message of `bytes` over tcp. */
export function peakMemory(lib: Lib, bytes: number): Promise<number> {
  return pair(zmqChild, ["mem", lib], (ep) => ["bigsend", lib, ep, String(bytes)], "bind", "peak", ["--expose-gc"]);
}

/** Raw net bulk between two processes, in `size`-byte messages/s. */
export function netBulkTwoProcesses(size: number, w: Window): Promise<number> {
  return pair(netChild, ["recv", String(size), String(w.warm), String(w.warmCount), String(w.secs)], (port) => ["send", port, String(size)], "bind", "rate");
}

/** Raw net 16-byte ping-pong between two processes, µs per round trip. */
export function netPingPongTwoProcesses(ms: number): Promise<number> {
  return pair(netChild, ["echo"], (port) => ["ping", port, String(ms)], "connect", "rtt");
}
