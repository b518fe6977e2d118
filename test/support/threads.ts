/**
 * Helpers for tests that use real worker threads: bounded waits, a bounded
 * `ctx.term()`, inline workers attached to a context, and cleanup that never
 * throws. Every wait that could hang is bounded, so a failing test fails on
 * its own and never holds up the suite.
 */
import { expect } from "chai";
import { Worker, type Transferable } from "node:worker_threads";
import type * as zmq from "zeromq";
import { Context, ZocketError, type BaseSocket, type ReceivingSocket } from "../../src/index.js";

/** The library's entry, for inline workers to import. */
export const lib = new URL("../../src/index.js", import.meta.url).href;

/** Rejects with a clear message if `p` does not settle within `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<T>((_, reject) => {
      t = setTimeout(() => reject(new Error(`${what}: did not happen within ${ms} ms`)), ms);
    }),
  ]);
}

/**
 * `ctx.term()` raced against `ms`. A term() that waits holds the thread with an
 * interval of its own (as zmq_ctx_term blocks); on timeout that interval is
 * unref'd so the hung term cannot keep the test process alive after the suite.
 */
export async function termWithin(ctx: Context, ms: number, what = "ctx.term()"): Promise<void> {
  const timers: ReturnType<typeof setInterval>[] = [];
  const real = globalThis.setInterval;
  globalThis.setInterval = ((...args: Parameters<typeof setInterval>) => {
    const t = real(...args);
    timers.push(t);
    return t;
  }) as typeof setInterval;
  let p: Promise<void>;
  try {
    p = ctx.term();
  } finally {
    globalThis.setInterval = real;
  }
  try {
    await withTimeout(p, ms, what);
  } catch (err) {
    for (const t of timers) t.unref();
    throw err;
  }
}

/** Best-effort cleanup: term with a timeout, errors swallowed (the test already reported its own). */
export async function quietTerm(ctx: Context | null | undefined, ms = 3000): Promise<void> {
  if (ctx == null) return;
  await termWithin(ctx, ms).catch(() => {});
}

/** What a synchronous call did: "ok", a ZocketError's code, or another error's class and message. */
export function outcome(fn: () => unknown, onValue?: (v: unknown) => void): string {
  try {
    const v = fn();
    onValue?.(v);
    return "ok (no error)";
  } catch (err) {
    return describeError(err);
  }
}

export async function outcomeAsync(p: Promise<unknown>, ms: number, what: string): Promise<string> {
  try {
    await withTimeout(p, ms, what);
    return "ok (no error)";
  } catch (err) {
    return describeError(err);
  }
}

export function describeError(err: unknown): string {
  if (err instanceof ZocketError) return err.code;
  if (err instanceof Error) return `${err.constructor.name}: ${err.message}`;
  return `thrown non-error ${String(err)}`;
}

/** A worker from inline ES module source; `parentPort`, `workerData`, `Context` and `ZocketError` are in scope. */
export function rawWorker(body: string, data: Record<string, unknown> = {}, transferList: readonly unknown[] = []): Worker {
  const src = `
    import { parentPort, workerData } from "node:worker_threads";
    const { Context, ZocketError } = await import(workerData.lib);
    ${body}`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(src)}`), {
    workerData: { ...data, lib },
    transferList: transferList as never,
  });
}

/** A worker attached to `ctx`: `ctx` is in scope as that thread's Context. */
export function attachedWorker(ctx: Context, body: string, data: Record<string, unknown> = {}, transferList: readonly unknown[] = []): Worker {
  const h = ctx.share();
  return rawWorker(`const ctx = Context.attach(workerData.ctx);\n${body}`, { ...data, ctx: h }, [...h.transferList, ...transferList]);
}

/** The worker's next message (rejects on a worker error or after `ms`). */
export function nextMessage<T>(w: Worker, ms: number, what: string): Promise<T> {
  return withTimeout(
    new Promise<T>((resolve, reject) => {
      const onMsg = (m: T): void => {
        w.off("error", onErr);
        resolve(m);
      };
      const onErr = (e: Error): void => {
        w.off("message", onMsg);
        reject(e);
      };
      w.once("message", onMsg);
      w.once("error", onErr);
    }),
    ms,
    what,
  );
}

export const exited = (w: Worker): Promise<number> => new Promise((resolve) => w.once("exit", resolve));

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Reads up to `max` messages' first frames; stops at the first EAGAIN (the socket's receiveTimeout). */
export async function drain(sock: ReceivingSocket, max: number): Promise<string[]> {
  const got: string[] = [];
  for (let i = 0; i < max; i++) {
    try {
      got.push(String((await sock.recv())[0]));
    } catch (err) {
      if (err instanceof ZocketError && err.code === "EAGAIN") break;
      throw err;
    }
  }
  return got;
}

export const range = (n: number, prefix = "", from = 0): string[] => Array.from({ length: n }, (_, i) => `${prefix}${from + i}`);

/** Fails with a short account (how many were read, the first one out of place) instead of a 100-line diff. */
export function expectMessages(got: string[], expected: string[], what: string): void {
  if (got.length === expected.length && got.every((g, i) => g === expected[i])) return;
  const bad = got.findIndex((g, i) => g !== expected[i]);
  expect.fail(
    `${what}: read ${got.length} of the ${expected.length} expected` +
      (bad >= 0 ? `; #${bad} was ${JSON.stringify(got[bad])} instead of ${JSON.stringify(expected[bad])}` : "") +
      `; first read: ${JSON.stringify(got.slice(0, 5))}, expected ${JSON.stringify(expected.slice(0, 5))}${expected.length > 5 ? "…" : ""}`,
  );
}

/** Closes every zocket socket, closes libzmq sockets, terminates workers: never throws. */
export async function cleanup(parts: {
  sockets?: (BaseSocket | null | undefined)[];
  zmq?: (zmq.Socket | null | undefined)[];
  workers?: (Worker | Agent | null | undefined)[];
}): Promise<void> {
  for (const s of parts.sockets ?? []) {
    try {
      s?.close();
    } catch {
      /* detached or already gone */
    }
  }
  for (const z of parts.zmq ?? []) {
    try {
      if (z !== null && z !== undefined && !z.closed) z.close();
    } catch {
      /* already closed */
    }
  }
  for (const w of parts.workers ?? []) {
    if (w instanceof Agent) await w.terminate();
    else await w?.terminate().catch(() => 0);
  }
}

// ------------------------------------------------------------------ agents

/**
 * Source of an agent worker: it runs the snippets the test posts, one async
 * function body each, with `ctx` (this thread's Context), `S` (the thread's
 * sockets by name, kept between snippets), `args` (the posted arguments),
 * `ZocketError`, `code(promiseOrFn)` (resolves with "ok" or the error's
 * code) and `next(socket)` (the next message's frames as latin1 text joined
 * by "|", or "error CODE") in scope. A snippet's value is posted back; if it has a
 * `transferList` array (a DetachedSocket does), that list is transferred.
 * Snippets run concurrently: one can wait on a recv() while the next runs.
 */
const AGENT = `
  const AsyncFunction = (async () => {}).constructor;
  const S = Object.create(null);
  const code = async (what) => {
    try {
      await (typeof what === "function" ? what() : what);
      return "ok";
    } catch (e) {
      return e instanceof ZocketError ? e.code : (e?.constructor?.name ?? "?") + ": " + e?.message;
    }
  };
  const next = async (sock) => {
    try {
      return (await sock.recv()).map((f) => Buffer.from(f).toString("latin1")).join("|");
    } catch (e) {
      return "error " + (e instanceof ZocketError ? e.code : e?.message);
    }
  };
  parentPort.on("message", async ({ id, body, args }) => {
    try {
      const fn = new AsyncFunction("ctx", "S", "args", "ZocketError", "code", "next", body);
      const value = await fn(ctx, S, args, ZocketError, code, next);
      const transfer = Array.isArray(value?.transferList) ? value.transferList : [];
      parentPort.postMessage({ id, ok: true, value }, transfer);
    } catch (e) {
      parentPort.postMessage({ id, ok: false, code: e?.code ?? null, message: String(e?.stack ?? e?.message ?? e) });
    }
  });`;

/** A failure inside an agent's snippet, with the ZocketError code if it was one. */
export class AgentError extends Error {
  constructor(
    readonly agent: string,
    readonly code: string | null,
    message: string,
  ) {
    super(`agent ${agent}: ${code ?? "error"}: ${message}`);
  }
}

/** A worker attached to a context that runs snippets on request (see AGENT). */
export class Agent {
  readonly worker: Worker;
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private dead: Error | null = null;

  constructor(
    ctx: Context,
    readonly name: string,
  ) {
    this.worker = attachedWorker(ctx, AGENT);
    this.worker.on("message", (m: { id: number; ok: boolean; value?: unknown; code?: string | null; message?: string }) => {
      const w = this.waiting.get(m.id);
      if (w === undefined) return;
      this.waiting.delete(m.id);
      if (m.ok) w.resolve(m.value);
      else w.reject(new AgentError(this.name, m.code ?? null, m.message ?? ""));
    });
    const fail = (err: Error): void => {
      this.dead ??= err;
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    };
    this.worker.on("error", (e) => fail(new Error(`agent ${this.name} crashed: ${e.stack ?? e.message}`)));
    this.worker.on("exit", (c) => fail(new Error(`agent ${this.name} exited (code ${c})`)));
  }

  /**
   * Runs `body` (an async function body) in the worker; resolves with its
   * value, rejects with an AgentError if it threw, or after `ms`.
   */
  run<T = unknown>(body: string, args: Record<string, unknown> = {}, transferList: readonly Transferable[] = [], ms = 5000): Promise<T> {
    if (this.dead !== null) return Promise.reject(this.dead);
    const id = ++this.seq;
    const p = new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
    });
    this.worker.postMessage({ id, body, args }, transferList as Transferable[]);
    return withTimeout(p, ms, `agent ${this.name}: ${body.trim().split("\n")[0]!.slice(0, 80)}`).finally(() => this.waiting.delete(id));
  }

  /** Closes every socket the agent holds (a snippet), bounded. */
  closeAll(ms = 3000): Promise<unknown> {
    return this.run("for (const s of Object.values(S)) s.close();", {}, [], ms);
  }

  async terminate(): Promise<void> {
    await this.worker.terminate().catch(() => 0);
  }
}
