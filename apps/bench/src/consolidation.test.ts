import type { GuestRunResult } from '@vm/core';
import { describe, expect, it } from 'vitest';
import { runConsolidation, steadyMips } from './consolidation.js';

/** A VM's result: `progress` as given, ended at its last sample. */
function vm(progress: [number, number][]): GuestRunResult {
  const [seconds, guestInstructions] = progress[progress.length - 1]!;
  return { exit: { reason: 'poweroff', code: 0 }, console: '', guestInstructions, events: {}, seconds, progress };
}

describe('steadyMips: aggregate throughput while every VM runs warm', () => {
  it('leaves out the warm-up before 20 % and the tail after the first VM stops', () => {
    // VM a: slow for 1 s (10 M, its warm-up), then 100 MIPS; VM b the same, but stops earlier.
    const a = vm([[0, 0], [1, 10e6], [2, 110e6], [3, 210e6], [4, 310e6]]);
    const b = vm([[0, 0], [1, 10e6], [2, 110e6], [3, 210e6]]);
    // The window: from the first samples past 20 % of each VM's instructions (both at 2 s) to b's
    // stop (3 s): 100 M each. Over the whole run the pair gives (310 + 210) M / 4 s = 130 MIPS.
    expect(steadyMips([a, b])).toBeCloseTo(200, 6);
    expect(steadyMips([a])).toBeCloseTo(100, 6);
  });

  it('is undefined without samples or when the window is too short', () => {
    expect(steadyMips([{ ...vm([[0, 0], [1, 1e6], [2, 2e6]]), progress: undefined }])).toBeUndefined();
    // b stops right after a has warmed up: no window where both ran warm.
    const a = vm([[0, 0], [10, 10e6], [11, 100e6]]);
    const b = vm([[0, 0], [5, 1e6], [10.05, 100e6]]);
    expect(steadyMips([a, b])).toBeUndefined();
  });
});

describe('the process-per-VM ceiling', () => {
  it('runs 1, 2 and 4 VMs, each in a process of its own, every one to DONE pass, on one clock', async () => {
    const c = await runConsolidation('quick', undefined, 'processes');
    if ('skipped' in c) throw new Error(c.skipped);
    expect(c.stack).toBe('native-trap, a process per VM');
    expect(c.points.map((p) => p.vms)).toEqual([1, 2, 4]);
    for (const p of c.points) {
      expect(p.perVmMips).toHaveLength(p.vms);
      for (const m of p.perVmMips) expect(m).toBeGreaterThan(0);
      // The children's times are on the earliest one's clock: a point lasts as long as its slowest VM.
      expect(p.wallSeconds).toBeGreaterThan(0);
      expect(p.wallSeconds).toBeLessThan(60);
    }
  }, 120_000);
});
