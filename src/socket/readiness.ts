/**
 * Who wants to hear that a socket's readiness (libzmq's ZMQ_EVENTS: POLLIN,
 * POLLOUT) may have changed: pollers and proxies. An unwatched socket pays
 * one size check per pipe wake-up (not per message), REQ/REP turn, close,
 * detach or term. A watched socket holds its thread alive, as a pending
 * recv() does: a poller waiting forever or a running proxy is pending work.
 *
 * A change is reported as "look again", never as a value: watchers re-ask the
 * socket (hasIn/hasOut), exactly as libzmq's poller re-reads ZMQ_EVENTS after
 * its signaler fires. Reports are coalesced into one microtask per watcher,
 * so a burst of pipe activations costs one re-check.
 */

/** Something that re-checks a socket when told its readiness may have changed. */
export interface ReadinessWatcher {
  readinessChanged(): void;
}

export class Readiness {
  private readonly watchers = new Set<ReadinessWatcher>();

  /** `watchedChanged`: the socket re-evaluates whether it holds its thread. */
  constructor(private readonly watchedChanged: () => void) {}

  get watched(): boolean {
    return this.watchers.size > 0;
  }

  watch(w: ReadinessWatcher): void {
    this.watchers.add(w);
    this.watchedChanged();
  }

  unwatch(w: ReadinessWatcher): void {
    if (this.watchers.delete(w)) this.watchedChanged();
  }

  notify(): void {
    if (this.watchers.size === 0) return;
    for (const w of this.watchers) w.readinessChanged();
  }
}

/**
 * Runs `fn` once in a microtask however often `schedule()` is called before
 * it runs: the coalescing every watcher uses.
 */
export class Coalesced {
  private queued = false;
  constructor(private readonly fn: () => void) {}

  schedule(): void {
    if (this.queued) return;
    this.queued = true;
    queueMicrotask(this.run);
  }

  private readonly run = (): void => {
    this.queued = false;
    this.fn();
  };
}
