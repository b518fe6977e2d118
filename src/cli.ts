#!/usr/bin/env node
/**
 * The `zocket` command (the package's bin): one socket, or a proxy between
 * two, from a shell. See src/cli/usage.ts for what it does; this file only
 * turns the command line into a run and a run's failure into an exit status.
 * Not part of the library's API; ESM only.
 */
import { parseCommandLine, UsageError } from "./cli/args.js";
import { EXIT, Run } from "./cli/run.js";
import { packageVersion, USAGE } from "./cli/usage.js";

function main(argv: readonly string[]): void {
  let config;
  try {
    config = parseCommandLine(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`zocket: ${err.message}\nTry 'zocket --help'.\n`);
    process.exitCode = EXIT.usage;
    return;
  }
  if (config === "help") return void process.stdout.write(USAGE);
  if (config === "version") return void process.stdout.write(`${packageVersion()}\n`);
  const run = new Run(config);
  run.start().catch((err: unknown) => run.fail(err));
}

main(process.argv.slice(2));
