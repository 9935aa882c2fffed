/** A hart on a bare bus for tests: RAM at 0x8000_0000, a manual clock, optional MMIO devices. */
import type { Clock } from '@vm/core';
import { Mmu, Ram, SystemBus } from '@vm/mmu';
import { Hart } from '../hart.js';
import { assembleWords } from './encode.js';

export const RAM_BASE = 0x8000_0000;

export class ManualClock implements Clock {
  readonly frequency = 10_000_000;
  ticks = 0n;
  now(): bigint {
    return this.ticks;
  }
}

export interface TestMachine {
  hart: Hart;
  ram: Ram;
  bus: SystemBus;
  mmu: Mmu;
  clock: ManualClock;
}

/** Build a machine with `program` at RAM_BASE and the hart reset to it. */
export function machine(
  program: readonly (number | { c: number })[] = [],
  ramSize = 1 << 20,
  options: { hExtension?: boolean } = {},
): TestMachine {
  const ram = new Ram(RAM_BASE, ramSize);
  const bus = new SystemBus(ram);
  const mmu = new Mmu(bus);
  const clock = new ManualClock();
  const hart = new Hart({ hartId: 0, bus, mmu, clock, hExtension: options.hExtension });
  ram.load(RAM_BASE, assembleWords(program));
  hart.reset(BigInt(RAM_BASE));
  const m = { hart, ram, bus, mmu, clock };
  pmpAllowAll(m);
  return m;
}

/** Where tests put an M-mode trap handler (a lone WFI) when they install one. */
export const HANDLER = RAM_BASE + 0x1000;

/**
 * Run until the hart executes WFI (tests end programs with WFI), at most `budget` instructions.
 * Fails loudly when the program does not reach WFI, so a runaway test does not pass silently.
 */
export function runToWfi(m: TestMachine, budget = 100_000): void {
  const exit = m.hart.run(budget);
  if (exit.reason !== 'wfi') throw new Error(`program did not reach WFI (pc=0x${m.hart.pc.toString(16)})`);
}

/** Install a WFI at HANDLER and point mtvec at it. */
export function installWfiHandler(m: TestMachine): void {
  m.ram.write32(HANDLER, 0x1050_0073);
  m.hart.writeCsr(0x305, BigInt(HANDLER));
}

/** PMP entry 0 = NAPOT over the whole address space with RWX, as firmware sets it up for S/U. */
export function pmpAllowAll(m: TestMachine): void {
  m.hart.writeCsr(0x3b0, (1n << 54n) - 1n);
  m.hart.writeCsr(0x3a0, 0x1fn);
}
