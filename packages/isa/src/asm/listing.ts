import { instructionLength } from '../encoding/decode.js';
import { DEFAULT_OBJDUMP_ARCH, extensionsOf } from '../encoding/isa-string.js';
import { riscvAttributes } from '../elf/attributes.js';
import { SHF_EXECINSTR, STT_FILE, STT_FUNC, STT_OBJECT, STT_SECTION } from '../elf/constants.js';
import type { PrivSpec } from './csr-names.js';
import type { ElfImage, ElfSection, ElfSymbol } from '../elf/types.js';
import { disassemble } from './disassemble.js';
import type { DisassembleOptions } from './disassemble.js';

/**
 * An objdump-style listing (`riscv64-unknown-elf-objdump -d`) of every SHF_EXECINSTR section:
 * one region per symbol (objdump restarts decoding at each symbol), runs of zero bytes elided
 * as `...` by objdump's rule, and `address:\thex\tmnemonic\toperands` lines.
 */

/** objdump's `skip_zeroes` (8) and `skip_zeroes_at_end` (3) defaults. */
const SKIP_ZEROES = 8;
const SKIP_ZEROES_AT_END = 3;
/** RISC-V prints 8 bytes per line of the hex column. */
const BYTES_PER_LINE = 8;

interface Region {
  start: number;
  end: number;
  label: string;
  /** objdump dumps a region as data when its symbol is an object (STT_OBJECT, not STT_FUNC). */
  data: boolean;
}

/** Symbols objdump uses for region boundaries and labels: named, defined, not section/file symbols. */
function usefulSymbols(image: ElfImage): ElfSymbol[] {
  return image.symbolList
    .filter((s) => s.name !== '' && s.shndx !== 0 && s.type !== STT_SECTION && s.type !== STT_FILE && !s.name.startsWith('$'))
    .sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
}

function label(addr: bigint, syms: ElfSymbol[], sec: ElfSection): string {
  let best: ElfSymbol | undefined;
  for (const s of syms) if (s.value <= addr) best = s;
  if (!best) best = syms[0];
  if (!best) return sec.name;
  const d = addr - best.value;
  return d === 0n ? best.name : d > 0n ? `${best.name}+0x${d.toString(16)}` : `${best.name}-0x${(-d).toString(16)}`;
}

function regions(sec: ElfSection, index: number, syms: ElfSymbol[]): Region[] {
  const inSec = syms.filter((s) => s.shndx === index);
  const starts = new Set<number>([0]);
  for (const s of inSec) {
    const off = Number(s.value - sec.addr);
    if (off > 0 && off < sec.size) starts.add(off);
  }
  const sorted = [...starts].sort((a, b) => a - b);
  return sorted.map((start, i) => {
    const at = inSec.filter((s) => s.value === sec.addr + BigInt(start));
    return {
      start,
      end: i + 1 < sorted.length ? sorted[i + 1] : sec.size,
      label: label(sec.addr + BigInt(start), inSec, sec),
      data: at.length > 0 && at.every((s) => s.type === STT_OBJECT) && !at.some((s) => s.type === STT_FUNC),
    };
  });
}

/** Address column: objdump drops leading zero nibbles common to the section, in groups of 4. */
function addressWidth(sec: ElfSection): number {
  const top = (sec.addr + BigInt(sec.size)).toString(16).padStart(16, '0');
  let skip = 0;
  while (top[skip] === '0') skip++;
  if (skip === 16 && sec.addr !== 0n) skip = 0;
  if (skip !== 0) skip = (skip - 1) & -4;
  return 16 - skip;
}

function hexChunks(bytes: Uint8Array, at: number, len: number, chunk: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < len; i += chunk) {
    let s = '';
    for (let k = chunk - 1; k >= 0; k--) s += (bytes[at + i + k] ?? 0).toString(16).padStart(2, '0');
    out.push(s);
  }
  return out;
}

export interface ListingOptions {
  /** ISA string deciding which extensions decode (default: the file's Tag_RISCV_arch, else rv64gc). */
  arch?: string;
  /** Privileged spec for CSR names (default: the file's Tag_RISCV_priv_spec, else 1.12). */
  privSpec?: PrivSpec;
}

function privSpecOf(v: { major: number; minor: number } | undefined): PrivSpec {
  if (!v) return '1.12';
  if (v.major === 1 && v.minor <= 10) return '1.10';
  if (v.major === 1 && v.minor === 11) return '1.11';
  return '1.12';
}

export function listing(image: ElfImage, options: ListingOptions = {}): string {
  const attrs = riscvAttributes(image);
  const enabled = extensionsOf(options.arch ?? attrs.arch ?? DEFAULT_OBJDUMP_ARCH);
  const syms = usefulSymbols(image);
  const dopts: DisassembleOptions = {
    enabled,
    prefixTargets: syms.length === 0,
    privSpec: options.privSpec ?? privSpecOf(attrs.privSpec),
  };
  // objdump's data dumps reuse the chunk size of the last instruction printed (2 or 4).
  let chunk = 4;
  const out: string[] = [];
  image.sections.forEach((sec, index) => {
    if ((sec.flags & SHF_EXECINSTR) === 0n || sec.type === 8 /* SHT_NOBITS */ || sec.size === 0) return;
    out.push('', `Disassembly of section ${sec.name}:`);
    const data = image.bytes.subarray(sec.offset, sec.offset + sec.size);
    const width = addressWidth(sec);
    const addrText = (off: number): string => {
      const s = (sec.addr + BigInt(off)).toString(16).padStart(width, '0');
      const firstNonZero = s.search(/[^0]/);
      const cut = firstNonZero < 0 ? s.length - 1 : firstNonZero;
      return ' '.repeat(cut) + s.slice(cut);
    };
    for (const r of regions(sec, index, syms)) {
      out.push('', `${(sec.addr + BigInt(r.start)).toString(16).padStart(16, '0')} <${r.label}>:`);
      let at = r.start;
      while (at < r.end) {
        let z = at;
        while (z < r.end && data[z] === 0) z++;
        if (z - at >= SKIP_ZEROES || (z === r.end && z - at < SKIP_ZEROES_AT_END && z > at)) {
          if (z !== r.end) z = at + ((z - at) & ~3);
          out.push('\t...');
          at = z;
          continue;
        }
        if (r.data) {
          const n = Math.min(DATA_BYTES_PER_LINE, r.end - at);
          out.push(dataLine(data, at, n, chunk, addrText));
          at += n;
          continue;
        }
        const len = lengthAt(data, at);
        chunk = len % 4 === 0 ? 4 : 2;
        out.push(...lines(data, at, addrText, sec.addr + BigInt(at), dopts));
        at += len;
      }
    }
  });
  return out.join('\n') + '\n';
}

/** Bytes per line when objdump dumps an object's bytes inside a code section. */
const DATA_BYTES_PER_LINE = 16;

/** `addr:\thex chunks    ascii` as objdump prints data inside a code section. */
function dataLine(data: Uint8Array, at: number, n: number, chunk: number, addrText: (off: number) => string): string {
  const chunks = hexChunks(data, at, n, chunk).map((c) => c.slice(-2 * Math.min(chunk, n)));
  const width = (DATA_BYTES_PER_LINE / chunk) * (2 * chunk + 1);
  const hexCol = chunks.map((c) => c + ' ').join('').padEnd(width, ' ') + '    ';
  let ascii = '';
  for (let k = 0; k < n; k++) {
    const b = data[at + k];
    ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
  }
  return `${addrText(at)}:\t${hexCol}${ascii}`;
}

/** objdump's riscv_insn_length: 2, 4, 6, 8, 10-22 (0x7f with nnn != 7), else 2. */
function lengthAt(data: Uint8Array, at: number): number {
  const parcel = (data[at] ?? 0) | ((data[at + 1] ?? 0) << 8);
  const len = instructionLength(parcel);
  if (len !== undefined) return len;
  if ((parcel & 0x7f) === 0x7f && (parcel & 0x7000) !== 0x7000) return 10 + ((parcel >> 11) & 0xe);
  return 2;
}

function lines(data: Uint8Array, at: number, addrText: (off: number) => string, pc: bigint, opts: DisassembleOptions): string[] {
  const len = lengthAt(data, at);
  const chunk = len % 4 === 0 ? 4 : 2;
  const chunks = hexChunks(data, at, Math.min(len, BYTES_PER_LINE), chunk);
  const perLine = BYTES_PER_LINE / chunk;
  const hexCol = chunks.map((c) => c + ' ').join('') + ' '.repeat((perLine - chunks.length) * (chunk * 2 + 1));
  let text: string;
  if (len === 2 || len === 4) {
    let word = 0;
    for (let k = len - 1; k >= 0; k--) word = word * 256 + (data[at + k] ?? 0);
    text = disassemble(word, pc, len, opts).text;
  } else if (len === 8) {
    let v = 0n;
    for (let k = 7; k >= 0; k--) v = (v << 8n) | BigInt(data[at + k] ?? 0);
    text = `.8byte\t0x${v.toString(16)}`;
  } else {
    const bytes: string[] = [];
    for (let k = 0; k < len; k++) bytes.push('0x' + (data[at + k] ?? 0).toString(16).padStart(2, '0'));
    text = `.byte\t${bytes.join(', ')}`;
  }
  const out = [`${addrText(at)}:\t${hexCol}\t${text}`];
  for (let off = BYTES_PER_LINE; off < len; off += BYTES_PER_LINE) {
    const rest = hexChunks(data, at + off, Math.min(len - off, BYTES_PER_LINE), chunk);
    out.push(`${addrText(at + off)}:\t${rest.map((c) => c + ' ').join('')}`);
  }
  return out;
}
