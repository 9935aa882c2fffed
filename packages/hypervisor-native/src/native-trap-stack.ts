import type { GuestRunResult, GuestSpec, Stack, VmExit } from '@vm/core';
import { NativeHypervisor } from './hypervisor.js';

/** Guard when the spec gives none (as the bare stack's). */
const DEFAULT_MAX_INSTRUCTIONS = 400_000_000;
/** Instructions per hypervisor.run() call. */
const RUN_CHUNK = 5_000_000;
/** The hypervisor's own share of host memory: shadow page tables. */
const HYPERVISOR_RESERVE = 8 << 20;

/**
 * The native trap-and-emulate hypervisor as a `Stack`: the guest runs alone in one VM (shadow
 * paging, every privileged instruction trapped), events are the VM's exit and shadow counts.
 */
export const nativeTrapStack: Stack = {
  name: 'native-trap',
  run(spec: GuestSpec): GuestRunResult {
    const started = process.hrtime.bigint();
    const hv = new NativeHypervisor({ memory: spec.memory + HYPERVISOR_RESERVE });
    const vm = hv.createVm({ name: 'guest', memory: spec.memory, bios: spec.bios, kernel: spec.kernel, append: spec.append, disks: spec.disks });
    const max = spec.maxInstructions ?? DEFAULT_MAX_INSTRUCTIONS;
    let exit: VmExit = { reason: 'budget' };
    while (vm.state !== 'stopped' && vm.stats.guestInstructions < max) {
      const r = hv.run(Math.min(RUN_CHUNK, max - vm.stats.guestInstructions));
      if (r.reason === 'idle') {
        exit = { reason: 'wfi' };
        break;
      }
    }
    const report = vm.report;
    if (report !== undefined) {
      if (report.reason === 'poweroff') exit = { reason: 'poweroff', code: vm.exitStatus ?? 0 };
      else if (report.reason === 'reset') exit = { reason: 'reset' };
      else exit = { reason: 'halt', message: vm.describe() };
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { exit, console: vm.console, guestInstructions: vm.stats.guestInstructions, events: vm.stats.events(), seconds };
  },
};
