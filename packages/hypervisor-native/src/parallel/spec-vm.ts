import type { GuestSpec } from '@vm/core';
import { NativeHypervisor } from '../hypervisor.js';
import type { WorkerVm } from './protocol.js';

/** Shadow page tables' share of host memory beside a VM's RAM (as nativeTrapStack reserves). */
const RESERVE = 8 << 20;

export interface SpecVmArgs {
  readonly name: string;
  readonly spec: GuestSpec;
  readonly mode?: 'trap' | 'hext';
}

/**
 * A worker's VM from a GuestSpec (the benchmark's guests): its own NativeHypervisor, sized for
 * the one VM. Disks are the spec's byte images (the worker gets a structured clone of them).
 */
export function createSpecVm(args: SpecVmArgs, console: (byte: number) => void): WorkerVm {
  const s = args.spec;
  const hv = new NativeHypervisor({ memory: s.memory + RESERVE, mode: args.mode ?? 'trap' });
  const vm = hv.createVm({ name: args.name, memory: s.memory, kernel: s.kernel, bios: s.bios, initrd: s.initrd, append: s.append, sbi: s.sbi, virtioForceLegacy: s.virtioForceLegacy, disks: s.disks, console });
  return { hv, vm };
}
