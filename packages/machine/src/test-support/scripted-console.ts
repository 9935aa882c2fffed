import type { VmExit } from '@vm/core';
import type { VirtMachine } from '../virt.js';

/**
 * Drives a board's UART like a person at a terminal: wait for text, type a line. Used by the
 * firmware tests (OpenSBI, U-Boot) so they read as the session they reproduce.
 */
export class ScriptedConsole {
  private text = '';
  private seen = 0;
  readonly sink = (byte: number): void => {
    this.text += String.fromCharCode(byte);
  };

  constructor(private machine?: VirtMachine) {}

  attach(machine: VirtMachine): void {
    this.machine = machine;
  }

  /** Everything the guest printed so far. */
  get output(): string {
    return this.text;
  }

  /**
   * Run until `needle` appears after what was already consumed; returns the text up to and
   * including it. Throws (with the tail of the output) when the budget runs out or the guest exits.
   */
  expect(needle: string | RegExp, budget = 500_000_000): string {
    const m = this.machine!;
    let ran = 0;
    for (;;) {
      const found = this.find(needle);
      if (found !== undefined) return found;
      if (ran >= budget) throw new Error(`did not see ${String(needle)} within ${budget} instructions; output ends:\n${this.text.slice(-800)}`);
      const before = m.retired;
      const exit: VmExit = m.run(1_000_000);
      ran += m.retired - before + 1;
      this.pump();
      if (exit.reason !== 'budget' && exit.reason !== 'wfi') {
        const again = this.find(needle);
        if (again !== undefined) return again;
        throw new Error(`guest exited (${JSON.stringify(exit)}) before ${String(needle)}; output ends:\n${this.text.slice(-800)}`);
      }
    }
  }

  /** Run until the machine exits (poweroff/reset); returns the exit. */
  runToExit(budget = 500_000_000): VmExit {
    const m = this.machine!;
    let ran = 0;
    while (ran < budget) {
      const before = m.retired;
      const exit = m.run(1_000_000);
      ran += m.retired - before + 1;
      this.pump();
      if (exit.reason !== 'budget' && exit.reason !== 'wfi') return exit;
      if (exit.reason === 'wfi' && this.input.length === 0) return exit;
    }
    throw new Error(`no exit within ${budget} instructions; output ends:\n${this.text.slice(-800)}`);
  }

  private input: number[] = [];

  /** Type text (a command line needs its own "\n" or use `line`). */
  type(text: string): void {
    for (const ch of text) this.input.push(ch.charCodeAt(0));
    this.pump();
  }

  line(text: string): void {
    this.type(text + '\n');
  }

  private pump(): void {
    if (this.input.length === 0) return;
    const n = this.machine!.uart.receive(this.input);
    this.input.splice(0, n);
  }

  private find(needle: string | RegExp): string | undefined {
    const rest = this.text.slice(this.seen);
    let end: number;
    if (typeof needle === 'string') {
      const i = rest.indexOf(needle);
      if (i < 0) return undefined;
      end = i + needle.length;
    } else {
      const r = needle.exec(rest);
      if (r === null) return undefined;
      end = r.index + r[0].length;
    }
    this.seen += end;
    return rest.slice(0, end);
  }
}
