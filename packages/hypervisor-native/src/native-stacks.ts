import { sessionResult, type GuestRunResult, type GuestSpec, type Stack } from '@vm/core';
import { NativeSession } from './native-session.js';
import { NativeHypervisor } from './hypervisor.js';

/** Guard when the spec gives none (as the bare stack's). */
const DEFAULT_MAX_INSTRUCTIONS = 400_000_000;
/** Instructions per hypervisor.run() call. */
const RUN_CHUNK = 5_000_000;
/** The hypervisor's own share of host memory: shadow page tables, G-stage tables. */
const HYPERVISOR_RESERVE = 8 << 20;

interface NativeStackOptions {
  readonly mode: 'trap' | 'hext';
  /** Offer the PV-MMU hypercalls (trap mode, hypervisor SBI). */
  readonly pvMmu: boolean;
}

/** A native-hypervisor `Stack`: the guest runs alone in one VM; events are the VM's exit counts. */
export function nativeStack(name: string, o: NativeStackOptions): Stack {
  return {
    name,
    run(spec: GuestSpec): GuestRunResult {
      const started = process.hrtime.bigint();
      const hv = new NativeHypervisor({ memory: spec.memory + HYPERVISOR_RESERVE, mode: o.mode });
      const vm = hv.createVm({ name: 'guest', memory: spec.memory, bios: spec.bios, kernel: spec.kernel, initrd: spec.initrd, append: spec.append, sbi: spec.sbi, disks: spec.disks, pvMmu: o.pvMmu });
      return sessionResult(new NativeSession(hv, [vm]), () => vm.console, { max: spec.maxInstructions ?? DEFAULT_MAX_INSTRUCTIONS, slice: RUN_CHUNK, started });
    },
  };
}

/**
 * Trap-and-emulate with shadow page tables (`native-trap`). A spec with a bios runs it in virtual
 * M-mode; with an S-mode kernel only, the hypervisor is its SBI. The PV-MMU extension is not
 * offered, so a paravirtual kernel runs as a native one here.
 */
export const nativeTrapStack: Stack = nativeStack('native-trap', { mode: 'trap', pvMmu: false });

/** Trap-and-emulate with the paravirtual-MMU hypercalls offered (`native-pv`: run kernel-pv on it). */
export const nativePvStack: Stack = nativeStack('native-pv', { mode: 'trap', pvMmu: true });

/** The H extension: the guest in VS/VU under a G-stage, hypervisor SBI (`native-hext`; S-mode kernels only). */
export const nativeHextStack: Stack = nativeStack('native-hext', { mode: 'hext', pvMmu: false });
