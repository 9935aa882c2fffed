import { COUNT_ZERO } from '@vm/core';
import type { Clock } from '@vm/core';
import { VIRT_TIMEBASE_HZ } from './memory-map.js';

/**
 * Virtual time: derived from instructions retired on the board, so the same guest and flags give
 * the same timer interrupts, the same `time` readings and the same output on every run.
 * `instructionsPerTick` sets the modelled speed: 10 instructions per 100 ns tick ≈ 100 MIPS.
 * `skip(ticks)` moves time forward while every hart waits in WFI (nothing to execute meanwhile).
 */
export class VirtualClock implements Clock {
  readonly frequency = VIRT_TIMEBASE_HZ;
  private skippedHere = COUNT_ZERO;
  /**
   * `instructions` returns the instructions retired on the board so far, all harts together
   * (VirtMachine.instructionsNow). `shared`: the skipped ticks live in this shared word instead
   * (harts on threads: every thread's clock reads and skips the same time; threads/shared-board.ts).
   */
  constructor(
    private readonly instructions: () => number,
    readonly instructionsPerTick = 10,
    private readonly shared?: BigInt64Array,
  ) {}

  private get skipped(): number {
    return this.shared === undefined ? this.skippedHere : Number(Atomics.load(this.shared, 0));
  }

  private set skipped(ticks: number) {
    if (this.shared === undefined) this.skippedHere = ticks;
    else Atomics.store(this.shared, 0, BigInt(ticks));
  }

  now(): bigint {
    return BigInt(Math.floor(this.instructions() / this.instructionsPerTick) + this.skipped);
  }

  skip(ticks: number): void {
    if (ticks > 0) this.skipped += ticks;
  }

  snapshot(): { version: 1; skipped: number } {
    return { version: 1, skipped: this.skipped };
  }
  restore(s: { version: number; skipped: number }): void {
    if (s.version !== 1) throw new Error(`VirtualClock: unknown snapshot version ${s.version}`);
    this.skipped = s.skipped;
  }
}

/** Wall-clock time (`--clock wall`): the guest sees real elapsed time; runs are not repeatable. */
export class WallClock implements Clock {
  readonly frequency = VIRT_TIMEBASE_HZ;
  private readonly start = process.hrtime.bigint();
  private skipped = 0n;

  now(): bigint {
    return ((process.hrtime.bigint() - this.start) * BigInt(this.frequency)) / 1_000_000_000n + this.skipped;
  }

  /** WFI with wall time: the board sleeps instead, but a skip keeps the same contract. */
  skip(ticks: number): void {
    if (ticks > 0) this.skipped += BigInt(ticks);
  }
}
