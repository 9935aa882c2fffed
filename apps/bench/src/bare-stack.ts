import type { GuestRunResult, GuestSpec, Stack, VmExit } from '@vm/core';
import { MemoryBlockBackend, VirtioBlock } from '@vm/devices';
import { bootVirt, VirtMachine } from '@vm/machine';
import { BoardEventCounter } from './event-counter.js';

/** Instructions per board.run() call: large enough to be cheap, small enough to stop on time. */
const SLICE = 1_000_000;
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
  const max = spec.maxInstructions ?? DEFAULT_MAX_INSTRUCTIONS;
  let exit: VmExit = { reason: 'budget' };
  while (m.retired < max) {
    exit = m.run(Math.min(SLICE, max - m.retired));
    // wfi here means every hart waits with no timer armed: nothing will ever wake it (no input).
    if (exit.reason !== 'budget') break;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { exit, console: Buffer.from(out).toString('latin1'), guestInstructions: m.retired, events: counter.events(), seconds };
}
