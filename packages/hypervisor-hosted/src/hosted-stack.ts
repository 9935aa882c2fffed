import type { GuestRunResult, GuestSpec, Stack, VmExit } from '@vm/core';
import { HostKernel, mkfs, type Process } from '@vm/hostos';
import { VmmProgram, type VmmMode } from './vmm-process.js';

const DEFAULT_MAX_INSTRUCTIONS = 400_000_000;
const RUN_CHUNK = 5_000_000;
/** Host RAM beyond the guest's: page tables, shadow pool, the VMM's buffers. */
const HOST_RESERVE = 24 << 20;

/** A host OS with the guest's kernel and disk as files, and a VMM process ready to run it. */
export interface HostedSetup {
  readonly kernel: HostKernel;
  readonly vmm: VmmProgram;
  readonly process: Process;
}

export function hostedSetup(spec: GuestSpec, mode: VmmMode, weight?: number): HostedSetup {
  const kernelFile = spec.kernel ?? spec.bios;
  if (kernelFile === undefined) throw new Error('hosted stacks need -kernel');
  const disk = spec.disks?.[0];
  const files = [{ path: '/images/kernel.elf', bytes: kernelFile.bytes }];
  if (disk !== undefined) files.push({ path: '/images/disk.img', bytes: disk.bytes });
  const size = kernelFile.bytes.length + (disk?.bytes.length ?? 0) + (8 << 20);
  const kernel = new HostKernel({ disk: mkfs({ size, files }), memory: spec.memory + HOST_RESERVE });
  const vmm = new VmmProgram({ mode, kernelPath: '/images/kernel.elf', diskPath: disk === undefined ? undefined : '/images/disk.img', append: spec.append, memory: spec.memory });
  vmm.accelCounter = () => kernel.vmm.guestInstructions;
  const process = kernel.spawnNative(vmm, { weight });
  return { kernel, vmm, process };
}

function hostedStack(mode: VmmMode): Stack {
  return {
    name: `hosted-${mode}`,
    run(spec: GuestSpec): GuestRunResult {
      const started = process.hrtime.bigint();
      const { kernel, vmm, process: proc } = hostedSetup(spec, mode);
      const max = spec.maxInstructions ?? DEFAULT_MAX_INSTRUCTIONS;
      while (proc.state !== 'zombie' && vmm.guestInstructions < max) {
        const r = kernel.run(RUN_CHUNK);
        if (r.reason !== 'budget') break;
      }
      const exit: VmExit = vmm.exit ?? { reason: 'budget' };
      const events = {
        ...vmm.events(),
        'world-switch': kernel.vmm.world.entries + kernel.vmm.world.exits,
        'exit.in-kernel': kernel.vmm.inKernelExits,
        'context-switch': kernel.scheduler.contextSwitches,
      };
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      return { exit, console: vmm.console, guestInstructions: vmm.guestInstructions, events, seconds };
    },
  };
}

/** The guest through /dev/vmm (trap-and-emulate in the host kernel's driver), VMM in user space. */
export const hostedAccelStack: Stack = hostedStack('accel');
/** The guest interpreted by the VMM process itself: no hardware help. */
export const hostedSoftStack: Stack = hostedStack('soft');
