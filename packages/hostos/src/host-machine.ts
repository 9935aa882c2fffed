import { ConfigError, LevelIrqLine, COUNT_ZERO } from '@vm/core';
import type { BlockBackend } from '@vm/devices';
import { Clint, MemoryBlockBackend, Uart16550 } from '@vm/devices';
import { CSR_MCOUNTEREN, CSR_MIE, CSR_PMPADDR0, CSR_PMPCFG0, CSR_SCOUNTEREN, Hart, IRQ_MTI } from '@vm/isa';
import { VirtualClock } from '@vm/machine';
import { Mmu, PAGE_SIZE, Ram, SystemBus } from '@vm/mmu';

/** Physical memory map of the bare board the host OS owns (the virt board's addresses). */
export const HOST_RAM_BASE = 0x8000_0000;
export const UART_BASE = 0x1000_0000;
export const CLINT_BASE = 0x0200_0000;
export const CLINT_MTIMECMP = CLINT_BASE + 0x4000;

const PMP_NAPOT_RWX = 0x1f;

export interface HostMachineOptions {
  /** RAM in bytes (multiple of 4 KiB). */
  readonly memory: number;
  /** The disk: a block backend holding the host file system. */
  readonly disk: BlockBackend | Uint8Array;
  /** Every byte written to the UART. */
  readonly console?: (byte: number) => void;
  /** Instructions per 100 ns tick of the virtual clock (default 10). */
  readonly instructionsPerTick?: number;
}

/**
 * The bare board the host OS kernel owns: RAM, bus, MMU, one hart whose M-mode is the kernel
 * (`hostTraps`: every trap comes back from `hart.run()`), a virtual clock, a CLINT for the
 * preemption timer, a UART for the console and a disk.
 */
export class HostMachine {
  readonly ram: Ram;
  readonly bus: SystemBus;
  readonly hart: Hart;
  readonly clock: VirtualClock;
  readonly clint: Clint;
  readonly uart: Uart16550;
  readonly disk: BlockBackend;
  readonly instructionsPerTick: number;
  /** Instructions charged to native (TypeScript) processes: they advance time like the hart's. */
  nativeInstructions = COUNT_ZERO;

  constructor(options: HostMachineOptions) {
    if (!Number.isInteger(options.memory) || options.memory % PAGE_SIZE !== 0 || options.memory < 1 << 20) {
      throw new ConfigError(`host memory must be a multiple of 4 KiB and at least 1 MiB, got ${options.memory}`);
    }
    this.instructionsPerTick = options.instructionsPerTick ?? 10;
    this.ram = new Ram(HOST_RAM_BASE, options.memory);
    this.bus = new SystemBus(this.ram);
    this.clock = new VirtualClock(() => this.hart.retired + this.nativeInstructions, this.instructionsPerTick);
    this.hart = new Hart({ hartId: 0, bus: this.bus, mmu: new Mmu(this.bus), clock: this.clock, hostTraps: true });
    this.hart.reset(BigInt(HOST_RAM_BASE));
    const sink = options.console ?? (() => undefined);
    this.uart = new Uart16550({ irq: new LevelIrqLine(), output: sink });
    this.bus.attach('uart0', UART_BASE, this.uart);
    const hart = this.hart;
    this.clint = new Clint({ harts: 1, clock: this.clock, msip: [new LevelIrqLine()], mtip: [{ set: (level) => hart.setInterruptPending(IRQ_MTI, level) }] });
    this.bus.attach('clint', CLINT_BASE, this.clint);
    this.disk = options.disk instanceof Uint8Array ? new MemoryBlockBackend(options.disk) : options.disk;
    // User memory is reachable only through the kernel's page tables: PMP opens everything to U.
    this.hart.writeCsr(CSR_PMPADDR0, (1n << 54n) - 1n);
    this.hart.writeCsr(CSR_PMPCFG0, BigInt(PMP_NAPOT_RWX));
    // U-mode may read cycle/time/instret (rdtime in libc).
    this.hart.writeCsr(CSR_MCOUNTEREN, 7n);
    this.hart.writeCsr(CSR_SCOUNTEREN, 7n);
    this.hart.writeCsr(CSR_MIE, 1n << BigInt(IRQ_MTI));
  }

  /** Instructions executed on this board so far (user code on the hart + native processes). */
  get instructions(): number {
    return this.hart.retired + this.nativeInstructions;
  }

  /** Program the preemption timer `ticks` from now (through the CLINT's mtimecmp register). */
  armTimer(ticks: number): void {
    this.bus.write(CLINT_MTIMECMP, 8, this.clock.now() + BigInt(Math.max(1, ticks)));
    this.clint.update();
  }

  disarmTimer(): void {
    this.bus.write(CLINT_MTIMECMP, 8, (1n << 64n) - 1n);
    this.clint.update();
  }

  /** The console driver: one byte out through the UART's transmit register. */
  putc(byte: number): void {
    this.bus.write(UART_BASE, 1, BigInt(byte & 0xff));
  }
}
