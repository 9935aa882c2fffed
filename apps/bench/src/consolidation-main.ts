/**
 * The consolidation figure on its own (docs/benchmark.md, "Consolidation on threads"): 1, 2 and 4
 * VMs running `cpu`, first all on one thread (the default, deterministic mode), then each on its
 * own worker thread (`-accel tcg,thread=multi`), then each in a process of its own (the host's
 * ceiling: N emulators that share nothing but the hardware); aggregate MIPS and the speed-up vs
 * 1 VM of each, over the whole run and while every VM ran warm (consolidation.ts steadyMips), and
 * the threads' aggregate as a share of the processes' at the same number of VMs.
 *
 *   pnpm --filter @vm/bench consolidation [--size quick|default] [--iters N] [--modes one,threads,processes] [--out FILE.json]
 *
 * `--iters N` runs `cpu.iters=N` instead of the size's (default 1000: 68 M instructions a VM, of
 * which each VM's JIT warm-up is a large share; 5000, 340 M, makes the warm window most of the run; a VM stops past 400 M).
 *
 * The result goes to --out (or $VM_CONSOLIDATION_OUT) as JSON, with a markdown table beside it
 * (FILE.md), and to stdout as the table.
 */
import { cpus } from 'node:os';
import { writeFileSync } from 'node:fs';
import { runConsolidation } from './consolidation.js';
import type { Consolidation } from './report.js';
import type { BenchSize } from './workloads.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function table(mode: string, c: Consolidation): string[] {
  if ('skipped' in c) return [`| ${mode} | skipped: ${c.skipped} | | | | | |`];
  return c.points.map((p) => `| ${mode} | ${p.vms} | ${p.wallSeconds.toFixed(2)} | ${p.aggregateMips.toFixed(1)} | ×${p.speedup.toFixed(2)} | ${p.steadyMips === undefined ? '– | –' : `${p.steadyMips.toFixed(1)} | ×${p.steadySpeedup!.toFixed(2)}`} |`);
}

const size = (arg('size') ?? 'default') as BenchSize;
if (size !== 'quick' && size !== 'default') {
  process.stderr.write(`--size ${String(size)}: 'quick' or 'default'\n`);
  process.exit(2);
}
const out = arg('out') ?? process.env['VM_CONSOLIDATION_OUT'];
const itersArg = arg('iters');
const iters = itersArg === undefined ? undefined : Number(itersArg);
if (iters !== undefined && !(Number.isSafeInteger(iters) && iters > 0)) {
  process.stderr.write(`--iters ${String(itersArg)}: a positive whole number\n`);
  process.exit(2);
}
const MODES = ['one', 'threads', 'processes'] as const;
const modes = (arg('modes') ?? MODES.join(',')).split(',');
for (const m of modes) {
  if (!(MODES as readonly string[]).includes(m)) {
    process.stderr.write(`--modes: unknown mode '${m}' (${MODES.join(', ')})\n`);
    process.exit(2);
  }
}
/** A mode left out of --modes, as the table shows it. */
const NOT_RUN: Consolidation = { skipped: 'not in --modes' };
const single = modes.includes('one') ? await runConsolidation(size, undefined, 'single', iters) : NOT_RUN;
const multi = modes.includes('threads') ? await runConsolidation(size, undefined, 'multi', iters) : NOT_RUN;
const processes = modes.includes('processes') ? await runConsolidation(size, undefined, 'processes', iters) : NOT_RUN;

/** Thread per VM against process per VM, point by point: how much of the host's ceiling the threads reach. */
function ofCeiling(): string[] {
  if ('skipped' in multi || 'skipped' in processes) return [];
  return [
    '',
    '| VMs | threads ÷ processes, whole run | warm |',
    '|---|---|---|',
    ...multi.points.map((p, i) => {
      const q = processes.points[i]!;
      const warm = p.steadyMips !== undefined && q.steadyMips !== undefined ? `${((100 * p.steadyMips) / q.steadyMips).toFixed(0)} %` : '–';
      return `| ${p.vms} | ${((100 * p.aggregateMips) / q.aggregateMips).toFixed(0)} % | ${warm} |`;
    }),
  ];
}
const host = { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown' };
const md = [
  `Consolidation: cpu (${size}), ${host.cpus} host CPUs (${host.cpu}), Node ${host.node}`,
  '',
  '| mode | VMs | wall s | aggregate MIPS | vs 1 VM | warm aggregate MIPS | vs 1 VM |',
  '|---|---|---|---|---|---|---|',
  ...table('one thread', single),
  ...table('thread per VM', multi),
  ...table('process per VM (ceiling)', processes),
  ...ofCeiling(),
  '',
].join('\n');
process.stdout.write(md);
if (out !== undefined) {
  writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), host, size, iters, single, multi, processes }, null, 2) + '\n');
  writeFileSync(out.replace(/\.json$/, '') + '.md', md);
}
const failed = [single, multi, processes].some((c) => c !== NOT_RUN && 'skipped' in c);
process.exit(failed ? 1 : 0);
