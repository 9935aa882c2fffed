import type { Clock } from '@vm/core';
import { ConfigError } from '@vm/core';
import { CSR_MCOUNTEREN, CSR_MENVCFG, CSR_PMPADDR0, CSR_PMPCFG0, CSR_SCOUNTEREN, CSR_STIMECMP, Hart } from '@vm/isa';
import { Mmu, PAGE_SIZE, Ram, SystemBus } from '@vm/mmu';
import type { HostRegion } from '@vm/vcpu';

/** Host RAM starts where the virt board's DRAM does. */
export const HOST_RAM_BASE = 0x8000_0000;

/** pmpcfg: R|W|X with A=NAPOT (priv spec 3.7.1). */
const PMP_NAPOT_RWX = 0x1f;


/**
 * The physical machine the hypervisor owns: host RAM, the host bus and one real hart whose M-mode
 * belongs to the hypervisor (`hostTraps`): every trap of the deprivileged guest comes back from
 * `hart.run()` as a `trap` exit. Nothing but RAM is on the host bus: guests reach devices only
 * through emulation.
 */
const SUPERPAGE = 2 * 1024 * 1024;

export class HostBoard {
  readonly ram: Ram;
  readonly bus: SystemBus;
  readonly hart: Hart;
  /** Instructions the real hart retired in total: the host's time base. */
  private allocated = 0;

  constructor(memory: number, clock: Clock, hExtension = false) {
    if (!Number.isInteger(memory) || memory < 1 << 20 || memory % PAGE_SIZE !== 0) {
      throw new ConfigError(`hypervisor memory must be a multiple of 4 KiB and at least 1 MiB, got ${memory}`);
    }
    this.ram = new Ram(HOST_RAM_BASE, memory);
    this.bus = new SystemBus(this.ram);
    this.hart = new Hart({ hartId: 0, bus: this.bus, mmu: new Mmu(this.bus), clock, hostTraps: true, hExtension });
    this.powerOn();
  }

  /**
   * Back to the power-on state, for a hypervisor reused instead of rebuilt: nothing allocated, host
   * RAM zero (only the chunks written since: Ram.zeroWritten), the hart reset with its PMP and TLB
   * cleared and its translations flushed.
   */
  reset(): void {
    this.allocated = 0;
    this.ram.zeroWritten();
    this.hart.mmu.pmp.reset();
    this.hart.mmu.flushAll();
    this.powerOn();
  }

  /** The hart as the hypervisor starts it. */
  private powerOn(): void {
    const hExtension = this.hart.hExtension;
    this.hart.reset(BigInt(HOST_RAM_BASE));
    // U-mode may touch memory only through the (shadow) page tables, which map nothing but VM
    // windows; PMP therefore opens all of physical memory to U (priv spec 3.7.1: with entries
    // implemented, an unmatched S/U access fails).
    this.hart.writeCsr(CSR_PMPADDR0, (1n << 54n) - 1n);
    this.hart.writeCsr(CSR_PMPCFG0, BigInt(PMP_NAPOT_RWX));
    // Counters are virtualised: cycle/time/instret from real U-mode trap (priv spec 3.1.11).
    this.hart.writeCsr(CSR_MCOUNTEREN, 0n);
    this.hart.writeCsr(CSR_SCOUNTEREN, 0n);
    if (hExtension) {
      // Sstc at M level so henvcfg.STCE can give guests vstimecmp (Sstc spec 2.3); the host's own
      // stimecmp never fires.
      this.hart.writeCsr(CSR_MENVCFG, this.hart.readCsr(CSR_MENVCFG) | (1n << 63n));
      this.hart.writeCsr(CSR_STIMECMP, (1n << 64n) - 1n);
    }
  }

  /** Carve `size` bytes (page multiple) out of host RAM, lowest address first. */
  allocate(size: number, what: string): HostRegion {
    const rounded = Math.ceil(size / PAGE_SIZE) * PAGE_SIZE;
    // Regions of 2 MiB or more start 2 MiB-aligned, so guest superpages can be shadowed by
    // superpages (the VM window's offset within 2 MiB must match the guest's).
    const align = rounded >= SUPERPAGE ? SUPERPAGE : PAGE_SIZE;
    const start = Math.ceil(this.allocated / align) * align;
    if (start + rounded > this.ram.size) {
      throw new ConfigError(`${what}: needs ${rounded} bytes of host memory, ${this.ram.size - start} left`);
    }
    const region = { base: HOST_RAM_BASE + start, size: rounded, offset: start };
    this.allocated = start + rounded;
    return region;
  }

  get free(): number {
    return this.ram.size - this.allocated;
  }
}
