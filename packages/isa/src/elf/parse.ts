import {
  EI_CLASS,
  EI_DATA,
  EI_NIDENT,
  EI_VERSION,
  ELF64_EHDR_SIZE,
  ELF64_PHDR_SIZE,
  ELF64_SHDR_SIZE,
  ELF64_SYM_SIZE,
  ELFCLASS32,
  ELFCLASS64,
  ELFDATA2LSB,
  ELFDATA2MSB,
  ELF_MAGIC,
  EM_RISCV,
  EV_CURRENT,
  PT_LOAD,
  SHN_UNDEF,
  SHN_XINDEX,
  SHT_DYNSYM,
  SHT_NOBITS,
  SHT_NULL,
  SHT_STRTAB,
  SHT_SYMTAB,
} from './constants.js';
import { ElfReader } from './reader.js';
import type { ElfImage, ElfSection, ElfSegment, ElfSymbol } from './types.js';

/** True when `bytes` starts with the ELF magic (0x7f 'E' 'L' 'F'). */
export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && ELF_MAGIC.every((b, i) => bytes[i] === b);
}

/** Field offsets inside the ELF64 header (gABI "ELF Header"). */
const EH = {
  e_type: 16,
  e_machine: 18,
  e_version: 20,
  e_entry: 24,
  e_phoff: 32,
  e_shoff: 40,
  e_flags: 48,
  e_ehsize: 52,
  e_phentsize: 54,
  e_phnum: 56,
  e_shentsize: 58,
  e_shnum: 60,
  e_shstrndx: 62,
} as const;

/** Field offsets inside an ELF64 program header. */
const PH = { p_type: 0, p_flags: 4, p_offset: 8, p_vaddr: 16, p_paddr: 24, p_filesz: 32, p_memsz: 40 } as const;

/** Field offsets inside an ELF64 section header. */
const SH = { sh_name: 0, sh_type: 4, sh_flags: 8, sh_addr: 16, sh_offset: 24, sh_size: 32, sh_link: 40, sh_entsize: 56 } as const;

/** Field offsets inside an Elf64_Sym. */
const ST = { st_name: 0, st_info: 4, st_shndx: 6, st_value: 8, st_size: 16 } as const;

/**
 * Parse and validate an ELF64 little-endian RISC-V file. Every structural problem raises a
 * FormatError naming `file`, the byte offset of the offending field and the field's gABI name.
 */
export function parseElf(bytes: Uint8Array, file = '<elf>'): ElfImage {
  const r = new ElfReader(bytes, file);

  // e_ident (gABI "ELF Identification").
  if (bytes.length < EI_NIDENT) r.fail(0, 'e_ident', `file is ${bytes.length} bytes, shorter than the 16-byte ELF identification`);
  for (let i = 0; i < ELF_MAGIC.length; i++) {
    if (bytes[i] !== ELF_MAGIC[i]) r.fail(i, 'e_ident[EI_MAG]', 'bad magic: not an ELF file (expected 7f 45 4c 46)');
  }
  const cls = bytes[EI_CLASS];
  if (cls !== ELFCLASS64) {
    const what = cls === ELFCLASS32 ? 'ELFCLASS32 (32-bit)' : `unknown class ${cls}`;
    r.fail(EI_CLASS, 'e_ident[EI_CLASS]', `${what}; only ELFCLASS64 is supported`);
  }
  const data = bytes[EI_DATA];
  if (data !== ELFDATA2LSB) {
    const what = data === ELFDATA2MSB ? 'ELFDATA2MSB (big-endian)' : `unknown data encoding ${data}`;
    r.fail(EI_DATA, 'e_ident[EI_DATA]', `${what}; only ELFDATA2LSB (little-endian) is supported`);
  }
  if (bytes[EI_VERSION] !== EV_CURRENT) r.fail(EI_VERSION, 'e_ident[EI_VERSION]', `version ${bytes[EI_VERSION]}, expected EV_CURRENT (1)`);
  if (bytes.length < ELF64_EHDR_SIZE) {
    r.fail(EI_NIDENT, 'Elf64_Ehdr', `file is ${bytes.length} bytes, shorter than the 64-byte ELF64 header`);
  }

  const machine = r.u16(EH.e_machine, 'e_machine');
  if (machine !== EM_RISCV) r.fail(EH.e_machine, 'e_machine', `machine ${machine}, expected EM_RISCV (243)`);
  const version = r.u32(EH.e_version, 'e_version');
  if (version !== EV_CURRENT) r.fail(EH.e_version, 'e_version', `version ${version}, expected EV_CURRENT (1)`);
  const entry = r.u64(EH.e_entry, 'e_entry');
  const phoff = r.u64(EH.e_phoff, 'e_phoff');
  const shoff = r.u64(EH.e_shoff, 'e_shoff');
  const ehsize = r.u16(EH.e_ehsize, 'e_ehsize');
  if (ehsize < ELF64_EHDR_SIZE) r.fail(EH.e_ehsize, 'e_ehsize', `header size ${ehsize}, expected at least ${ELF64_EHDR_SIZE}`);
  const phentsize = r.u16(EH.e_phentsize, 'e_phentsize');
  const phnum = r.u16(EH.e_phnum, 'e_phnum');
  const shentsize = r.u16(EH.e_shentsize, 'e_shentsize');
  let shnum = r.u16(EH.e_shnum, 'e_shnum');
  let shstrndx = r.u16(EH.e_shstrndx, 'e_shstrndx');

  // Program header table.
  const segments: ElfSegment[] = [];
  if (phnum > 0) {
    if (phentsize < ELF64_PHDR_SIZE) {
      r.fail(EH.e_phentsize, 'e_phentsize', `program header size ${phentsize}, expected at least ${ELF64_PHDR_SIZE}`);
    }
    const table = r.range(phoff, BigInt(phnum) * BigInt(phentsize), EH.e_phoff, 'e_phoff');
    for (let i = 0; i < phnum; i++) {
      const ph = table.start + i * phentsize;
      const type = r.u32(ph + PH.p_type, `phdr[${i}].p_type`);
      if (type !== PT_LOAD) continue;
      const flags = r.u32(ph + PH.p_flags, `phdr[${i}].p_flags`);
      const offset = r.u64(ph + PH.p_offset, `phdr[${i}].p_offset`);
      const vaddr = r.u64(ph + PH.p_vaddr, `phdr[${i}].p_vaddr`);
      const paddr = r.u64(ph + PH.p_paddr, `phdr[${i}].p_paddr`);
      const filesz = r.u64(ph + PH.p_filesz, `phdr[${i}].p_filesz`);
      const memsz = r.u64(ph + PH.p_memsz, `phdr[${i}].p_memsz`);
      if (filesz > memsz) {
        r.fail(ph + PH.p_filesz, `phdr[${i}].p_filesz`, `filesz 0x${filesz.toString(16)} exceeds memsz 0x${memsz.toString(16)}`);
      }
      const seg = r.range(offset, filesz, ph + PH.p_offset, `phdr[${i}].p_offset`);
      segments.push({ paddr, vaddr, data: bytes.subarray(seg.start, seg.start + seg.size), memsz, flags });
    }
  }

  // Section header table.
  const sections: ElfSection[] = [];
  const links: number[] = [];
  const entsizes: bigint[] = [];
  if (shoff !== 0n) {
    if (shentsize < ELF64_SHDR_SIZE) {
      r.fail(EH.e_shentsize, 'e_shentsize', `section header size ${shentsize}, expected at least ${ELF64_SHDR_SIZE}`);
    }
    // Extended numbering (gABI): e_shnum == 0 / e_shstrndx == SHN_XINDEX put the real values in section 0.
    r.range(shoff, BigInt(shentsize), EH.e_shoff, 'e_shoff');
    const sh0 = Number(shoff);
    if (shnum === 0) shnum = Number(r.u64(sh0 + SH.sh_size, 'shdr[0].sh_size'));
    if (shstrndx === SHN_XINDEX) shstrndx = r.u32(sh0 + SH.sh_link, 'shdr[0].sh_link');
    const table = r.range(shoff, BigInt(shnum) * BigInt(shentsize), EH.e_shoff, 'e_shoff');
    const raw: { nameOff: number; hdr: number }[] = [];
    for (let i = 0; i < shnum; i++) {
      const sh = table.start + i * shentsize;
      const type = r.u32(sh + SH.sh_type, `shdr[${i}].sh_type`);
      const flags = r.u64(sh + SH.sh_flags, `shdr[${i}].sh_flags`);
      const addr = r.u64(sh + SH.sh_addr, `shdr[${i}].sh_addr`);
      const offset = r.u64(sh + SH.sh_offset, `shdr[${i}].sh_offset`);
      const size = r.u64(sh + SH.sh_size, `shdr[${i}].sh_size`);
      if (type !== SHT_NOBITS && type !== SHT_NULL) r.range(offset, size, sh + SH.sh_offset, `shdr[${i}].sh_offset`);
      else if (size > 0xffff_ffffn) r.fail(sh + SH.sh_size, `shdr[${i}].sh_size`, 'size does not fit in 32 bits');
      raw.push({ nameOff: r.u32(sh + SH.sh_name, `shdr[${i}].sh_name`), hdr: sh });
      links.push(r.u32(sh + SH.sh_link, `shdr[${i}].sh_link`));
      entsizes.push(r.u64(sh + SH.sh_entsize, `shdr[${i}].sh_entsize`));
      sections.push({ name: '', addr, offset: Number(offset), size: Number(size), type, flags });
    }
    if (shnum > 0 && shstrndx !== SHN_UNDEF) {
      if (shstrndx >= shnum) r.fail(EH.e_shstrndx, 'e_shstrndx', `index ${shstrndx} is not below the section count ${shnum}`);
      const strtab = sections[shstrndx];
      if (strtab.type !== SHT_STRTAB) r.fail(EH.e_shstrndx, 'e_shstrndx', `section ${shstrndx} is not SHT_STRTAB (type ${strtab.type})`);
      const limit = strtab.offset + strtab.size;
      raw.forEach((s, i) => {
        sections[i].name = r.cstring(strtab.offset + s.nameOff, limit, s.hdr + SH.sh_name, `shdr[${i}].sh_name`);
      });
    }
  }

  // Symbols: .symtab when present, else .dynsym (stripped firmware keeps only the latter).
  const symbols = new Map<string, bigint>();
  const symbolList: ElfSymbol[] = [];
  let symIndex = sections.findIndex((s) => s.type === SHT_SYMTAB);
  if (symIndex < 0) symIndex = sections.findIndex((s) => s.type === SHT_DYNSYM);
  if (symIndex >= 0) {
    const symtab = sections[symIndex];
    const hdr = Number(shoff) + symIndex * shentsize;
    const entsize = entsizes[symIndex] === 0n ? ELF64_SYM_SIZE : Number(entsizes[symIndex]);
    if (entsize < ELF64_SYM_SIZE) {
      r.fail(hdr + SH.sh_entsize, `shdr[${symIndex}].sh_entsize`, `symbol entry size ${entsize}, expected ${ELF64_SYM_SIZE}`);
    }
    const link = links[symIndex];
    if (link >= sections.length || sections[link].type !== SHT_STRTAB) {
      r.fail(hdr + SH.sh_link, `shdr[${symIndex}].sh_link`, `symbol string table index ${link} is not an SHT_STRTAB section`);
    }
    const strtab = sections[link];
    const strLimit = strtab.offset + strtab.size;
    const count = Math.floor(symtab.size / entsize);
    for (let i = 1; i < count; i++) {
      const sym = symtab.offset + i * entsize;
      const nameOff = r.u32(sym + ST.st_name, `${symtab.name}[${i}].st_name`);
      const info = r.u8(sym + ST.st_info, `${symtab.name}[${i}].st_info`);
      const shndx = r.u16(sym + ST.st_shndx, `${symtab.name}[${i}].st_shndx`);
      const value = r.u64(sym + ST.st_value, `${symtab.name}[${i}].st_value`);
      const size = r.u64(sym + ST.st_size, `${symtab.name}[${i}].st_size`);
      const name = nameOff === 0 ? '' : r.cstring(strtab.offset + nameOff, strLimit, sym + ST.st_name, `${symtab.name}[${i}].st_name`);
      const type = info & 0xf;
      symbolList.push({ name, value, size, type, bind: info >> 4, shndx });
      if (name !== '' && shndx !== SHN_UNDEF && !symbols.has(name)) symbols.set(name, value);
    }
  }

  return { entry, machine, segments, sections, symbols, symbolList, bytes };
}
