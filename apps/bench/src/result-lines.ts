/** The workload's RESULT lines: its correctness check (deterministic for given bootargs). */
export function resultLines(console: string): string[] {
  return console
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.startsWith('RESULT '));
}

/** True when the guest said `DONE pass`. */
export function guestPassed(console: string): boolean {
  return /^DONE pass\r?$/m.test(console);
}
