/**
 * What the stub needs of the machine it debugs: one RISC-V CPU (a hart of the bare board, or the
 * vCPU of a VM seen as the guest sees itself) and the memory it addresses. Execution is not part
 * of it: the run loop that owns the CPU asks the stub (`GdbServer.run`) how far it may go.
 */
export interface RiscvCpu {
  /** Integer register i (x0 reads 0). */
  readX(i: number): bigint;
  writeX(i: number, value: bigint): void;
  /** FP register i as its 64 raw bits (NaN-boxed singles included). */
  readF(i: number): bigint;
  writeF(i: number, value: bigint): void;
  readonly pc: bigint;
  /** True while the CPU waits for an interrupt (WFI): `qThreadExtraInfo` says "halted", as QEMU. */
  readonly halted?: boolean;
  /**
   * Instructions the CPU has executed, for CPUs that take turns (the harts of a board, a quantum
   * each; the vCPUs of a VM on one real hart): a step of one is over only once that CPU has run
   * (its count or its pc moved). Undefined: every step of the run loop is this CPU's.
   */
  readonly retired?: number;
  /** Continue at `value` (a register write of pc, or a resume address). */
  setPc(value: bigint): void;
  /** Privilege of the CPU as the debugged software sees it (0 U, 1 S, 3 M): QEMU's `priv` register. */
  readonly priv: number;
  /** CSR numbers that `readCsr` answers, besides fflags/frm/fcsr (which the FPU feature holds). */
  readonly csrs: readonly number[];
  readCsr(n: number): bigint;
  writeCsr(n: number, value: bigint): void;
  /**
   * Read `length` bytes at the virtual address `addr` through the CPU's current translation (its
   * satp, as its privilege applies it), without side effects (no A/D updates, no faults taken);
   * undefined when some byte is unmapped.
   */
  readMemory(addr: bigint, length: number): Uint8Array | undefined;
  /** Write through the current translation, ignoring page permissions (a debugger may patch text). */
  writeMemory(addr: bigint, data: Uint8Array): boolean;
  /** The physical address `addr` maps to now, as readMemory translates it (undefined: unmapped). */
  translate(addr: bigint): number | undefined;
}
