import type { EventCounts, GuestSession, SessionSlice, VmExit } from '@vm/core';
import type { VmSnapshot } from '@vm/vcpu';
import type { RemoteVm } from './remote-vm.js';

export interface ParallelSessionOptions {
  /** The VM that typed console input goes to (default: the first; `false`: none). */
  readonly input?: RemoteVm | false;
}

/**
 * VMs on worker threads as one `GuestSession` (`-accel tcg,thread=multi`): the main thread keeps
 * the console, input, limits and reports, as with `NativeSession`; each slice is handed to every
 * live VM's worker at once and the main thread waits for all of them, so N VMs use N host cores.
 * A slice's budget is a pool the live VMs take from as they run (its total stays the driver's
 * budget, so `--max-instructions` counts all VMs together, as in single-thread mode; how it
 * splits between the VMs follows their speed, so it differs from run to run). Exit, events and
 * snapshot are the first VM's, as `vm run` has one.
 */
export class ParallelSession implements GuestSession<VmSnapshot> {
  private readonly inputVm: RemoteVm | undefined;
  private readonly starts: readonly number[];
  /** The shared budget of a slice (see run). */
  private readonly poolBuffer = new SharedArrayBuffer(4);
  private readonly pool = new Int32Array(this.poolBuffer);

  constructor(
    readonly vms: readonly RemoteVm[],
    o: ParallelSessionOptions = {},
  ) {
    if (vms.length === 0) throw new Error('ParallelSession: no VM');
    this.inputVm = o.input === false ? undefined : (o.input ?? vms[0]);
    this.starts = vms.map((vm) => vm.status.guestInstructions);
  }

  get instructions(): number {
    return this.vms.reduce((n, vm, i) => n + vm.status.guestInstructions - this.starts[i]!, 0);
  }

  get inputOpen(): boolean {
    return this.inputVm !== undefined && this.inputVm.state !== 'stopped';
  }

  run(budget: number): SessionSlice {
    const live = this.vms.filter((v) => v.state !== 'stopped');
    if (live.length === 0) return { ran: 0, end: 'stopped' };
    // The slice's budget is one pool the VMs take from, a chunk at a time, as they go: a VM twenty
    // times faster than its neighbour (blocks against cold code, or a neighbour waiting in WFI)
    // runs twenty times the instructions in the slice instead of waiting at the barrier with an
    // equal share done, and together they never run more than `budget`. A slice ends when the
    // pool is spent and every VM has finished the chunk it holds, so chunks are small: 1/64 of an
    // equal share (at least 1). With 1/4, a VM printing to its UART beside one computing held a
    // 2.5 M chunk of a 20 M slice for 430 ms while the other, done in 22 ms, waited; with 1/64 the
    // slice lasts about 50 ms and the computing VM runs 19.8 M of it.
    const pool = this.pool;
    Atomics.store(pool, 0, Math.min(budget, 0x7fff_ffff));
    const chunk = Math.max(1, Math.floor(budget / (64 * live.length)));
    for (const vm of live) vm.startRun(budget, this.poolBuffer, chunk);
    let ran = 0;
    let busy = false;
    for (const vm of live) {
      const x = vm.finishRun();
      ran += x.ran;
      if (x.reason === 'budget') busy = true;
    }
    if (this.vms.every((v) => v.state === 'stopped')) return { ran, end: 'stopped' };
    // 'idle' only when every live VM waits with nothing to wake it (NativeHypervisor.run's rule).
    return { ran, end: busy ? 'budget' : 'idle' };
  }

  input(bytes: readonly number[]): number {
    return this.inputVm?.input(bytes) ?? 0;
  }

  events(): EventCounts {
    return this.vms[0]!.info().events;
  }

  exit(): VmExit {
    const vm = this.vms[0]!;
    const s = vm.status;
    if (vm.failure !== undefined) return { reason: 'halt', message: vm.failure };
    if (s.reportReason === undefined) return s.state === 'waiting' ? { reason: 'wfi' } : { reason: 'budget' };
    if (s.reportReason === 'poweroff') return { reason: 'poweroff', code: s.exitStatus ?? 1 };
    if (s.reportReason === 'reset') return { reason: 'reset' };
    return { reason: 'halt', message: vm.info().describe };
  }

  report(): string | undefined {
    const vm = this.vms[0]!;
    if (vm.failure !== undefined || vm.status.stoppedByHypervisor) return vm.info().formatReport.trimEnd();
    if (vm.status.reportReason === 'reset') return 'vm: the guest asked for a reset (a VM does not reboot): exiting';
    return undefined;
  }

  snapshot(): VmSnapshot {
    return this.vms[0]!.snapshot();
  }

  statsLines(): readonly string[] {
    const switches = this.vms.reduce((n, v) => n + v.status.worldSwitches, 0);
    return [`vm: ${switches} world switches; exits: ${this.vms[0]!.info().exitsByReason || 'none'}`];
  }

  close(): void {
    for (const vm of this.vms) vm.close();
  }
}
