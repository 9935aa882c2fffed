import type { AccessWidth, EventCounts } from '@vm/core';
import { CAUSE_ECALL_M, CAUSE_ECALL_S, CAUSE_ECALL_U, CAUSE_FETCH_PAGE_FAULT, CAUSE_LOAD_PAGE_FAULT, CAUSE_STORE_PAGE_FAULT } from '@vm/isa';
import type { VirtMachine } from '@vm/machine';

/** Exception causes (priv spec table 3.6) that get their own event name. */
const ECALL_CAUSES = new Set([CAUSE_ECALL_U, CAUSE_ECALL_S, CAUSE_ECALL_M]);
const PAGE_FAULT_CAUSES = new Set([CAUSE_FETCH_PAGE_FAULT, CAUSE_LOAD_PAGE_FAULT, CAUSE_STORE_PAGE_FAULT]);

/**
 * Counts what bare metal does that a hypervisor would have to intercept or pay for: traps taken
 * (by kind), MMIO accesses (by device), page-walk references and TLB misses. A thin wrapper on the
 * board's own objects — the bus's `read`/`write` and the hart's `takeTrap` — so the board and its
 * packages stay untouched and the guest sees exactly the same machine (the counts change nothing
 * it can observe, so runs stay deterministic).
 */
export class BoardEventCounter {
  private readonly counts = new Map<string, number>();

  constructor(private readonly machine: VirtMachine) {
    const bus = machine.bus;
    const ram = bus.ram;
    const read = bus.read.bind(bus);
    const write = bus.write.bind(bus);
    // RAM through the bus (page walks, slow paths) is not device work: count only the rest.
    bus.read = (pa: number, width: AccessWidth): bigint => {
      if (pa < ram.base || pa >= ram.end) this.mmio(pa);
      return read(pa, width);
    };
    bus.write = (pa: number, width: AccessWidth, value: bigint): boolean => {
      if (pa < ram.base || pa >= ram.end) this.mmio(pa);
      return write(pa, width, value);
    };
    for (const hart of machine.harts) {
      const take = hart.takeTrap.bind(hart);
      hart.takeTrap = (cause: number, tval: bigint, interrupt: boolean): void => {
        this.add(trapEvent(cause, interrupt));
        take(cause, tval, interrupt);
      };
    }
  }

  private add(name: string, n = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + n);
  }

  private mmio(pa: number): void {
    this.add('mmio.access');
    const dev = this.machine.bus.find(pa);
    // Per-device counts explain the total; they are informational (the cost model prices the total).
    this.add(`mmio.dev.${dev === undefined ? 'unmapped' : deviceKind(dev.name)}`);
  }

  /** Everything counted so far, plus the harts' MMU statistics. */
  events(): EventCounts {
    const out: EventCounts = {};
    for (const [k, v] of this.counts) out[k] = v;
    let pteReads = 0;
    let pteWrites = 0;
    let tlbMisses = 0;
    let flushes = 0;
    for (const h of this.machine.harts) {
      pteReads += h.mmu.stats.pteReads;
      pteWrites += h.mmu.stats.pteWrites;
      tlbMisses += h.mmu.stats.tlbMisses;
      flushes += h.mmu.stats.flushes;
    }
    out['walk.pte-read'] = pteReads;
    out['walk.pte-write'] = pteWrites;
    out['tlb.miss'] = tlbMisses;
    out['tlb.flush'] = flushes;
    out['world-switch'] = 0;
    out['host.syscall'] = 0;
    return out;
  }
}

/** Bare-metal traps are hardware events (`trap.*`), never hypervisor exits (`exit.*`). */
function trapEvent(cause: number, interrupt: boolean): string {
  if (interrupt) return 'trap.interrupt';
  if (ECALL_CAUSES.has(cause)) return 'trap.ecall';
  if (PAGE_FAULT_CAUSES.has(cause)) return 'trap.page-fault';
  return 'trap.exception';
}

/** `virtio-mmio@10008000` → `virtio`: one bucket per kind of device. */
function deviceKind(name: string): string {
  return name.startsWith('virtio-mmio') ? 'virtio' : name;
}
