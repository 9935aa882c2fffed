import type { FenceRequest, ResetType, SbiHarts, SbiPlatform } from '@vm/paravirt';
import { HSM_STATE_STARTED, HSM_STATE_STOPPED, HSM_STATE_SUSPENDED } from '@vm/paravirt';
import { CSR_MARCHID, CSR_MIMPID, CSR_MVENDORID } from '@vm/isa';
import { VIRT } from '@vm/machine';
import { ACCESS_LOAD, PRIV_S, PTE_WRITTEN, SATP_MODE_BARE, SATP_MODE_SV39, walkPageTable, type PteMemory, type PteWriteResult, type Ram } from '@vm/mmu';
import type { Vm } from './vm.js';

/** ns16550a registers (offsets): receive buffer, line status (bit 0: data ready). */
const UART_RBR = 0;
const UART_LSR = 5;
const LSR_DR = 1n;

/** How the execution mode (trap-and-emulate or H extension) realises the SBI's hart-level effects. */
export interface VcpuSbiHooks {
  /** Program the guest's S-level timer (STIP / VSTIP at `stime`, cleared now). */
  setTimer(stime: bigint): void;
  /** Raise or clear the guest's supervisor software interrupt. */
  setSoftwareInterrupt(pending: boolean): void;
  /** Drop the vCPU's cached translations (and what the VM shares of them). */
  fence(request: FenceRequest): void;
  /** SBI HSM start / non-retentive resume: this vCPU in S-mode at `addr`, a0 = hartid, a1 = `opaque` (SBI 9.1). */
  start(addr: bigint, opaque: bigint): void;
  /** An interrupt the waiting vCPU would wake for is pending and enabled. */
  wakeable(): boolean;
  /** The guest's S-mode satp (trap: the virtual hart's; H: vsatp). */
  satp(): bigint;
}

/** How a vCPU waits after an SBI hart_suspend (SBI spec 9.4): retentive, or resumes at an address. */
export type Suspension = { readonly retentive: true } | { readonly retentive: false; readonly addr: bigint; readonly opaque: bigint };

/** Guest RAM as the page-table walker reads it (no A/D updates: reading a mask must not change the guest). */
class RamPteMemory implements PteMemory {
  hi = 0;
  constructor(private readonly ram: Ram) {}
  read(addr: number): number {
    if (!this.ram.contains(addr, 8)) return -1;
    this.hi = this.ram.read32(addr + 4);
    return this.ram.read32(addr);
  }
  write(): PteWriteResult {
    return PTE_WRITTEN; // the walk goes on as if A/D were set; the guest's PTE is left as it is
  }
}

/**
 * The VM as the SbiServer sees it: its RAM, its console (the same sink as its UART: output
 * straight to the VM's console log; input polled from its UART, as a firmware's getc does), its
 * power (SRST latches a poweroff / reset for the hypervisor, exactly as sifive_test does), and
 * the mode's timer / IPI / fence hooks.
 */
export class VmSbiPlatform implements SbiPlatform {
  /** Each vCPU's hooks, by hart id (registered by the vCPU back ends). */
  private readonly hooks: VcpuSbiHooks[] = [];
  /** Per vCPU: how it is suspended (SBI hart_suspend) until it wakes; undefined when not. */
  readonly suspended: (Suspension | undefined)[] = [];
  /** Set when the running vCPU sent an IPI to another vCPU of the VM (the hypervisor's yield-on-IPI). */
  ipiToOther = false;
  /** The SBI's view of the VM's harts when it has several (IPI, RFENCE, HSM per vCPU). */
  readonly harts: SbiHarts | undefined;

  constructor(private readonly vm: Vm) {
    this.harts = vm.vcpuCount > 1 ? this.multiHart() : undefined;
  }

  /** vCPU `index` registers how its mode realises the SBI's hart-level effects. */
  register(index: number, hooks: VcpuSbiHooks): void {
    this.hooks[index] = hooks;
  }

  private get caller(): VcpuSbiHooks {
    return this.hooks[this.vm.current]!;
  }

  /**
   * Wake vCPU `i` if it waits and an interrupt it would wake for is pending (priv spec 3.3.3: WFI
   * ends on a pending enabled interrupt); a non-retentive suspend resumes at its address (SBI 9.4).
   * True when it is running afterwards.
   */
  wake(i: number): boolean {
    const vm = this.vm;
    if (vm.cpuState(i) === 'running') return true;
    if (vm.cpuState(i) !== 'waiting' || !this.hooks[i]!.wakeable()) return false;
    const s = this.suspended[i];
    this.suspended[i] = undefined;
    if (s !== undefined && !s.retentive) this.hooks[i]!.start(s.addr, s.opaque);
    vm.setCpuState(i, 'running');
    return true;
  }

  /** The caller waits for an interrupt (retentive HSM suspend). */
  suspendRetentive(): void {
    this.suspended[this.vm.current] = { retentive: true };
    this.vm.state = 'waiting';
  }

  private multiHart(): SbiHarts {
    const vm = this.vm;
    return {
      count: vm.vcpuCount,
      get caller() {
        return vm.current;
      },
      status: (i) => (vm.cpuState(i) === 'offline' ? HSM_STATE_STOPPED : this.suspended[i] !== undefined ? HSM_STATE_SUSPENDED : HSM_STATE_STARTED),
      start: (i, addr, opaque) => {
        this.hooks[i]!.start(addr, opaque);
        this.suspended[i] = undefined;
        vm.setCpuState(i, 'running');
      },
      stop: () => vm.setCpuState(vm.current, 'offline'),
      suspend: (addr, opaque) => {
        this.suspended[vm.current] = { retentive: false, addr, opaque };
        vm.setCpuState(vm.current, 'waiting');
      },
      sendIpi: (i) => {
        // SSIP stays pending in the target's virtual mip until its S-mode clears it (priv spec 3.1.9).
        this.hooks[i]!.setSoftwareInterrupt(true);
        if (i !== vm.current) {
          this.wake(i);
          this.ipiToOther = true;
        }
      },
      fence: (i, r) => this.hooks[i]!.fence(r),
      readHartMask: (address) => this.readMask(address),
    };
  }

  /** An unsigned long of the caller's S-mode address space, through its satp (trap) or vsatp (H). */
  private readMask(va: bigint): bigint | undefined {
    const vm = this.vm;
    const satp = this.caller.satp();
    const mode = Number(satp >> 60n);
    let pa: number;
    if (mode === SATP_MODE_BARE) pa = Number(va);
    else {
      const stage = { levels: mode === SATP_MODE_SV39 ? 3 : 4, widenBits: 0, rootPpn: Number(satp & ((1n << 44n) - 1n)), gstage: false, mxr: false };
      const r = walkPageTable(stage, Number(BigInt.asIntN(64, va)), ACCESS_LOAD, new RamPteMemory(vm.ram), { priv: PRIV_S, sum: true });
      if (!r.ok) return undefined;
      pa = r.address;
    }
    if (!vm.ram.contains(pa, 8)) return undefined;
    return BigInt(vm.ram.read32(pa)) | (BigInt(vm.ram.read32(pa + 4)) << 32n);
  }

  get memory(): Vm['ram'] {
    return this.vm.ram;
  }

  get mvendorid(): bigint {
    return this.vm.vhart.hart.readCsr(CSR_MVENDORID);
  }

  get marchid(): bigint {
    return this.vm.vhart.hart.readCsr(CSR_MARCHID);
  }

  get mimpid(): bigint {
    return this.vm.vhart.hart.readCsr(CSR_MIMPID);
  }

  setTimer(stime: bigint): void {
    this.caller.setTimer(stime);
  }

  setSoftwareInterrupt(pending: boolean): void {
    this.caller.setSoftwareInterrupt(pending);
  }

  fence(request: FenceRequest): void {
    this.caller.fence(request);
  }

  consoleWrite(bytes: Uint8Array): void {
    for (const b of bytes) this.vm.print(b);
  }

  consoleRead(max: number): Uint8Array {
    const bus = this.vm.board.bus;
    const out: number[] = [];
    while (out.length < max && (bus.read(VIRT.uart0.base + UART_LSR, 1) & LSR_DR) !== 0n) {
      out.push(Number(bus.read(VIRT.uart0.base + UART_RBR, 1)));
    }
    return Uint8Array.from(out);
  }

  reset(type: ResetType, reason: number): void {
    // SRST shutdown: status 0, or 1 for "system failure" (SBI spec 10.1); reboots reset the VM.
    this.vm.board.requested = type === 'shutdown' ? { reason: 'poweroff', code: reason === 1 ? 1 : 0 } : { reason: 'reset' };
  }
}
