import type { GuestMemory } from '@vm/core';

/**
 * The host-target interface riscv-tests and Spike use: two 64-bit words in guest RAM, `tohost`
 * and `fromhost`, found through the ELF's symbols. A request is device (bits 63..56), command
 * (55..48) and payload (47..0):
 * - device 0, command 0, payload bit 0 set: exit with code payload >> 1 (riscv-tests: 0 = pass,
 *   otherwise the number of the failing test);
 * - device 0, command 0, payload bit 0 clear: a system call proxied for the target — payload
 *   points at `magic_mem` {n, a0, a1, a2, ...}; write (64) and exit (93) are served, the return
 *   value goes to magic_mem[0];
 * - device 1, command 1: write the character in the low byte to the console.
 * The host clears `tohost` after each request and answers through `fromhost`.
 */
export interface HtifOptions {
  memory: GuestMemory;
  tohost: number;
  fromhost?: number;
  console: (byte: number) => void;
}

export type HtifResult = { kind: 'none' } | { kind: 'exit'; code: number };

const SYS_WRITE = 64n;
const SYS_EXIT = 93n;

export class Htif {
  constructor(private readonly o: HtifOptions) {}

  /** Serve a pending request, if any. The board calls this between instruction batches. */
  poll(): HtifResult {
    const { memory, tohost } = this.o;
    if (!memory.contains(tohost, 8)) return { kind: 'none' };
    const req = memory.read64(tohost);
    if (req === 0n) return { kind: 'none' };
    memory.write64(tohost, 0n);
    const device = Number(req >> 56n);
    const command = Number((req >> 48n) & 0xffn);
    const payload = req & 0xffff_ffff_ffffn;
    if (device === 0 && command === 0) {
      if (payload & 1n) return { kind: 'exit', code: Number(payload >> 1n) };
      const exit = this.syscall(Number(payload));
      this.respond(device, command, 1n);
      return exit;
    }
    if (device === 1 && command === 1) {
      this.o.console(Number(payload & 0xffn));
      this.respond(device, command, 0x100n | (payload & 0xffn));
    }
    return { kind: 'none' };
  }

  private respond(device: number, command: number, payload: bigint): void {
    const { memory, fromhost } = this.o;
    if (fromhost === undefined || !memory.contains(fromhost, 8)) return;
    memory.write64(fromhost, (BigInt(device) << 56n) | (BigInt(command) << 48n) | payload);
  }

  private syscall(magic: number): HtifResult {
    const { memory } = this.o;
    if (!memory.contains(magic, 64)) return { kind: 'none' };
    const n = memory.read64(magic);
    const a0 = memory.read64(magic + 8);
    const a1 = memory.read64(magic + 16);
    const a2 = memory.read64(magic + 24);
    let ret = -38n; // -ENOSYS
    if (n === SYS_WRITE && (a0 === 1n || a0 === 2n)) {
      const addr = Number(a1);
      const len = Number(a2);
      if (memory.contains(addr, len)) {
        for (let i = 0; i < len; i++) this.o.console(memory.read8(addr + i));
        ret = a2;
      } else {
        ret = -14n; // -EFAULT
      }
    } else if (n === SYS_EXIT) {
      return { kind: 'exit', code: Number(a0 & 0xffn) };
    }
    memory.write64(magic, BigInt.asUintN(64, ret));
    return { kind: 'none' };
  }
}
