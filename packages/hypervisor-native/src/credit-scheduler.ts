import type { VmScheduleState } from '@vm/vcpu';

/** A group of schedulable entities sharing one weight and one cap: a VM and its vCPUs (Xen's domain). */
export interface SchedDomain {
  readonly weight: number;
  /** Upper bound for the whole domain in percent of the CPU, 0 = none. */
  readonly cap: number;
  usedThisPeriod: number;
}

/** What the scheduler needs to know about a vCPU (or a VM of one vCPU). */
export interface Schedulable {
  /** Relative share of the CPU (Xen credit scheduler: default 256). */
  readonly weight: number;
  /** Upper bound in percent of the CPU, 0 = none. */
  readonly cap: number;
  credit: number;
  usedThisPeriod: number;
  /** Sequence number of the slice it last ran in (round robin within a priority). */
  lastRun: number;
  /** The domain (VM) whose weight and cap it shares with its siblings; undefined: its own. */
  readonly domain?: SchedDomain;
}

/**
 * Proportional-share scheduling in the manner of Xen's credit scheduler: every accounting period
 * hands out credits in proportion to the weights of the runnable VMs; running burns credit. VMs
 * with credit left (UNDER) run before those that have used theirs (OVER), round robin within each
 * class, so the scheduler is work-conserving — OVER VMs run whenever no UNDER VM wants the CPU.
 * A cap parks a VM for the rest of the period once it has used its percentage of the period.
 * Time is counted in guest instructions (the hypervisor's deterministic time base).
 *
 * The entities are vCPUs. A VM's weight and cap belong to the VM (Xen's domain), not to each vCPU:
 * each period the VM's share (by weight among the VMs with a runnable vCPU) is split evenly among
 * its runnable vCPUs, so a VM of 4 vCPUs gets no more CPU than a VM of 1 with the same weight,
 * and a VM whose other vCPUs wait gives the whole share to the one that runs; a cap bounds what
 * all its vCPUs together use in a period.
 */
export class CreditScheduler {
  private slices = 0;
  private period = 0;
  private periodLeft = 0;

  constructor(
    /** Instructions per time slice. */
    readonly quantum: number,
    /** Slices per accounting period (Xen: 30 ms period / 10 ms slice = 3 per CPU; more VMs, more slices). */
    readonly slicesPerPeriod = 3,
  ) {}

  /** Back to where a new scheduler starts (NativeHypervisor.reset). */
  reset(): void {
    this.slices = 0;
    this.period = 0;
    this.periodLeft = 0;
  }

  /** The VM to run next among the runnable ones, or undefined when none may run. */
  pick<T extends Schedulable>(runnable: readonly T[]): T | undefined {
    if (runnable.length === 0) return undefined;
    if (this.periodLeft <= 0) this.newPeriod(runnable);
    let best: T | undefined;
    let parked = 0;
    for (const vm of runnable) {
      if (this.capped(vm)) {
        parked++;
        continue;
      }
      if (best === undefined) best = vm;
      else {
        const under = vm.credit > 0;
        const bestUnder = best.credit > 0;
        if ((under && !bestUnder) || (under === bestUnder && vm.lastRun < best.lastRun)) best = vm;
      }
    }
    if (best === undefined && parked > 0) {
      // Everybody runnable is capped: the period is over for them, start the next one.
      this.newPeriod(runnable);
      return this.pick(runnable.filter((vm) => !this.capped(vm)));
    }
    if (best !== undefined) best.lastRun = ++this.slices;
    return best;
  }

  /**
   * The schedule of one domain's members (a VM's vCPUs) for its snapshot: the period, the domain's
   * and each member's use of it and credit, and when each last ran relative to now (so the order
   * survives into a scheduler whose slice count is elsewhere).
   */
  capture(domain: SchedDomain, members: readonly Schedulable[]): VmScheduleState {
    return {
      version: 1,
      period: this.period,
      periodLeft: this.periodLeft,
      usedThisPeriod: domain.usedThisPeriod,
      vcpus: members.map((m) => ({ credit: m.credit, usedThisPeriod: m.usedThisPeriod, lastRun: m.lastRun - this.slices })),
    };
  }

  /**
   * Take back `capture`'s state for a restored domain. `alone`: it is the only domain here, so the
   * period it was in continues too, and its members run in exactly the order they would have;
   * beside other domains the period is theirs and only the members' standing carries over.
   */
  restore(domain: SchedDomain, members: readonly Schedulable[], s: VmScheduleState, alone: boolean): void {
    if (alone) {
      this.period = s.period;
      this.periodLeft = s.periodLeft;
    }
    domain.usedThisPeriod = s.usedThisPeriod;
    members.forEach((m, i) => {
      const v = s.vcpus[i]!;
      m.credit = v.credit;
      m.usedThisPeriod = v.usedThisPeriod;
      m.lastRun = this.slices + v.lastRun;
    });
  }

  /** Charge `instructions` to `vm` (after its slice). */
  charge(vm: Schedulable, instructions: number): void {
    vm.credit -= instructions;
    vm.usedThisPeriod += instructions;
    if (vm.domain !== undefined) vm.domain.usedThisPeriod += instructions;
    this.periodLeft -= instructions;
  }

  private capped(vm: Schedulable): boolean {
    const d = vm.domain ?? vm;
    return d.cap > 0 && d.usedThisPeriod >= (this.period * d.cap) / 100;
  }

  private periodLength(vms: number): number {
    return this.quantum * this.slicesPerPeriod * Math.max(1, vms);
  }

  private newPeriod(runnable: readonly Schedulable[]): void {
    const period = (this.period = this.periodLength(runnable.length));
    // Runnable entities per domain: the domain's share is split among them.
    const members = new Map<SchedDomain, number>();
    for (const vm of runnable) {
      const d = vm.domain ?? vm;
      members.set(d, (members.get(d) ?? 0) + 1);
    }
    let total = 0;
    for (const d of members.keys()) {
      total += d.weight;
      d.usedThisPeriod = 0;
    }
    total ||= 1;
    for (const vm of runnable) {
      const d = vm.domain ?? vm;
      // Credit does not pile up beyond one period's share (Xen clips it the same way).
      const share = (period * d.weight) / total / members.get(d)!;
      vm.credit = Math.min(vm.credit + share, share);
      vm.usedThisPeriod = 0;
    }
    this.periodLeft = period;
  }
}
