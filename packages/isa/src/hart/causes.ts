/** Exception and interrupt codes for mcause/scause (priv spec table 3.6). */
export const CAUSE_MISALIGNED_FETCH = 0;
export const CAUSE_FETCH_ACCESS = 1;
export const CAUSE_ILLEGAL_INSTRUCTION = 2;
export const CAUSE_BREAKPOINT = 3;
export const CAUSE_MISALIGNED_LOAD = 4;
export const CAUSE_LOAD_ACCESS = 5;
export const CAUSE_MISALIGNED_STORE = 6;
export const CAUSE_STORE_ACCESS = 7;
export const CAUSE_ECALL_U = 8;
export const CAUSE_ECALL_S = 9;
export const CAUSE_ECALL_M = 11;
export const CAUSE_FETCH_PAGE_FAULT = 12;
export const CAUSE_LOAD_PAGE_FAULT = 13;
export const CAUSE_STORE_PAGE_FAULT = 15;
/** Hypervisor extension causes (priv spec 8.6.1, table 8.7). */
export const CAUSE_ECALL_VS = 10;
export const CAUSE_FETCH_GUEST_PAGE_FAULT = 20;
export const CAUSE_LOAD_GUEST_PAGE_FAULT = 21;
export const CAUSE_VIRTUAL_INSTRUCTION = 22;
export const CAUSE_STORE_GUEST_PAGE_FAULT = 23;

/** Interrupt numbers, which are also the mip/mie bit positions (priv spec 3.1.9). */
export const IRQ_SSI = 1;
export const IRQ_MSI = 3;
export const IRQ_STI = 5;
export const IRQ_MTI = 7;
export const IRQ_SEI = 9;
export const IRQ_MEI = 11;
/** VS-level interrupts and the supervisor guest external interrupt (priv spec 8.2.3). */
export const IRQ_VSSI = 2;
export const IRQ_VSTI = 6;
export const IRQ_VSEI = 10;
export const IRQ_SGEI = 12;
/**
 * mip/mie bits (hip/hie/hvip for the VS and SGE ones) as 64-bit CSR values, the form Hart.readCsr and
 * writeCsr use (priv spec 3.1.9, 8.2.3): bit i is interrupt i.
 */
export const MIP_SSIP = 1n << BigInt(IRQ_SSI);
export const MIP_MSIP = 1n << BigInt(IRQ_MSI);
export const MIP_STIP = 1n << BigInt(IRQ_STI);
export const MIP_MTIP = 1n << BigInt(IRQ_MTI);
export const MIP_SEIP = 1n << BigInt(IRQ_SEI);
export const MIP_MEIP = 1n << BigInt(IRQ_MEI);
export const MIP_VSSIP = 1n << BigInt(IRQ_VSSI);
export const MIP_VSTIP = 1n << BigInt(IRQ_VSTI);
export const MIP_VSEIP = 1n << BigInt(IRQ_VSEI);
export const MIP_SGEIP = 1n << BigInt(IRQ_SGEI);
/** mip/mie/mideleg bits of the VS-level interrupts (read-only one in mideleg with H, 8.4.2). */
export const VS_INTERRUPTS = (1 << IRQ_VSSI) | (1 << IRQ_VSTI) | (1 << IRQ_VSEI);
/** Priority with H (priv spec 8.2.3): M, then SEI SSI STI SGEI VSEI VSSI VSTI. */
export const IRQ_PRIORITY_H: readonly number[] = [
  IRQ_MEI, IRQ_MSI, IRQ_MTI, IRQ_SEI, IRQ_SSI, IRQ_STI, IRQ_SGEI, IRQ_VSEI, IRQ_VSSI, IRQ_VSTI,
];
/** hedeleg: exceptions a hypervisor may delegate to VS (priv spec 8.2.2; 9–11 and 20–23 read-only 0). */
export const HEDELEG_WRITABLE = 0xb1ff;
/** medeleg additions with H: ecall from VS and the guest-page/virtual-instruction causes. */
export const MEDELEG_WRITABLE_H = 0xb3ff | (1 << 10) | (0xf << 20);

/** Taken-first order among simultaneously pending interrupts (priv spec 3.1.9). */
export const IRQ_PRIORITY: readonly number[] = [IRQ_MEI, IRQ_MSI, IRQ_MTI, IRQ_SEI, IRQ_SSI, IRQ_STI];

/** Bits of mip that exist on this hart (S and M software, timer, external). */
export const MIP_IMPLEMENTED = 0xaaa;
/** mideleg bits that may be set: only supervisor interrupts can be delegated (priv spec 3.1.8). */
export const MIDELEG_WRITABLE = (1 << IRQ_SSI) | (1 << IRQ_STI) | (1 << IRQ_SEI);
/** medeleg: every implemented synchronous exception except ecall-from-M (bit 11, read-only 0). */
export const MEDELEG_WRITABLE = 0xb3ff;
