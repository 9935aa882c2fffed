import type { FenceRequest, ResetType, SbiPlatform } from '@vm/paravirt';
import { CSR_MARCHID, CSR_MIMPID, CSR_MVENDORID } from '@vm/isa';
import { VIRT } from '@vm/machine';
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
  /** Drop the VM's cached translations. */
  fence(request: FenceRequest): void;
}

/**
 * The VM as the SbiServer sees it: its RAM, its console (the same sink as its UART: output
 * straight to the VM's console log; input polled from its UART, as a firmware's getc does), its
 * power (SRST latches a poweroff / reset for the hypervisor, exactly as sifive_test does), and
 * the mode's timer / IPI / fence hooks.
 */
export class VmSbiPlatform implements SbiPlatform {
  constructor(
    private readonly vm: Vm,
    private readonly hooks: VcpuSbiHooks,
  ) {}

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
    this.hooks.setTimer(stime);
  }

  setSoftwareInterrupt(pending: boolean): void {
    this.hooks.setSoftwareInterrupt(pending);
  }

  fence(request: FenceRequest): void {
    this.hooks.fence(request);
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
