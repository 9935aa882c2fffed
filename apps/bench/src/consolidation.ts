import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { serialize } from 'node:v8';
import type { GuestRunResult, GuestSpec } from '@vm/core';
import type { NativeHypervisor } from '@vm/hypervisor-native';
import { guestSpec } from './guest-spec.js';
import { guestPassed } from './result-lines.js';
import type { Consolidation, ConsolidationPoint } from './report.js';
import { jainIndex } from './statistics.js';
import { workload, type BenchSize } from './workloads.js';

/**
 * Several VMs on one hypervisor at once: the contract this experiment expects from
 * @vm/hypervisor-native, exported as `runConsolidated`. The VMs share the host thread(s); each
 * result's `seconds` is that VM's time to completion and `guestInstructions` its progress.
 */
export type ConsolidatedRunner = (specs: readonly GuestSpec[]) => readonly GuestRunResult[] | Promise<readonly GuestRunResult[]>;

export const CONSOLIDATION_EXPORT = 'runConsolidated';
const VM_COUNTS = [1, 2, 4] as const;
/** cpu needs little RAM: 64 MiB per VM keeps 4 VMs well inside the host board. */
const CONSOLIDATION_MEMORY = 64 << 20;
/** Instructions per hypervisor.run() call: the resolution of each VM's completion time. */
const CHUNK = 1_000_000;
/** A cpu guest of the default size that runs past this is broken (with --iters: twice its expected count). */
const GUARD = 400_000_000;
/** Guest instructions of one `cpu` iteration (68 M for the default 1000), for the guard of a longer run. */
const INSTRUCTIONS_PER_ITERATION = 68_000;
/** Shadow page tables' share of host memory, per VM (as nativeTrapStack reserves). */
const RESERVE_PER_VM = 8 << 20;

type NativeHypervisorClass = typeof NativeHypervisor;

/**
 * The default runner: all VMs on one NativeHypervisor (its credit scheduler shares the hart),
 * each VM's `seconds` being the wall time until it stopped.
 */
export function runTogether(Hv: NativeHypervisorClass, specs: readonly GuestSpec[]): GuestRunResult[] {
  const started = process.hrtime.bigint();
  const hv = new Hv({ memory: specs.reduce((a, s) => a + s.memory + RESERVE_PER_VM, 0) });
  const vms = specs.map((s, i) => hv.createVm({ name: `vm${i}`, memory: s.memory, kernel: s.kernel, bios: s.bios, append: s.append, disks: s.disks }));
  const done = new Map<number, number>();
  const progress = vms.map((): [number, number][] => [[0, 0]]);
  while (done.size < vms.length) {
    const r = hv.run(CHUNK);
    const now = Number(process.hrtime.bigint() - started) / 1e9;
    vms.forEach((vm, i) => {
      if (!done.has(i)) progress[i]!.push([now, vm.stats.guestInstructions]);
      if (vm.state === 'stopped' && !done.has(i)) done.set(i, now);
    });
    if (r.reason === 'idle' || r.reason === 'stopped') break;
    if (vms.some((vm, i) => vm.stats.guestInstructions > (specs[i]!.maxInstructions ?? GUARD))) throw new Error(`a VM ran past its guard (${(specs[0]!.maxInstructions ?? GUARD) / 1e6} M instructions)`);
  }
  const end = Number(process.hrtime.bigint() - started) / 1e9;
  return vms.map((vm, i) => ({
    exit: vm.report?.reason === 'poweroff' ? { reason: 'poweroff', code: vm.exitStatus ?? 0 } : { reason: 'halt', message: vm.describe() },
    console: vm.console,
    guestInstructions: vm.stats.guestInstructions,
    events: vm.stats.events(),
    seconds: done.get(i) ?? end,
    progress: progress[i]!,
  }));
}

/** What consolidation-child.ts prints: when its run started (ms since the epoch) and its VM's result. */
export interface ChildRun {
  readonly startedAt: number;
  readonly result: GuestRunResult;
}

/**
 * Each VM in an OS process of its own (consolidation-child.ts runs `runTogether` with its one
 * spec): nothing shared but the host's cores, caches and memory bus. This is what N independent
 * emulators get from this host, the ceiling the thread-per-VM figure is read against. Every child
 * builds its VM and says "ready"; all are told "go" at once; their times are moved onto the
 * earliest child's clock (ms since the epoch), so the points compare as the other modes' do.
 */
async function runInProcesses(specs: readonly GuestSpec[]): Promise<GuestRunResult[]> {
  const here = import.meta.url;
  const fromSource = here.endsWith('.ts');
  const child = fileURLToPath(new URL(fromSource ? './consolidation-child.ts' : './consolidation-child.js', here));
  // From the sources (tsx, vitest) the child loads TypeScript through tsx's ESM hooks, with @vm/*
  // resolved to src/ as for this process; from the build it is plain node.
  const node = fromSource ? ['--import', pathToFileURL(createRequire(here).resolve('tsx/esm')).href, '--conditions=@vm/source', child] : [child];
  const dir = mkdtempSync(join(tmpdir(), 'vm-consolidation-'));
  try {
    const procs = specs.map((spec, i) => {
      const file = join(dir, `spec${i}.bin`);
      writeFileSync(file, serialize(spec));
      const p = spawn(process.execPath, [...node, file], { stdio: ['pipe', 'pipe', 'inherit'] });
      // The iterator is taken at once, so no line the child prints is missed; it ends with stdout.
      const lines = createInterface({ input: p.stdout })[Symbol.asyncIterator]();
      const next = async (): Promise<string> => {
        const l = await lines.next();
        if (l.done === true) throw new Error(`consolidation child ${i} ended (status ${String(p.exitCode ?? p.signalCode)}) before its answer`);
        return l.value;
      };
      return { p, next };
    });
    for (const c of procs) if ((await c.next()) !== 'ready') throw new Error('consolidation child: expected "ready"');
    for (const c of procs) c.p.stdin.end('go\n');
    const runs = await Promise.all(procs.map(async (c) => JSON.parse(await c.next()) as ChildRun));
    const origin = Math.min(...runs.map((r) => r.startedAt));
    return runs.map(({ startedAt, result }) => {
      const shift = (startedAt - origin) / 1000;
      return { ...result, seconds: result.seconds + shift, progress: result.progress?.map(([t, n]) => [t + shift, n] as [number, number]) };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Share of its instructions after which a VM counts as warmed up (V8 has compiled its hot code). */
const WARM_SHARE = 0.2;

/** Guest instructions a VM had retired at `t` seconds (linear between its progress samples). */
function retiredAt(p: readonly (readonly [number, number])[], t: number): number {
  let k = 1;
  while (k < p.length && p[k]![0] < t) k++;
  if (k >= p.length) return p[p.length - 1]![1];
  const [t0, i0] = p[k - 1]!;
  const [t1, i1] = p[k]!;
  return t1 === t0 ? i1 : i0 + ((i1 - i0) * (t - t0)) / (t1 - t0);
}

/**
 * Aggregate MIPS while every VM ran warm: from the moment the last VM passed WARM_SHARE of its
 * instructions to the moment the first one stopped. Each VM's JIT warm-up (V8 compiling on its
 * background threads, which on a 2-core host take CPU from the other VM) and the tail where some
 * VMs have finished are left out. Undefined without progress samples or with too short a window.
 */
export function steadyMips(results: readonly GuestRunResult[]): number | undefined {
  if (results.some((r) => r.progress === undefined || r.progress.length < 3)) return undefined;
  const from = Math.max(...results.map((r) => {
    const p = r.progress!;
    const warm = p.find(([, n]) => n >= WARM_SHARE * r.guestInstructions);
    return warm === undefined ? Infinity : warm[0];
  }));
  const to = Math.min(...results.map((r) => r.seconds));
  if (!(to - from > 0.1 * to)) return undefined;
  const instructions = results.reduce((a, r) => a + retiredAt(r.progress!, to) - retiredAt(r.progress!, from), 0);
  return instructions / (to - from) / 1e6;
}

/**
 * 1, 2 and 4 VMs running `cpu` together: aggregate throughput vs one VM, and fairness.
 * `threads: 'multi'`: each VM on its own worker thread (`runConsolidatedOnThreads`, as
 * `-accel tcg,thread=multi`), so N VMs can use N host cores; 'single' (default): all on this
 * thread; 'processes': each VM in a process of its own, the host's ceiling for 'multi'.
 */
export async function runConsolidation(
  size: BenchSize,
  progress?: (done: number, total: number, what: string) => void,
  threads: 'single' | 'multi' | 'processes' = 'single',
  /** `cpu.iters` instead of the size's: a longer run, where each VM's JIT warm-up is a small share. */
  iterations?: number,
): Promise<Consolidation> {
  let runner: ConsolidatedRunner;
  try {
    const mod = await import('@vm/hypervisor-native');
    const f = (mod as unknown as Record<string, unknown>)[CONSOLIDATION_EXPORT];
    if (threads === 'multi') runner = mod.runConsolidatedOnThreads;
    else if (threads === 'processes') runner = runInProcesses;
    else if (typeof f === 'function') runner = f as ConsolidatedRunner;
    else if (typeof mod.NativeHypervisor === 'function') runner = (specs) => runTogether(mod.NativeHypervisor, specs);
    else return { skipped: `@vm/hypervisor-native exports neither ${CONSOLIDATION_EXPORT}(specs) nor NativeHypervisor` };
  } catch (e) {
    return { skipped: `@vm/hypervisor-native could not be loaded: ${e instanceof Error ? e.message : String(e)}` };
  }
  const sized = workload('cpu', size);
  const w = iterations === undefined ? sized : { ...sized, append: sized.append.replace(/cpu\.iters=\d+/, `cpu.iters=${iterations}`) };
  const points: ConsolidationPoint[] = [];
  try {
    for (const [i, n] of VM_COUNTS.entries()) {
      progress?.(i, VM_COUNTS.length, `consolidation ${n} VM(s)`);
      const guard = iterations === undefined ? undefined : Math.max(GUARD, 2 * iterations * INSTRUCTIONS_PER_ITERATION);
      const specs = Array.from({ length: n }, () => ({ ...guestSpec('m', w), memory: CONSOLIDATION_MEMORY, ...(guard === undefined ? {} : { maxInstructions: guard }) }));
      const results = await runner(specs);
      const failed = results.filter((r) => !guestPassed(r.console));
      if (failed.length > 0) return { skipped: `${failed.length} of ${n} VM(s) did not finish cpu with DONE pass: ${failed[0]!.exit.reason === 'halt' ? failed[0]!.exit.message : failed[0]!.exit.reason}` };
      // The runners time their run from its start (worker threads are started before it): the
      // wall time of the point is when the last VM stopped.
      const wall = Math.max(...results.map((r) => r.seconds));
      const perVm = results.map((r) => r.guestInstructions / r.seconds / 1e6);
      const aggregate = results.reduce((a, r) => a + r.guestInstructions, 0) / wall / 1e6;
      const one = points[0]?.aggregateMips ?? aggregate;
      const steady = steadyMips(results);
      const steadyOne = points.length === 0 ? steady : points[0]!.steadyMips;
      points.push({
        vms: n, wallSeconds: wall, aggregateMips: aggregate, speedup: aggregate / one, perVmMips: perVm, jainIndex: jainIndex(perVm),
        ...(steady !== undefined && steadyOne !== undefined ? { steadyMips: steady, steadySpeedup: steady / steadyOne } : {}),
      });
    }
  } catch (e) {
    return { skipped: `${CONSOLIDATION_EXPORT} failed: ${e instanceof Error ? e.message : String(e)}` };
  }
  const stack = threads === 'multi' ? 'native-trap, a worker thread per VM' : threads === 'processes' ? 'native-trap, a process per VM' : 'native-trap';
  return { stack, workload: 'cpu', points };
}
