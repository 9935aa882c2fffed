/**
 * Why the hypervisor got control from a guest (one per trap the real hart returned, plus slice
 * expiry). Names follow `EventCounts` in @vm/core (`exit.<reason>`).
 */
export type ExitReason =
  /** A CSR instruction of the guest's virtual privilege, emulated on the virtual hart. */
  | 'csr'
  /** MRET, SRET, SFENCE.VMA (and other SYSTEM instructions) emulated on the virtual hart. */
  | 'privileged'
  /** WFI: the vCPU waits for an interrupt (its slice is given away). */
  | 'wfi'
  /** ECALL: delivered to the guest's own trap handler (its virtual M firmware handles SBI). */
  | 'ecall'
  /** ECALL from the guest's (virtual) S-mode answered by the hypervisor's own SBI (`sbi.<ext>` counts the extension). */
  | 'sbi'
  /** H mode: a guest-page fault on RAM the G-stage does not map yet (never, with RAM mapped up front). */
  | 'guest-page-fault'
  /** H mode: a virtual-instruction exception (an HS-level operation in VS/VU) emulated or injected. */
  | 'virtual-instruction'
  /** A page fault hidden from the guest: the shadow page table was filled. */
  | 'page-fault'
  /** A load/store to a device of the VM's board, emulated. */
  | 'mmio'
  /** A fault that belongs to the guest (its translation, PMP, an illegal instruction): injected. */
  | 'guest-fault'
  /** The physical preemption timer: the slice ended. */
  | 'timer';

/** One exit as the hooks and the reports see it. */
export interface GuestExit {
  readonly reason: ExitReason;
  /** Real mcause (interrupt bit in bit 63), 0 for `timer`. */
  readonly cause: bigint;
  readonly tval: bigint;
  /** Guest pc of the trapping instruction. */
  readonly epc: bigint;
  /** Virtual privilege the guest was in (0 U, 1 S, 3 M). */
  readonly vpriv: number;
  /** Guest instructions retired for this VM when the exit happened. */
  readonly at: number;
}

/** What an exit hook decides. */
export type ExitVerdict =
  /** Handle the exit as usual. */
  | 'continue'
  /**
   * Refuse the operation: the guest gets an illegal-instruction exception at epc (an access fault
   * for MMIO), as if the hardware did not allow it. Hidden page faults and timer exits cannot be
   * denied (there is no guest operation to refuse): 'deny' is treated as 'continue' for them.
   */
  | 'deny'
  /** Stop the VM with a report naming the hook. */
  | 'stop';
