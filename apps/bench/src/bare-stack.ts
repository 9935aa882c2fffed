import { sessionResult, type GuestRunResult, type GuestSpec, type Stack } from '@vm/core';
import { MemoryBlockBackend, VirtioBlock } from '@vm/devices';
import { BoardSession, bootVirt, VirtMachine } from '@vm/machine';
import { BoardEventCounter } from './event-counter.js';

/**
 * Instructions per board.run() call: the slice the hypervisor stacks use (their RUN_CHUNK), so
 * bare metal, the baseline, pays the same per-slice costs as the stacks it is compared with.
 */
const SLICE = 5_000_000;
/** Guard when the spec gives none: 20× the largest default workload. */
const DEFAULT_MAX_INSTRUCTIONS = 400_000_000;

/**
 * Bare metal: the guest alone on the virt board (VirtMachine), with virtual time, so the same spec
 * retires the same instructions and counts the same events on every run. The name says how it
 * boots (`bare-m`: kernel-m with -bios none; `bare-sbi`: OpenSBI + kernel-s) — the spec decides.
 */
export function bareStack(name: string): Stack {
  return { name, run: (spec) => runBare(spec) };
}

function runBare(spec: GuestSpec): GuestRunResult {
  const started = process.hrtime.bigint();
  const out: number[] = [];
  const m = new VirtMachine({ memory: spec.memory, console: (b) => out.push(b) });
  for (const d of spec.disks ?? []) {
    // A copy: the guest writes to its disk, and the spec is reused across repetitions.
    const backend = new MemoryBlockBackend(d.bytes.slice());
    if (d.bus === 'virtio') m.addVirtio(new VirtioBlock({ backend }));
    else m.addPioDisk(backend);
  }
  const counter = new BoardEventCounter(m);
  bootVirt(m, { bios: spec.bios, kernel: spec.kernel, append: spec.append });
  // wfi ends the run: every hart waits with no timer armed, and no input will come.
  const session = new BoardSession(m, { events: () => counter.events() });
  return sessionResult(session, () => Buffer.from(out).toString('latin1'), { max: spec.maxInstructions ?? DEFAULT_MAX_INSTRUCTIONS, slice: SLICE, started });
}
