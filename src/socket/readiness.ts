/**
 * Who wants to hear that a socket's readiness (libzmq's ZMQ_EVENTS: POLLIN,
 * POLLOUT) may have changed: pollers and proxies. A socket holds a Readiness
 * only while someone watches it, so an unwatched socket pays one null check
 * per pipe activation and nothing per message.
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
  readonly watchers = new Set<ReadinessWatcher>();

  notify(): void {
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
