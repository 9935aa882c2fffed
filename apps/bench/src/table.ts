import type { CostCategory } from './cost-model.js';
import { fixed, pct, si, wallOverhead } from './format.js';
import type { BenchReport, PairResult } from './report.js';

const CATEGORIES: readonly CostCategory[] = ['instructions', 'trap', 'exit', 'world-switch', 'shadow', 'page-walk', 'mmio', 'host'];

/** The report as plain-text tables for a terminal. */
export function formatTable(r: BenchReport): string {
  const out: string[] = [];
  out.push(`vm bench — ${r.size}, ${r.repetitions} run(s) per pair, cost model ${r.costModel.name}, ${fixed(r.totalSeconds, 1)} s`);
  out.push('');
  // The stack names are defined before the tables use them.
  out.push('stacks:');
  const width = Math.max(...r.stacks.map((s) => s.name.length));
  for (const s of r.stacks) out.push(`  ${s.name.padEnd(width)}  ${s.note}`);
  out.push(
    '',
    'wall ovh: median wall-clock ÷ the baseline\'s − 1, "within noise" when no larger than the two pairs\' run-to-run',
    'spread ((max − min) ÷ median, added; shown as ±N%); model ovh: modelled cycles (exact, no noise).',
    '',
  );
  out.push(
    grid(
      ['workload', 'stack', 'wall s (min–max)', 'MIPS', 'instr', 'traps', 'MMIO', 'PTE rd', 'exits', 'w-sw', 'eff', 'Mcycles', 'wall ovh', 'model ovh', 'RESULT'],
      r.pairs.map((p) => {
        const o = p.overheads[0];
        return [
          p.workload,
          p.stack,
          `${fixed(p.wallSeconds.median, 3)} (${fixed(p.wallSeconds.min, 3)}–${fixed(p.wallSeconds.max, 3)})`,
          fixed(p.mips, 1),
          si(p.guestInstructions),
          p.guestInstructions === null ? '—' : si(sumPrefix(p, 'trap.')),
          p.guestInstructions === null ? '—' : si(p.events['mmio.access'] ?? 0),
          p.guestInstructions === null ? '—' : si(p.events['walk.pte-read'] ?? 0),
          p.guestInstructions === null ? '—' : si(sumPrefix(p, 'exit.')),
          p.guestInstructions === null ? '—' : si(p.worldSwitches),
          fixed(p.efficiency, 3),
          p.modelled === null ? '—' : fixed(p.modelled.total / 1e6, 2),
          o === undefined ? '—' : `${wallOverhead(o)} vs ${o.baseline}`,
          o === undefined ? '—' : pct(o.modelled),
          resultMark(p),
        ];
      }),
    ),
  );
  const extra = r.pairs.filter((p) => p.overheads.length > 1);
  if (extra.length > 0) {
    out.push('', 'against the SBI baseline:');
    out.push(grid(['workload', 'stack', 'baseline', 'wall ovh', 'model ovh'], extra.flatMap((p) => p.overheads.slice(1).map((o) => [p.workload, p.stack, o.baseline, wallOverhead(o), pct(o.modelled)]))));
  }
  out.push('', `modelled cycles by category (M, ${r.costModel.name}):`);
  const counted = r.pairs.filter((p) => p.modelled !== null);
  out.push(grid(['workload', 'stack', ...CATEGORIES], counted.map((p) => [p.workload, p.stack, ...CATEGORIES.map((c) => fixed((p.modelled!.byCategory[c] ?? 0) / 1e6, 3))])));
  const exits = r.pairs.filter((p) => Object.keys(p.exitsByReason).length > 0);
  if (exits.length > 0) {
    out.push('', 'exits by reason:');
    for (const p of exits) out.push(`  ${p.workload}/${p.stack}: ${Object.entries(p.exitsByReason).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  }
  if (r.unavailable.length > 0 || r.notOffered.length > 0) {
    out.push('', 'not run:');
    for (const u of r.unavailable) out.push(`  ${u.name}: ${u.reason}`);
    for (const n of r.notOffered) out.push(`  ${n}`);
  }
  out.push('', 'consolidation:');
  if ('skipped' in r.consolidation) out.push(`  skipped: ${r.consolidation.skipped}`);
  else {
    for (const c of r.consolidation.points) {
      const warm = c.steadyMips === undefined ? '' : `; warm ${fixed(c.steadyMips, 1)} MIPS, ×${fixed(c.steadySpeedup!, 2)}`;
      out.push(`  ${c.vms} VM(s): ${fixed(c.aggregateMips, 1)} MIPS aggregate, ×${fixed(c.speedup, 2)} vs 1 VM, Jain ${fixed(c.jainIndex, 3)}${warm}`);
    }
  }
  if (r.problems.length > 0) {
    out.push('', '!!! PROBLEMS !!!');
    for (const p of r.problems) out.push(`  ${p}`);
  }
  return out.join('\n') + '\n';
}

function resultMark(p: PairResult): string {
  if (p.error !== undefined) return 'ERROR';
  if (!p.passed) return 'FAIL';
  if (p.resultsMatchBare === false) return 'MISMATCH';
  return p.resultsMatchBare === null ? 'ok' : 'ok =bare';
}

function sumPrefix(p: PairResult, prefix: string): number {
  let n = 0;
  for (const [k, v] of Object.entries(p.events)) if (k.startsWith(prefix)) n += v;
  return n;
}

function grid(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
