/**
 * Why `run(budget)` returned — cloud-hypervisor's `Vcpu::run() -> VmExit` shape. The board and the
 * hypervisors switch on `reason`.
 */
export type VmExit =
  /** The instruction budget was used up; nothing else happened. */
  | { readonly reason: 'budget' }
  /** The hart executed WFI with no interrupt pending: the caller may skip time forward. */
  | { readonly reason: 'wfi' }
  /** The machine was powered off (sifive_test, SBI SRST, HTIF): `code` is the exit status. */
  | { readonly reason: 'poweroff'; readonly code: number }
  /** The machine asked for a reset (sifive_test 0x7777, SBI SRST reboot). */
  | { readonly reason: 'reset' }
  /**
   * A trap the hart would take into M-mode while its M-mode belongs to the host (a hypervisor
   * written in TypeScript: `HartOptions.hostTraps`). mcause/mepc/mtval/mstatus are already set as
   * the hardware sets them; the host handles the trap and resumes the hart by setting priv and pc.
   */
  | { readonly reason: 'trap'; readonly cause: bigint; readonly tval: bigint; readonly epc: bigint }
  /** A breakpoint / host-requested stop. */
  | { readonly reason: 'halt'; readonly message: string };

export type VmExitReason = VmExit['reason'];
