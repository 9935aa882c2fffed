import { FIELDS } from '../encoding/fields.js';
import type { FieldName } from '../encoding/fields.js';
import { OPERANDS } from '../encoding/operands.js';
import { INSTRUCTION_BY_MNEMONIC } from '../encoding/table.js';
import type { InsnEncoding } from '../encoding/types.js';
import { CSR_NUMBERS } from './csr-names.js';
import { isRegLike } from './pseudo.js';
import { parseFReg, parseXReg } from './registers.js';

/** Encoding one real instruction from its mnemonic and operand texts. */

export class EncodeError extends Error {}

export interface EncodeContext {
  pc: bigint;
  /** Evaluate an expression (throws EncodeError-compatible errors for syntax). */
  value(expr: string): bigint;
}

const ROUNDING = new Map([['rne', 0], ['rtz', 1], ['rdn', 2], ['rup', 3], ['rmm', 4], ['dyn', 7]]);

/** Conversions GNU as encodes with rm=000 by default because they are exact. */
const EXACT = new Set(['fcvt.d.w', 'fcvt.d.wu', 'fcvt.d.s']);

/** binutils' immediate spellings of I-type ops (`add a0,a0,1`, `sll a0,a0,3`, `csrrw a0,csr,5`). */
const IMMEDIATE_FORM: Record<string, string> = {
  add: 'addi', and: 'andi', or: 'ori', xor: 'xori', sll: 'slli', srl: 'srli', sra: 'srai', slt: 'slti', sltu: 'sltiu',
  addw: 'addiw', sllw: 'slliw', srlw: 'srliw', sraw: 'sraiw', csrrw: 'csrrwi', csrrs: 'csrrsi', csrrc: 'csrrci',
};

function reg(kind: 'x' | 'f', text: string): number {
  const n = kind === 'x' ? parseXReg(text.trim()) : parseFReg(text.trim());
  if (n === undefined) throw new EncodeError(`'${text.trim()}' is not ${kind === 'x' ? 'an integer' : 'a floating-point'} register`);
  return n;
}

function fenceBits(text: string): number {
  const t = text.trim().toLowerCase();
  if (t === '0') return 0;
  if (!/^i?o?r?w?$/.test(t) || t === '') throw new EncodeError(`bad fence operand '${text}'`);
  return (t.includes('i') ? 8 : 0) | (t.includes('o') ? 4 : 0) | (t.includes('r') ? 2 : 0) | (t.includes('w') ? 1 : 0);
}

/** Resolve the table entry (and aq/rl bits) for a mnemonic, honouring binutils' immediate spellings. */
export function lookup(mnemonic: string, operands: string[]): { e: InsnEncoding; aq: number; rl: number } | undefined {
  const m = mnemonic.toLowerCase();
  const amo = /^((?:lr|sc|amo[a-z]+)\.[wd])(\.aq|\.rl|\.aqrl)?$/.exec(m);
  if (amo) {
    const e = INSTRUCTION_BY_MNEMONIC.get(amo[1]);
    const sfx = amo[2] ?? '';
    return e && { e, aq: sfx.includes('aq') ? 1 : 0, rl: sfx.includes('rl') ? 1 : 0 };
  }
  const last = operands[operands.length - 1];
  const imm = IMMEDIATE_FORM[m];
  if (imm && operands.length === 3 && last !== undefined && !isRegLike(last)) {
    const e = INSTRUCTION_BY_MNEMONIC.get(imm);
    return e && { e, aq: 0, rl: 0 };
  }
  const e = INSTRUCTION_BY_MNEMONIC.get(m);
  return e && { e, aq: 0, rl: 0 };
}

function put(word: number, field: FieldName, value: number | bigint, what: string): number {
  const f = FIELDS[field];
  const v = Number(value);
  const bits = f.encode(v);
  if (bits === undefined) {
    const align = f.align > 1 ? `, a multiple of ${f.align}` : '';
    throw new EncodeError(`${what} ${value} out of range [${f.min}, ${f.max}]${align}`);
  }
  return (word | bits) >>> 0;
}

/** Encode `e` with operand texts; returns the instruction word (16-bit for `c.` entries). */
export function encode(e: InsnEncoding, aq: number, rl: number, ops: string[], ctx: EncodeContext): number {
  let word = e.match;
  const kinds = e.operands;
  const hasRm = kinds[kinds.length - 1] === 'rm';
  const required = hasRm ? kinds.length - 1 : kinds.length;
  if (e.mnemonic === 'fence' && ops.length === 0) return (word | (15 << 24) | (15 << 20)) >>> 0;
  if (ops.length !== required && ops.length !== kinds.length) {
    throw new EncodeError(`${e.mnemonic} takes ${required === kinds.length ? required : `${required} or ${kinds.length}`} operand(s), got ${ops.length}`);
  }
  if (e.format === 'AMO') {
    word = put(word, 'aq', aq, 'aq');
    word = put(word, 'rl', rl, 'rl');
  }
  kinds.forEach((kind, i) => {
    const info = OPERANDS[kind];
    const text = ops[i];
    if (kind === 'rm') {
      const rm = text === undefined ? (EXACT.has(e.mnemonic) ? 0 : 7) : ROUNDING.get(text.trim().toLowerCase());
      if (rm === undefined) throw new EncodeError(`bad rounding mode '${text}'`);
      word = put(word, 'rm', rm, 'rounding mode');
      return;
    }
    if (text === undefined) throw new EncodeError(`missing operand ${i + 1}`);
    const what = `operand ${i + 1} of ${e.mnemonic}:`;
    switch (info.cls) {
      case 'x':
      case 'f': {
        const n = reg(info.cls, text);
        const f = FIELDS[info.fields[0]];
        if (f.encode(n) === undefined) throw new EncodeError(`${what} register ${text.trim()} must be one of x8-x15 (s0-s1, a0-a5)`);
        word = put(word, info.fields[0], n, what);
        return;
      }
      case 'fixed':
        if (parseXReg(text.trim()) !== 2) throw new EncodeError(`${what} must be sp`);
        return;
      case 'csr': {
        const name = CSR_NUMBERS.get(text.trim().toLowerCase());
        word = put(word, 'csr', name ?? ctx.value(text), `${what} CSR`);
        return;
      }
      case 'fence':
        word = put(word, info.fields[0], fenceBits(text), what);
        return;
      case 'target': {
        const off = ctx.value(text) - ctx.pc;
        word = put(word, info.fields[0], off, `${what} branch offset`);
        return;
      }
      case 'mem': {
        const m = /^(.*)\(\s*([^()]+?)\s*\)$/.exec(text.trim());
        if (!m) throw new EncodeError(`${what} expected offset(register), got '${text.trim()}'`);
        const base = reg('x', m[2]);
        if (kind === '(rs1)') {
          if (m[1].trim() !== '' && ctx.value(m[1]) !== 0n) throw new EncodeError(`${what} offset must be 0`);
          word = put(word, 'rs1', base, what);
          return;
        }
        const off = m[1].trim() === '' ? 0n : ctx.value(m[1]);
        word = put(word, info.fields[0], off, `${what} offset`);
        if (info.fields.length > 1) {
          if (FIELDS[info.fields[1]].encode(base) === undefined) throw new EncodeError(`${what} base register must be one of x8-x15`);
          word = put(word, info.fields[1], base, what);
        } else if (base !== 2) throw new EncodeError(`${what} base register must be sp`);
        return;
      }
      default: {
        let v = ctx.value(text);
        // lui/auipc take the 20-bit upper immediate; accept its sign-extended spelling too.
        if (kind === 'imm20' && v < 0n && v >= -(1n << 19n)) v = BigInt.asUintN(20, v);
        word = put(word, info.fields[0], v, `${what} immediate`);
      }
    }
  });
  return word >>> 0;
}
