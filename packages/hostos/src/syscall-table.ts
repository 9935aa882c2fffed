import type { HostKernel } from './kernel.js';
import type { Process } from './process.js';

/** Returned by a handler that blocked the caller: the call is restarted when it is woken. */
export const RESTART = Symbol('restart');

/** One system call: arguments a0..a5 (raw 64-bit), result (or a negative errno) for a0. */
export type SyscallHandler = (kernel: HostKernel, proc: Process, args: readonly bigint[], object?: object) => bigint | typeof RESTART;

/** The system-call table: number → handler, with per-number counts. */
export class SyscallTable {
  /**
   * @param noSuchCall the result of a number without a handler (Linux: -ENOSYS)
   * @param internalError the result when a handler hits a kernel bug (Linux: -EIO)
   */
  constructor(
    readonly noSuchCall = -38n,
    readonly internalError = -5n,
  ) {}

  private readonly handlers = new Map<number, SyscallHandler>();
  readonly counts = new Map<number, number>();
  /** Numbers called that have no handler (answered ENOSYS). */
  readonly missing = new Map<number, number>();

  define(nr: number, handler: SyscallHandler): void {
    this.handlers.set(nr, handler);
  }

  lookup(nr: number): SyscallHandler | undefined {
    this.counts.set(nr, (this.counts.get(nr) ?? 0) + 1);
    const h = this.handlers.get(nr);
    if (h === undefined) this.missing.set(nr, (this.missing.get(nr) ?? 0) + 1);
    return h;
  }
}
