import type { EventCounts, GuestSession, SessionSlice, VmExit } from '@vm/core';
import type { Vm, VmSnapshot } from '@vm/vcpu';
import type { NativeHypervisor } from './hypervisor.js';
import { exitsByReason, formatReport, stoppedByHypervisor } from './vm-report.js';

export interface NativeSessionOptions {
  /** The VM that typed console input goes to (default: the first; undefined with `input: false`: none). */
  readonly input?: Vm | false;
  /** Write back and close the VMs' disks; called by `close()`. */
  readonly closeDisks?: () => void;
}

/**
 * The native hypervisor's VMs as a `GuestSession`: `run` is the hypervisor's (the credit scheduler
 * shares the hart among the VMs); exit, events and snapshot are the first VM's, as `vm run` has one.
 */
export class NativeSession implements GuestSession<VmSnapshot> {
  private readonly inputVm: Vm | undefined;
  private readonly starts: readonly number[];

  constructor(
    readonly hv: NativeHypervisor,
    readonly vms: readonly Vm[],
    private readonly o: NativeSessionOptions = {},
  ) {
    if (vms.length === 0) throw new Error('NativeSession: no VM');
    this.inputVm = o.input === false ? undefined : (o.input ?? vms[0]);
    this.starts = vms.map((vm) => vm.stats.guestInstructions);
  }

  where(): string {
    const vm = this.vms[0]!;
    const pc = vm.vcpu.resident ? this.hv.host.hart.pc : vm.vhart.hart.pc;
    return `pc=0x${pc.toString(16)}, VM ${vm.name} ${vm.state} in v${'USHM'[vm.vhart.vpriv] ?? vm.vhart.vpriv}-mode`;
  }

  get instructions(): number {
    return this.vms.reduce((n, vm, i) => n + vm.stats.guestInstructions - this.starts[i]!, 0);
  }

  get inputOpen(): boolean {
    return this.inputVm !== undefined && this.inputVm.state !== 'stopped';
  }

  get held(): boolean {
    return this.hv.vms.some((v) => v.state !== 'stopped' && this.hv.isPaused(v));
  }

  run(budget: number): SessionSlice {
    const r = this.hv.run(budget);
    return { ran: r.instructions, trapped: r.trapSteps, end: r.reason };
  }

  input(bytes: readonly number[]): number {
    if (this.inputVm === undefined) return 0;
    return this.inputVm.sendInput(Buffer.from(bytes).toString('latin1'));
  }

  events(): EventCounts {
    return this.vms[0]!.stats.events();
  }

  exit(): VmExit {
    const vm = this.vms[0]!;
    const r = vm.report;
    if (r === undefined) return vm.state === 'waiting' ? { reason: 'wfi' } : { reason: 'budget' };
    if (r.reason === 'poweroff') return { reason: 'poweroff', code: vm.exitStatus ?? 1 };
    if (r.reason === 'reset') return { reason: 'reset' };
    return { reason: 'halt', message: vm.describe() };
  }

  report(): string | undefined {
    const vm = this.vms[0]!;
    if (stoppedByHypervisor(vm)) return formatReport(vm).trimEnd();
    if (vm.report?.reason === 'reset') return 'vm: the guest asked for a reset (a VM does not reboot): exiting';
    return undefined;
  }

  snapshot(): VmSnapshot {
    return this.hv.snapshotVm(this.vms[0]!);
  }

  statsLines(): readonly string[] {
    return [`vm: ${this.hv.worldSwitches} world switches; exits: ${exitsByReason(this.vms[0]!) || 'none'}`];
  }

  close(): void {
    this.o.closeDisks?.();
  }
}
