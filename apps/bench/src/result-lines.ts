import type { DiskBus } from './guest-spec.js';

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

/**
 * RESULT lines with the parts a stack cannot have masked: a stack without the PIO disk (QEMU)
 * prints `pio=absent` where bare prints `pio sectors=S crc=...`. Only that field is masked, so
 * everything the stack can run is still compared.
 */
export function comparableResults(lines: readonly string[], buses: readonly DiskBus[]): string[] {
  if (buses.includes('pio')) return [...lines];
  return lines.map((l) => (l.startsWith('RESULT disk ') ? l.replace(/ pio(=absent| sectors=\d+ crc=0x[0-9a-f]+)/, ' pio=<not offered>') : l));
}
