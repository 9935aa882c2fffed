export {};
export { parseElf, isElf } from './elf/index.js';
export type { ElfImage, ElfSegment, ElfSection, ElfSymbol } from './elf/index.js';
export { executeFp } from './fp/index.js'; export type { FpState } from './fp/index.js';
export { INSTRUCTIONS, INSTRUCTION_BY_MNEMONIC, decodeEntry, isReserved, instructionLength, FIELDS, OPERANDS } from './encoding/index.js';
export type { InsnEncoding, InsnFormat, Extension, ReservedWhen, Field, FieldName, OperandKind, OperandClass, OperandInfo } from './encoding/index.js';
export { Hart } from './hart/index.js';
/** Tail bytes of a shared RAM arena for that many translating threads (@vm/mmu RamStore.shared). */
export { arenaTailBytes } from './hart/jit/wasm/layout.js';
export type { HartOptions, HartState, HartStateField, HartBaseField, HartHextField } from './hart/index.js';
export {
  resetHartState, HART_STATE_FIELDS, HART_BASE_FIELDS, HART_HEXT_FIELDS, DERIVE_ROOTS, DERIVE_TRANSLATION, DERIVE_SSTC,
  DERIVE_ATTENTION, DERIVE_ALL,
} from './hart/index.js';
export { extensionsOf, DEFAULT_OBJDUMP_ARCH, expandCompressed } from './encoding/index.js';
export { riscvArch, riscvAttributes } from './elf/index.js';
export type { RiscvAttributes } from './elf/index.js';
export { disassemble } from './asm/disassemble.js';
export type { Disassembly, DisassembleOptions } from './asm/disassemble.js';
export { listing } from './asm/listing.js';
export type { ListingOptions } from './asm/listing.js';
export { assemble, AsmError } from './asm/assemble.js';
export type { AssembleOptions, AssembleResult } from './asm/assemble.js';
export { CSR_NAMES, CSR_NUMBERS, csrNamesFor } from './asm/csr-names.js';
export type { PrivSpec } from './asm/csr-names.js';
// Architectural constants, one definition each: other packages import these rather than declaring
// their own. CSR numbers (priv spec ch. 2), privilege levels (1.2), causes and interrupts (3.1.15,
// 3.1.9, 8.2.3, 8.6.1), mstatus/hstatus fields (3.1.6, 8.2.1, 8.4.1).
export * from './hart/csr-numbers.js';
export { PRIV_U, PRIV_S, PRIV_M } from './hart/privilege.js';
export {
  CAUSE_MISALIGNED_FETCH, CAUSE_FETCH_ACCESS, CAUSE_ILLEGAL_INSTRUCTION, CAUSE_BREAKPOINT, CAUSE_MISALIGNED_LOAD,
  CAUSE_LOAD_ACCESS, CAUSE_MISALIGNED_STORE, CAUSE_STORE_ACCESS, CAUSE_ECALL_U, CAUSE_ECALL_S, CAUSE_ECALL_VS,
  CAUSE_ECALL_M, CAUSE_FETCH_PAGE_FAULT, CAUSE_LOAD_PAGE_FAULT, CAUSE_STORE_PAGE_FAULT, CAUSE_FETCH_GUEST_PAGE_FAULT,
  CAUSE_LOAD_GUEST_PAGE_FAULT, CAUSE_VIRTUAL_INSTRUCTION, CAUSE_STORE_GUEST_PAGE_FAULT,
  IRQ_SSI, IRQ_VSSI, IRQ_MSI, IRQ_STI, IRQ_VSTI, IRQ_MTI, IRQ_SEI, IRQ_VSEI, IRQ_MEI, IRQ_SGEI,
  MIP_SSIP, MIP_VSSIP, MIP_MSIP, MIP_STIP, MIP_VSTIP, MIP_MTIP, MIP_SEIP, MIP_VSEIP, MIP_MEIP, MIP_SGEIP,
} from './hart/causes.js';
export {
  MSTATUS_SIE, MSTATUS_MIE, MSTATUS_SPIE, MSTATUS_UBE, MSTATUS_MPIE, MSTATUS_SPP, MSTATUS_MPP_SHIFT, MSTATUS_MPP,
  MSTATUS_FS_SHIFT, MSTATUS_FS, MSTATUS_MPRV, MSTATUS_SUM, MSTATUS_MXR, MSTATUS_TVM, MSTATUS_TW, MSTATUS_TSR,
  MSTATUS_UXL_64, MSTATUS_SXL_64, MSTATUS_SD, SSTATUS_MASK, FS_OFF, FS_DIRTY,
} from './hart/mstatus.js';
export {
  HSTATUS_GVA, HSTATUS_SPV, HSTATUS_SPVP, HSTATUS_HU, HSTATUS_VTVM, HSTATUS_VTW, HSTATUS_VTSR, HSTATUS_VSXL_64,
  MSTATUS_GVA_BIT, MSTATUS_MPV_BIT,
} from './hart/hstatus.js';
