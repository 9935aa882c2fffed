import type { Clock, IrqLine } from '@vm/core';

/** An IrqLine that records its level and every transition (tests only). */
export class ProbeLine implements IrqLine {
  level = false;
  /** Every level passed to set(), in order. */
  readonly history: boolean[] = [];

  set(level: boolean): void {
    this.level = level;
    this.history.push(level);
  }
}

/** A clock the test moves by hand. */
export class ManualClock implements Clock {
  ticks = 0n;
  constructor(readonly frequency = 10_000_000) {}
  now(): bigint {
    return this.ticks;
  }
}
