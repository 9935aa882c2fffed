import type { GuestRunResult, GuestSpec } from '@vm/core';
import { ParallelSession } from './parallel-session.js';
import { RemoteVm } from './remote-vm.js';

/**
 * Instructions per slice for each VM (the slice's pool is this times the VMs): the resolution of
 * each VM's completion time. Each slice is a round trip to every worker (0.06-0.07 ms measured
 * with a one-instruction share) and ends when every VM has finished the chunk it holds, so a slice
 * must be long against both: 1 M is about 1.3 ms of a warm VM (5 % round trip), 10 M about 13 ms.
 */
const CHUNK = 10_000_000;
/** A cpu guest that runs past this is broken (the benchmark's guard, as in single-thread mode; a spec's maxInstructions replaces it). */
const GUARD = 400_000_000;

/**
 * The benchmark's consolidation experiment on threads: each spec's VM on its own worker thread
 * (its own NativeHypervisor), all run at once. Each result's `seconds` is the wall time from the
 * start of the run (the workers are built before it) until that VM stopped.
 */
export async function runConsolidatedOnThreads(specs: readonly GuestSpec[]): Promise<GuestRunResult[]> {
  const module = new URL(import.meta.url.endsWith('.ts') ? './spec-vm.ts' : './spec-vm.js', import.meta.url).href;
  const consoles = specs.map(() => [] as number[]);
  const vms = await RemoteVm.startAll(specs.map((spec, i) => ({ name: `vm${i}`, source: { module, export: 'createSpecVm', args: { name: `vm${i}`, spec } }, console: (b: number) => void consoles[i]!.push(b) })));
  const session = new ParallelSession(vms, { input: false });
  try {
    const started = process.hrtime.bigint();
    const done = new Map<number, number>();
    const progress = vms.map((): [number, number][] => [[0, 0]]);
    for (;;) {
      const r = session.run(CHUNK * vms.length);
      const now = Number(process.hrtime.bigint() - started) / 1e9;
      vms.forEach((vm, i) => {
        if (!done.has(i)) progress[i]!.push([now, vm.status.guestInstructions]);
        if (vm.state === 'stopped' && !done.has(i)) done.set(i, now);
      });
      if (r.end !== 'budget') break;
      if (vms.some((vm, i) => vm.status.guestInstructions > (specs[i]!.maxInstructions ?? GUARD))) throw new Error(`a VM ran past its guard (${(specs[0]!.maxInstructions ?? GUARD) / 1e6} M instructions)`);
    }
    const end = Number(process.hrtime.bigint() - started) / 1e9;
    return vms.map((vm, i) => {
      const info = vm.info();
      const s = vm.status;
      return {
        exit: s.reportReason === 'poweroff' ? { reason: 'poweroff', code: s.exitStatus ?? 0 } : { reason: 'halt', message: vm.failure ?? info.describe },
        console: Buffer.from(consoles[i]!).toString('latin1'),
        guestInstructions: s.guestInstructions,
        events: info.events,
        seconds: done.get(i) ?? end,
        progress: progress[i]!,
      };
    });
  } finally {
    session.close();
  }
}
