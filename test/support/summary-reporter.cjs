// Mocha reporter: the usual spec output, then one closing line that CI reads:
// "N passed, N failed" (", N skipped" when some were pending).
//
// mocha runs without --exit, so a run whose sockets, streams or timers were all
// let go ends by itself. If something still holds the event loop a while after
// the last test, that is a leak (or a test that failed half-way and left a
// socket open): the watchdog names what is left and ends the run as failed,
// instead of letting CI hang until its own time limit.
"use strict";
const Mocha = require("mocha");
const { Spec } = Mocha.reporters;
const { EVENT_RUN_END } = Mocha.Runner.constants;

const WATCHDOG_MS = Number(process.env.ZOCKET_TEST_WATCHDOG_MS) > 0 ? Number(process.env.ZOCKET_TEST_WATCHDOG_MS) : 15000;

class SummaryReporter extends Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats || { passes: 0, failures: 0, pending: 0 };
      const tail = s.pending ? `, ${s.pending} skipped` : "";
      process.stdout.write(`\n${s.passes} passed, ${s.failures} failed${tail}\n`);
      const watchdog = setTimeout(() => {
        const held = process.getActiveResourcesInfo().filter((r) => r !== "TTYWrap");
        process.stderr.write(`\nThe event loop was still held ${WATCHDOG_MS / 1000} s after the last test (${held.join(", ")}): ending the run as failed.\n`);
        const code = Math.min(s.failures, 255) || 1;
        // mocha's own 'exit' listener sets the exit code to the failure count; ours runs after it.
        process.on("exit", () => (process.exitCode = code));
        process.exit(code);
      }, WATCHDOG_MS);
      watchdog.unref();
    });
  }
}
module.exports = SummaryReporter;
