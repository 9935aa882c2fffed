/**
 * The machine's time base, shared by the `time` CSR, Sstc, the CLINT's mtime and the RTC.
 * Ticks at `frequency` Hz (10 MHz on the virt board). Virtual by default: derived from retired
 * instructions, so runs are deterministic; a wall-clock implementation is an option of the board.
 */
export interface Clock {
  readonly frequency: number;
  /** Current time in ticks. */
  now(): bigint;
}
