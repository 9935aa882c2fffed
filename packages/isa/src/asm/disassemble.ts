import { decodeEntry } from '../encoding/decode.js';
import { FIELDS } from '../encoding/fields.js';
import type { FieldName } from '../encoding/fields.js';
import { OPERANDS } from '../encoding/operands.js';
import type { OperandKind } from '../encoding/operands.js';
import type { Extension, InsnEncoding } from '../encoding/types.js';
import { aliasOf } from './aliases.js';
import { compressedText } from './compressed-text.js';
import { csrNamesFor } from './csr-names.js';
import type { PrivSpec } from './csr-names.js';
import { fenceSet, freg, hexImm, ROUNDING_MODES, target, xreg } from './operand-text.js';
import type { PrintContext } from './operand-text.js';

export interface Disassembly {
  /** `mnemonic\toperands` (or just the mnemonic), as objdump prints it. */
  text: string;
  mnemonic: string;
  operands: string;
  length: 2 | 4;
}

export interface DisassembleOptions {
  /** Which extensions to decode (default: all in the table, H included). */
  enabled?: (ext: Extension) => boolean;
  /** Print branch/jump targets as `0x...` (objdump does when the file has no symbols). */
  prefixTargets?: boolean;
  /** Privileged spec the CSR names follow (default 1.12, binutils 2.40's default). */
  privSpec?: PrivSpec;
}

/** Field values of `insn` for the entry's operands and extra fields. */
export type FieldValues = Partial<Record<FieldName, number>>;

export function fieldValues(e: InsnEncoding, insn: number): FieldValues {
  const v: FieldValues = {};
  for (const o of e.operands) for (const f of OPERANDS[o].fields) v[f] = FIELDS[f].decode(insn);
  for (const f of e.extraFields) v[f] = FIELDS[f].decode(insn);
  return v;
}

/** One operand in its plain (non-alias) spelling; undefined for an omitted default (rm=dyn). */
export function operandText(kind: OperandKind, v: FieldValues, ctx: PrintContext): string | undefined {
  const info = OPERANDS[kind];
  const val = (i = 0): number => v[info.fields[i]] ?? 0;
  switch (kind) {
    case 'rm': {
      const rm = val();
      if (rm === 7) return undefined;
      return ROUNDING_MODES[rm] === '' ? 'unknown' : ROUNDING_MODES[rm];
    }
    case 'csr':
      return ctx.csr(val());
    case 'imm20':
    case 'shamtd':
    case 'shamtw':
    case 'c_shamt':
      return hexImm(val());
    case 'pred':
    case 'succ':
      return fenceSet(val());
    case 'sp':
      return 'sp';
    default:
      break;
  }
  switch (info.cls) {
    case 'x':
      return xreg(val());
    case 'f':
      return freg(val());
    case 'target':
      return ctx.target(val());
    case 'mem':
      if (kind === '(rs1)') return `(${xreg(val())})`;
      return `${val()}(${info.fields.length > 1 ? xreg(val(1)) : 'sp'})`;
    default:
      return String(val());
  }
}

/** Rounding modes of the conversions that are always exact: binutils 2.40 decodes them only with rm=000. */
const EXACT_CONVERSIONS = new Set(['fcvt.d.w', 'fcvt.d.wu', 'fcvt.d.s']);

/**
 * Encodings the hart executes (reserved fields are ignored, as the spec asks) but binutils 2.40
 * matches more strictly and prints as `.4byte`: FENCE/FENCE.I with nonzero fm, rs1 or rd
 * (Unprivileged ISA 2.7, 3.1: "reserved for future use") and exact conversions with rm ≠ 000.
 */
function objdumpDecodes(mnemonic: string, v: FieldValues): boolean {
  if (mnemonic === 'fence') return v.fm === 0 && v.rs1 === 0 && v.rd === 0;
  if (mnemonic === 'fence.i') return v.imm12 === 0 && v.rs1 === 0 && v.rd === 0;
  if (EXACT_CONVERSIONS.has(mnemonic)) return v.rm === 0;
  return true;
}

/** aq/rl suffix of an AMO mnemonic. */
function orderingSuffix(v: FieldValues): string {
  const aq = v.aq ?? 0;
  const rl = v.rl ?? 0;
  return aq && rl ? '.aqrl' : aq ? '.aq' : rl ? '.rl' : '';
}

function result(mnemonic: string, operands: string[], length: 2 | 4): Disassembly {
  const ops = operands.join(',');
  return { text: ops === '' ? mnemonic : `${mnemonic}\t${ops}`, mnemonic, operands: ops, length };
}

/** The `.2byte`/`.4byte` form objdump uses for words it cannot decode. */
function unknown(word: number, length: 2 | 4): Disassembly {
  return result(length === 2 ? '.2byte' : '.4byte', [hexImm(word)], length);
}

/**
 * Disassemble one instruction the way GNU objdump 2.40 (`-d`, default options) prints it:
 * pseudo-instructions and aliases, ABI register names, named CSRs, absolute branch targets,
 * compressed instructions under the names objdump gives their expansions.
 */
export function disassemble(insn: number, pc: bigint, length?: 2 | 4, options: DisassembleOptions = {}): Disassembly {
  const len: 2 | 4 = length ?? ((insn & 3) === 3 ? 4 : 2);
  const word = len === 2 ? insn & 0xffff : insn >>> 0;
  if (word === 0 && len === 2) return result('unimp', [], 2);
  // c.addi16sp with nzimm=0 is reserved (Table 16.5) but binutils prints it as its expansion.
  if (word === 0x6101 && len === 2) return result('add', ['sp', 'sp', '0'], 2);
  // `csrrw x0, cycle, x0` is the canonical 32-bit UNIMP (GNU as's `unimp` without RVC).
  if (word === 0xc0001073) return result('unimp', [], 4);
  const e = decodeEntry(word, len, options.enabled);
  if (!e) return unknown(word, len);
  const v = fieldValues(e, word);
  if (!objdumpDecodes(e.mnemonic, v)) return unknown(word, len);
  const names = csrNamesFor(options.privSpec ?? '1.12');
  const ctx: PrintContext = {
    target: (offset) => target(pc, offset, options.prefixTargets === true),
    csr: (n) => names.get(n) ?? hexImm(n),
  };
  if (len === 2) {
    const c = compressedText(e.mnemonic, v, ctx);
    return c ? result(c[0], c[1], 2) : unknown(word, 2);
  }
  const alias = aliasOf(e.mnemonic, v, ctx);
  if (alias) return result(alias[0], alias[1], len);
  const ops: string[] = [];
  for (const o of EXACT_CONVERSIONS.has(e.mnemonic) ? e.operands.filter((o) => o !== 'rm') : e.operands) {
    const t = operandText(o, v, ctx);
    if (t !== undefined) ops.push(t);
  }
  const mnemonic = e.format === 'AMO' ? e.mnemonic + orderingSuffix(v) : e.mnemonic;
  return result(mnemonic, ops, len);
}
