import type { Hart } from '@vm/isa';
import {
  CAUSE_ECALL_VS, CAUSE_FETCH_ACCESS, CAUSE_FETCH_GUEST_PAGE_FAULT, CAUSE_ILLEGAL_INSTRUCTION, CAUSE_LOAD_ACCESS,
  CAUSE_LOAD_GUEST_PAGE_FAULT, CAUSE_STORE_ACCESS, CAUSE_STORE_GUEST_PAGE_FAULT, CAUSE_VIRTUAL_INSTRUCTION, CSR_MTINST, CSR_MTVAL2,
} from '@vm/isa';
import { ACCESS_FETCH, BUS_FAULT, type Ram } from '@vm/mmu';
import type { ExitReason } from './exit-reason.js';
import type { HextContext } from './hext-context.js';
import { decodeMmio, extendLoad } from './mmio-decode.js';
import type { Vm } from './vm.js';

const INSN_WFI = 0x1050_0073;

/**
 * The exits of a guest under the H extension — only what the hardware cannot finish alone: ECALL
 * from VS (SBI), guest-page faults (the G-stage maps RAM, so these are device accesses: MMIO
 * emulated against the VM's bus; an access to nothing becomes the guest's access fault), virtual
 * instructions (WFI with hstatus.VTW; anything else is the guest's illegal instruction).
 */
export class HextEmulator {
  constructor(
    private readonly real: Hart,
    private readonly hostRam: Ram,
  ) {}

  classify(cause: number, tval: bigint): ExitReason {
    switch (cause) {
      case CAUSE_ECALL_VS: return 'sbi';
      case CAUSE_FETCH_GUEST_PAGE_FAULT:
      case CAUSE_LOAD_GUEST_PAGE_FAULT:
      case CAUSE_STORE_GUEST_PAGE_FAULT: return 'mmio';
      case CAUSE_VIRTUAL_INSTRUCTION: return Number(tval & 0xffff_ffffn) === INSN_WFI ? 'wfi' : 'virtual-instruction';
      default: return 'guest-fault';
    }
  }

  /** The guest-physical address of a guest-page fault: mtval2 holds it shifted right by 2 (8.6.3), tval the low bits. */
  faultGpa(tval: bigint): number {
    return Number((this.real.readCsr(CSR_MTVAL2) << 2n) | (tval & 3n));
  }

  /** Handle a classified exit; true when a guest instruction retired by emulation. */
  apply(vm: Vm, h: HextContext, reason: ExitReason, cause: number, tval: bigint, epc: bigint): boolean {
    switch (reason) {
      case 'mmio':
        return this.mmio(vm, h, cause, tval, epc);
      case 'wfi':
        h.pc = epc + 4n;
        vm.state = 'waiting';
        return true;
      case 'virtual-instruction':
        h.inject(this.real, CAUSE_ILLEGAL_INSTRUCTION, tval, epc);
        vm.stats.count('inject.exception');
        return false;
      default:
        // An exception we did not delegate (none is expected): the guest's own, deliver it.
        h.inject(this.real, cause, tval, epc);
        vm.stats.count('inject.exception');
        return false;
    }
  }

  /** A device access: decode the load/store at epc, do it on the VM's bus, write back, skip it. */
  private mmio(vm: Vm, h: HextContext, cause: number, tval: bigint, epc: bigint): boolean {
    const accessFault = cause === CAUSE_FETCH_GUEST_PAGE_FAULT ? CAUSE_FETCH_ACCESS : cause === CAUSE_STORE_GUEST_PAGE_FAULT ? CAUSE_STORE_ACCESS : CAUSE_LOAD_ACCESS;
    if (this.real.readCsr(CSR_MTINST) !== 0n) {
      // An implicit access of the guest's own VS-stage walk (mtinst holds the PTE pseudoinstruction,
      // priv spec 8.6.3): its page table lies outside its RAM, which no device can hold. The
      // guest's access fault at the address it was translating.
      h.inject(this.real, accessFault, tval, epc);
      vm.stats.count('inject.exception');
      return false;
    }
    const gpa = this.faultGpa(tval);
    if (vm.ram.contains(gpa, 1)) throw new Error(`guest-page fault on guest RAM at ${gpa.toString(16)}: the G-stage maps all of it`);
    const insn = cause === CAUSE_FETCH_GUEST_PAGE_FAULT ? undefined : this.fetch(h, epc);
    const a = insn === undefined ? undefined : decodeMmio(insn);
    if (a === undefined || a.store !== (cause === CAUSE_STORE_GUEST_PAGE_FAULT)) {
      // Code outside RAM, or an FP/AMO access to a device: the guest's access fault.
      h.inject(this.real, accessFault, tval, epc);
      vm.stats.count('inject.exception');
      return false;
    }
    const bus = vm.board.bus;
    if (a.store) {
      const value = BigInt.asUintN(a.width * 8, this.real.x[a.reg]!);
      if (!bus.write(gpa, a.width, value)) {
        h.inject(this.real, CAUSE_STORE_ACCESS, tval, epc);
        vm.stats.count('inject.exception');
        return false;
      }
    } else {
      const v = bus.read(gpa, a.width);
      if (v === BUS_FAULT) {
        h.inject(this.real, CAUSE_LOAD_ACCESS, tval, epc);
        vm.stats.count('inject.exception');
        return false;
      }
      this.real.setX(a.reg, extendLoad(v, a));
    }
    h.pc = epc + BigInt(a.length);
    return true;
  }

  /** The instruction at the guest's epc, read through its two-stage translation (16 or 32 bits). */
  private fetch(h: HextContext, epc: bigint): number | undefined {
    const mmu = this.real.mmu;
    const lo = mmu.translateGuest(epc, ACCESS_FETCH, h.priv, 2, false);
    if (lo < 0) return undefined;
    const low = this.hostRam.read16(lo);
    if ((low & 3) !== 3) return low;
    const hiPa = mmu.translateGuest(epc + 2n, ACCESS_FETCH, h.priv, 2, false);
    if (hiPa < 0) return undefined;
    return (low | (this.hostRam.read16(hiPa) << 16)) >>> 0;
  }
}
