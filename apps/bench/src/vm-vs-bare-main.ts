/**
 * CPU-bound overhead of a VM against bare metal (issue 14's "VM vs bare ≤ 3 %"), as the steady
 * rate of the same guest on each stack, each run in a fresh process, the stacks alternated and
 * repeated. Why not one process for all: the stacks share the hart's code, so V8 optimizes it with
 * feedback from both and one stack's deoptimizations hit the other — alternating two stacks in one
 * process gave overheads of +37 % and +7 % (trap) and −16 % and +9 % (hext) in two runs, each
 * with a 95 % interval of a few percent: the process's JIT state, not the stacks, set the figure.
 * So each run is a new process (as `vm run` is), boots and warms up past boot, then times
 * `--slices` slices of guest instructions; its rate is their instructions over their wall time.
 *
 * The guest is our `cpu` workload (user-mode computation, timer ticks) with an iteration count no
 * run reaches, so every timed slice is steady-state work. A guest instruction is the same work on
 * every stack: 1000 iterations retire 67.49 M instructions on each, within 0.03 % (OpenSBI's timer
 * path on the bare board; `vm run --stats`, docs/translator.md "VM against bare").
 * Stacks (pairs compared):
 *   bare-m      vs native-trap    kernel-m.elf: -bios none / virtual M-mode under trap-and-emulate
 *   bare-sbi    vs native-trap-s  OpenSBI + kernel-s / kernel-s on the hypervisor's SBI (shadow paging)
 *   bare-sbi    vs native-hext    the same, the guest in VS/VU under a G-stage (H extension)
 * Reported: per stack the median rate of the runs and its spread; per pair the overhead of the
 * medians (bare ÷ VM − 1).
 *
 *   pnpm --filter @vm/bench vm-vs-bare [--runs N] [--stacks bare-m,native-trap,...] [--slices N] [--slice INSTRUCTIONS] [--warm INSTRUCTIONS]
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { GuestSession } from '@vm/core';
import { createSpecVm, NativeSession } from '@vm/hypervisor-native';
import { BoardSession, bootVirt, VirtMachine } from '@vm/machine';
import { guestSpec, type GuestBoot } from './guest-spec.js';
import { workload, type Workload } from './workloads.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(v) || v <= 0) {
    process.stderr.write(`--${name} ${String(process.argv[i + 1])}: a positive whole number\n`);
    process.exit(2);
  }
  return v;
}

const runs = arg('runs', 7);
const slices = arg('slices', 5);
const slice = arg('slice', 100_000_000);
const warm = arg('warm', 200_000_000);
/** Far more iterations than any run reaches: every timed slice is the loop itself. */
const CPU_FOREVER: Workload = { ...workload('cpu', 'default'), append: 'workload=cpu cpu.iters=100000000' };

const STACKS: Record<string, () => GuestSession> = {
  'bare-m': () => bare('m'),
  'bare-sbi': () => bare('sbi'),
  'native-trap': () => native('m', 'trap'),
  'native-trap-s': () => native('s', 'trap'),
  'native-hext': () => native('s', 'hext'),
};
const PAIRS: readonly (readonly [string, string])[] = [['bare-m', 'native-trap'], ['bare-sbi', 'native-trap-s'], ['bare-sbi', 'native-hext']];

function bare(boot: GuestBoot): GuestSession {
  const spec = guestSpec(boot, CPU_FOREVER);
  const m = new VirtMachine({ memory: spec.memory, console: () => {} });
  bootVirt(m, { bios: spec.bios, kernel: spec.kernel, append: spec.append });
  return new BoardSession(m);
}

function native(boot: GuestBoot, mode: 'trap' | 'hext'): GuestSession {
  const { hv, vm } = createSpecVm({ name: 'guest', spec: guestSpec(boot, CPU_FOREVER), mode }, () => {});
  return new NativeSession(hv, [vm]);
}

/** Run `s` for `n` guest instructions; its wall time in seconds. */
function runFor(name: string, s: GuestSession, n: number): number {
  const t0 = process.hrtime.bigint();
  let left = n;
  while (left > 0) {
    const r = s.run(Math.min(left, 5_000_000));
    if (r.end !== 'budget') throw new Error(`${name}: the guest ended (${r.end}, ${JSON.stringify(s.exit())}) before the measurement did`);
    left -= r.ran;
  }
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** One run of `name` in this process: its steady rate in MIPS, on stdout. */
function one(name: string): void {
  const make = STACKS[name];
  if (make === undefined) throw new Error(`unknown stack ${name}`);
  const s = make();
  runFor(name, s, warm);
  let seconds = 0;
  for (let i = 0; i < slices; i++) seconds += runFor(name, s, slice);
  s.close();
  process.stdout.write(`${((slices * slice) / seconds / 1e6).toFixed(2)}\n`);
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 === 1 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
};
const pct = (x: number): string => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)} %`;

if (process.argv[2] === '--one') {
  one(process.argv[3]!);
  process.exit(0);
}

const self = fileURLToPath(import.meta.url);
const rates = new Map<string, number[]>();
const before = loadavg()[0]!;
const stacksArg = process.argv.indexOf('--stacks');
const chosen = stacksArg < 0 ? Object.keys(STACKS) : String(process.argv[stacksArg + 1]).split(',');
for (const name of chosen) {
  if (STACKS[name] === undefined) {
    process.stderr.write(`--stacks: ${name} is none of ${Object.keys(STACKS).join(', ')}\n`);
    process.exit(2);
  }
}
for (let r = 0; r < runs; r++) {
  // Alternate the order each round, so a drift of the host's load falls on every stack alike.
  for (const name of r % 2 === 0 ? chosen : [...chosen].reverse()) {
    const p = spawnSync(process.execPath, [...process.execArgv, self, '--one', name, '--slices', String(slices), '--slice', String(slice), '--warm', String(warm)], { encoding: 'utf8' });
    if (p.status !== 0) throw new Error(`${name}: exit ${p.status}: ${p.stderr}`);
    rates.set(name, [...(rates.get(name) ?? []), Number(p.stdout.trim())]);
  }
}
console.log(`cpu workload: ${runs} fresh processes a stack, each ${slices} × ${slice / 1e6} M guest instructions timed after ${warm / 1e6} M of warm-up (load ${before.toFixed(2)} → ${loadavg()[0]!.toFixed(2)}):\n`);
console.log('| stack | MIPS, median | runs (sorted) |');
console.log('|---|---|---|');
for (const [name, xs] of rates) console.log(`| ${name} | ${median(xs).toFixed(1)} | ${[...xs].sort((a, b) => a - b).map((x) => x.toFixed(0)).join(' ')} |`);
console.log('\n| pair | overhead of the medians |\n|---|---|');
for (const [b, v] of PAIRS) if (rates.has(b) && rates.has(v)) console.log(`| ${v} vs ${b} | ${pct(median(rates.get(b)!) / median(rates.get(v)!) - 1)} |`);
process.exit(0);
