import type { Ram } from '@vm/mmu';
/**
 * A native process: a TypeScript program scheduled like any other process. The kernel calls
 * `step` with the instructions its time slice allows; the program does that much work, making
 * system calls through `sys`, and says how much it used.
 */
export interface NativeProgram {
  readonly name: string;
  step(sys: NativeSyscalls, budget: number): NativeStep;
}

/** What a native program reports after one step. */
export type NativeStep =
  /** Used `used` instructions' worth of CPU; run again. */
  | { readonly kind: 'ran'; readonly used: number }
  /** Blocked until woken (e.g. a VMM whose guest waits for an interrupt with no deadline). */
  | { readonly kind: 'yield'; readonly used: number }
  | { readonly kind: 'exit'; readonly used: number; readonly code: number };

/**
 * The system-call entry of a native process: the same table and numbers as a RISC-V process's
 * ecall (a7, a0..a5), pointers being addresses in the process's own address space.
 */
export interface NativeSyscalls {
  readonly pid: number;
  syscall(nr: number, ...args: (bigint | number)[]): bigint;
  /**
   * ioctl with an in-process object argument — for native processes only, where the argument is
   * a TypeScript object (a device model handed to a driver) rather than a struct in memory.
   * `arg` is the ioctl's integer argument beside it (default 0; KVM_CREATE_VCPU: the vCPU id).
   */
  ioctlObject(fd: number, request: number, object: object | undefined, arg?: bigint): bigint;
  /** Load and store the process's own memory (what its code's loads and stores would do). */
  peek(va: number, length: number): Uint8Array | undefined;
  poke(va: number, data: Uint8Array): boolean;
  /**
   * A physically contiguous area of the process's memory (guest RAM) as a Ram at physical address
   * `base` aliasing it, or undefined.
   */
  memoryRam(va: number, length: number, base: number): Ram | undefined;
}
