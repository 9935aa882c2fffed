import { VmError } from '@vm/core';
import { compress } from './compress.js';
import { encode, EncodeError, lookup } from './encode.js';
import { evaluate, ExprError } from './expression.js';
import { expandPseudo, isRegLike, loadConstant } from './pseudo.js';

/** A source error: the message names the line. */
export class AsmError extends VmError {
  override name = 'AsmError';
  constructor(
    readonly line: number,
    readonly problem: string,
  ) {
    super(`line ${line}: ${problem}`);
  }
}

export interface AssembleOptions {
  /** Address of the first byte (default 0). */
  base?: bigint;
}

export interface AssembleResult {
  bytes: Uint8Array;
  /** Labels and .equ/.set symbols (numeric local labels excluded). */
  symbols: Map<string, bigint>;
}

interface Line {
  no: number;
  labels: string[];
  op: string;
  args: string[];
  /** Raw operand text (for .ascii strings). */
  rest: string;
}

/** Split on commas outside parentheses and quotes. */
function splitOperands(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  let quote = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      cur += c;
      if (c === '\\') cur += text[++i] ?? '';
      else if (c === '"') quote = false;
      continue;
    }
    if (c === '"') quote = true;
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  if (cur.trim() !== '' || out.length > 0) out.push(cur.trim());
  return out;
}

/** Remove `#` and `//` comments outside strings and character literals. */
function stripComment(line: string): string {
  let quote = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === '"') quote = false;
    } else if (c === '"') quote = true;
    else if (c === "'" ) i += line[i + 1] === '\\' ? 2 : 1;
    else if (c === '#' || (c === '/' && line[i + 1] === '/')) return line.slice(0, i);
  }
  return line;
}

function parse(source: string): Line[] {
  const lines: Line[] = [];
  source.split(/\r?\n/).forEach((raw, idx) => {
    for (const stmt of stripComment(raw).split(';')) {
      let text = stmt.trim();
      const labels: string[] = [];
      for (;;) {
        const m = /^([A-Za-z_.$][A-Za-z0-9_.$]*|\d+):/.exec(text);
        if (!m) break;
        labels.push(m[1]);
        text = text.slice(m[0].length).trim();
      }
      // `name = expr` is .set
      const assign = /^([A-Za-z_.$][A-Za-z0-9_.$]*)\s*=\s*(.+)$/.exec(text);
      if (assign) {
        lines.push({ no: idx + 1, labels, op: '.set', args: [assign[1], assign[2]], rest: '' });
        continue;
      }
      const m = /^(\S+)\s*(.*)$/.exec(text);
      const op = m ? m[1] : '';
      const rest = m ? m[2] : '';
      lines.push({ no: idx + 1, labels, op, args: rest === '' ? [] : splitOperands(rest), rest });
    }
  });
  return lines;
}

/** Decode a GNU string literal body. */
function stringBytes(lit: string, no: number): number[] {
  const m = /^"((?:[^"\\]|\\.)*)"$/.exec(lit.trim());
  if (!m) throw new AsmError(no, `expected a string literal, got ${lit}`);
  const out: number[] = [];
  const s = m[1];
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '\\') {
      const code = s.codePointAt(i) ?? 0;
      if (code > 0xffff) i++;
      out.push(...new TextEncoder().encode(String.fromCodePoint(code)));
      continue;
    }
    const c = s[++i];
    const simple: Record<string, number> = { n: 10, t: 9, r: 13, '0': 0, '\\': 92, '"': 34, "'": 39, b: 8, f: 12, v: 11, a: 7 };
    if (c === 'x') {
      const hx = /^[0-9a-fA-F]{1,2}/.exec(s.slice(i + 1))?.[0] ?? '';
      out.push(parseInt(hx || '0', 16));
      i += hx.length;
    } else if (/[0-7]/.test(c)) {
      const oc = /^[0-7]{1,3}/.exec(s.slice(i))?.[0] ?? '0';
      out.push(parseInt(oc, 8) & 0xff);
      i += oc.length - 1;
    } else out.push(simple[c] ?? c.charCodeAt(0));
  }
  return out;
}

/** A register, rounding mode or plain number (optionally `n(reg)`): no symbol the layout could move. */
function isLiteral(arg: string): boolean {
  const t = arg.trim();
  if (isRegLike(t) || /^(rne|rtz|rdn|rup|rmm|dyn|f[a-z]*\d+)$/i.test(t)) return true;
  const expr = t.replace(/\(\s*[a-z0-9]+\s*\)$/i, '').trim() || '0';
  return /^[-+~(\s]*(0x[0-9a-f]+|0b[01]+|\d+)[\s)]*$/i.test(expr);
}

const DATA_SIZES: Record<string, number> = {
  '.byte': 1, '.half': 2, '.short': 2, '.2byte': 2, '.word': 4, '.long': 4, '.4byte': 4, '.dword': 8, '.quad': 8, '.8byte': 8,
};
const IGNORED = new Set(['.globl', '.global', '.local', '.type', '.size', '.file', '.ident', '.attribute', '.weak', '.hidden', '.cfi_startproc', '.cfi_endproc', '.end']);

interface Section {
  name: string;
  bytes: number[];
  align: number;
}

interface PassResult {
  symbols: Map<string, bigint>;
  numeric: Map<string, { stmt: number; value: bigint }[]>;
  sections: Section[];
  bases: Map<string, bigint>;
  unresolved: boolean;
  pcrelHi: Map<bigint, bigint>;
}

/**
 * Assemble GNU-style RISC-V assembly into a flat image starting at `base`: .text first, then
 * the other sections in order of appearance, each aligned to its largest alignment.
 */
export function assemble(source: string, options: AssembleOptions = {}): AssembleResult {
  const base = options.base ?? 0n;
  const lines = parse(source);
  let prev: PassResult | undefined;
  for (let pass = 0; pass < 12; pass++) {
    const final = pass > 0 && prev !== undefined && !prev.unresolved;
    const cur = runPass(lines, base, prev, false);
    if (prev && sameLayout(prev, cur) && !cur.unresolved) {
      const done = runPass(lines, base, cur, true);
      return finish(done);
    }
    if (final && cur.unresolved) break;
    prev = cur;
  }
  // Report the first undefined symbol.
  runPass(lines, base, prev, true);
  throw new AsmError(0, 'assembly did not converge');
}

function sameLayout(a: PassResult, b: PassResult): boolean {
  if (a.symbols.size !== b.symbols.size) return false;
  for (const [k, v] of a.symbols) if (b.symbols.get(k) !== v) return false;
  for (const [k, list] of a.numeric) {
    const other = b.numeric.get(k) ?? [];
    if (other.length !== list.length || list.some((d, i) => d.value !== other[i].value)) return false;
  }
  return a.sections.every((s, i) => b.sections[i]?.bytes.length === s.bytes.length);
}

function finish(r: PassResult): AssembleResult {
  const size = r.sections.reduce((end, s) => Math.max(end, Number((r.bases.get(s.name) ?? 0n) - (r.bases.get('.text') ?? 0n)) + s.bytes.length), 0);
  const bytes = new Uint8Array(size);
  const start = r.bases.get(r.sections[0]?.name ?? '.text') ?? 0n;
  for (const s of r.sections) bytes.set(s.bytes, Number((r.bases.get(s.name) ?? 0n) - start));
  return { bytes, symbols: r.symbols };
}

function runPass(lines: Line[], base: bigint, prev: PassResult | undefined, strict: boolean): PassResult {
  const sections: Section[] = [];
  const byName = new Map<string, Section>();
  const select = (name: string): Section => {
    let s = byName.get(name);
    if (!s) {
      s = { name, bytes: [], align: name.startsWith('.text') ? 4 : 8 };
      byName.set(name, s);
      sections.push(s);
    }
    return s;
  };
  select('.text');
  // Section bases come from the previous pass's sizes.
  const bases = new Map<string, bigint>();
  {
    let at = base;
    for (const s of prev?.sections ?? [{ name: '.text', bytes: [], align: 4 }]) {
      const a = BigInt(s.align);
      at = ((at + a - 1n) / a) * a;
      bases.set(s.name, at);
      at += BigInt(s.bytes.length);
    }
  }
  const baseOf = (name: string): bigint => bases.get(name) ?? prev?.bases.get(name) ?? base;
  let sec = select('.text');
  const symbols = new Map<string, bigint>();
  const numeric = new Map<string, { stmt: number; value: bigint }[]>();
  const pcrelHi = new Map<bigint, bigint>();
  let unresolved = false;
  let rvc = false;
  const rvcStack: boolean[] = [];
  const dot = (): bigint => baseOf(sec.name) + BigInt(sec.bytes.length);

  lines.forEach((line, stmt) => {
    const fail = (msg: string): never => {
      throw new AsmError(line.no, msg);
    };
    const lookupSym = (name: string): bigint | undefined => {
      const local = /^(\d+)([fb])$/.exec(name);
      if (local) {
        const defsNow = numeric.get(local[1]) ?? [];
        if (local[2] === 'b') return [...defsNow].reverse().find((d) => d.stmt <= stmt)?.value;
        const later = (prev?.numeric.get(local[1]) ?? []).find((d) => d.stmt > stmt);
        return later?.value;
      }
      return symbols.get(name) ?? prev?.symbols.get(name);
    };
    const value = (expr: string): bigint => {
      try {
        const r = evaluate(expr, {
          lookup: lookupSym,
          dot: dot(),
          pcrelLo: (at) => {
            const hi = pcrelHi.get(at) ?? prev?.pcrelHi.get(at);
            return hi === undefined ? undefined : BigInt.asIntN(12, hi);
          },
        });
        if (!r.known) {
          if (strict) {
            const names = expr.match(/[A-Za-z_.$][A-Za-z0-9_.$]*|\d+[fb]\b/g) ?? [expr];
            const missing = names.find((n) => !n.startsWith('%') && n !== '.' && lookupSym(n) === undefined && !/^(hi|lo|pcrel_hi|pcrel_lo)$/.test(n));
            fail(`undefined symbol '${missing ?? expr}'`);
          }
          unresolved = true;
        }
        return r.value;
      } catch (e) {
        if (e instanceof ExprError) return fail(e.message);
        throw e;
      }
    };
    for (const l of line.labels) {
      if (/^\d+$/.test(l)) {
        const list = numeric.get(l) ?? [];
        list.push({ stmt, value: dot() });
        numeric.set(l, list);
      } else {
        if (symbols.has(l)) fail(`symbol '${l}' is already defined`);
        symbols.set(l, dot());
      }
    }
    const op = line.op.toLowerCase();
    if (op === '') return;
    const emit = (v: bigint, size: number): void => {
      for (let i = 0; i < size; i++) sec.bytes.push(Number((v >> BigInt(8 * i)) & 0xffn));
    };
    const alignTo = (n: number, fill?: number): void => {
      if (!Number.isInteger(n) || n < 1 || (n & (n - 1)) !== 0) fail(`alignment ${n} is not a power of two`);
      sec.align = Math.max(sec.align, n);
      const isText = sec.name.startsWith('.text');
      while (Number(dot()) % n !== 0) {
        const left = n - (Number(dot()) % n);
        if (fill === undefined && isText && left >= 4 && Number(dot()) % 4 === 0) emit(0x13n, 4);
        else if (fill === undefined && isText && left >= 2 && rvc && Number(dot()) % 2 === 0) emit(0x1n, 2);
        else emit(BigInt(fill ?? 0), 1);
      }
    };
    if (op.startsWith('.')) {
      const a = line.args;
      switch (op) {
        case '.text':
        case '.data':
        case '.rodata':
        case '.bss':
          sec = select(op);
          return;
        case '.section':
          sec = select((a[0] ?? '.text').replace(/"/g, ''));
          return;
        case '.align':
        case '.p2align':
          alignTo(2 ** Number(value(a[0] ?? '0')), a[1] === undefined || a[1] === '' ? undefined : Number(value(a[1])));
          return;
        case '.balign':
          alignTo(Number(value(a[0] ?? '1')), a[1] === undefined || a[1] === '' ? undefined : Number(value(a[1])));
          return;
        case '.ascii':
        case '.asciz':
        case '.string':
          for (const s of a) {
            for (const b of stringBytes(s, line.no)) sec.bytes.push(b);
            if (op !== '.ascii') sec.bytes.push(0);
          }
          return;
        case '.zero':
        case '.space':
        case '.skip': {
          const n = Number(value(a[0] ?? '0'));
          if (n < 0) fail(`negative size ${n}`);
          const fill = a[1] === undefined ? 0n : value(a[1]);
          for (let i = 0; i < n; i++) emit(fill, 1);
          return;
        }
        case '.equ':
        case '.set':
          if (a.length !== 2) fail(`${op} takes a name and a value`);
          symbols.set(a[0], value(a[1]));
          return;
        case '.option':
          switch ((a[0] ?? '').toLowerCase()) {
            case 'rvc': rvc = true; break;
            case 'norvc': rvc = false; break;
            case 'push': rvcStack.push(rvc); break;
            case 'pop': rvc = rvcStack.pop() ?? rvc; break;
            default: break;
          }
          return;
        default:
          if (op in DATA_SIZES) {
            for (const x of a) emit(value(x), DATA_SIZES[op]);
            return;
          }
          if (IGNORED.has(op) || op.startsWith('.cfi_')) return;
          fail(`unknown directive ${line.op}`);
      }
    }
    // Instructions: alignment of code is 2 (RVC) or 4.
    const emitInsn = (mnemonic: string, args: string[], depth = 0): void => {
      if (depth > 8) fail(`pseudo-instruction ${mnemonic} expands recursively`);
      const m = mnemonic.toLowerCase();
      if (m === 'li') {
        if (args.length !== 2) fail('li takes a register and a constant');
        const v = value(args[1]);
        for (const [mm, aa] of loadConstant(args[0], v)) emitInsn(mm, aa, depth + 1);
        return;
      }
      const real = lookup(m, args);
      const arity = real ? real.e.operands.filter((k) => k !== 'rm').length : -1;
      const jalrReg = m === 'jalr' && args.length === 2 && isRegLike(args[1]);
      const pseudo = !real || (args.length !== arity && !(real.e.mnemonic === 'fence' && args.length === 0)) || jalrReg ? expandPseudo(m, args) : undefined;
      if (pseudo) {
        for (const [mm, aa] of pseudo) emitInsn(mm, aa, depth + 1);
        return;
      }
      const found = lookup(m, args);
      if (!found) fail(`unknown instruction '${mnemonic}'${args.length ? ` with ${args.length} operand(s)` : ''}`);
      const { e, aq, rl } = found!;
      let word: number;
      try {
        word = encode(e, aq, rl, args, { pc: dot(), value });
      } catch (err) {
        if (err instanceof EncodeError) {
          if (!strict && unresolved) word = e.match;
          else return fail(err.message);
        } else throw err;
      }
      if (e.length === 2) {
        emit(BigInt(word), 2);
        return;
      }
      if (e.mnemonic === 'auipc') {
        const hi = /%pcrel_hi\s*\((.*)\)\s*$/.exec(args[1] ?? '');
        if (hi) pcrelHi.set(dot(), value(hi[1]) - dot());
      }
      // Compress only literal-operand instructions (symbolic ones keep their size across passes).
      const literal = args.every(isLiteral);
      let c = rvc && literal && !['jal', 'beq', 'bne'].includes(e.mnemonic) ? compress(word) : undefined;
      // Commutative ops compress with their sources swapped too (`add a4, t5, a4` -> c.add a4, t5).
      if (rvc && c === undefined && ['add', 'and', 'or', 'xor', 'addw'].includes(e.mnemonic)) {
        const swapped = ((word & ~(0x1f << 15) & ~(0x1f << 20)) | (((word >>> 20) & 31) << 15) | (((word >>> 15) & 31) << 20)) >>> 0;
        c = compress(swapped);
      }
      // GNU as turns `addi rd, rs, 0` (mv) into c.mv rd, rs (= add rd, x0, rs) when both are nonzero.
      if (rvc && c === undefined && e.mnemonic === 'addi' && (word >>> 20) === 0 && ((word >>> 7) & 31) !== 0 && ((word >>> 15) & 31) !== 0) {
        c = compress((((word >>> 15) & 31) << 20 | ((word >>> 7) & 31) << 7 | 0x33) >>> 0);
      }
      if (c !== undefined) emit(BigInt(c), 2);
      else emit(BigInt(word), 4);
    };
    emitInsn(line.op, line.args);
  });
  return { symbols, numeric, sections, bases: new Map([...sections].map((s) => [s.name, baseOf(s.name)])), unresolved, pcrelHi };
}
