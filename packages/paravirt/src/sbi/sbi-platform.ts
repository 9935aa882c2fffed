import type { GuestMemory } from '@vm/core';

/** What a remote fence asks for (SBI spec 8): the guest's translations to drop. */
export interface FenceRequest {
  readonly kind: 'fence.i' | 'sfence.vma' | 'sfence.vma.asid';
  /** Range; start 0 and size 0 or 2^64-1 (all ones) mean "everything" (SBI spec 8.2). */
  readonly start: bigint;
  readonly size: bigint;
  readonly asid?: bigint;
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
  /** Power-off (status 0, or 1 for reason "system failure") or reset of the VM. */
  reset(type: ResetType, reason: number): void;
}
