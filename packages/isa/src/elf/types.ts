/** The parts of an ELF64 file the machine and tools need (System V ABI gABI names in comments). */

/** A PT_LOAD program header with its file bytes. */
export interface ElfSegment {
  /** p_paddr: where the loader copies the bytes (the machine loads by physical address). */
  paddr: bigint;
  /** p_vaddr. */
  vaddr: bigint;
  /** The p_filesz bytes from p_offset; the rest up to memsz is zero-filled by the loader. */
  data: Uint8Array;
  /** p_memsz. */
  memsz: bigint;
  /** p_flags (PF_X=1, PF_W=2, PF_R=4). */
  flags: number;
}

/** A section header with its resolved name. */
export interface ElfSection {
  name: string;
  /** sh_addr. */
  addr: bigint;
  /** sh_offset (bounded by the file size for sections that occupy file space). */
  offset: number;
  /** sh_size. */
  size: number;
  /** sh_type. */
  type: number;
  /** sh_flags. */
  flags: bigint;
}

/** One entry of .symtab (or .dynsym when the file is stripped). */
export interface ElfSymbol {
  name: string;
  /** st_value. */
  value: bigint;
  /** st_size. */
  size: bigint;
  /** ELF64_ST_TYPE(st_info). */
  type: number;
  /** ELF64_ST_BIND(st_info). */
  bind: number;
  /** st_shndx: the section the symbol is defined in (0 = undefined). */
  shndx: number;
}

export interface ElfImage {
  /** e_entry. */
  entry: bigint;
  /** e_machine (always EM_RISCV = 243 after validation). */
  machine: number;
  /** PT_LOAD segments only, in program-header order. */
  segments: ElfSegment[];
  /** Every section header, index 0 (SHT_NULL) included so indices match sh_link/st_shndx. */
  sections: ElfSection[];
  /** Named, defined symbols: name -> st_value (first definition wins). */
  symbols: Map<string, bigint>;
  /** Every symbol in table order (the null symbol omitted). */
  symbolList: ElfSymbol[];
  /** The raw file, for tools that read section contents. */
  bytes: Uint8Array;
}
