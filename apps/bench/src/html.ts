import type { CostCategory } from './cost-model.js';
import { fixed, pct, si, wallOverhead } from './format.js';
import type { BenchReport } from './report.js';
import { distinctColors, escapeXml as esc, groupedBars, legend, stackedBars, type BarGroup } from './svg-chart.js';

const CATEGORIES: readonly CostCategory[] = ['instructions', 'trap', 'exit', 'world-switch', 'shadow', 'page-walk', 'mmio', 'host'];

/** One self-contained HTML page: charts (inline SVG) and the tables, no scripts, no external files. */
export function renderHtml(r: BenchReport): string {
  // One colour per series everywhere: per stack in the overhead panels, per category, per exit reason.
  const stackColor = new Map(r.stacks.map((s, i) => [s.name, distinctColors(r.stacks.length)[i]!]));
  const colorOf = (stack: string): string => stackColor.get(stack) ?? '#333';
  // Split panels, wall-clock and modelled, so neither figure's scale squeezes the other's bars.
  const panel = (figure: 'wall' | 'modelled'): BarGroup[] =>
    r.workloads.flatMap((w) => {
      const bars = r.pairs
        .filter((p) => p.workload === w.name && p.stack !== 'bare-m')
        .flatMap((p) => {
          const o = p.overheads[0];
          if (o === undefined) return [];
          if (figure === 'modelled') return o.modelled === null ? [] : [{ label: p.stack, value: o.modelled, color: colorOf(p.stack) }];
          return [{ label: p.stack, value: o.wall, color: colorOf(p.stack), text: wallOverhead(o) }];
        });
      return bars.length > 0 ? [{ label: w.name, bars }] : [];
    });
  const wallGroups = panel('wall');
  const modelledGroups = panel('modelled');
  const categoryColors = distinctColors(CATEGORIES.length);
  const cycleRows = r.pairs
    .filter((p) => p.modelled !== null)
    .map((p) => ({ label: `${p.workload} / ${p.stack}`, segments: CATEGORIES.map((c, i) => ({ label: c, value: p.modelled!.byCategory[c] ?? 0, color: categoryColors[i]! })) }));
  const reasons = [...new Set(r.pairs.flatMap((p) => Object.keys(p.exitsByReason)))].sort();
  const exitColors = distinctColors(reasons.length);
  const exitRows = r.pairs
    .filter((p) => Object.keys(p.exitsByReason).length > 0)
    .map((p) => ({ label: `${p.workload} / ${p.stack}`, segments: reasons.map((k, i) => ({ label: k, value: p.exitsByReason[k] ?? 0, color: exitColors[i]! })) }));
  const stackLegend = legend(r.stacks.filter((s) => s.name !== 'bare-m').map((s) => ({ label: s.name, color: colorOf(s.name) })));

  const rows = r.pairs
    .map((p) => {
      const o = p.overheads;
      return `<tr${p.resultsMatchBare === false || !p.passed ? ' class="bad"' : ''}><td>${esc(p.workload)}</td><td>${esc(p.stack)}</td><td>${fixed(p.wallSeconds.median, 3)}</td><td>${fixed(p.wallSeconds.min, 3)}–${fixed(p.wallSeconds.max, 3)}</td><td>${fixed(p.mips, 1)}</td><td>${si(p.guestInstructions)}</td><td>${si(p.worldSwitches)}</td><td>${fixed(p.efficiency, 3)}</td><td>${p.modelled === null ? '—' : fixed(p.modelled.total / 1e6, 2)}</td><td>${o.map((x) => `${esc(wallOverhead(x))} <small>vs ${esc(x.baseline)}</small>`).join('<br>') || '—'}</td><td>${o.map((x) => pct(x.modelled)).join('<br>') || '—'}</td><td>${p.error !== undefined ? 'ERROR' : !p.passed ? 'FAIL' : p.resultsMatchBare === false ? 'MISMATCH' : 'ok'}</td></tr>`;
    })
    .join('\n');
  const eventNames = [...new Set(r.pairs.flatMap((p) => Object.keys(p.events)))].sort();
  const eventRows = r.pairs
    .filter((p) => p.guestInstructions !== null)
    .map((p) => `<tr><td>${esc(p.workload)}</td><td>${esc(p.stack)}</td>${eventNames.map((e) => `<td>${si(p.events[e] ?? 0)}</td>`).join('')}</tr>`)
    .join('\n');
  const costRows = r.costModel.entries
    .map((e) => `<tr><td><code>${esc(e.event)}</code></td><td>${e.cycles}</td><td>${e.category}</td><td>${esc(e.source)}${e.estimate === undefined ? '' : `<br><em>estimate: ${esc(e.estimate)}</em>`}</td></tr>`)
    .join('\n');
  const consolidation =
    'skipped' in r.consolidation
      ? `<p>Skipped: ${esc(r.consolidation.skipped)}</p>`
      : `<table><tr><th>VMs</th><th>wall s</th><th>aggregate MIPS</th><th>vs 1 VM</th><th>Jain</th><th>warm MIPS</th><th>vs 1 VM</th></tr>${r.consolidation.points.map((c) => `<tr><td>${c.vms}</td><td>${fixed(c.wallSeconds, 2)}</td><td>${fixed(c.aggregateMips, 1)}</td><td>×${fixed(c.speedup, 2)}</td><td>${fixed(c.jainIndex, 3)}</td><td>${c.steadyMips === undefined ? '–' : fixed(c.steadyMips, 1)}</td><td>${c.steadySpeedup === undefined ? '–' : `×${fixed(c.steadySpeedup, 2)}`}</td></tr>`).join('')}</table>`;

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>vm bench — ${esc(r.date)}</title>
<style>
body{font-family:sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse;font-size:12px;margin:1em 0}
td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}td:nth-child(-n+2),th{text-align:left}tr.bad{background:#fdd}
.legend span{margin-right:1em}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px}.problems{color:#b00;font-weight:bold}
</style></head><body>
<h1>vm overhead benchmark</h1>
<p>${esc(r.size)} run, ${r.repetitions} repetition(s) per pair, ${esc(r.date)}, Node ${esc(r.host.node)} on ${esc(r.host.cpu)} (${r.host.cpus} cores), ${fixed(r.totalSeconds, 1)} s in all.
Cost model <b>${esc(r.costModel.name)}</b>: ${esc(r.costModel.description)}</p>
${r.problems.length > 0 ? `<div class="problems"><p>Problems:</p><ul>${r.problems.map((p) => `<li>${esc(p)}</li>`).join('')}</ul></div>` : ''}
${r.unavailable.length + r.notOffered.length > 0 ? `<p>Not run: ${[...r.unavailable.map((u) => `${esc(u.name)} (${esc(u.reason)})`), ...r.notOffered.map(esc)].join('; ')}</p>` : ''}
<h2>Stacks</h2>
<ul>${r.stacks.map((s) => `<li><b>${esc(s.name)}</b>: ${esc(s.note)}</li>`).join('')}</ul>
<h2>Overhead against bare-m</h2>
<p>Wall-clock: median seconds ÷ bare-m's − 1; a difference no larger than the two pairs' run-to-run spread ((max − min) ÷ median, added) is shown as <i>within noise</i>, not as a speed-up or slow-down. Modelled: cycles from counted events (exact, identical on every run).</p>
${wallGroups.length > 0 ? groupedBars(wallGroups, pct, 'wall-clock overhead vs bare-m (host time of this TypeScript implementation)') + stackLegend : '<p>Only bare-m ran.</p>'}
${modelledGroups.length > 0 ? groupedBars(modelledGroups, pct, `modelled overhead vs bare-m (cost model ${r.costModel.name})`) + stackLegend : ''}
<h2>Where the modelled cycles go</h2>
${stackedBars(cycleRows, 'modelled cycles by category', (v) => `${si(v)}`)}
${legend(CATEGORIES.map((c, i) => ({ label: c, color: categoryColors[i]! })))}
<h2>Exits by reason</h2>
${exitRows.length > 0 ? stackedBars(exitRows, 'hypervisor exits by reason', si) + legend(reasons.map((k, i) => ({ label: k, color: exitColors[i]! }))) : '<p>No stack that ran counts hypervisor exits (bare metal has none).</p>'}
<h2>Figures</h2>
<table><tr><th>workload</th><th>stack</th><th>wall s (median)</th><th>min–max</th><th>MIPS</th><th>instructions</th><th>world switches</th><th>efficiency</th><th>Mcycles</th><th>wall overhead</th><th>modelled overhead</th><th>RESULT</th></tr>
${rows}</table>
<h2>Counted events</h2>
<table><tr><th>workload</th><th>stack</th>${eventNames.map((e) => `<th>${esc(e)}</th>`).join('')}</tr>
${eventRows}</table>
<h2>Consolidation</h2>
${consolidation}
<h2>Cost model ${esc(r.costModel.name)} (CPI ${r.costModel.cpi})</h2>
<table><tr><th>event</th><th>cycles</th><th>category</th><th>source</th></tr>
${costRows}</table>
</body></html>
`;
}
