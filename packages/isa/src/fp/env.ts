import type { RoundingMode } from './rounding-mode.js';

/**
 * Per-instruction arithmetic environment: the effective rounding mode and the exception flags
 * raised so far. Flags are collected here and only merged into fcsr.fflags once the instruction
 * is known to be legal, so an illegal encoding leaves the state untouched.
 */
export interface FpEnv {
  readonly rm: RoundingMode;
  flags: number;
}
