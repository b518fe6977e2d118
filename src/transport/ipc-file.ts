/**
 * The file behind a bound ipc:// path (the abstract namespace has none).
 *
 * libzmq (ipc_listener.cpp, set_local_address) unlinks whatever is at the path
 * before bind(2), so a second bind silently takes the path from a live socket,
 * and a regular file there is deleted. zocket removes only a *stale* socket
 * file, one nobody accepts on (connect says ECONNREFUSED: its process died);
 * a live listener, or anything that is not a socket, is EADDRINUSE, as bind(2)
 * says of any existing path.
 *
 * libuv unlinks the path it bound when the server closes, whatever the path
 * holds by then. So the server binds a fresh side name in the same directory
 * and the socket file is linked to the requested path with link(2), which
 * fails (EEXIST) rather than replace anything; the side name goes at once.
 * On close the file at the path is removed only if it is still ours (same
 * device, inode and birth time). When no side name fits in sun_path, or the
 * file system has no hard links, the path is bound directly (then libuv
 * removes the path on close whatever it holds).
 */
import net from "node:net";
import { randomBytes } from "node:crypto";
import { lstatSync, unlinkSync, type Stats } from "node:fs";
import { link, lstat, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { zerr } from "../errors.js";
import { MAX_IPC_PATH } from "./address.js";

/** Which file a bind made: what close() compares before removing the path. */
export interface SocketFile {
  readonly dev: number;
  readonly ino: number;
  readonly birth: number;
}

/** Tries at one path: each EADDRINUSE with a stale file cleared is followed by another. */
const BIND_ATTEMPTS = 3;
/** A connect to a unix socket is answered or refused at once; this only bounds a wedged peer. */
const PROBE_TIMEOUT_MS = 1000;

/**
 * Listens on `path` (not abstract) and resolves with the file made. Rejects with
 * a ZocketError EADDRINUSE when the path is live or not a socket, or with
 * Node's error (code as bind(2) gives it) otherwise.
 */
export async function listenIpcPath(server: net.Server, path: string, backlog: number): Promise<SocketFile> {
  const side = sideName(path);
  if (side !== null) {
    try {
      await listenOnce(server, { path: side, backlog });
    } catch (err) {
      // The side name is taken (cannot happen but by chance): bind the path itself.
      if (codeOf(err) !== "EADDRINUSE") throw err;
      return listenDirect(server, path, backlog);
    }
    let linked = false;
    try {
      linked = await linkTo(side, path);
    } catch (err) {
      server.close();
      throw err;
    } finally {
      await unlink(side).catch(() => {});
    }
    if (linked) return fileOf(lstatSync(path));
    // No hard links here: start again, at the path itself.
    server.close();
  }
  return listenDirect(server, path, backlog);
}

/** Removes the socket file at `path` if it is still the one `file` names. */
export function removeIfOurs(path: string, file: SocketFile | null): void {
  if (file === null) return;
  try {
    if (sameFile(fileOf(lstatSync(path)), file)) unlinkSync(path);
  } catch {
    // Gone already (removed by hand, or its directory was): nothing left to clean.
  }
}

/** Links `side` to `path`, clearing a stale file there; false if the file system cannot link. */
async function linkTo(side: string, path: string): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    try {
      await link(side, path);
      return true;
    } catch (err) {
      const code = codeOf(err);
      if (code === "EEXIST") {
        if (attempt === BIND_ATTEMPTS) throw inUse("it keeps being taken");
        await clearStale(path);
        continue;
      }
      if (code === "EPERM" || code === "ENOTSUP" || code === "EOPNOTSUPP" || code === "EXDEV" || code === "EMLINK") return false;
      throw err;
    }
  }
}

async function listenDirect(server: net.Server, path: string, backlog: number): Promise<SocketFile> {
  for (let attempt = 1; ; attempt++) {
    try {
      await listenOnce(server, { path, backlog });
      return fileOf(lstatSync(path));
    } catch (err) {
      if (codeOf(err) !== "EADDRINUSE" || attempt === BIND_ATTEMPTS) throw err;
      await clearStale(path);
    }
  }
}

/**
 * Removes the file at `path` if it is a socket nobody listens on; EADDRINUSE if
 * somebody does, or if it is not a socket. Nothing there: nothing to do.
 */
async function clearStale(path: string): Promise<void> {
  let before: Stats;
  try {
    before = await lstat(path);
  } catch (err) {
    if (codeOf(err) === "ENOENT") return;
    throw err;
  }
  if (!before.isSocket()) throw inUse("the path exists and is not a socket");
  if (await answers(path)) throw inUse("another socket listens there");
  // Stale. Remove it only if it is the file just probed (a concurrent bind may have replaced it).
  try {
    if (sameFile(fileOf(lstatSync(path)), fileOf(before))) unlinkSync(path);
  } catch {
    // Gone meanwhile: the next attempt finds the path free.
  }
}

/** Whether something accepts connections at `path`. Refused or gone: no; any other outcome: yes (not ours to remove). */
function answers(path: string): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const probe = net.connect({ path });
    const done = (live: boolean): void => {
      clearTimeout(timer);
      probe.destroy();
      resolve(live);
    };
    const timer = setTimeout(() => done(true), PROBE_TIMEOUT_MS);
    probe.once("connect", () => done(true));
    probe.once("error", (err) => done(codeOf(err) !== "ECONNREFUSED" && codeOf(err) !== "ENOENT"));
  });
}

/** server.listen() as a promise: resolves once listening, rejects with the listen error. */
export function listenOnce(server: net.Server, options: net.ListenOptions): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => {
      server.off("listening", onListening);
      reject(err);
    };
    const onListening = (): void => {
      server.off("error", onError);
      resolve();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(options);
  });
}

/** A fresh hidden name next to `path` that still fits sun_path, or null. */
function sideName(path: string): string | null {
  const room = MAX_IPC_PATH - Buffer.byteLength(join(dirname(path), ".zk"));
  const digits = Math.min(16, room);
  if (digits < 8) return null;
  return join(dirname(path), `.zk${randomBytes(8).toString("hex").slice(0, digits)}`);
}

function fileOf(st: Stats): SocketFile {
  return { dev: st.dev, ino: st.ino, birth: st.birthtimeMs };
}

function sameFile(a: SocketFile, b: SocketFile): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.birth === b.birth;
}

function inUse(why: string): Error {
  return zerr("EADDRINUSE", why);
}

function codeOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}
