import { describe, expect, it } from 'vitest';
import { runBenchmark } from './benchmark.js';
import { costModel } from './cost-model.js';
import { modelCycles } from './modelled-cycles.js';
import type { BenchReport } from './report.js';
import { WORKLOAD_NAMES } from './workloads.js';

const STACKS = ['bare-m', 'bare-sbi'];

// Two whole quick benchmarks of the bare stacks (≈ 2–4 s each on 2 cores).
async function quick(): Promise<BenchReport> {
  return runBenchmark({ size: 'quick', repetitions: 1, stacks: STACKS, consolidation: false });
}

describe('the quick benchmark on the bare stacks', async () => {
  const first = await quick();
  // Through JSON, as a reader of `--json` sees it.
  const json = JSON.parse(JSON.stringify(first)) as BenchReport;

  it('runs every stack on every workload, and every guest passes', () => {
    expect(json.stacks.map((s) => s.name)).toEqual(STACKS);
    for (const s of STACKS) for (const w of WORKLOAD_NAMES) expect(json.pairs.find((p) => p.stack === s && p.workload === w)?.passed, `${s}/${w}`).toBe(true);
    expect(json.problems).toEqual([]);
  });

  it('gets the same RESULT lines on every stack as on bare-m', () => {
    for (const p of json.pairs) {
      expect(p.resultsMatchBare, `${p.stack}/${p.workload}`).toBe(true);
      expect(p.results.length).toBe(1);
      // `pio` is the guest's disk workload with only the PIO disk attached.
      expect(p.results[0]).toMatch(new RegExp(`^RESULT ${p.workload === 'pio' ? 'disk' : p.workload} .* ok$`));
    }
  });

  it('computes overheads from the counts: recomputed from the JSON, they agree', () => {
    const model = costModel(json.costModel.name);
    const sbi = json.pairs.find((p) => p.stack === 'bare-sbi' && p.workload === 'fork')!;
    const bare = json.pairs.find((p) => p.stack === 'bare-m' && p.workload === 'fork')!;
    const mine = modelCycles(sbi.guestInstructions!, sbi.events, model).total;
    const base = modelCycles(bare.guestInstructions!, bare.events, model).total;
    expect(mine).toBe(sbi.modelled!.total);
    const o = sbi.overheads.find((x) => x.baseline === 'bare-m')!;
    expect(o.modelled).toBeCloseTo(mine / base - 1, 12);
    expect(o.wall).toBeCloseTo(sbi.wallSeconds.median / bare.wallSeconds.median - 1, 12);
    // The model is instructions × CPI plus priced events: the category sum is the total.
    const sum = Object.values(sbi.modelled!.byCategory).reduce((a, b) => a + (b ?? 0), 0);
    expect(sum).toBe(sbi.modelled!.total);
    // Bare metal against itself: no overhead, full efficiency, no exits.
    expect(bare.overheads[0]).toMatchObject({ baseline: 'bare-m', wall: 0, modelled: 0 });
    expect(bare.efficiency).toBe(1);
    expect(bare.exitsByReason).toEqual({});
  });

  it('counts the events each workload is about', () => {
    const ev = (s: string, w: string, e: string): number => json.pairs.find((p) => p.stack === s && p.workload === w)!.events[e] ?? 0;
    expect(ev('bare-m', 'fork', 'trap.ecall')).toBeGreaterThan(ev('bare-m', 'cpu', 'trap.ecall'));
    expect(ev('bare-m', 'mem', 'walk.pte-read')).toBeGreaterThan(ev('bare-m', 'cpu', 'walk.pte-read'));
    expect(ev('bare-m', 'disk', 'mmio.dev.virtio')).toBeGreaterThan(0);
    // Each disk workload has one disk: virtio-blk for `disk`, the PIO disk for `pio`.
    expect(ev('bare-m', 'disk', 'mmio.dev.disk')).toBe(0);
    expect(ev('bare-m', 'pio', 'mmio.dev.disk')).toBeGreaterThan(ev('bare-m', 'disk', 'mmio.dev.virtio'));
    expect(json.pairs.find((p) => p.stack === 'bare-m' && p.workload === 'disk')!.results[0]).toMatch(/ pio=absent /);
  });

  it('gives identical modelled figures on a second run (deterministic)', async () => {
    const second = await quick();
    const fig = (r: BenchReport) => r.pairs.map((p) => [p.stack, p.workload, p.guestInstructions, p.events, p.modelled]);
    expect(fig(second)).toEqual(fig(first));
  });
});
