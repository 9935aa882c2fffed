import { PAGE_SIZE } from '@vm/mmu';
import { STACK_SIZE, STACK_TOP, type AddressSpace } from './address-space.js';
import type { Personality } from './process.js';
import { VMK_USER_BASE } from './vmkernel-abi.js';

const PT_LOAD = 1;
const PT_INTERP = 3;
const PT_TLS = 7;
const EM_RISCV = 243;
const AT = { NULL: 0, PHDR: 3, PHENT: 4, PHNUM: 5, PAGESZ: 6, BASE: 7, FLAGS: 8, ENTRY: 9, UID: 11, EUID: 12, GID: 13, EGID: 14, HWCAP: 16, CLKTCK: 17, SECURE: 23, RANDOM: 25, EXECFN: 31 } as const;

/** Why a program could not be loaded (execve's ENOEXEC / ENOMEM). */
export class ExecError extends Error {}

export interface ProgramHeader {
  readonly type: number;
  readonly flags: number;
  readonly offset: number;
  readonly vaddr: number;
  readonly filesz: number;
  readonly memsz: number;
}

/** The program headers of an ELF64 little-endian RISC-V executable. */
export function programHeaders(bytes: Uint8Array): { entry: number; phoff: number; phnum: number; phentsize: number; headers: ProgramHeader[] } {
  if (bytes.length < 64 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) throw new ExecError('not an ELF file');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  if (bytes[4] !== 2 || bytes[5] !== 1) throw new ExecError('not ELF64 little-endian');
  if (v.getUint16(18, true) !== EM_RISCV) throw new ExecError('not a RISC-V executable');
  if (v.getUint16(16, true) !== 2) throw new ExecError('not a static executable (ET_EXEC)');
  const entry = Number(v.getBigUint64(24, true));
  const phoff = Number(v.getBigUint64(32, true));
  const phentsize = v.getUint16(54, true);
  const phnum = v.getUint16(56, true);
  const headers: ProgramHeader[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    if (o + 56 > bytes.length) throw new ExecError('truncated program headers');
    headers.push({
      type: v.getUint32(o, true),
      flags: v.getUint32(o + 4, true),
      offset: Number(v.getBigUint64(o + 8, true)),
      vaddr: Number(v.getBigUint64(o + 16, true)),
      filesz: Number(v.getBigUint64(o + 32, true)),
      memsz: Number(v.getBigUint64(o + 40, true)),
    });
  }
  return { entry, phoff, phnum, phentsize, headers };
}

/**
 * The personality an ELF executable was built for. Our guest kernel's user programs (guests/user,
 * linked by guests/user/user.ld) enter at, and load their lowest segment at, USER_BASE
 * 0x20_0000_0000, and have no PT_INTERP or PT_TLS; Linux riscv64 static programs are linked at
 * 0x10000 (GNU ld's default) and glibc/musl ones carry PT_TLS.
 */
export function detectPersonality(bytes: Uint8Array): Personality {
  const elf = programHeaders(bytes);
  const loads = elf.headers.filter((h) => h.type === PT_LOAD && h.memsz > 0);
  const lowest = Math.min(...loads.map((h) => h.vaddr));
  const foreign = elf.headers.some((h) => h.type === PT_INTERP || h.type === PT_TLS);
  return elf.entry === VMK_USER_BASE && lowest === VMK_USER_BASE && !foreign ? 'vmkernel' : 'linux';
}

/** Where execution starts: pc and the initial stack pointer. */
export interface LoadedProgram {
  readonly entry: bigint;
  readonly sp: bigint;
  /** Where argv[] starts (sp + 8: after argc), for personalities that pass it in a1. */
  readonly argv: bigint;
  readonly argc: number;
}

/**
 * Load a static ELF executable into an empty address space (PT_LOAD segments, brk after the
 * last one, an 8 MiB stack area) and build the initial stack the Linux ABI defines: argc, argv,
 * envp, the auxiliary vector (AT_PHDR, AT_RANDOM, ... as static glibc needs), strings on top.
 */
export function loadProgram(as: AddressSpace, bytes: Uint8Array, argv: readonly string[], envp: readonly string[], random: Uint8Array): LoadedProgram {
  const elf = programHeaders(bytes);
  let top = 0;
  let phdrAddr = 0;
  for (const h of elf.headers) {
    if (h.type !== PT_LOAD || h.memsz === 0) continue;
    if (h.offset + h.filesz > bytes.length) throw new ExecError('segment beyond the end of the file');
    const start = h.vaddr - (h.vaddr % PAGE_SIZE);
    const end = Math.ceil((h.vaddr + h.memsz) / PAGE_SIZE) * PAGE_SIZE;
    as.addArea({ start, end, prot: { read: (h.flags & 4) !== 0, write: (h.flags & 2) !== 0, execute: (h.flags & 1) !== 0 }, name: 'image' });
    if (!as.write(h.vaddr, bytes.subarray(h.offset, h.offset + h.filesz))) throw new ExecError('out of memory loading a segment');
    if (elf.phoff >= h.offset && elf.phoff < h.offset + h.filesz) phdrAddr = h.vaddr + (elf.phoff - h.offset);
    top = Math.max(top, end);
  }
  if (top === 0) throw new ExecError('no loadable segment');
  as.brkStart = as.brk = top;
  as.addArea({ start: top, end: top, prot: { read: true, write: true, execute: false }, name: 'heap' });
  as.addArea({ start: STACK_TOP - STACK_SIZE, end: STACK_TOP, prot: { read: true, write: true, execute: false }, name: 'stack' });

  // Strings and the random bytes go at the top, then the vectors, 16-byte aligned.
  let sp = STACK_TOP;
  const push = (data: Uint8Array): number => {
    sp -= data.length;
    if (!as.write(sp, data)) throw new ExecError('out of memory for the stack');
    return sp;
  };
  const cstr = (s: string): number => push(Buffer.from(s + '\0', 'utf8'));
  const randomAt = push(random.subarray(0, 16));
  const execfn = cstr(argv[0] ?? 'a.out');
  const argvAt = argv.map(cstr);
  const envAt = envp.map(cstr);
  sp -= sp % 16;
  const aux: [number, number][] = [
    [AT.PHDR, phdrAddr],
    [AT.PHENT, elf.phentsize],
    [AT.PHNUM, elf.phnum],
    [AT.PAGESZ, PAGE_SIZE],
    [AT.BASE, 0],
    [AT.FLAGS, 0],
    [AT.ENTRY, elf.entry],
    [AT.UID, 0],
    [AT.EUID, 0],
    [AT.GID, 0],
    [AT.EGID, 0],
    [AT.HWCAP, 0x112d], // rv64 IMAFDC
    [AT.CLKTCK, 100],
    [AT.SECURE, 0],
    [AT.RANDOM, randomAt],
    [AT.EXECFN, execfn],
    [AT.NULL, 0],
  ];
  const words: number[] = [argv.length, ...argvAt, 0, ...envAt, 0, ...aux.flat()];
  if (words.length % 2 !== 0) words.push(0);
  const block = new Uint8Array(words.length * 8);
  const v = new DataView(block.buffer);
  words.forEach((w, i) => v.setBigUint64(i * 8, BigInt(w), true));
  const at = push(block);
  return { entry: BigInt(elf.entry), sp: BigInt(at), argv: BigInt(at + 8), argc: argv.length };
}
