/**
 * ELF constants used by the loader (System V ABI, "ELF-64 Object File Format" v1.5,
 * and the RISC-V ELF psABI for EM_RISCV).
 */

/** e_ident[EI_MAG0..EI_MAG3]: 0x7f 'E' 'L' 'F'. */
export const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46] as const;
/** e_ident indices. */
export const EI_CLASS = 4;
export const EI_DATA = 5;
export const EI_VERSION = 6;
export const EI_NIDENT = 16;
/** e_ident[EI_CLASS] values. */
export const ELFCLASS32 = 1;
export const ELFCLASS64 = 2;
/** e_ident[EI_DATA] values. */
export const ELFDATA2LSB = 1;
export const ELFDATA2MSB = 2;
/** e_version / e_ident[EI_VERSION]. */
export const EV_CURRENT = 1;
/** e_machine for RISC-V (psABI). */
export const EM_RISCV = 243;

/** Sizes of the ELF64 structures (bytes). */
export const ELF64_EHDR_SIZE = 64;
export const ELF64_PHDR_SIZE = 56;
export const ELF64_SHDR_SIZE = 64;
export const ELF64_SYM_SIZE = 24;

/** p_type values. */
export const PT_NULL = 0;
export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
/** p_flags bits. */
export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;

/** sh_type values. */
export const SHT_NULL = 0;
export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_NOBITS = 8;
export const SHT_DYNSYM = 11;
/** Special section indices. */
export const SHN_UNDEF = 0;
export const SHN_XINDEX = 0xffff;
/** sh_flags bits. */
export const SHF_WRITE = 0x1n;
export const SHF_ALLOC = 0x2n;
export const SHF_EXECINSTR = 0x4n;

/** st_info: type in the low nibble, binding in the high nibble. */
export const STT_NOTYPE = 0;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STT_SECTION = 3;
export const STT_FILE = 4;
