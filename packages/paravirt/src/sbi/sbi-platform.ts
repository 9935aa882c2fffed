import type { GuestMemory } from '@vm/core';

/** What a remote fence asks for (SBI spec 8): the guest's translations to drop. */
export interface FenceRequest {
  readonly kind: 'fence.i' | 'sfence.vma' | 'sfence.vma.asid';
  /** Range; start 0 and size 0 or 2^64-1 (all ones) mean "everything" (SBI spec 8.2). */
  readonly start: bigint;
  readonly size: bigint;
  readonly asid?: bigint;
}

/** HSM hart states (SBI spec 9, table "HSM Hart States"). */
export const HSM_STATE_STARTED = 0;
export const HSM_STATE_STOPPED = 1;
export const HSM_STATE_START_PENDING = 2;
export const HSM_STATE_STOP_PENDING = 3;
export const HSM_STATE_SUSPENDED = 4;

/**
 * The harts of a machine with more than one, as the SBI sees them (SBI spec 7-9): what the IPI,
 * RFENCE and HSM extensions act on. A platform without it has one hart (the caller).
 */
export interface SbiHarts {
  readonly count: number;
  /** The hart whose ECALL is being handled. */
  readonly caller: number;
  /** HSM state of `hart` (HSM_STATE_*). */
  status(hart: number): number;
  /** Start a STOPPED hart in S-mode at `addr` with a0 = its hartid, a1 = `opaque`, satp = 0, sstatus.SIE = 0 (9.1). */
  start(hart: number, addr: bigint, opaque: bigint): void;
  /** Stop the calling hart: it runs no more until a hart_start (9.2). */
  stop(): void;
  /** Non-retentive suspend of the calling hart: on an interrupt it resumes as if started at `resumeAddr` (9.4). */
  suspend(resumeAddr: bigint, opaque: bigint): void;
  /** Make the supervisor software interrupt (SSIP) of `hart` pending (7.1). */
  sendIpi(hart: number): void;
  /** Drop `hart`'s cached translations as `request` says (8). */
  fence(hart: number, request: FenceRequest): void;
  /**
   * The legacy calls' hart mask (SBI spec 5.5-5.8): the bit vector at `address`, a virtual address
   * of the caller's S-mode; undefined when it cannot be read.
   */
  readHartMask(address: bigint): bigint | undefined;
}

/** SRST types (SBI spec 10.1 table): shutdown, cold reboot, warm reboot. */
export type ResetType = 'shutdown' | 'cold-reboot' | 'warm-reboot';

/**
 * The machine an `SbiServer` serves: one VM of a hypervisor (native or hosted). Everything the
 * SBI needs of it is here, so the server knows nothing of harts, shadow tables or G-stages.
 */
export interface SbiPlatform {
  /** Guest-physical memory (DBCN buffers, PV-MMU batches). */
  readonly memory: GuestMemory;
  /** mvendorid / marchid / mimpid of the virtual hart (SBI spec 4.5–4.7). */
  readonly mvendorid?: bigint;
  readonly marchid?: bigint;
  readonly mimpid?: bigint;
  /** Program the virtual S-mode timer: STIP for the guest is cleared now and set at `stime`. */
  setTimer(stime: bigint): void;
  /** Raise (true) or clear (false) the guest's supervisor software interrupt (SSIP). */
  setSoftwareInterrupt(pending: boolean): void;
  /** Drop the VM's cached translations (fence.i: nothing to do for a coherent I-cache). */
  fence(request: FenceRequest): void;
  /** Console output (DBCN write, legacy putchar). */
  consoleWrite(bytes: Uint8Array): void;
  /** Console input: up to `max` bytes available now (possibly none). */
  consoleRead(max: number): Uint8Array;
  /** The machine's harts when it has several (IPI, RFENCE and HSM act on them); absent: one hart. */
  readonly harts?: SbiHarts;
  /** Power-off (status 0, or 1 for reason "system failure") or reset of the VM. */
  reset(type: ResetType, reason: number): void;
}
