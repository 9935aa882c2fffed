import type { SliceRunner } from '@vm/core';
import type { RiscvCpu } from '@vm/gdbstub';
import type { HostedHost, VmmProgram } from '@vm/hypervisor-hosted';
import type { Vm } from '@vm/hypervisor-native';
import type { VirtMachine } from '@vm/machine';
import type { SystemBus } from '@vm/mmu';
import type { Hart } from '@vm/isa';
import { hartCpu, vmCpus } from './debug-cpu.js';

/**
 * One guest of the hosted stack as the gdbstub, the monitor and `-d` see it — from outside its VMM
 * process, as QEMU's gdbstub sees a KVM guest through KVM_GET_REGS: in accel mode the VM that
 * /dev/vmm created for the VMM (the same `Vm` a native VM is, so `vmCpu` reads it: registers in
 * its virtual hart between KVM_RUNs, memory through its own satp), in soft mode the VMM's own
 * board (the same `VirtMachine` as the bare board, so `hartCpu` reads it).
 */
export interface HostedGuestView {
  readonly vmm: VmmProgram;
  /** The guest's CPUs (GDB threads 1..N). */
  cpus(): RiscvCpu[];
  /** The guest's board bus: its physical memory and devices. */
  readonly bus: SystemBus;
  /** Changes whenever the guest executes something (its retired count or its pc). */
  progress(): string;
  /** Invalid virtio register accesses by the guest so far (`-d guest_errors`). */
  guestErrors(): number;
  /** accel: the VM of /dev/vmm (and the host OS's machine, whose hart runs it); soft: the VMM's board. */
  readonly target: { readonly kind: 'accel'; readonly vm: Vm; readonly host: { readonly hart: Hart } } | { readonly kind: 'soft'; readonly board: VirtMachine };
}

/**
 * The guest of `host`'s VMM `index`. The guest exists only once its VMM process has run its first
 * step (KVM_CREATE_VCPU, or building its soft board), so the host kernel is run until then: that
 * step executes no guest instruction (a -S start is still at the reset pc). Undefined when the VMM
 * failed to create its guest (its run then ends with the VMM's own report).
 */
export function hostedGuest(host: HostedHost, index = 0): HostedGuestView | undefined {
  const { vmm, process } = host.vmms[index]!;
  // A host kernel step runs one process step: a few steps at most (the VMMs before this one).
  for (let i = 0; i < 4 * host.vmms.length && !vmm.started && process.state !== 'zombie'; i++) host.kernel.run(1);
  const board = vmm.softBoard;
  if (board !== undefined) {
    return {
      vmm,
      cpus: () => board.harts.map((h, i) => hartCpu(h, () => board.boardState().waiting[i] === true)),
      bus: board.bus,
      progress: () => board.harts.map((h) => `${h.retired}@${h.pc}`).join(','),
      guestErrors: () => board.virtio.reduce((n, s) => n + s.transport.guestErrors, 0),
      target: { kind: 'soft', board },
    };
  }
  const vm = host.kernel.vmm.vmOf(process.pid);
  if (vm === undefined) return undefined;
  return {
    vmm,
    cpus: () => vmCpus(host.kernel.machine, vm),
    bus: vm.board.bus,
    progress: () => `${vm.stats.guestInstructions}@${vm.vhart.hart.pc}`,
    guestErrors: () => vm.board.virtio.reduce((n, s) => n + s.transport.guestErrors, 0),
    target: { kind: 'accel', vm, host: host.kernel.machine },
  };
}

/** Host kernel steps tried for one guest step before giving up (a guest that waits in WFI). */
const QUIET_STEPS = 1_000;

/**
 * The hosted session's one-step `exec(1)` made a step of the guest. A host kernel step of one
 * instruction may execute none of the guest's: the VMM's first KVM_RUN after a shadow-table fill
 * or an MMIO exit that retired nothing (trap-and-emulate exits invisible to the guest), a WFI
 * wait. The gdbstub's stepi and breakpoint checks, and `-d`'s per-instruction lines, want one
 * guest instruction per step, so `exec(1)` repeats until the guest moved (bounded: a guest waiting
 * for an interrupt may not move for a while, and the debugger must get control back).
 */
export class GuestStepper implements SliceRunner {
  constructor(private readonly progress: () => string) {}

  run<E>(budget: number, exec: (n: number) => E | undefined): E | undefined {
    if (budget !== 1) return exec(budget);
    const before = this.progress();
    for (let i = 0; i < QUIET_STEPS; i++) {
      const exit = exec(1);
      if (exit !== undefined || this.progress() !== before) return exit;
    }
    return undefined;
  }
}
