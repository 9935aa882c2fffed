import type { Hart } from '@vm/isa';
import type { Ram } from '@vm/mmu';
import type { ExitVerdict, GuestExit } from './exit-reason.js';
import type { VmReport } from './vm.js';

/**
 * Why `Vcpu.run()` returned: cloud-hypervisor's `VmExit` for one vCPU. Exits the vCPU finishes by
 * itself (shadow fills, CSR and xRET emulation, injected guest faults, and under H everything the
 * hardware does) stay inside `run`; the VMM sees these.
 */
export type VcpuExit =
  /** The instruction budget is used up (the preemption timer fired). */
  | { readonly kind: 'budget' }
  /** A host interrupt arrived while the guest ran: the host must run before the guest resumes. */
  | { readonly kind: 'interrupt' }
  /**
   * The guest accessed a device of its board; the access is done (the VM's bus answered it) and
   * the guest is past the instruction. `gpa` is -1 for an emulated MPRV access with no fixed address.
   */
  | { readonly kind: 'mmio'; readonly gpa: number; readonly write: boolean }
  /** An SBI call of the guest's S-mode, answered by the hypervisor's SBI (`extension` is its name). */
  | { readonly kind: 'sbi'; readonly extension: string }
  /** The guest executed WFI: it waits for an interrupt (`Vcpu.wakeable`, `Vcpu.deadline`). */
  | { readonly kind: 'wfi' }
  /** The guest powered off (sifive_test, SBI SRST, HTIF tohost) or asked for a reset; the VM is stopped. */
  | { readonly kind: 'shutdown'; readonly reset: boolean; readonly code: number | undefined }
  /** The VM stopped for any other reason (guest error, trap storm, a hook, a hypervisor bug): the report says why. */
  | { readonly kind: 'internal-error'; readonly report: VmReport };

export type VcpuExitKind = VcpuExit['kind'];

/**
 * The narrow callback a vCPU uses to reach its VMM or hypervisor (cloud-hypervisor's `VmOps`).
 * Device accesses go to the VM's board bus, which is the VMM's device model.
 */
export interface VmOps {
  /** Called on every exit before it is handled: policy (exit hooks, isolation) may deny or stop it. */
  exit?(exit: GuestExit): ExitVerdict;
  /** The host's time in timer ticks, for a vCPU whose guest reads time without exits (H: htimedelta). */
  hostTime?(): bigint;
}

/** The physical machine a vCPU runs on: the real hart (its M-mode is the host's) and host RAM. */
export interface VcpuHost {
  readonly hart: Hart;
  readonly ram: Ram;
}

/**
 * One virtual CPU of a VM, run on the host's real hart. Two back ends implement it:
 * trap-and-emulate with shadow page tables (`TrapVcpu`) and the H extension (`HextVcpu`).
 * The native hypervisor schedules them; /dev/vmm in the host OS is a thin KVM_RUN around them.
 */
export interface Vcpu {
  readonly mode: 'trap' | 'hext';
  /** Its hart id in the VM (0..vcpus-1). */
  readonly index: number;
  /** True between `load()` and `save()`: the guest's registers are in the real hart. */
  readonly resident: boolean;
  /** World switch in: the guest's state into the real hart. */
  load(): void;
  /** World switch out: park the guest's state, leave the real hart to the host. */
  save(): void;
  /** Run the guest for up to `budget` instructions; the caller has loaded it. */
  run(budget: number): VcpuExit;
  /** After a `wfi` exit: an interrupt the guest would wake for is pending and enabled. */
  wakeable(): boolean;
  /** The guest's next timer deadline in its board's clock ticks, when one is armed. */
  deadline(): bigint | undefined;
  /** Guest integer register `i`, wherever it lives now. */
  readRegister(i: number): bigint;
  writeRegister(i: number, value: bigint): void;
}
