/**
 * What a running case holds (contexts, sockets, workers, child processes),
 * so that the runner can tear it down when the case overruns its deadline:
 * a stuck case must neither hang the suite nor keep the process alive.
 */
type Undo = () => unknown;

const live = new Set<Undo>();

/** Registers `undo` until the returned function is called (normal end of the case). */
export function hold(undo: Undo): () => void {
  live.add(undo);
  return () => live.delete(undo);
}

/** Runs every registered undo (at most `ms` in all); used after a timeout. */
export async function abortAll(ms = 5000): Promise<void> {
  const undos = [...live];
  live.clear();
  const all = Promise.allSettled(undos.map(async (u) => u()));
  let t: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([all, new Promise((r) => (t = setTimeout(r, ms)))]);
  clearTimeout(t);
}
