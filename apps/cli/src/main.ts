#!/usr/bin/env node
import { debugTrace, failure, main } from './cli-main.js';

/**
 * Every failure ends here: bad input (a VmError) is one line and status 2; anything else is an
 * internal fault, one line with where the guest was and status 1 — never a Node stack trace
 * (VM_DEBUG=1 keeps the trace). Faults outside main's promise (timers, sockets) come through
 * uncaughtException and unhandledRejection.
 */
function fail(err: unknown): never {
  // A fault outside the driver skipped its cleanup: give the terminal back its line mode.
  try {
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
  } catch {
    // not a terminal we can set
  }
  const f = failure(err);
  if (f.status !== 2 && process.env.VM_DEBUG === '1') process.stderr.write(`${debugTrace(err)}\n`);
  process.stderr.write(f.line);
  process.exit(f.status);
}

process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);

main(process.argv.slice(2)).then(
  // Exit only once stdout has drained: a piped console must not lose its last lines.
  (code) => process.stdout.write('', () => process.exit(code)),
  fail,
);
