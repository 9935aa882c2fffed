import type { EventCounts, GuestSession, SessionSlice, VmExit } from '@vm/core';
import { snapshotMachine } from './snapshot/capture.js';
import type { MachineSnapshot } from './snapshot/machine-snapshot.js';
import type { VirtMachine } from './virt.js';
import type { BoardEngine } from './threads/threaded-board.js';

export interface BoardSessionOptions {
  /** A guest reset reboots the board (QEMU without -no-reboot): reload the images here. Without it a reset ends the session. */
  readonly reboot?: () => void;
  /** What to say when a reset ends the session (e.g. a restored board has no images to reboot). */
  readonly resetNote?: string;
  /** Close the board's disks (write back first); called by `close()`. */
  readonly closeDisks?: () => void;
  /**
   * A whole slice of trap steps ends the session with a `halt` (pc, mcause, mtval,
   * mtvec): with no input to come and virtual time standing still, the guest would trap the same way
   * forever (vm snapshot, vm migrate). Interactive runs leave it to --max-instructions and signals.
   */
  readonly haltOnTrapLoop?: boolean;
  /** Events to report (`GuestRunResult.events`), e.g. the benchmark's counters on the board. */
  readonly events?: () => EventCounts;
  /**
   * What runs the harts: the board itself on this thread (the default), or a ThreadedBoard with
   * each hart on a worker thread (`-accel tcg,thread=multi`), closed with the session.
   */
  readonly engine?: BoardEngine;
}

/** The bare board as a `GuestSession`: the guest's console is the UART, `run` is the board's. */
export class BoardSession implements GuestSession<MachineSnapshot> {
  /** VirtMachine.run goes on with a turn it cut at a budget (harts on threads are not deterministic anyway). */
  readonly anySlice = true;
  private last: VmExit = { reason: 'budget' };
  private readonly start: number;
  private readonly engine: BoardEngine;

  constructor(
    readonly machine: VirtMachine,
    private readonly o: BoardSessionOptions = {},
  ) {
    this.engine = o.engine ?? {
      run: (budget) => machine.run(budget),
      get retired() {
        return machine.retired;
      },
      sync: () => {},
      reloaded: () => {},
      close: () => {},
    };
    this.start = this.engine.retired;
  }

  where(): string {
    const h = this.machine.harts[0]!;
    return `pc=0x${h.pc.toString(16)}, hart 0 in ${'USHM'[h.priv] ?? h.priv}-mode`;
  }

  get instructions(): number {
    return this.engine.retired - this.start;
  }

  get inputOpen(): boolean {
    return this.last.reason === 'budget' || this.last.reason === 'wfi';
  }

  run(budget: number): SessionSlice {
    if (!this.inputOpen) return { ran: 0, end: 'stopped' };
    const before = this.engine.retired;
    const trapsBefore = this.machine.trapSteps;
    let exit = this.engine.run(budget);
    const ran = Math.max(this.engine.retired - before, 0);
    const trapped = this.machine.trapSteps - trapsBefore;
    if (exit.reason === 'budget' && trapped >= budget && this.o.haltOnTrapLoop === true) exit = { reason: 'halt', message: trapLoop(this.machine) };
    if (exit.reason === 'reset' && this.o.reboot !== undefined) {
      this.o.reboot();
      this.engine.reloaded();
      this.last = { reason: 'budget' };
      return { ran, trapped, end: 'budget' };
    }
    this.last = exit;
    if (exit.reason === 'wfi') return { ran, trapped, end: 'idle' };
    if (exit.reason === 'budget') return { ran, trapped, end: 'budget' };
    return { ran, trapped, end: 'stopped' };
  }

  input(bytes: readonly number[]): number {
    return this.machine.uart.receive(bytes as number[]);
  }

  events(): EventCounts {
    return this.o.events?.() ?? {};
  }

  exit(): VmExit {
    return this.last;
  }

  report(): string | undefined {
    const e = this.last;
    if (e.reason === 'poweroff' && e.code !== 0 && this.machine.htif !== undefined) return `vm: test ${e.code} failed (HTIF tohost)`;
    if (e.reason === 'halt') return `vm: ${e.message}`;
    if (e.reason === 'reset') return this.o.resetNote;
    return undefined;
  }

  snapshot(): MachineSnapshot {
    this.engine.sync();
    return snapshotMachine(this.machine);
  }

  statsLines(): readonly string[] {
    const tc = this.machine.harts[0]?.translations;
    return [tc ? `vm: translator: ${tc.stats.translated} blocks translated, ${tc.stats.invalidations} invalidated` : 'vm: translator off'];
  }

  close(): void {
    this.engine.close();
    this.o.closeDisks?.();
  }
}

/** Where a board's hart 0 loops on traps: pc, mcause, mtval, mtvec. */
function trapLoop(machine: VirtMachine): string {
  const h = machine.harts[0]!;
  const hex = (v: bigint): string => `0x${v.toString(16)}`;
  return `a trap loop retiring no instruction: pc ${hex(h.pc)}, mcause ${h.mcause}, mtval ${hex(h.mtval)}, mtvec ${hex(h.mtvec)}`;
}
