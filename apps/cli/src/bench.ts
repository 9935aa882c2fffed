import { writeFileSync } from 'node:fs';
import { ConfigError } from '@vm/core';
import { COST_MODELS, formatTable, parseWorkloads, renderHtml, runBenchmark } from '@vm/bench';
import { one, parseArgs, type OptionSpec } from './args.js';

const BENCH_OPTIONS: readonly OptionSpec[] = [
  { name: 'quick', value: false, help: 'small sizes, 2 runs per pair (well under a minute)' },
  { name: 'json', value: true, help: 'write the structured report to FILE' },
  { name: 'html', value: true, help: 'write a self-contained HTML report with charts to FILE' },
  { name: 'cost-model', value: true, help: `cost model: ${COST_MODELS.map((m) => m.name).join(', ')}` },
  { name: 'stacks', value: true, help: 'comma list of stacks (default: every available one)' },
  { name: 'workloads', value: true, help: 'comma list of workloads (default: cpu,mem,fork,disk,pio,console)' },
  { name: 'runs', value: true, help: 'runs per (workload, stack) pair' },
];

/**
 * `vm bench [--quick] [--json F] [--html F] [--cost-model NAME] [--stacks a,b] [--workloads a,b]`:
 * the overhead benchmark. The table goes to stdout, progress to stderr. Exit status 1 when a
 * guest failed or its RESULT lines differ from bare metal's, else 0.
 */
export async function benchCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, BENCH_OPTIONS);
  if (args.positional.length > 0) throw new ConfigError(`vm bench: unexpected argument '${args.positional[0]}'`);
  const runsText = one(args, 'runs');
  const repetitions = runsText === undefined ? undefined : Number(runsText);
  if (repetitions !== undefined && !(Number.isInteger(repetitions) && repetitions > 0)) throw new ConfigError(`--runs ${runsText}: a positive integer`);
  const stacks = one(args, 'stacks')?.split(',').filter((s) => s !== '');
  const tty = process.stderr.isTTY;
  const report = await runBenchmark({
    size: args.flags.has('quick') ? 'quick' : 'default',
    repetitions,
    costModel: one(args, 'cost-model'),
    stacks,
    workloads: parseWorkloads(one(args, 'workloads')),
    progress: (done, total, what) => {
      const line = `vm bench: [${done}/${total}] ${what}`;
      process.stderr.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
    },
  });
  if (tty) process.stderr.write('\r\x1b[K');
  process.stdout.write(formatTable(report));
  const json = one(args, 'json');
  if (json !== undefined) writeFileSync(json, JSON.stringify(report, null, 2) + '\n');
  const html = one(args, 'html');
  if (html !== undefined) writeFileSync(html, renderHtml(report));
  return report.problems.length > 0 ? 1 : 0;
}
