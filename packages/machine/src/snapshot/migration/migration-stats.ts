/** What a live migration did, for the operator (printed on stderr by `vm migrate`). */
export interface MigrationStats {
  /** Pages sent by each pre-copy round (round 0 = the first full pass over RAM). */
  readonly roundPages: readonly number[];
  /** Pages sent during stop-and-copy. */
  readonly finalPages: number;
  /** Guest instructions retired on the sender while pre-copy ran. */
  readonly instructionsDuringPrecopy: number;
  /** Bytes put on the wire in total. */
  readonly bytesSent: number;
  /** Wall time from stopping the guest to the receiver's RESUMED (ms). */
  readonly downtimeMs: number;
  /** Wall time of the whole migration (ms). */
  readonly totalMs: number;
  /** Why pre-copy ended. */
  readonly converged: 'small-dirty-set' | 'round-limit';
}

export function formatMigrationStats(s: MigrationStats): string {
  const rounds = s.roundPages.map((p, i) => `  round ${i}: ${p} pages`).join('\n');
  return [
    `vm migrate: ${s.roundPages.length} pre-copy rounds (${s.converged}), ${s.instructionsDuringPrecopy} guest instructions meanwhile`,
    rounds,
    `  stop-and-copy: ${s.finalPages} pages + device/CPU state`,
    `  sent ${(s.bytesSent / 1048576).toFixed(2)} MiB, downtime ${s.downtimeMs.toFixed(1)} ms, total ${s.totalMs.toFixed(0)} ms`,
  ].join('\n');
}
