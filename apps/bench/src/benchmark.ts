import { cpus } from 'node:os';
import type { EventCounts, GuestRunResult } from '@vm/core';
import { loadStacks, type BenchStack } from './bench-stacks.js';
import { runConsolidation } from './consolidation.js';
import { costModel, DEFAULT_COST_MODEL, type CostModel } from './cost-model.js';
import { guestSpec } from './guest-spec.js';
import { efficiency, exitsByReason, modelCycles } from './modelled-cycles.js';
import type { BenchReport, Overhead, PairResult } from './report.js';
import { guestPassed, resultLines } from './result-lines.js';
import { overhead, relativeSpread, spread } from './statistics.js';
import { WORKLOAD_NAMES, workload, type BenchSize, type Workload, type WorkloadName } from './workloads.js';

export interface BenchOptions {
  readonly size: BenchSize;
  /** Runs per (workload, stack) pair; default 2 for quick, 3 otherwise (the default run stays under 10 minutes on 2 cores). */
  readonly repetitions?: number;
  readonly costModel?: string;
  /** Stack names to run (default: every available stack). */
  readonly stacks?: readonly string[];
  readonly workloads?: readonly WorkloadName[];
  /** Run the 1/2/4-VM consolidation experiment when the hypervisor offers it (default true). */
  readonly consolidation?: boolean;
  /** One untimed quick `cpu` run per stack before any timed run (default true): see runBenchmark. */
  readonly warmUp?: boolean;
  /** Called before each run: `done` of `total` runs finished. */
  readonly progress?: (done: number, total: number, what: string) => void;
}

/** Run every selected stack on every selected workload and compute the figures. */
export async function runBenchmark(o: BenchOptions): Promise<BenchReport> {
  const started = process.hrtime.bigint();
  const model = costModel(o.costModel ?? DEFAULT_COST_MODEL);
  const reps = o.repetitions ?? (o.size === 'quick' ? 2 : 3);
  const { stacks, unavailable } = await loadStacks(o.stacks);
  const workloads = (o.workloads ?? WORKLOAD_NAMES).map((n) => workload(n, o.size));
  const offered = (s: BenchStack, w: Workload): boolean => w.bus === undefined || s.diskBuses.includes(w.bus);
  const notOffered = workloads.flatMap((w) => stacks.filter((s) => !offered(s, w)).map((s) => `${s.stack.name}/${w.name}: the stack has no ${w.bus} disk`));
  const warmUp = o.warmUp === false ? [] : stacks;
  const total = warmUp.length + (stacks.length * workloads.length - notOffered.length) * reps;
  let done = 0;
  const tick = (what: string): void => o.progress?.(done, total, what);

  // Warm-up: the first runs in a process pay for V8 compiling the emulator's hot paths (and each
  // stack has its own: the board's loop, the vCPU's, the host OS's). Measured, that cost fell on
  // whichever stack ran first — bare-m, the baseline — so CPU-bound guests looked faster in VMs
  // than on bare metal. One untimed quick run of every stack first, so no timed run is a cold one.
  const warm = workload('cpu', 'quick');
  for (const s of warmUp) {
    tick(`${s.stack.name} warm-up`);
    try {
      s.stack.run(guestSpec(s.boot, warm));
    } catch {
      // Reported by the timed runs below.
    }
    done++;
  }

  const raw: { s: BenchStack; w: Workload; runs: GuestRunResult[]; error?: string }[] = [];
  // Workload-major order, and within a workload the repetitions interleaved (every stack once,
  // then every stack again): a drift in the host's speed (another process, thermal) spreads over
  // all the stacks of a workload instead of landing on the ones that ran last.
  for (const w of workloads) {
    const pairs = stacks.filter((s) => offered(s, w)).map((s) => ({ s, w, runs: [] as GuestRunResult[], error: undefined as string | undefined }));
    for (let r = 0; r < reps; r++) {
      for (const p of pairs) {
        if (p.error !== undefined) {
          done++;
          continue;
        }
        tick(`${p.s.stack.name} ${w.name} ${r + 1}/${reps}`);
        try {
          p.runs.push(p.s.stack.run(guestSpec(p.s.boot, w)));
        } catch (e) {
          // A stack under construction may throw: record it, keep benchmarking the others.
          p.error = e instanceof Error ? e.message : String(e);
        }
        done++;
      }
    }
    raw.push(...pairs);
  }
  tick('done');

  const pairs: PairResult[] = [];
  for (const p of raw) pairs.push(summarise(p.s, p.w.name, p.runs, p.error, model));
  const withOverheads = pairs.map((p) => withBaselines(p, pairs, stacks));
  const problems = findProblems(withOverheads);
  const consolidation = o.consolidation === false ? { skipped: 'not requested' } : await runConsolidation(o.size, o.progress);

  return {
    version: 1,
    date: new Date().toISOString(),
    host: { node: process.version, platform: `${process.platform}-${process.arch}`, cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown' },
    size: o.size,
    repetitions: reps,
    costModel: model,
    stacks: stacks.map((s) => ({ name: s.stack.name, boot: s.boot, baselines: s.baselines, counts: s.counts, note: s.note })),
    unavailable,
    notOffered,
    workloads,
    pairs: withOverheads,
    consolidation,
    problems,
    totalSeconds: Number(process.hrtime.bigint() - started) / 1e9,
  };
}

function summarise(s: BenchStack, w: WorkloadName, runs: readonly GuestRunResult[], error: string | undefined, model: CostModel): PairResult {
  const last = runs[runs.length - 1];
  const wallSeconds = spread(runs.map((r) => r.seconds));
  const events: EventCounts = last?.events ?? {};
  const instr = s.counts && last !== undefined ? last.guestInstructions : null;
  const results = last === undefined ? [] : resultLines(last.console);
  const passed = last !== undefined && guestPassed(last.console) && results.length > 0 && results.every((l) => l.endsWith(' ok'));
  const deterministic = runs.every((r) => r.guestInstructions === last?.guestInstructions && sameCounts(r.events, events));
  return {
    stack: s.stack.name,
    workload: w,
    runs: runs.length,
    passed,
    ...(error === undefined ? {} : { error }),
    exit: last === undefined ? 'none' : exitText(last),
    results,
    resultsMatchBare: null,
    wallSeconds,
    guestInstructions: instr,
    mips: instr === null ? null : instr / wallSeconds.median / 1e6,
    events,
    exitsByReason: exitsByReason(events),
    worldSwitches: events['world-switch'] ?? 0,
    hostSyscalls: events['host.syscall'] ?? 0,
    modelled: instr === null ? null : modelCycles(instr, events, model),
    efficiency: instr === null ? null : efficiency(instr, events),
    overheads: [],
    deterministic,
  };
}

/** Fill in overheads against each baseline and the RESULT comparison with bare-m. */
function withBaselines(p: PairResult, all: readonly PairResult[], stacks: readonly BenchStack[]): PairResult {
  const s = stacks.find((x) => x.stack.name === p.stack)!;
  const overheads: Overhead[] = [];
  for (const b of s.baselines) {
    const base = all.find((x) => x.stack === b && x.workload === p.workload && x.runs > 0);
    if (base === undefined || p.runs === 0) continue;
    const modelled = p.modelled !== null && base.modelled !== null ? overhead(p.modelled.total, base.modelled.total) : null;
    const wall = overhead(p.wallSeconds.median, base.wallSeconds.median);
    // The wall-clock difference is only a finding when it exceeds how much each side varied from
    // run to run (modelled figures are exact: no noise). With one run per pair there is no spread
    // to compare with, and nothing is claimed either way.
    const wallNoise = p.runs > 1 && base.runs > 1 && p !== base ? relativeSpread(p.wallSeconds) + relativeSpread(base.wallSeconds) : null;
    overheads.push({ baseline: b, wall, wallNoise, wallWithinNoise: wallNoise === null ? null : Math.abs(wall) <= wallNoise, modelled });
  }
  const bare = all.find((x) => x.stack === 'bare-m' && x.workload === p.workload && x.runs > 0);
  // Every stack that runs a workload gets the same disks (workloads.ts), so the lines compare whole.
  const resultsMatchBare = bare === undefined || p.runs === 0 ? null : JSON.stringify(p.results) === JSON.stringify(bare.results);
  return { ...p, overheads, resultsMatchBare };
}

function findProblems(pairs: readonly PairResult[]): string[] {
  const out: string[] = [];
  for (const p of pairs) {
    const at = `${p.stack}/${p.workload}`;
    if (p.error !== undefined) out.push(`${at}: the stack failed: ${p.error}`);
    else if (!p.passed) out.push(`${at}: the guest did not pass (exit ${p.exit}; ${p.results.join(' | ') || 'no RESULT line'})`);
    if (p.resultsMatchBare === false) out.push(`${at}: RESULT lines differ from bare-m: ${p.results.join(' | ')}`);
    if (!p.deterministic) out.push(`${at}: instruction or event counts differ between repetitions`);
  }
  return out;
}

function sameCounts(a: EventCounts, b: EventCounts): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}

function exitText(r: GuestRunResult): string {
  const e = r.exit;
  if (e.reason === 'poweroff') return `poweroff ${e.code}`;
  if (e.reason === 'halt') return `halt: ${e.message}`;
  return e.reason;
}
