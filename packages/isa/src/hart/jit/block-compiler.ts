/**
 * The block compiler: a run of guest instructions in one physical page becomes one JavaScript
 * function (built with `new Function`), which V8 then compiles to machine code. Why JavaScript and
 * not WebAssembly is measured in docs/translator.md.
 *
 * What a block may contain: RV64I and M integer instructions (and their RVC forms, expanded by the
 * same table the interpreter uses), loads and stores, FENCE. A block ends after its first branch
 * or jump, before any other instruction (SYSTEM, CSR, AMO, F/D, FENCE.I, reserved encodings) —
 * the interpreter executes those, so each keeps a single implementation — and at the end of the
 * page, so a block never depends on more than one page of code (page-granular invalidation).
 *
 * Exactness: only a load or store can trap, and only inside the hart's own page lookup (the one
 * the interpreter uses), called with the state already precise: registers written back, pc at the
 * instruction, the count so far in `blockRetired`; the fault unwinds to the dispatcher, which
 * takes it as the interpreter would. MMIO, page-crossing accesses and stores into code pages
 * leave the block before the instruction and the interpreter executes it. Interrupts: `attention` only changes through CSR writes, MMIO, the board between
 * rounds or an exit request — none of which can happen inside a block — so a block of n
 * instructions is equivalent to n interpreter steps with no interrupt check succeeding in between.
 *
 * The generated code does not depend on the translation regime (privilege, V, satp, MPRV, PMP):
 * pc-relative values are computed from the virtual pc passed in at entry, and every data access
 * goes through the hart's page caches, which hold translations of the current regime only
 * (the hart clears them before an instruction runs under another one). So a
 * block is keyed by physical address only and is shared by every virtual mapping of its page.
 */
import {
  OP_AUIPC, OP_BRANCH, OP_IMM, OP_IMM_32, OP_JAL, OP_JALR, OP_LOAD, OP_LUI, OP_MISC_MEM, OP_OP, OP_OP_32, OP_STORE,
} from '../formats.js';
import { toBig } from '../int64.js';
import { mulDiv32, mulDiv64 } from '../muldiv.js';
import type { PageCache } from '../page-cache.js';
import { forEachBlockInstruction } from './block-scan.js';
import type { BlockStep } from './block-scan.js';

/** The hart state a block reads and writes (fields of Hart, named here so the generated code can use them). */
export interface BlockHart {
  readonly xw: Int32Array;
  pcLo: number;
  pcHi: number;
  ldHi: number;
  ldLo: number;
  ldOff: number;
  ldView: DataView;
  ldBytes: Uint8Array;
  stHi: number;
  stLo: number;
  stOff: number;
  stView: DataView;
  stBytes: Uint8Array;
  readonly loadPages: PageCache;
  readonly storePages: PageCache;
  /** Instructions the running block retired before the access now in a helper (read if it faults). */
  blockRetired: number;
  /**
   * Offset of the page in its RAM chunk for a load/store that missed both page caches, through
   * the MMU, with the chunk's views in ld/stView and ld/stBytes; or (wasm/layout.ts) MISS_FAULT: the access faulted
   * (the WebAssembly back end: the trap is pending, the hart takes it); or MISS_SLOW: not cacheable
   * RAM (MMIO, non-uniform PMP, a load from an uncommitted chunk) or, for a store, a page with
   * translated code — the hart's own load and store paths do those (the interpreter, or `exec`).
   */
  jitLoadPage(lo: number, hi: number, width: number): number;
  jitStorePage(lo: number, hi: number, width: number): number;
}

/**
 * Runs the block from virtual pc (pl, ph); returns the number of instructions retired and leaves
 * the next pc in h.pcLo/h.pcHi. `budget` (≥ the block's length) bounds a block that loops on itself.
 */
export type BlockFn = (h: BlockHart, pl: number, ph: number, budget: number) => number;

export interface CompiledBlock {
  /** The JavaScript back end's function (undefined for a WebAssembly block). */
  readonly run: BlockFn | undefined;
  /**
   * The WebAssembly back end's table index (jit/wasm/wasm-runtime.ts); -1 for a JavaScript block;
   * WASM_PENDING while it waits for its batch to be compiled (translation-cache.ts).
   */
  wasm: number;
  /** Most instructions one pass retires (the dispatcher enters only with at least this much budget). */
  readonly length: number;
  /** Bytes of guest code covered, from the entry. */
  readonly bytes: number;
  /** Size of the generated source, for the cache's memory bound. */
  readonly sourceChars: number;
  /** The block ended at a branch or jump: its successor is a block head worth looking up. */
  readonly endsInJump: boolean;
}

const SCRATCH = new Int32Array(2);

/** M extension on halves: MUL inline-exact with 16-bit partial products, the rest through the interpreter's own code. */
function mulDivHalves(f3: number, aL: number, aH: number, bL: number, bH: number): void {
  if (f3 === 0) {
    // Low 64 bits of the product: aL*bL in full, plus the cross terms' low words shifted up 32.
    const a0 = aL & 0xffff, a1 = aL >>> 16, b0 = bL & 0xffff, b1 = bL >>> 16;
    const mid = a0 * b1 + a1 * b0;
    const low = a0 * b0 + (mid % 65536) * 65536;
    const carry = Math.floor(low / 4294967296);
    const hi = a1 * b1 + Math.floor(mid / 65536) + carry;
    SCRATCH[0] = low >>> 0;
    SCRATCH[1] = (hi + Math.imul(aL, bH) + Math.imul(aH, bL)) | 0;
    return;
  }
  if (f3 >= 4 && (bL | bH) !== 0) {
    // Division of operands that fit 32 bits (the common case) in doubles, exactly: both below
    // 2^31 in magnitude, so the rounded quotient truncates to the true one; % is C's remainder,
    // as RISC-V's (unpriv spec 7.2). Zero divisors and wider operands take the BigInt path.
    if (f3 & 1 ? aH === 0 && bH === 0 : aH === aL >> 31 && bH === bL >> 31) {
      const a = f3 & 1 ? aL >>> 0 : aL;
      const b = f3 & 1 ? bL >>> 0 : bL;
      const r = f3 < 6 ? Math.trunc(a / b) : a % b;
      SCRATCH[0] = r | 0;
      SCRATCH[1] = r < 0 ? -1 : 0;
      return;
    }
  }
  const r = mulDiv64(f3, toBig(aL, aH), toBig(bL, bH));
  SCRATCH[0] = Number(r & 0xffff_ffffn) | 0;
  SCRATCH[1] = Number(r >> 32n) | 0;
}

/** pc = (pl, ph) + c (c a signed int32 offset from the block's entry). */
function setPc(h: BlockHart, pl: number, ph: number, c: number): void {
  const lo = (pl >>> 0) + (c >>> 0);
  h.pcLo = lo | 0;
  h.pcHi = (ph + (c >> 31) + (lo > 0xffff_ffff ? 1 : 0)) | 0;
}

type Kind = BlockStep;

/**
 * Compile the block whose first instruction is at RAM byte offset `off`, or return undefined when
 * its first instruction is not one a block may hold.
 */
export function compileBlock(view: DataView, cexp: Int32Array, off: number): CompiledBlock | undefined {
  const used = new Set<number>();
  const written = new Set<number>();
  const body: string[] = [];
  // Registers as JS locals: l<r>/h<r> hold the halves; x0 reads as 0 and writes to it are dropped.
  const L = (r: number): string => {
    if (r === 0) return '0';
    used.add(r);
    return `l${r}`;
  };
  const H = (r: number): string => {
    if (r === 0) return '0';
    used.add(r);
    return `h${r}`;
  };
  const W = (r: number): void => {
    used.add(r);
    written.add(r);
  };
  const exitAt = (i: number, at: number): string => `{ WB setPc(h, pl, ph, ${at}); return k + ${i}; }`;

  const { count: n, bytes: d, endsInJump } = forEachBlockInstruction(view, cexp, off, emit);
  if (n === 0) return undefined;
  if (!endsInJump) body.push(`${exitAt(n, d)}`);

  const regs = [...used].sort((a, b) => a - b);
  const decl = regs.map((r) => `l${r} = xw[${2 * r}], h${r} = xw[${2 * r + 1}]`).join(', ');
  const wb = [...written].sort((a, b) => a - b).map((r) => `xw[${2 * r}] = l${r}; xw[${2 * r + 1}] = h${r};`).join(' ');
  const src =
    `"use strict";\nreturn function block(h, pl, ph, budget) {\n` +
    `const xw = h.xw;\nlet t = 0, u = 0, o = 0, po = 0, al = 0, ah = 0, k = 0${decl === '' ? '' : ', ' + decl};\n` +
    `for (;;) {\n${body.join('\n').replaceAll('WB ', wb + ' ')}\n}\n};`;
  // The translator's whole point: guest code becomes host code, compiled by V8.
  const factory = new Function('setPc', 'mulDiv', 'mulDiv32', 'S', src) as (
    sp: typeof setPc, md: typeof mulDivHalves, m32: typeof mulDiv32, s: Int32Array,
  ) => BlockFn;
  return { run: factory(setPc, mulDivHalves, mulDiv32, SCRATCH), wasm: -1, length: n, bytes: d, sourceChars: src.length, endsInJump };

  /** Emit instruction `i` (at byte offset `at` from the entry); say whether the block goes on. */
  function emit(insn: number, at: number, len: number, i: number): Kind {
    const rd = (insn >> 7) & 31;
    const rs1 = (insn >> 15) & 31;
    const rs2 = (insn >> 20) & 31;
    const f3 = (insn >> 12) & 7;
    const f7 = insn >>> 25;
    /** rd = (loExpr, hiExpr) computed from temporaries already set (so rd may alias a source). */
    const set = (lo: string, hi: string): string => {
      if (rd === 0) return '';
      W(rd);
      return `u = ${hi}; l${rd} = ${lo}; h${rd} = u;`;
    };
    // 64-bit add/sub in int32 arithmetic (V8 keeps it in integer registers; a carry test on the
    // double sum would not): carry out of the low word iff the unsigned sum wrapped.
    const add = (aL: string, aH: string, bL: string, bH: string): string =>
      rd === 0 ? '' : `t = (${aL} + ${bL}) | 0; ${set('t', `(${aH} + ${bH} + ((t >>> 0) < (${aL} >>> 0) ? 1 : 0)) | 0`)}`;
    const sub = (aL: string, aH: string, bL: string, bH: string): string =>
      rd === 0 ? '' : `t = (${aL} - ${bL}) | 0; ${set('t', `(${aH} - ${bH} - ((${aL} >>> 0) < (${bL} >>> 0) ? 1 : 0)) | 0`)}`;
    const lt = (aL: string, aH: string, bL: string, bH: string): string =>
      `(${aH} < ${bH} || (${aH} === ${bH} && (${aL} >>> 0) < (${bL} >>> 0)))`;
    const ltu = (aL: string, aH: string, bL: string, bH: string): string =>
      `((${aH} >>> 0) < (${bH} >>> 0) || (${aH} === ${bH} && (${aL} >>> 0) < (${bL} >>> 0)))`;
    /** 64-bit shift by a constant 0..63 (kind 0 sll, 1 srl, 2 sra). */
    const shiftConst = (kind: number, aL: string, aH: string, sh: number): string => {
      if (rd === 0) return '';
      if (sh === 0) return set(`${aL}`, `${aH}`);
      if (kind === 0) {
        return sh < 32 ? set(`${aL} << ${sh}`, `(${aH} << ${sh}) | (${aL} >>> ${32 - sh})`) : set('0', `${aL} << ${sh - 32}`);
      }
      if (kind === 1) {
        return sh < 32
          ? set(`(${aL} >>> ${sh}) | (${aH} << ${32 - sh})`, `(${aH} >>> ${sh}) | 0`)
          : set(`(${aH} >>> ${sh - 32}) | 0`, '0');
      }
      return sh < 32 ? set(`(${aL} >>> ${sh}) | (${aH} << ${32 - sh})`, `${aH} >> ${sh}`) : set(`${aH} >> ${sh - 32}`, `${aH} >> 31`);
    };
    /** 64-bit shift by a register (low 6 bits): a small branch over the three cases. */
    const shiftVar = (kind: number, aL: string, aH: string, b: string): string => {
      if (rd === 0) return '';
      W(rd);
      const D = `l${rd}`, DH = `h${rd}`;
      const small = ['(al << o)', '((al >>> o) | (ah << (32 - o)))', '((al >>> o) | (ah << (32 - o)))'][kind]!;
      const smallH = ['((ah << o) | (al >>> (32 - o)))', '((ah >>> o) | 0)', '(ah >> o)'][kind]!;
      const bigL = ['0', '((ah >>> (o - 32)) | 0)', '(ah >> (o - 32))'][kind]!;
      const bigH = ['(al << (o - 32))', '0', '(ah >> 31)'][kind]!;
      return `al = ${aL}; ah = ${aH}; o = ${b} & 63; ` +
        `if (o === 0) { ${D} = al; ${DH} = ah; } else if (o < 32) { ${D} = ${small}; ${DH} = ${smallH}; } ` +
        `else { ${D} = ${bigL}; ${DH} = ${bigH}; }`;
    };
    const w32 = (expr: string): string => (rd === 0 ? '' : `t = ${expr}; ${set('t', 't >> 31')}`);
    /** The data address rs1 + imm into (al, ah) and its page offset into po. */
    const address = (imm: number): string =>
      imm === 0
        ? `al = ${L(rs1)}; ah = ${H(rs1)}; po = al & 4095;`
        : `al = (${L(rs1)} + ${imm}) | 0; ah = (${H(rs1)} + ${imm >> 31} + ((al >>> 0) < (${L(rs1)} >>> 0) ? 1 : 0)) | 0; po = al & 4095;`;
    /**
     * o = offset of the access in its RAM chunk (h.ldView / h.stView): the hart's single-entry page cache inline; else, with the
     * state made precise (registers written back, pc = this instruction, count so far), the
     * hart's page lookup, which may fault (unwinding to the dispatcher) or answer a negative MISS_*
     * code (leave the block before this instruction; the interpreter performs it). A page-crossing access leaves too.
     */
    const page = (kind: 'ld' | 'st', width: number): string => {
      const helper = kind === 'ld' ? 'jitLoadPage' : 'jitStorePage';
      return `if (po <= 4088 && ah === h.${kind}Hi && (al & -4096) === h.${kind}Lo) o = h.${kind}Off + po; ` +
        `else { WB setPc(h, pl, ph, ${at}); h.blockRetired = k + ${i}; ` +
        `o = po <= 4088 ? h.${helper}(al, ah, ${width}) : -1; if (o < 0) return k + ${i}; o += po; }`;
    };
    const push = (s: string): Kind => {
      body.push(s);
      return 'next';
    };
    const imm12 = insn >> 20;

    switch (insn & 0x7f) {
      case OP_IMM: {
        const a = L(rs1), ah = H(rs1), iL = String(imm12), iH = String(imm12 >> 31);
        switch (f3) {
          case 0: return push(add(a, ah, iL, iH));
          case 1: return insn >>> 26 !== 0 ? 'stop' : push(shiftConst(0, a, ah, imm12 & 63));
          case 2: return push(set(`${lt(a, ah, iL, iH)} ? 1 : 0`, '0'));
          case 3: return push(set(`${ltu(a, ah, iL, iH)} ? 1 : 0`, '0'));
          case 4: return push(set(`${a} ^ ${iL}`, `${ah} ^ ${iH}`));
          case 5: {
            const top = insn >>> 26;
            if (top === 0) return push(shiftConst(1, a, ah, imm12 & 63));
            if (top === 0x10) return push(shiftConst(2, a, ah, imm12 & 63));
            return 'stop';
          }
          case 6: return push(set(`${a} | ${iL}`, `${ah} | ${iH}`));
          default: return push(set(`${a} & ${iL}`, `${ah} & ${iH}`));
        }
      }
      case OP_OP: {
        const a = L(rs1), ah = H(rs1), b = L(rs2), bh = H(rs2);
        if (f7 === 0) {
          switch (f3) {
            case 0: return push(add(a, ah, b, bh));
            case 1: return push(shiftVar(0, a, ah, b));
            case 2: return push(set(`${lt(a, ah, b, bh)} ? 1 : 0`, '0'));
            case 3: return push(set(`${ltu(a, ah, b, bh)} ? 1 : 0`, '0'));
            case 4: return push(set(`${a} ^ ${b}`, `${ah} ^ ${bh}`));
            case 5: return push(shiftVar(1, a, ah, b));
            case 6: return push(set(`${a} | ${b}`, `${ah} | ${bh}`));
            default: return push(set(`${a} & ${b}`, `${ah} & ${bh}`));
          }
        }
        if (f7 === 0x20 && f3 === 0) return push(sub(a, ah, b, bh));
        if (f7 === 0x20 && f3 === 5) return push(shiftVar(2, a, ah, b));
        if (f7 === 1) return push(rd === 0 ? '' : `mulDiv(${f3}, ${a}, ${ah}, ${b}, ${bh}); ${set('S[0]', 'S[1]')}`);
        return 'stop';
      }
      case OP_LUI:
        return push(set(String(insn & 0xffff_f000), String(insn >> 31)));
      case OP_AUIPC: {
        const c = at + (insn & 0xffff_f000); // exact in a double; as 64-bit: low word c mod 2^32, high word its sign
        return push(add('pl', 'ph', String(c >>> 0), String(c < 0 ? -1 : 0)));
      }
      case OP_IMM_32: {
        const a = L(rs1);
        if (f3 === 0) return push(w32(`(${a} + ${imm12}) | 0`));
        if (f3 === 1 && f7 === 0) return push(w32(`${a} << ${rs2}`));
        if (f3 === 5 && f7 === 0) return push(w32(`(${a} >>> ${rs2}) | 0`));
        if (f3 === 5 && f7 === 0x20) return push(w32(`${a} >> ${rs2}`));
        return 'stop';
      }
      case OP_OP_32: {
        const a = L(rs1), b = L(rs2);
        if (f7 === 0) {
          if (f3 === 0) return push(w32(`(${a} + ${b}) | 0`));
          if (f3 === 1) return push(w32(`${a} << (${b} & 31)`));
          if (f3 === 5) return push(w32(`(${a} >>> (${b} & 31)) | 0`));
        } else if (f7 === 0x20) {
          if (f3 === 0) return push(w32(`(${a} - ${b}) | 0`));
          if (f3 === 5) return push(w32(`${a} >> (${b} & 31)`));
        } else if (f7 === 1 && f3 !== 1 && f3 !== 2 && f3 !== 3) {
          return push(w32(`mulDiv32(${f3}, ${a}, ${b})`));
        }
        return 'stop';
      }
      case OP_LOAD: {
        if (f3 === 7) return 'stop';
        const read = [
          ['(h.ldBytes[o] << 24) >> 24', 't >> 31'],
          ['h.ldView.getInt16(o, true)', 't >> 31'],
          ['h.ldView.getInt32(o, true)', 't >> 31'],
          ['h.ldView.getInt32(o, true)', 'h.ldView.getInt32(o + 4, true)'],
          ['h.ldBytes[o]', '0'],
          ['h.ldView.getUint16(o, true)', '0'],
          ['h.ldView.getInt32(o, true)', '0'],
        ][f3]!;
        // The access happens even for rd = x0 (it may miss and leave the block, like any load).
        const value = rd === 0 ? '' : `t = ${read[0]!}; ${set('t', read[1]!)}`;
        return push(`${address(imm12)} ${page('ld', 1 << (f3 & 3))} ${value}`);
      }
      case OP_STORE: {
        if (f3 > 3) return 'stop';
        const imm = ((insn >> 20) & ~0x1f) | ((insn >> 7) & 0x1f);
        const v = L(rs2), vh = H(rs2);
        const write = [
          `h.stBytes[o] = ${v};`,
          `h.stView.setInt16(o, ${v}, true);`,
          `h.stView.setInt32(o, ${v}, true);`,
          `h.stView.setInt32(o, ${v}, true); h.stView.setInt32(o + 4, ${vh}, true);`,
        ][f3]!;
        return push(`${address(imm)} ${page('st', 1 << f3)} ${write}`);
      }
      case OP_MISC_MEM:
        // FENCE orders nothing on one in-order hart; FENCE.I (and reserved funct3) go to the interpreter.
        return f3 === 0 ? push('') : 'stop';
      case OP_JAL: {
        const imm = ((insn >> 11) & 0xfff0_0000) | (insn & 0x000f_f000) | ((insn >> 9) & 0x800) | ((insn >> 20) & 0x7fe);
        const link = add('pl', 'ph', String((at + len) >>> 0), '0');
        body.push(`${link} ${jumpTo(at + imm, 'true', at + len, i + 1)}`);
        return 'end';
      }
      case OP_JALR: {
        if (f3 !== 0) return 'stop';
        // Target first: rd may be rs1 (unpriv spec 2.5: the target uses the old rs1).
        const target =
          `t = (${L(rs1)} >>> 0) + ${imm12 >>> 0}; al = (t | 0) & -2; ah = (${H(rs1)} + ${imm12 >> 31} + (t > 4294967295 ? 1 : 0)) | 0;`;
        const link = add('pl', 'ph', String((at + len) >>> 0), '0');
        body.push(`${target} ${link} WB h.pcLo = al; h.pcHi = ah; return k + ${i + 1};`);
        return 'end';
      }
      case OP_BRANCH: {
        const a = L(rs1), ah = H(rs1), b = L(rs2), bh = H(rs2);
        let cond: string;
        switch (f3) {
          case 0: cond = `(${a} === ${b} && ${ah} === ${bh})`; break;
          case 1: cond = `(${a} !== ${b} || ${ah} !== ${bh})`; break;
          case 4: cond = lt(a, ah, b, bh); break;
          case 5: cond = `!${lt(a, ah, b, bh)}`; break;
          case 6: cond = ltu(a, ah, b, bh); break;
          case 7: cond = `!${ltu(a, ah, b, bh)}`; break;
          default: return 'stop';
        }
        const imm = ((insn >> 19) & 0xffff_f000) | ((insn << 4) & 0x800) | ((insn >> 20) & 0x7e0) | ((insn >> 7) & 0x1e);
        body.push(jumpTo(at + imm, cond, at + len, i + 1));
        return 'end';
      }
      default:
        return 'stop';
    }
  }

  /**
   * The block's exit: to `target` when `cond`, else to `fall`. A jump back to the entry loops
   * inside the function while the budget lasts (the interpreter would re-run the same
   * instructions with nothing able to become pending in between).
   */
  function jumpTo(target: number, cond: string, fall: number, count: number): string {
    if (target === 0) {
      return `if (${cond}) { k += ${count}; if (k + ${count} > budget) { WB setPc(h, pl, ph, 0); return k; } continue; } ` +
        `WB setPc(h, pl, ph, ${fall}); return k + ${count};`;
    }
    if (cond === 'true') return `WB setPc(h, pl, ph, ${target}); return k + ${count};`;
    return `WB setPc(h, pl, ph, ${cond} ? ${target} : ${fall}); return k + ${count};`;
  }
}
