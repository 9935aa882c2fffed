/**
 * The block compiler's WebAssembly back end: the same blocks as block-compiler.ts (what a block may
 * hold, where it ends, how it stays exact: see there), compiled to a WebAssembly function with
 * the guest registers as i64 locals — no int32 halves, no carry arithmetic — that reads guest RAM
 * and the hart's page caches straight from the arena (layout.ts). Measured in docs/translator.md.
 *
 * A block is `(st: i32, budget: i32, base: i32) → i32`: `st` is the hart's slot, the pc is read
 * from it at entry and written at every exit; `base` is what the blocks before it in a chain
 * retired, the result `base` plus its own instructions, and `budget` the dispatcher's budget for
 * the whole chain. A block whose exit goes to a known address in its own page — a branch, a jump,
 * falling through — continues straight into the block there when the jump cache has it and the
 * budget covers it (a tail call: `return_call_indirect`), the check the dispatcher would make,
 * so a chain retires and stops exactly where the dispatcher would (QEMU's direct block chaining,
 * without patching: the jump cache entry is read each time). Loads and stores look
 * up the hart's own 256-entry page cache inline; on a miss they call the runtime's `ldmiss`/`stmiss`
 * through the table (installBlockHelpers): the interpreter's page lookup, which may raise the
 * access's fault (registers are written back and the pc and count so far stored first, so the
 * fault is precise) — or leave the block before
 * the instruction when the answer is -1 (MMIO, a page crossing, a store into a code page).
 */
import {
  OP_AMO, OP_AUIPC, OP_BRANCH, OP_FP, OP_IMM, OP_IMM_32, OP_JAL, OP_JALR, OP_LOAD, OP_LOAD_FP, OP_LUI, OP_MADD, OP_MISC_MEM,
  OP_MSUB, OP_NMADD, OP_NMSUB, OP_OP, OP_OP_32, OP_STORE, OP_STORE_FP, OP_SYSTEM,
} from '../../formats.js';
import { forEachBlockInstruction } from '../block-scan.js';
import { type WasmMemory, type WasmTable, wasmApi } from '@vm/mmu';
import { Code, encodeModule, F64, I32, I64, Op } from './encoder.js';
import {
  JC_ENTRIES, jcKey, PAGE_CACHE_ENTRIES, PC_MEM, PC_TAG_HI, PC_TAG_LO, ST_CTAG, ST_F, ST_FFLAGS, ST_FP_INLINE, ST_FRM, ST_LOAD, ST_PC, ST_STORE, ST_X,
} from './layout.js';

/** A compiled block: its function (encoded into a module with others by encodeBlocks) and shape. */
export interface WasmBlock {
  readonly code: Code;
  readonly length: number;
  readonly byteLength: number;
  readonly endsInJump: boolean;
}

/** Type indices of every block module (wasm-runtime.ts instantiates them with these imports). */
export const TYPE_BLOCK = 0; // (st, budget, base) → base + retired
export const TYPE_MISS = 1; // (st, lo, hi, width, retired) → arena offset or -1
export const TYPE_MULH = 2; // (a, b) → high 64 bits of the unsigned product
export const TYPE_EXEC = 3; // (st, insn, len, retired) → 0 go on, 1 yield, 2 trapped (WasmHart.jitExec); also expand's
export const BLOCK_SIGNATURE = { params: [I32, I32, I32], results: [I32] };
/** The types every block module declares, in this order (the interpreter's module starts with them too). */
export const BLOCK_TYPES = [
  BLOCK_SIGNATURE,
  { params: [I32, I32, I32, I32, I32], results: [I32] },
  { params: [I64, I64], results: [I64] },
  { params: [I32, I32, I32, I32], results: [I32] },
];
/**
 * Slots of the blocks' table that hold the helpers (blockHelpers): blocks reach them by
 * `call_indirect`, and the runtime puts blocks from HELPER_SLOTS on.
 */
export const SLOT_LDMISS = 0;
export const SLOT_STMISS = 1;
export const SLOT_EXEC = 2;
/**
 * (st, parcel, 0, 0) → the parcel's 32-bit expansion, filled into the expansion table, or 0 when
 * it is reserved: the interpreter meets a parcel not expanded yet without leaving (compressed.ts
 * expandParcel; 8,800 distinct parcels in a Linux boot, each a trip to JavaScript before).
 */
export const SLOT_EXPAND = 3;
export const HELPER_SLOTS = 4;
/** Each module's first function (block modules import no functions); its blocks follow. */
const FUNC_MULHU = 0;
/** WFI: it ends run() (EXIT_WFI), so the interpreter executes it. */
export const INSN_WFI = 0x1050_0073;

const MIN64 = -(2n ** 63n);

/**
 * Whether blocks may run this D-format OP-FP instruction inline (under a run-time condition that
 * fpOp emits): FADD, FSUB, FMUL, FDIV and FSQRT under RNE or DYN; the sign injections; the
 * comparisons; FCVT.W.D and FCVT.L.D with RTZ; FCVT.D.W and FCVT.D.L with a legal rm; FMV.X.D and
 * FMV.D.X. Everything else goes to the hart's FP unit.
 */
function fpInline(funct5: number, f3: number, rs2: number): boolean {
  switch (funct5) {
    case 0x00: case 0x01: case 0x02: case 0x03: return f3 === 0 || f3 === 7;
    case 0x0b: return (f3 === 0 || f3 === 7) && rs2 === 0;
    case 0x04: case 0x14: return f3 <= 2;
    case 0x18: return f3 === 1 && (rs2 === 0 || rs2 === 2);
    case 0x1a: return (rs2 === 0 || rs2 === 2) && f3 !== 5 && f3 !== 6;
    case 0x1c: case 0x1e: return f3 === 0 && rs2 === 0;
    case 0x08: return rs2 === 0 && f3 !== 5 && f3 !== 6; // FCVT.D.S
    default: return false;
  }
}

/**
 * The same for the S format: FADD, FSUB, FMUL, FDIV and FSQRT under RNE or DYN, FSGNJ*, the
 * comparisons, FCVT.S.D under RNE or DYN, FMV.X.W and FMV.W.X.
 */
function singleInline(funct5: number, f3: number, rs2: number): boolean {
  switch (funct5) {
    case 0x00: case 0x01: case 0x02: case 0x03: return f3 === 0 || f3 === 7;
    case 0x0b: return (f3 === 0 || f3 === 7) && rs2 === 0;
    case 0x04: case 0x14: return f3 <= 2;
    case 0x08: return (f3 === 0 || f3 === 7) && rs2 === 1;
    case 0x1c: case 0x1e: return f3 === 0 && rs2 === 0;
    default: return false;
  }
}

/**
 * Whether an OP-FP instruction writes integer register rd (unpriv spec 11.6-11.9, 12.x): the
 * comparisons (funct5 0x14), conversions to integer (0x18) and FMV.X / FCLASS (0x1c); every
 * other one writes an f register.
 */
function fpWritesX(insn: number): boolean {
  const funct5 = insn >>> 27;
  return funct5 === 0x14 || funct5 === 0x18 || funct5 === 0x1c;
}

type Kind = 'next' | 'end' | 'stop';

/** Where a block finds the blocks it may chain to (see the header). */
export interface ChainInfo {
  /** Arena address of the jump cache (layout.ts JC_*). */
  readonly jcBase: number;
  /** Store offset of the block's page: the jump-cache key of page offset po is jcKey(pageStore + po). */
  readonly pageStore: number;
}

/**
 * Compile the block at byte `off` of `view` (a RAM chunk), or undefined when its first instruction
 * cannot start one. Without `chain`, every exit returns to the dispatcher. `shared`: guest RAM is
 * shared with harts on other threads, so FENCE is a real fence.
 */
export function compileWasmBlock(view: DataView, cexp: Int32Array, off: number, chain?: ChainInfo, shared = false): WasmBlock | undefined {
  return new BlockEmitter(off & 0xfff, chain, shared).compile(view, cexp, off);
}

// The block function's parameters.
const ST = 0;
const BUDGET = 1;
const BASE = 2;
const DIV_OPS_64 = [Op.i64_div_s, Op.i64_div_u, Op.i64_rem_s, Op.i64_rem_u];
const DIV_OPS_32 = [Op.i32_div_s, Op.i32_div_u, Op.i32_rem_s, Op.i32_rem_u];
const LOAD_OPS = [Op.i64_load8_s, Op.i64_load16_s, Op.i64_load32_s, Op.i64_load, Op.i64_load8_u, Op.i64_load16_u, Op.i64_load32_u];
const STORE_OPS = [Op.i64_store8, Op.i64_store16, Op.i64_store32, Op.i64_store];
const BRANCH_OPS = [Op.i64_eq, Op.i64_ne, -1, -1, Op.i64_lt_s, Op.i64_ge_s, Op.i64_lt_u, Op.i64_ge_u];
/** jumpTo's `cond` for an unconditional jump. */
const ALWAYS = -1;

/**
 * One block's code generation, in one pass: every exit writes back the registers the block
 * writes, which are known only at its end, so exits leave a hole (Code.hole) that the write-back
 * fills once the whole block is emitted. (Methods, not closures: a closure per instruction cost
 * more than the code it generated.)
 */
class BlockEmitter {
  private readonly c = new Code(3);
  private readonly pc0: number;
  private readonly k: number;
  private readonly a: number; // data address
  private readonly al: number;
  private readonly e: number; // page-cache entry address
  private readonly o: number; // arena offset of the access
  private readonly ta: number;
  private readonly tb: number;
  private readonly r: number; // what jitExec returned
  /** Local of guest register r, or -1. */
  private readonly regs = new Int32Array(32).fill(-1);
  /** Bit r: the block writes register r. */
  private written = 0;
  // The current instruction's fields.
  private rd = 0;
  private rs1 = 0;
  private rs2 = 0;
  private f3 = 0;
  /** f64 scratch locals (fpLocals). */
  private readonly f64Locals: number[] = [];
  /** The RAM chunk and the entry's offset in it (compile()): exec() reads compressed parcels there. */
  private view: DataView | undefined;
  private off = 0;

  constructor(
    private readonly po0: number,
    private readonly chain: ChainInfo | undefined,
    private readonly shared: boolean,
  ) {
    const c = this.c;
    this.pc0 = c.local(I64);
    this.k = c.local(I32);
    this.a = c.local(I64);
    this.al = c.local(I32);
    this.e = c.local(I32);
    this.o = c.local(I32);
    this.ta = c.local(I64);
    this.tb = c.local(I64);
    this.r = c.local(I32);
  }

  compile(view: DataView, cexp: Int32Array, off: number): WasmBlock | undefined {
    const c = this.c;
    this.view = view;
    this.off = off;
    c.loop();
    let stopped = false;
    const scanned = forEachBlockInstruction(view, cexp, off, (insn, at, len, i) => {
      const step = this.emit(insn, at, len, i);
      if (step === 'stop') stopped = true;
      return step;
    });
    if (scanned.count === 0) return undefined;
    // Ended before an instruction left to the interpreter: no block starts there, so no chaining.
    if (!scanned.endsInJump) this.exit(scanned.bytes, scanned.count, stopped === false);
    c.end().op(Op.unreachable);

    // Prologue: the count so far, the pc and every register the block touches, from the slot;
    // and the write-back at every exit: the registers it writes, in order.
    const pro = new Code(0);
    pro.get(BASE).set(this.k);
    pro.get(ST).mem(Op.i64_load, ST_PC).set(this.pc0);
    const wb = new Code(0);
    for (let r = 1; r < 32; r++) {
      const l = this.regs[r]!;
      if (l < 0) continue;
      pro.get(ST).mem(Op.i64_load, ST_X + 8 * r).set(l);
      if (this.written & (1 << r)) wb.get(ST).get(l).mem(Op.i64_store, ST_X + 8 * r);
    }
    c.fill(pro.bytes.view(), wb.bytes.view());
    return { code: c, length: scanned.count, byteLength: scanned.bytes, endsInJump: scanned.endsInJump };
  }

  private reg(r: number): number {
    let l = this.regs[r]!;
    if (l < 0) {
      l = this.c.local(I64);
      this.regs[r] = l;
    }
    return l;
  }

  private get(r: number): void {
    if (r === 0) this.c.i64(0);
    else this.c.get(this.reg(r));
  }

  /** Pop the value on the stack into rd (dropped for x0). */
  private put(rd: number): void {
    if (rd === 0) {
      this.c.op(Op.drop);
      return;
    }
    this.written |= 1 << rd;
    this.c.set(this.reg(rd));
  }

  /** Every register the block writes, back to the slot (filled in at the end: compile()). */
  private writeBack(): void {
    this.c.hole();
  }

  /** Store pc = entry pc + `at`. */
  private setPc(at: number): void {
    const c = this.c;
    c.get(ST).get(this.pc0);
    if (at !== 0) c.i64(at).op(Op.i64_add);
    c.mem(Op.i64_store, ST_PC);
  }

  /**
   * With the pc stored: return k + count, or first go on into the block at `at` (bytes from the
   * entry) when it is in this page, in the jump cache, and the budget left covers it.
   */
  private leave(at: number, count: number): void {
    const c = this.c;
    const k = this.k;
    const po = this.po0 + at;
    const chain = this.chain;
    if (chain !== undefined && po >= 0 && po < 4096) {
      const key = jcKey(chain.pageStore + po);
      const j = chain.jcBase + (((key >>> 1) & (JC_ENTRIES - 1)) << 4);
      c.get(k).i32(count).op(Op.i32_add).set(k);
      c.i32(j).mem(Op.i32_load, 0).i32(key).op(Op.i32_eq);
      c.i32(j).mem(Op.i32_load, 8).get(BUDGET).get(k).op(Op.i32_sub, Op.i32_le_s, Op.i32_and);
      c.if();
      c.get(ST).get(BUDGET).get(k).i32(j).mem(Op.i32_load, 4).returnCallIndirect(TYPE_BLOCK);
      c.end();
      c.get(k).ret();
      return;
    }
    this.returnCount(count);
  }

  /** return k + count. */
  private returnCount(count: number): void {
    this.c.get(this.k);
    if (count !== 0) this.c.i32(count).op(Op.i32_add);
    this.c.ret();
  }

  /** Leave the block: registers back, pc = entry + at, return k + count (or chain: leave). */
  private exit(at: number, count: number, chained = true): void {
    this.writeBack();
    this.setPc(at);
    if (chained) this.leave(at, count);
    else this.returnCount(count);
  }

  /**
   * o = arena offset of the access at address `a` (already in local a): the hart's page cache
   * inline, else its page lookup (may fault) or leave before instruction `i` when that says -1.
   */
  private access(store: boolean, width: number, at: number, i: number): void {
    const { c, a, al, e, k, o } = this;
    const cache = store ? ST_STORE : ST_LOAD;
    c.get(a).op(Op.i32_wrap_i64).tee(al);
    pageEntry(c, ST, e);
    c.get(e).mem(Op.i32_load, cache + PC_TAG_LO);
    pageKey(c, ST, al);
    c.op(Op.i32_eq);
    c.get(e).mem(Op.i32_load, cache + PC_TAG_HI).get(a).i64(32).op(Op.i64_shr_u, Op.i32_wrap_i64, Op.i32_eq, Op.i32_and);
    c.get(al).i32(4095).op(Op.i32_and).i32(4096 - width).op(Op.i32_le_u, Op.i32_and);
    c.ifI32();
    c.get(e).mem(Op.i32_load, cache + PC_MEM).get(al).i32(4095).op(Op.i32_and, Op.i32_add);
    c.else();
    this.writeBack();
    this.setPc(at);
    c.get(ST).get(al).get(a).i64(32).op(Op.i64_shr_u, Op.i32_wrap_i64).i32(width).get(k).i32(i).op(Op.i32_add);
    c.i32(store ? SLOT_STMISS : SLOT_LDMISS).callIndirect(TYPE_MISS).tee(o).i32(0).op(Op.i32_lt_s);
    c.if().get(k).i32(i).op(Op.i32_add).ret().end();
    c.get(o);
    c.end().set(o);
  }

  /** Push operand ta or tb (as i32 for the W forms). */
  private operand(l: number, w32: boolean): void {
    this.c.get(l);
    if (w32) this.c.op(Op.i32_wrap_i64);
  }

  private constant(n: bigint, w32: boolean): void {
    if (w32) this.c.i32(Number(BigInt.asIntN(32, n)));
    else this.c.i64(n);
  }

  /** rd = rs1 (div|rem)[u][w] rs2 (unpriv spec 7.2: x/0 = -1, x%0 = x, MIN/-1 = MIN, MIN%-1 = 0). */
  private divRem(w32: boolean): void {
    const { c, ta, tb, f3 } = this;
    const eqz = w32 ? Op.i32_eqz : Op.i64_eqz;
    const eq = w32 ? Op.i32_eq : Op.i64_eq;
    const op = (w32 ? DIV_OPS_32 : DIV_OPS_64)[f3 - 4]!;
    this.get(this.rs1);
    c.set(ta);
    this.get(this.rs2);
    c.set(tb);
    this.operand(tb, w32);
    c.op(eqz);
    if (w32) c.ifI32();
    else c.ifI64();
    if (f3 < 6) this.constant(-1n, w32);
    else this.operand(ta, w32);
    c.else();
    if (f3 === 4) {
      // Signed overflow: MIN / -1 traps in wasm; RISC-V gives MIN.
      this.operand(ta, w32);
      this.constant(w32 ? -(2n ** 31n) : MIN64, w32);
      c.op(eq);
      this.operand(tb, w32);
      this.constant(-1n, w32);
      c.op(eq, Op.i32_and);
      if (w32) c.ifI32();
      else c.ifI64();
      this.operand(ta, w32);
      c.else();
      this.operand(ta, w32);
      this.operand(tb, w32);
      c.op(op);
      c.end();
    } else {
      // rem_s of MIN by -1 is 0 in wasm (no trap), as in RISC-V.
      this.operand(ta, w32);
      this.operand(tb, w32);
      c.op(op);
    }
    c.end();
    if (w32) c.op(Op.i64_extend_i32_s);
    this.put(this.rd);
  }

  /** rd = rs1 op imm (64-bit). */
  private opImm(op: number, imm: number): Kind {
    if (this.rd === 0) return 'next';
    this.get(this.rs1);
    this.c.i64(imm).op(op);
    this.put(this.rd);
    return 'next';
  }

  /** rd = rs1 op rs2 (64-bit). */
  private opReg(op: number): Kind {
    if (this.rd === 0) return 'next';
    this.get(this.rs1);
    this.get(this.rs2);
    this.c.op(op);
    this.put(this.rd);
    return 'next';
  }

  /** rd = sext32(wrap(rs1) op n). */
  private op32Imm(op: number, n: number): Kind {
    if (this.rd === 0) return 'next';
    this.get(this.rs1);
    this.c.op(Op.i32_wrap_i64).i32(n).op(op, Op.i64_extend_i32_s);
    this.put(this.rd);
    return 'next';
  }

  /** rd = sext32(wrap(rs1) op wrap(rs2)). */
  private op32Reg(op: number): Kind {
    if (this.rd === 0) return 'next';
    this.get(this.rs1);
    this.c.op(Op.i32_wrap_i64);
    this.get(this.rs2);
    this.c.op(Op.i32_wrap_i64, op, Op.i64_extend_i32_s);
    this.put(this.rd);
    return 'next';
  }

  /** rd = rs1 <op> imm ? 1 : 0. */
  private cmpImm(op: number, imm: number): Kind {
    if (this.rd === 0) return 'next';
    this.get(this.rs1);
    this.c.i64(imm).op(op, Op.i64_extend_i32_u);
    this.put(this.rd);
    return 'next';
  }

  /** rd = rs1 <op> rs2 ? 1 : 0. */
  private cmpReg(op: number): Kind {
    if (this.rd === 0) return 'next';
    this.get(this.rs1);
    this.get(this.rs2);
    this.c.op(op, Op.i64_extend_i32_u);
    this.put(this.rd);
    return 'next';
  }

  /** Emit instruction `i` (at byte offset `at` from the entry); say whether the block goes on. */
  private emit(insn: number, at: number, len: number, i: number): Kind {
    const c = this.c;
    const rd = (this.rd = (insn >> 7) & 31);
    const rs1 = (this.rs1 = (insn >> 15) & 31);
    const rs2 = (this.rs2 = (insn >> 20) & 31);
    const f3 = (this.f3 = (insn >> 12) & 7);
    const f7 = insn >>> 25;
    const imm12 = insn >> 20;

    switch (insn & 0x7f) {
      case OP_IMM:
        switch (f3) {
          case 0: return this.opImm(Op.i64_add, imm12);
          case 1: return insn >>> 26 !== 0 ? 'stop' : this.opImm(Op.i64_shl, imm12 & 63);
          case 2: return this.cmpImm(Op.i64_lt_s, imm12);
          case 3: return this.cmpImm(Op.i64_lt_u, imm12);
          case 4: return this.opImm(Op.i64_xor, imm12);
          case 5: {
            const top = insn >>> 26;
            if (top === 0) return this.opImm(Op.i64_shr_u, imm12 & 63);
            if (top === 0x10) return this.opImm(Op.i64_shr_s, imm12 & 63);
            return 'stop';
          }
          case 6: return this.opImm(Op.i64_or, imm12);
          default: return this.opImm(Op.i64_and, imm12);
        }
      case OP_OP:
        if (f7 === 0) {
          switch (f3) {
            case 0: return this.opReg(Op.i64_add);
            case 1: return this.opReg(Op.i64_shl); // wasm shifts by the count mod 64, as RISC-V
            case 2: return this.cmpReg(Op.i64_lt_s);
            case 3: return this.cmpReg(Op.i64_lt_u);
            case 4: return this.opReg(Op.i64_xor);
            case 5: return this.opReg(Op.i64_shr_u);
            case 6: return this.opReg(Op.i64_or);
            default: return this.opReg(Op.i64_and);
          }
        }
        if (f7 === 0x20 && f3 === 0) return this.opReg(Op.i64_sub);
        if (f7 === 0x20 && f3 === 5) return this.opReg(Op.i64_shr_s);
        if (f7 === 1) {
          if (rd === 0) return 'next';
          if (f3 === 0) return this.opReg(Op.i64_mul);
          if (f3 >= 4) {
            this.divRem(false);
            return 'next';
          }
          // MULH (f3 1), MULHSU (2), MULHU (3): the unsigned high product, corrected for signed
          // operands (two's complement: subtract b when a < 0, a when b < 0, mod 2^64).
          const { ta, tb } = this;
          this.get(rs1);
          c.set(ta);
          this.get(rs2);
          c.set(tb);
          c.get(ta).get(tb).call(FUNC_MULHU);
          if (f3 !== 3) {
            c.get(tb).i64(0).get(ta).i64(0).op(Op.i64_lt_s, Op.select, Op.i64_sub);
            if (f3 === 1) c.get(ta).i64(0).get(tb).i64(0).op(Op.i64_lt_s, Op.select, Op.i64_sub);
          }
          this.put(rd);
          return 'next';
        }
        return 'stop';
      case OP_LUI:
        if (rd === 0) return 'next';
        c.i64(insn & 0xffff_f000); // sign-extended: the int32 value
        this.put(rd);
        return 'next';
      case OP_AUIPC:
        if (rd === 0) return 'next';
        c.get(this.pc0).i64(at + (insn & 0xffff_f000)).op(Op.i64_add);
        this.put(rd);
        return 'next';
      case OP_IMM_32:
        if (f3 === 0) return this.op32Imm(Op.i32_add, imm12);
        if (f3 === 1 && f7 === 0) return this.op32Imm(Op.i32_shl, rs2);
        if (f3 === 5 && f7 === 0) return this.op32Imm(Op.i32_shr_u, rs2);
        if (f3 === 5 && f7 === 0x20) return this.op32Imm(Op.i32_shr_s, rs2);
        return 'stop';
      case OP_OP_32:
        if (f7 === 0) {
          if (f3 === 0) return this.op32Reg(Op.i32_add);
          if (f3 === 1) return this.op32Reg(Op.i32_shl);
          if (f3 === 5) return this.op32Reg(Op.i32_shr_u);
        } else if (f7 === 0x20) {
          if (f3 === 0) return this.op32Reg(Op.i32_sub);
          if (f3 === 5) return this.op32Reg(Op.i32_shr_s);
        } else if (f7 === 1) {
          if (f3 === 0) return this.op32Reg(Op.i32_mul);
          if (f3 >= 4) {
            if (rd !== 0) this.divRem(true);
            return 'next';
          }
        }
        return 'stop';
      case OP_LOAD: {
        if (f3 === 7) return 'stop';
        this.get(rs1);
        if (imm12 !== 0) c.i64(imm12).op(Op.i64_add);
        c.set(this.a);
        // The access happens even for rd = x0 (it may fault or leave the block, like any load).
        this.access(false, 1 << (f3 & 3), at, i);
        if (rd !== 0) {
          c.get(this.o).mem(LOAD_OPS[f3]!, 0);
          this.put(rd);
        }
        return 'next';
      }
      case OP_STORE: {
        if (f3 > 3) return 'stop';
        const imm = ((insn >> 20) & ~0x1f) | ((insn >> 7) & 0x1f);
        this.get(rs1);
        if (imm !== 0) c.i64(imm).op(Op.i64_add);
        c.set(this.a);
        this.access(true, 1 << f3, at, i);
        c.get(this.o);
        this.get(rs2);
        c.mem(STORE_OPS[f3]!, 0);
        return 'next';
      }
      case OP_MISC_MEM:
        // FENCE orders nothing on one in-order hart; FENCE.I (and reserved funct3) go to the
        // interpreter. With harts on threads it must order this hart's plain accesses against the
        // other threads' (RVWMO, unpriv spec ch. 17): a sequentially consistent atomic.fence, which
        // orders with the other threads' Atomics (AMOs, LR/SC) and fences too (the interpreter's
        // locked exchange).
        if (f3 !== 0) return 'stop';
        if (this.shared) c.atomicFence();
        return 'next';
      case OP_AMO:
        return this.exec(insn, at, len, i);
      case OP_LOAD_FP:
      case OP_STORE_FP:
        return this.fpMemory(insn, at, len, i);
      case OP_MADD:
      case OP_MSUB:
      case OP_NMSUB:
      case OP_NMADD:
        return this.fusedMultiplyAdd(insn, at, len, i);
      case OP_FP:
        return this.fpOp(insn, at, len, i);
      case OP_SYSTEM:
        // CSR accesses, ECALL/EBREAK, xRET, SFENCE.VMA: through the hart; not WFI (it ends run())
        // nor the hypervisor loads and stores (funct3 4).
        return insn === INSN_WFI || f3 === 4 ? 'stop' : this.exec(insn, at, len, i);
      case OP_JAL: {
        const imm = ((insn >> 11) & 0xfff0_0000) | (insn & 0x000f_f000) | ((insn >> 9) & 0x800) | ((insn >> 20) & 0x7fe);
        if (rd !== 0) {
          c.get(this.pc0).i64(at + len).op(Op.i64_add);
          this.put(rd);
        }
        this.jumpTo(at + imm, ALWAYS, at + len, i + 1);
        return 'end';
      }
      case OP_JALR: {
        if (f3 !== 0) return 'stop';
        // Target first: rd may be rs1 (unpriv spec 2.5: the target uses the old rs1).
        this.get(rs1);
        c.i64(imm12).op(Op.i64_add).i64(-2).op(Op.i64_and).set(this.ta);
        if (rd !== 0) {
          c.get(this.pc0).i64(at + len).op(Op.i64_add);
          this.put(rd);
        }
        this.writeBack();
        c.get(ST).get(this.ta).mem(Op.i64_store, ST_PC);
        this.returnCount(i + 1);
        return 'end';
      }
      case OP_BRANCH: {
        const op = BRANCH_OPS[f3]!;
        if (op < 0) return 'stop';
        const imm = ((insn >> 19) & 0xffff_f000) | ((insn << 4) & 0x800) | ((insn >> 20) & 0x7e0) | ((insn >> 7) & 0x1e);
        this.jumpTo(at + imm, op, at + len, i + 1);
        return 'end';
      }
      default:
        return 'stop';
    }
  }

  /**
   * Instruction `i` run by the hart itself (WasmHart.jitExec: the interpreter's own code for it,
   * so each keeps one implementation): registers back and the pc stored first, as for a fault;
   * then either on in the block with rd reloaded, or out with ~(count) so the dispatcher yields.
   */
  private exec(insn: number, at: number, len: number, i: number, writesX = true): Kind {
    const c = this.c;
    this.writeBack();
    this.setPc(at);
    // A compressed form goes as its parcel (the hart expands it): an illegal-instruction trap's
    // tval is the parcel, as the interpreter gives (priv spec 3.1.16).
    const raw = len === 2 ? this.view!.getUint16(this.off + at, true) : insn;
    c.get(ST).i32(raw).i32(len).get(this.k).i32(i).op(Op.i32_add).i32(SLOT_EXEC).callIndirect(TYPE_EXEC).tee(this.r);
    c.if();
    // ~(count): i + 1 when it ran (1), i when it trapped (2: the hart took the trap).
    c.get(this.k).i32(i + 1).op(Op.i32_add).get(this.r).i32(1).op(Op.i32_shr_u, Op.i32_sub).i32(-1).op(Op.i32_xor).ret();
    c.end();
    if (writesX && this.rd !== 0) c.get(ST).mem(Op.i64_load, ST_X + 8 * this.rd).set(this.reg(this.rd));
    return 'next';
  }

  /**
   * FLD/FLW/FSD/FSW: inline while FP may run inline (ST_FP_INLINE: FS Dirty), through the page
   * caches as integer accesses go (a miss leaves the block before it, and the interpreter does
   * it); otherwise, and for reserved widths, through the hart (its illegal-instruction trap).
   */
  private fpMemory(insn: number, at: number, len: number, i: number): Kind {
    const c = this.c;
    const f3 = this.f3;
    if (f3 !== 2 && f3 !== 3) return this.exec(insn, at, len, i, false);
    const store = (insn & 0x7f) === OP_STORE_FP;
    const width = f3 === 3 ? 8 : 4;
    c.get(ST).mem(Op.i32_load, ST_FP_INLINE);
    c.if();
    const imm = store ? ((insn >> 20) & ~0x1f) | ((insn >> 7) & 0x1f) : insn >> 20;
    this.get(this.rs1);
    if (imm !== 0) c.i64(imm).op(Op.i64_add);
    c.set(this.a);
    this.access(store, width, at, i);
    if (store) {
      // FSW stores the low 32 bits as they are (unpriv spec 11.5).
      c.get(this.o).get(ST).mem(Op.i64_load, ST_F + 8 * this.rs2).mem(width === 8 ? Op.i64_store : Op.i64_store32, 0);
    } else {
      // FLW NaN-boxes (unpriv spec 12.2).
      c.get(ST).get(this.o);
      if (width === 8) c.mem(Op.i64_load, 0);
      else c.mem(Op.i64_load32_u, 0).i64(-0x1_0000_0000).op(Op.i64_or);
      c.mem(Op.i64_store, ST_F + 8 * this.rd);
    }
    c.else();
    this.exec(insn, at, len, i, false);
    c.end();
    return 'next';
  }

  /**
   * FMADD.D, FMSUB.D, FNMSUB.D, FNMADD.D: inline under the arithmetic's condition (FS Dirty, RNE,
   * NX set, the three operands in range or zero, not a zero product with a zero addend), one
   * rounding of ±(a*b) ± c by Boldo and Melquiond's emulation, as fp/host-fast-path.ts does it
   * (and argues); the hart's FP unit otherwise. With c in range the exact result is zero or at
   * least 2^-556 in magnitude (to cancel, a*b must be about |c| >= 2^-450, and then it lies on a
   * grid of 2^-555); with c = 0 it is a*b, with a*b = 0 it is c: never subnormal here.
   * The S format goes to the hart.
   */
  private fusedMultiplyAdd(insn: number, at: number, len: number, i: number): Kind {
    const c = this.c;
    const f3 = this.f3;
    const fmt = (insn >>> 25) & 3;
    if (fmt > 1 || (f3 !== 0 && f3 !== 7)) return this.exec(insn, at, len, i, false);
    if (fmt === 0) return this.fusedMultiplyAddSingle(insn, at, len, i);
    const op = insn & 0x7f;
    const rs3 = insn >>> 27;
    const [a, b, z, t, ah, al, bh, bl] = this.fpLocals();
    c.get(ST).mem(Op.i32_load, ST_FP_INLINE);
    this.nxSet();
    this.fOk(this.rs1);
    this.fOk(this.rs2);
    this.fOk(rs3);
    c.op(Op.i32_and, Op.i32_and, Op.i32_and, Op.i32_and);
    // Not a zero product with a zero addend (the sign of an exact zero sum: the hart's FP unit).
    this.fZero(rs3);
    this.fZero(this.rs1);
    this.fZero(this.rs2);
    c.op(Op.i32_or, Op.i32_and, Op.i32_eqz, Op.i32_and);
    if (f3 === 7) c.get(ST).mem(Op.i32_load, ST_FRM).op(Op.i32_eqz, Op.i32_and);
    c.if();
    // Veltkamp splits of a and b (2^27 + 1), then uh = a*b and its exact error ul (TwoProduct),
    // in the order of host-fast-path.ts productError.
    const split = (x: number, hi: number, lo: number): void => {
      c.f64(134217729).get(x).op(Op.f64_mul).tee(t).get(t).get(x).op(Op.f64_sub, Op.f64_sub).set(hi);
      c.get(x).get(hi).op(Op.f64_sub).set(lo);
    };
    this.fget(this.rs1);
    c.set(a);
    this.fget(this.rs2);
    c.set(b);
    split(a, ah, al);
    split(b, bh, bl);
    const neg = op === 0x4b || op === 0x4f; // FNMSUB, FNMADD: -(a*b)
    c.get(a).get(b).op(Op.f64_mul).set(z); // z = uh for now
    c.get(ah).get(bh).op(Op.f64_mul).get(z).op(Op.f64_sub).get(ah).get(bl).op(Op.f64_mul, Op.f64_add);
    c.get(al).get(bh).op(Op.f64_mul, Op.f64_add).get(al).get(bl).op(Op.f64_mul, Op.f64_add).set(t); // t = ul
    if (neg) {
      c.get(z).op(Op.f64_neg).set(z);
      c.get(t).op(Op.f64_neg).set(t);
    }
    // Now a = the addend (negated for FMSUB, FNMADD), b = uh, bl = ul; th = a + b and its error tl.
    c.get(t).set(bl);
    c.get(z).set(b);
    this.fget(rs3);
    if (op === 0x47 || op === 0x4f) c.op(Op.f64_neg);
    c.set(a);
    this.twoSum(a, b, z, t, ah, al); // z = th, t = tl
    // u = tl + ul and its error (in ah); v = u rounded to odd.
    c.get(z).set(bh); // keep th
    this.twoSum(t, bl, z, ah, a, b); // z = u, ah = its error
    this.roundToOdd(z, ah);
    c.get(ST).get(bh).get(z).op(Op.f64_add).mem(Op.f64_store, ST_F + 8 * this.rd);
    c.else();
    this.exec(insn, at, len, i, false);
    c.end();
    return 'next';
  }

  /**
   * FMADD.S and the others on singles: a*b is exact in a double, a*b + c is rounded to odd in
   * double precision and then to single (f32.demote_f64, to nearest): correct, as
   * fp/host-fast-path.ts argues; the condition is the arithmetic's, on boxed singles with
   * 2^-60 <= |v| <= 2^60 or zero (the result is then zero or a normal single).
   */
  private fusedMultiplyAddSingle(insn: number, at: number, len: number, i: number): Kind {
    const c = this.c;
    const op = insn & 0x7f;
    const rs3 = insn >>> 27;
    const [a, b, s, err, p, q] = this.fpLocals();
    c.get(ST).mem(Op.i32_load, ST_FP_INLINE);
    this.nxSet();
    this.sOk(this.rs1);
    this.sOk(this.rs2);
    this.sOk(rs3);
    c.op(Op.i32_and, Op.i32_and, Op.i32_and, Op.i32_and);
    this.sZero(rs3);
    this.sZero(this.rs1);
    this.sZero(this.rs2);
    c.op(Op.i32_or, Op.i32_and, Op.i32_eqz, Op.i32_and);
    if (this.f3 === 7) c.get(ST).mem(Op.i32_load, ST_FRM).op(Op.i32_eqz, Op.i32_and);
    c.if();
    this.sget(this.rs1);
    c.op(Op.f64_promote_f32);
    if (op === 0x4b || op === 0x4f) c.op(Op.f64_neg);
    this.sget(this.rs2);
    c.op(Op.f64_promote_f32, Op.f64_mul).set(a); // the exact product
    this.sget(rs3);
    c.op(Op.f64_promote_f32);
    if (op === 0x47 || op === 0x4f) c.op(Op.f64_neg);
    c.set(b);
    this.twoSum(a, b, s, err, p, q);
    this.roundToOdd(s, err);
    c.get(ST).get(s).op(Op.f32_demote_f64).mem(Op.f32_store, ST_F + 8 * this.rd);
    c.get(ST).i32(-1).mem(Op.i32_store, ST_F + 8 * this.rd + 4);
    c.else();
    this.exec(insn, at, len, i, false);
    c.end();
    return 'next';
  }

  /** s = s rounded to odd given its exact error err (Boldo and Melquiond; host-fast-path.ts roundToOdd). */
  private roundToOdd(s: number, err: number): void {
    const c = this.c;
    c.get(err).f64(0).op(Op.f64_ne);
    c.get(s).op(Op.i64_reinterpret_f64).i64(1).op(Op.i64_and, Op.i64_eqz, Op.i32_and);
    c.if();
    // Even and inexact: its neighbour toward the exact sum (one unit more in magnitude when the
    // error has the sum's sign), which is odd.
    c.get(s).op(Op.i64_reinterpret_f64).i64(1).i64(-1).get(s).f64(0).op(Op.f64_gt).get(err).f64(0).op(Op.f64_gt, Op.i32_eq, Op.select);
    c.op(Op.i64_add, Op.f64_reinterpret_i64).set(s);
    c.end();
  }

  /** Push f register r's single (its low word) as f32. */
  private sget(r: number): void {
    this.c.get(ST).mem(Op.f32_load, ST_F + 8 * r);
  }

  /** Push whether f register r holds a NaN-boxed single (unpriv spec 12.2: bits 63..32 all ones). */
  private sBoxed(r: number): void {
    this.c.get(ST).mem(Op.i32_load, ST_F + 8 * r + 4).i32(-1).op(Op.i32_eq);
  }

  /** Push whether f register r is a boxed single that is zero or 2^-60 <= |v| <= 2^60. */
  private sOk(r: number): void {
    const c = this.c;
    this.sBoxed(r);
    this.sget(r);
    c.op(Op.f32_abs, Op.f64_promote_f32).f64(2 ** -60).op(Op.f64_ge);
    this.sget(r);
    c.op(Op.f32_abs, Op.f64_promote_f32).f64(2 ** 60).op(Op.f64_le, Op.i32_and);
    this.sZero(r);
    c.op(Op.i32_or, Op.i32_and);
  }

  /** Push whether f register r's single is ±0 (its box is checked by sOk). */
  private sZero(r: number): void {
    this.c.get(ST).mem(Op.i32_load, ST_F + 8 * r).i32(0x7fff_ffff).op(Op.i32_and, Op.i32_eqz);
  }

  /** s = x + y and err = its exact rounding error (TwoSum, as host-fast-path.ts sumError); p, q scratch. */
  private twoSum(x: number, y: number, s: number, err: number, p: number, q: number): void {
    const c = this.c;
    c.get(x).get(y).op(Op.f64_add).set(s);
    c.get(s).get(x).op(Op.f64_sub).set(q); // bv
    c.get(s).get(q).op(Op.f64_sub).set(p); // av
    c.get(x).get(p).op(Op.f64_sub).get(y).get(q).op(Op.f64_sub, Op.f64_add).set(err);
  }

  /** Eight f64 locals for the fused multiply-adds (made once per block). */
  private fpLocals(): number[] {
    if (this.f64Locals.length === 0) for (let n = 0; n < 8; n++) this.f64Locals.push(this.c.local(F64));
    return this.f64Locals;
  }

  /** Push an f register of the slot as f64. */
  private fget(r: number): void {
    this.c.get(ST).mem(Op.f64_load, ST_F + 8 * r);
  }

  /** Push whether f register r is a double with 2^-450 <= |v| <= 2^450 (the fast path's range). */
  private fInRange(r: number): void {
    const c = this.c;
    this.fget(r);
    c.op(Op.f64_abs).f64(2 ** -450).op(Op.f64_ge);
    this.fget(r);
    c.op(Op.f64_abs).f64(2 ** 450).op(Op.f64_le, Op.i32_and);
  }

  /** Push whether f register r is in that range or a zero (x*0, x+0, 0/x are exact). */
  private fOk(r: number): void {
    this.fInRange(r);
    this.fget(r);
    this.c.f64(0).op(Op.f64_eq, Op.i32_or);
  }

  /** Push whether f register r is ±0. */
  private fZero(r: number): void {
    this.fget(r);
    this.c.f64(0).op(Op.f64_eq);
  }

  /** Push whether fcsr.fflags already holds NX (an inexact result then adds nothing). */
  private nxSet(): void {
    this.c.get(ST).mem(Op.i32_load, ST_FFLAGS).i32(1).op(Op.i32_and);
  }

  /**
   * An OP-FP instruction: the common D ones inline where WebAssembly's f64 arithmetic gives the
   * IEEE result and fflags need nothing new (fp/host-fast-path.ts argues each case); the
   * condition is checked at run time, and the hart's FP unit does the rest (exec). Inline needs
   * FS Dirty (ST_FP_INLINE); a rounding operation needs RNE (the rm field, or frm for DYN),
   * operands in range (no overflow, underflow or special), and NX already set, so that whether
   * the result is inexact does not matter — QEMU's hardfloat rule.
   */
  private fpOp(insn: number, at: number, len: number, i: number): Kind {
    const c = this.c;
    const writesX = fpWritesX(insn);
    const { rd, rs1, rs2, f3 } = this;
    const funct5 = insn >>> 27;
    const fmt = (insn >>> 25) & 3;
    if (fmt === 0) return this.singleOp(insn, at, len, i, writesX);
    if (fmt !== 1) return this.exec(insn, at, len, i, writesX);
    if (!fpInline(funct5, f3, rs2)) return this.exec(insn, at, len, i, writesX);
    // The run-time condition (see fpInline for what each needs).
    c.get(ST).mem(Op.i32_load, ST_FP_INLINE);
    switch (funct5) {
      case 0x00: case 0x01: case 0x02: case 0x03: // FADD FSUB FMUL FDIV (not by zero: DZ)
        this.nxSet();
        this.fOk(rs1);
        if (funct5 === 0x03) this.fInRange(rs2);
        else this.fOk(rs2);
        c.op(Op.i32_and, Op.i32_and, Op.i32_and);
        break;
      case 0x0b: // FSQRT of a positive number or ±0
        this.nxSet();
        this.fOk(rs1);
        this.fget(rs1);
        c.f64(0).op(Op.f64_ge, Op.i32_and, Op.i32_and, Op.i32_and);
        break;
      case 0x14: // ordered operands (x == x is false for a NaN)
        this.fget(rs1);
        this.fget(rs1);
        c.op(Op.f64_eq);
        this.fget(rs2);
        this.fget(rs2);
        c.op(Op.f64_eq, Op.i32_and, Op.i32_and);
        break;
      case 0x18: // in range, and exact or NX already set
        this.fget(rs1);
        c.f64(rs2 === 0 ? -2147483649 : -(2 ** 63)).op(rs2 === 0 ? Op.f64_gt : Op.f64_ge);
        this.fget(rs1);
        c.f64(rs2 === 0 ? 2147483648 : 2 ** 63).op(Op.f64_lt, Op.i32_and);
        this.fget(rs1);
        c.op(Op.f64_trunc);
        this.fget(rs1);
        c.op(Op.f64_eq);
        this.nxSet();
        c.op(Op.i32_or, Op.i32_and, Op.i32_and);
        break;
      case 0x1a: // DYN needs a legal frm; FCVT.D.L an exactly representable value
        if (f3 === 7) c.get(ST).mem(Op.i32_load, ST_FRM).i32(4).op(Op.i32_le_u, Op.i32_and);
        if (rs2 === 2) {
          this.get(rs1);
          c.i64(2 ** 53).op(Op.i64_add).i64(2 ** 54).op(Op.i64_le_u, Op.i32_and);
        }
        break;
      case 0x08: // FCVT.D.S of a boxed, ordered single (a legal rm)
        this.sBoxed(rs1);
        this.sget(rs1);
        this.sget(rs1);
        c.op(Op.f32_eq, Op.i32_and, Op.i32_and);
        if (f3 === 7) c.get(ST).mem(Op.i32_load, ST_FRM).i32(4).op(Op.i32_le_u, Op.i32_and);
        break;
      default: // FSGNJ*, FMV.X.D, FMV.D.X: FS Dirty is all
    }
    // DYN rounding of an arithmetic instruction: RNE in frm.
    if (f3 === 7 && (funct5 <= 0x03 || funct5 === 0x0b)) c.get(ST).mem(Op.i32_load, ST_FRM).op(Op.i32_eqz, Op.i32_and);
    c.if();
    switch (funct5) {
      case 0x00: case 0x01: case 0x02: case 0x03:
        c.get(ST);
        this.fget(rs1);
        this.fget(rs2);
        c.op([Op.f64_add, Op.f64_sub, Op.f64_mul, Op.f64_div][funct5]!).mem(Op.f64_store, ST_F + 8 * rd);
        break;
      case 0x0b:
        c.get(ST);
        this.fget(rs1);
        c.op(Op.f64_sqrt).mem(Op.f64_store, ST_F + 8 * rd);
        break;
      case 0x04: {
        // Bits only: rs1's magnitude, the sign from rs2 (FSGNJ), its inverse (FSGNJN) or the two
        // signs' xor (FSGNJX); a NaN keeps its payload.
        const load = (r: number): void => { c.get(ST).mem(Op.i64_load, ST_F + 8 * r); };
        c.get(ST);
        load(rs1);
        c.i64(0x7fff_ffff_ffff_ffffn).op(Op.i64_and);
        if (f3 === 2) load(rs1);
        load(rs2);
        if (f3 === 1) c.i64(-1).op(Op.i64_xor);
        if (f3 === 2) c.op(Op.i64_xor);
        c.i64(-0x8000_0000_0000_0000n).op(Op.i64_and, Op.i64_or).mem(Op.i64_store, ST_F + 8 * rd);
        break;
      }
      case 0x14:
        this.fget(rs1);
        this.fget(rs2);
        c.op([Op.f64_le, Op.f64_lt, Op.f64_eq][f3]!, Op.i64_extend_i32_u);
        this.put(rd);
        break;
      case 0x18:
        this.fget(rs1);
        if (rs2 === 0) c.op(Op.i32_trunc_f64_s, Op.i64_extend_i32_s);
        else c.op(Op.i64_trunc_f64_s);
        this.put(rd);
        break;
      case 0x1a:
        c.get(ST);
        this.get(rs1);
        if (rs2 === 0) c.op(Op.i32_wrap_i64, Op.f64_convert_i32_s);
        else c.op(Op.f64_convert_i64_s);
        c.mem(Op.f64_store, ST_F + 8 * rd);
        break;
      case 0x1c:
        c.get(ST).mem(Op.i64_load, ST_F + 8 * rs1);
        this.put(rd);
        break;
      case 0x08:
        c.get(ST);
        this.sget(rs1);
        c.op(Op.f64_promote_f32).mem(Op.f64_store, ST_F + 8 * rd);
        break;
      default: // 0x1e
        c.get(ST);
        this.get(rs1);
        c.mem(Op.i64_store, ST_F + 8 * rd);
    }
    c.else();
    this.exec(insn, at, len, i, writesX);
    c.end();
    return 'next';
  }

  /**
   * An OP-FP instruction on singles, as fpOp: WebAssembly's f32 arithmetic is IEEE binary32 with
   * round to nearest even, so under the same rule (FS Dirty, RNE, NX set, boxed operands zero or
   * in 2^-60..2^60, no zero divisor) its result is the instruction's; FCVT.S.D demotes a double in
   * 2^-120..2^120 or zero. Results are NaN-boxed.
   */
  private singleOp(insn: number, at: number, len: number, i: number, writesX: boolean): Kind {
    const c = this.c;
    const { rd, rs1, rs2, f3 } = this;
    const funct5 = insn >>> 27;
    if (!singleInline(funct5, f3, rs2)) return this.exec(insn, at, len, i, writesX);
    c.get(ST).mem(Op.i32_load, ST_FP_INLINE);
    switch (funct5) {
      case 0x00: case 0x01: case 0x02: case 0x03:
        this.nxSet();
        this.sOk(rs1);
        this.sOk(rs2);
        c.op(Op.i32_and, Op.i32_and, Op.i32_and);
        if (funct5 === 0x03) {
          this.sZero(rs2);
          c.op(Op.i32_eqz, Op.i32_and);
        }
        break;
      case 0x0b:
        this.nxSet();
        this.sOk(rs1);
        this.sget(rs1);
        c.op(Op.f64_promote_f32).f64(0).op(Op.f64_ge, Op.i32_and, Op.i32_and, Op.i32_and);
        break;
      case 0x04:
        this.sBoxed(rs1);
        this.sBoxed(rs2);
        c.op(Op.i32_and, Op.i32_and);
        break;
      case 0x14:
        this.sBoxed(rs1);
        this.sBoxed(rs2);
        c.op(Op.i32_and);
        this.sget(rs1);
        this.sget(rs1);
        c.op(Op.f32_eq, Op.i32_and);
        this.sget(rs2);
        this.sget(rs2);
        c.op(Op.f32_eq, Op.i32_and, Op.i32_and);
        break;
      case 0x08: {
        // FCVT.S.D: zero, or 2^-120 <= |v| <= 2^120 (a normal single, no overflow).
        this.nxSet();
        this.fget(rs1);
        c.op(Op.f64_abs).f64(2 ** -120).op(Op.f64_ge);
        this.fget(rs1);
        c.op(Op.f64_abs).f64(2 ** 120).op(Op.f64_le, Op.i32_and);
        this.fZero(rs1);
        c.op(Op.i32_or, Op.i32_and, Op.i32_and);
        break;
      }
      default: // FMV.X.W, FMV.W.X: FS Dirty is all
    }
    if (f3 === 7 && (funct5 <= 0x03 || funct5 === 0x0b || funct5 === 0x08)) c.get(ST).mem(Op.i32_load, ST_FRM).op(Op.i32_eqz, Op.i32_and);
    c.if();
    const box = (): void => { c.get(ST).i32(-1).mem(Op.i32_store, ST_F + 8 * rd + 4); };
    switch (funct5) {
      case 0x00: case 0x01: case 0x02: case 0x03:
        c.get(ST);
        this.sget(rs1);
        this.sget(rs2);
        c.op([Op.f32_add, Op.f32_sub, Op.f32_mul, Op.f32_div][funct5]!).mem(Op.f32_store, ST_F + 8 * rd);
        box();
        break;
      case 0x0b:
        c.get(ST);
        this.sget(rs1);
        c.op(Op.f32_sqrt).mem(Op.f32_store, ST_F + 8 * rd);
        box();
        break;
      case 0x04: {
        // Bits of the low words, as for D (FSGNJ, FSGNJN, FSGNJX); both are boxed.
        const load = (r: number): void => { c.get(ST).mem(Op.i32_load, ST_F + 8 * r); };
        c.get(ST);
        load(rs1);
        c.i32(0x7fff_ffff).op(Op.i32_and);
        if (f3 === 2) load(rs1);
        load(rs2);
        if (f3 === 1) c.i32(-1).op(Op.i32_xor);
        if (f3 === 2) c.op(Op.i32_xor);
        c.i32(-0x8000_0000).op(Op.i32_and, Op.i32_or).mem(Op.i32_store, ST_F + 8 * rd);
        box();
        break;
      }
      case 0x14:
        this.sget(rs1);
        this.sget(rs2);
        c.op([Op.f32_le, Op.f32_lt, Op.f32_eq][f3]!, Op.i64_extend_i32_u);
        this.put(rd);
        break;
      case 0x08:
        c.get(ST);
        this.fget(rs1);
        c.op(Op.f32_demote_f64).mem(Op.f32_store, ST_F + 8 * rd);
        box();
        break;
      case 0x1c: // FMV.X.W: the low word, sign-extended
        c.get(ST).mem(Op.i64_load32_s, ST_F + 8 * rs1);
        this.put(rd);
        break;
      default: // 0x1e FMV.W.X
        c.get(ST);
        this.get(rs1);
        c.op(Op.i32_wrap_i64).mem(Op.i32_store, ST_F + 8 * rd);
        box();
    }
    c.else();
    this.exec(insn, at, len, i, writesX);
    c.end();
    return 'next';
  }

  /** Push the branch condition: rs1 `op` rs2 (or 1 for ALWAYS). */
  private cond(op: number): void {
    if (op === ALWAYS) {
      this.c.i32(1);
      return;
    }
    this.get(this.rs1);
    this.get(this.rs2);
    this.c.op(op);
  }

  /**
   * The block's exit: to `target` when `cond` holds (always for ALWAYS), else to `fall`. A jump
   * back to the entry loops inside the function while the budget covers another pass.
   */
  private jumpTo(target: number, cond: number, fall: number, count: number): void {
    const c = this.c;
    const k = this.k;
    if (target === 0) {
      this.cond(cond);
      c.if();
      c.get(k).i32(count).op(Op.i32_add).tee(k).i32(count).op(Op.i32_add).get(BUDGET).op(Op.i32_gt_s);
      c.if();
      this.exit(0, 0, false);
      c.end();
      c.br(1); // the block's loop (0 is this if)
      c.end();
      this.exit(fall, count);
      return;
    }
    if (cond === ALWAYS) {
      this.exit(target, count);
      return;
    }
    this.writeBack();
    if (this.chain === undefined) {
      c.get(ST).get(this.pc0).i64(target).i64(fall);
      this.cond(cond);
      c.op(Op.select, Op.i64_add).mem(Op.i64_store, ST_PC);
      this.returnCount(count);
      return;
    }
    this.cond(cond);
    c.if();
    this.setPc(target);
    this.leave(target, count);
    c.end();
    this.setPc(fall);
    this.leave(fall, count);
  }
}

/**
 * One module holding `blocks` (exported "f0", "f1", ... in order) and the helper they share:
 * instantiating a module costs a few hundred microseconds whatever its size (V8 sets up a code
 * space per module), so blocks are compiled in batches (docs/translator.md).
 */
export function encodeBlocks(blocks: readonly Code[], sharedMemory = false): Uint8Array {
  return encodeModule({
    types: BLOCK_TYPES,
    importFuncs: [],
    importTable: true, // the blocks' table: chaining and the helpers
    sharedMemory,
    funcs: [{ type: TYPE_MULH, code: mulhu(), exported: false }, ...blocks.map((code) => ({ type: TYPE_BLOCK, code }))],
  });
}

/** The JavaScript functions blocks call: WasmHart's page lookups on a cache miss and jitExec. */
export interface BlockHelpers {
  readonly ldmiss: (st: number, lo: number, hi: number, width: number, retired: number) => number;
  readonly stmiss: (st: number, lo: number, hi: number, width: number, retired: number) => number;
  readonly exec: (st: number, insn: number, len: number, retired: number) => number;
  readonly expand: (st: number, parcel: number) => number;
}

/**
 * Put `helpers` into slots SLOT_LDMISS.. of `table` as WebAssembly functions (of a small module that
 * imports them). Block modules call them through the table and so import no functions: a module
 * that imports a JavaScript function has V8 compile an import wrapper for it (TurboFan, when the
 * module is compiled and again when it is instantiated; the wrapper cache is per module), which
 * was about a third of what a block module cost to make. Here the wrappers are compiled once.
 */
export function installBlockHelpers(helpers: BlockHelpers, memory: WasmMemory, table: WasmTable, sharedMemory = false): void {
  const e = new wasmApi!.Instance(helperModule(sharedMemory), { env: { mem: memory, ...helpers } }).exports;
  if (table.length < HELPER_SLOTS) table.grow(HELPER_SLOTS - table.length);
  table.set(SLOT_LDMISS, e['f0']);
  table.set(SLOT_STMISS, e['f1']);
  table.set(SLOT_EXEC, e['f2']);
  table.set(SLOT_EXPAND, e['f3']);
}

/** The helpers' module compiled, by whether memory is shared: every runtime instantiates the same one. */
const helperModules = new Map<boolean, object>();

function helperModule(sharedMemory: boolean): object {
  let m = helperModules.get(sharedMemory);
  if (m === undefined) {
    const forward = (type: number, target: number): { type: number; code: Code } => {
      const n = BLOCK_TYPES[type]!.params.length;
      const c = new Code(n);
      for (let i = 0; i < n; i++) c.get(i);
      c.call(target);
      return { type, code: c };
    };
    const bytes = encodeModule({
      types: BLOCK_TYPES,
      importFuncs: [{ name: 'ldmiss', type: TYPE_MISS }, { name: 'stmiss', type: TYPE_MISS }, { name: 'exec', type: TYPE_EXEC }, { name: 'expand', type: TYPE_EXEC }],
      sharedMemory,
      funcs: [forward(TYPE_MISS, 0), forward(TYPE_MISS, 1), forward(TYPE_EXEC, 2), forward(TYPE_EXEC, 3)],
    });
    m = new wasmApi!.Module(bytes);
    helperModules.set(sharedMemory, m);
  }
  return m;
}

/**
 * Pop an address's low word and set local `e` to its page-cache slot's offset (the slot at local
 * `st` plus 4 × its index: the entries' arrays are Int32Arrays, PageCache), where every inline
 * lookup reads tagLo, tagHi and mem.
 */
export function pageEntry(c: Code, st: number, e: number): void {
  c.i32(12).op(Op.i32_shr_u).i32(PAGE_CACHE_ENTRIES - 1).op(Op.i32_and).i32(2).op(Op.i32_shl).get(st).op(Op.i32_add).set(e);
}

/**
 * Push the page caches' key of the address whose low word is in local `al`: its page, tagged with
 * the regime in the slot at local `st` (ST_CTAG, PageCache.tagWord). Every inline page-cache lookup
 * compares an entry's tagLo with it.
 */
export function pageKey(c: Code, st: number, al: number): void {
  c.get(al).i32(-4096).op(Op.i32_and).get(st).mem(Op.i32_load, ST_CTAG).op(Op.i32_or);
}

/** mulhu(a, b): the high 64 bits of the unsigned 128-bit product, from 32-bit partial products. */
export function mulhu(): Code {
  const f = new Code(2);
  const A = 0;
  const B = 1;
  const p01 = f.local(I64);
  const p10 = f.local(I64);
  const mid = f.local(I64);
  const lo = (x: number): void => { f.get(x).i64(0xffff_ffff).op(Op.i64_and); };
  const hi = (x: number): void => { f.get(x).i64(32).op(Op.i64_shr_u); };
  lo(A); hi(B); f.op(Op.i64_mul).set(p01);
  hi(A); lo(B); f.op(Op.i64_mul).set(p10);
  // mid = (a0·b0 >> 32) + low32(p01) + low32(p10): < 3·2^32, no overflow.
  lo(A); lo(B); f.op(Op.i64_mul).i64(32).op(Op.i64_shr_u);
  lo(p01); f.op(Op.i64_add);
  lo(p10); f.op(Op.i64_add).set(mid);
  hi(A); hi(B); f.op(Op.i64_mul);
  hi(p01); f.op(Op.i64_add);
  hi(p10); f.op(Op.i64_add);
  hi(mid); f.op(Op.i64_add);
  return f;
}
