import { existsSync, readFileSync } from 'node:fs';
import { FormatError } from '@vm/core';
import { describe, expect, it } from 'vitest';
import { SHF_EXECINSTR } from './constants.js';
import { isElf, parseElf } from './parse.js';

const OPENSBI = '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf';
const UBOOT = '/usr/lib/u-boot/qemu-riscv64_smode/uboot.elf';

/** Figures from `riscv64-unknown-elf-readelf -hlS` (binutils 2.40) on Debian's packages. */
describe.skipIf(!existsSync(OPENSBI))('parseElf: Debian OpenSBI fw_jump.elf', () => {
  const img = parseElf(new Uint8Array(readFileSync(OPENSBI)), OPENSBI);
  it('matches readelf', () => {
    expect(img.entry).toBe(0x80000000n);
    expect(img.machine).toBe(243);
    expect(img.segments).toHaveLength(1);
    const [s] = img.segments;
    expect(s.paddr).toBe(0x80000000n);
    expect(s.vaddr).toBe(0x80000000n);
    expect(s.data.length).toBe(0x1c280);
    expect(s.memsz).toBe(0x45ac8n);
    expect(s.flags).toBe(7); // RWE
    expect(s.data.byteOffset).toBe(0x120);
    expect(img.sections).toHaveLength(15);
    const text = img.sections[1];
    expect(text).toMatchObject({ name: '.text', addr: 0x80000000n, offset: 0x120, size: 0x15120, type: 1 });
    expect(text.flags & SHF_EXECINSTR).toBe(SHF_EXECINSTR);
    expect(img.sections[12]).toMatchObject({ name: '.bss', addr: 0x8001d000n, size: 0x28ac8, type: 8 });
    expect(img.sections[14].name).toBe('.shstrtab');
    // Stripped: symbols come from .dynsym (43 entries, the null one omitted).
    expect(img.symbolList).toHaveLength(42);
    expect(img.symbols.get('ecall_pmu')).toBe(0x80019498n);
    expect(img.symbolList[1]).toEqual({ name: 'ecall_pmu', value: 0x80019498n, size: 48n, type: 1, bind: 1, shndx: 5 });
  });
});

describe.skipIf(!existsSync(UBOOT))('parseElf: Debian U-Boot qemu-riscv64_smode uboot.elf', () => {
  const img = parseElf(new Uint8Array(readFileSync(UBOOT)), UBOOT);
  it('matches readelf', () => {
    expect(img.entry).toBe(0x80200000n);
    expect(img.segments).toHaveLength(1);
    const [s] = img.segments;
    expect(s.paddr).toBe(0x80200000n);
    expect(s.vaddr).toBe(0x80200000n);
    expect(s.data.length).toBe(0x9e6c0);
    expect(s.memsz).toBe(0xa8d08n);
    expect(s.flags).toBe(7);
    expect(img.sections).toHaveLength(18);
    expect(img.sections.filter((x) => x.flags & SHF_EXECINSTR).map((x) => x.name)).toEqual(['.text', '.efi_runtime', '.text_rest']);
    expect(img.sections[3]).toMatchObject({ name: '.text_rest', addr: 0x80200e70n, offset: 0x1e70, size: 0x597b0 });
    expect(img.sections[12].name).toBe('__u_boot_list');
    expect(img.symbolList).toHaveLength(249);
    expect(img.symbols.get('flush')).toBe(0x802146a6n);
    expect(img.symbols.get('zcalloc')).toBe(0x8024ea7en);
  });
});

// --- Malformed inputs, built by hand so the test needs no external file. ---

/** A minimal valid ELF64 RISC-V executable: header, one PT_LOAD, .text/.symtab/.strtab/.shstrtab. */
function minimalElf(): Uint8Array {
  const code = [0x13, 0x00, 0x00, 0x00, 0x6f, 0x00, 0x00, 0x00]; // nop; j .
  const shstr = '\0.text\0.symtab\0.strtab\0.shstrtab\0';
  const str = '\0_start\0';
  const codeOff = 0x40 + 0x38;
  const strOff = codeOff + code.length;
  const symOff = (strOff + str.length + 7) & ~7;
  const shstrOff = symOff + 2 * 24;
  const shOff = (shstrOff + shstr.length + 7) & ~7;
  const total = shOff + 5 * 64;
  const b = new Uint8Array(total);
  const v = new DataView(b.buffer);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  v.setUint16(16, 2, true); // ET_EXEC
  v.setUint16(18, 243, true);
  v.setUint32(20, 1, true);
  v.setBigUint64(24, 0x80000000n, true);
  v.setBigUint64(32, 0x40n, true);
  v.setBigUint64(40, BigInt(shOff), true);
  v.setUint16(52, 64, true);
  v.setUint16(54, 56, true);
  v.setUint16(56, 1, true);
  v.setUint16(58, 64, true);
  v.setUint16(60, 5, true);
  v.setUint16(62, 4, true);
  // PT_LOAD
  v.setUint32(0x40, 1, true);
  v.setUint32(0x44, 5, true);
  v.setBigUint64(0x48, BigInt(codeOff), true);
  v.setBigUint64(0x50, 0x80000000n, true);
  v.setBigUint64(0x58, 0x80000000n, true);
  v.setBigUint64(0x60, BigInt(code.length), true);
  v.setBigUint64(0x68, 0x1000n, true);
  b.set(code, codeOff);
  b.set([...str].map((c) => c.charCodeAt(0)), strOff);
  // symbol 1: _start, FUNC GLOBAL, shndx 1
  v.setUint32(symOff + 24, 1, true);
  b[symOff + 24 + 4] = 0x12;
  v.setUint16(symOff + 24 + 6, 1, true);
  v.setBigUint64(symOff + 24 + 8, 0x80000000n, true);
  b.set([...shstr].map((c) => c.charCodeAt(0)), shstrOff);
  const sh = (i: number, name: number, type: number, flags: bigint, addr: bigint, off: number, size: number, link = 0, entsize = 0) => {
    const o = shOff + i * 64;
    v.setUint32(o, name, true);
    v.setUint32(o + 4, type, true);
    v.setBigUint64(o + 8, flags, true);
    v.setBigUint64(o + 16, addr, true);
    v.setBigUint64(o + 24, BigInt(off), true);
    v.setBigUint64(o + 32, BigInt(size), true);
    v.setUint32(o + 40, link, true);
    v.setBigUint64(o + 56, BigInt(entsize), true);
  };
  sh(1, 1, 1, 6n, 0x80000000n, codeOff, code.length);
  sh(2, 7, 2, 0n, 0n, symOff, 48, 3, 24);
  sh(3, 15, 3, 0n, 0n, strOff, str.length);
  sh(4, 23, 3, 0n, 0n, shstrOff, shstr.length);
  return b;
}

const offsets = { shOff: 0 };
function corrupt(edit: (b: Uint8Array, v: DataView) => void): Uint8Array {
  const b = minimalElf();
  const v = new DataView(b.buffer);
  offsets.shOff = Number(v.getBigUint64(40, true));
  edit(b, v);
  return b;
}

function errorOf(bytes: Uint8Array): FormatError {
  try {
    parseElf(bytes, 'bad.elf');
  } catch (e) {
    if (e instanceof FormatError) return e;
    throw e;
  }
  throw new Error('parseElf accepted a malformed file');
}

describe('parseElf: hand-built file', () => {
  it('parses the minimal image', () => {
    const img = parseElf(minimalElf());
    expect(isElf(minimalElf())).toBe(true);
    expect(img.entry).toBe(0x80000000n);
    expect(img.segments[0].data).toEqual(new Uint8Array([0x13, 0, 0, 0, 0x6f, 0, 0, 0]));
    expect(img.segments[0].memsz).toBe(0x1000n);
    expect(img.sections.map((s) => s.name)).toEqual(['', '.text', '.symtab', '.strtab', '.shstrtab']);
    expect(img.symbols.get('_start')).toBe(0x80000000n);
    expect(img.symbolList).toEqual([{ name: '_start', value: 0x80000000n, size: 0n, type: 2, bind: 1, shndx: 1 }]);
  });

  it('isElf rejects non-ELF data', () => {
    expect(isElf(new Uint8Array([0x7f, 0x45, 0x4c]))).toBe(false);
    expect(isElf(new TextEncoder().encode('#!/bin/sh\n'))).toBe(false);
  });

  const cases: [string, (b: Uint8Array, v: DataView) => Uint8Array | void, string, number][] = [
    ['bad magic', (b) => void (b[1] = 0x46), 'e_ident[EI_MAG]', 1],
    ['32-bit class', (b) => void (b[4] = 1), 'e_ident[EI_CLASS]', 4],
    ['big-endian', (b) => void (b[5] = 2), 'e_ident[EI_DATA]', 5],
    ['ident version', (b) => void (b[6] = 0), 'e_ident[EI_VERSION]', 6],
    ['wrong machine (x86-64)', (_b, v) => v.setUint16(18, 62, true), 'e_machine', 18],
    ['e_version', (_b, v) => v.setUint32(20, 2, true), 'e_version', 20],
    ['bad phoff', (_b, v) => v.setBigUint64(32, 0xffff_0000n, true), 'e_phoff', 32],
    ['short phentsize', (_b, v) => v.setUint16(54, 32, true), 'e_phentsize', 54],
    ['bad shoff', (_b, v) => v.setBigUint64(40, 0x10_0000n, true), 'e_shoff', 40],
    ['segment past EOF', (_b, v) => v.setBigUint64(0x48, 0x10000n, true), 'phdr[0].p_offset', 0x48],
    ['filesz > memsz', (_b, v) => v.setBigUint64(0x68, 4n, true), 'phdr[0].p_filesz', 0x60],
    ['shstrndx out of range', (_b, v) => v.setUint16(62, 9, true), 'e_shstrndx', 62],
    ['shstrndx not a string table', (_b, v) => v.setUint16(62, 1, true), 'e_shstrndx', 62],
    ['section past EOF', (_b, v) => v.setBigUint64(offsets.shOff + 64 + 32, 0x100000n, true), 'shdr[1].sh_offset', -1],
    ['section name outside .shstrtab', (_b, v) => v.setUint32(offsets.shOff + 64, 0x400, true), 'shdr[1].sh_name', -1],
    ['symbol table past EOF', (_b, v) => v.setBigUint64(offsets.shOff + 128 + 32, 0x10000n, true), 'shdr[2].sh_offset', -1],
    ['symbol strtab link', (_b, v) => v.setUint32(offsets.shOff + 128 + 40, 1, true), 'shdr[2].sh_link', -1],
    ['symbol name outside .strtab', (_b, v) => v.setUint32(Number(v.getBigUint64(offsets.shOff + 128 + 24, true)) + 24, 0x99, true), '.symtab[1].st_name', -1],
  ];
  for (const [what, edit, field, offset] of cases) {
    it(`rejects ${what} naming ${field}`, () => {
      const e = errorOf(corrupt((b, v) => void edit(b, v)));
      expect(e.field).toBe(field);
      expect(e.file).toBe('bad.elf');
      if (offset >= 0) expect(e.offset).toBe(offset);
      expect(e.message).toContain(field);
    });
  }

  it('rejects truncated files, naming the field that ran off the end', () => {
    const full = minimalElf();
    expect(errorOf(full.subarray(0, 10)).field).toBe('e_ident');
    expect(errorOf(full.subarray(0, 40)).field).toBe('Elf64_Ehdr');
    expect(errorOf(full.subarray(0, 0x50)).field).toBe('e_phoff');
    expect(errorOf(full.subarray(0, full.length - 10)).field).toBe('e_shoff');
  });
});
