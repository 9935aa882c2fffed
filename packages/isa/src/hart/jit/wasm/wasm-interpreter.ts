/**
 * The interpreter's fast path, in WebAssembly: the dispatcher (wasm-runtime.ts) calls it where the
 * jump cache has no block, and it runs the guest from the pc one instruction at a time — decoded
 * each time, registers in the slot, native i64 — as the JavaScript interpreter would, until the
 * budget is spent or it meets what it leaves to JavaScript. Cold code (a Linux boot runs 13 M of
 * its 100 M instructions outside blocks, at 145,000 addresses) then costs what a switch in
 * WebAssembly costs, not a trip through the JavaScript interpreter and a block lookup per branch.
 *
 * What it runs is what blocks run, with the same helpers: RV64IM, compressed parcels through the
 * table the JavaScript interpreter fills (an entry not filled yet is left to it), loads and stores
 * through the hart's page caches (a miss calls `ldmiss`/`stmiss`, which may raise the access's
 * fault: the pc and the count so far are stored first, so it is precise; -1 — MMIO, a page
 * crossing, a store into a code page — leaves the instruction to JavaScript), FENCE, AMOs inline
 * on one thread, and CSR accesses, LR/SC, ECALL/xRET/SFENCE.VMA and F/D through `exec`
 * (WasmHart.jitExec). Left to
 * JavaScript: WFI, FENCE.I, the hypervisor's loads and stores, a 32-bit instruction across a page,
 * and anything illegal or reserved (the JavaScript interpreter raises it). Nothing here can change
 * `attention` (exec says when it may have: the dispatcher then yields), so instructions retire
 * exactly as in the JavaScript interpreter, at the same counts.
 *
 * Heads — where execution arrives by a branch or jump, or enters from the dispatcher — are where
 * blocks start. After each control transfer within the page it looks the target up in the jump
 * cache and returns to the dispatcher when a block is there and the budget covers it (the
 * dispatcher enters it); otherwise it goes on interpreting and counts the head's heat in a bucket
 * (HEAT_BUCKETS, hashed from its store offset): one for the visit and one per instruction run
 * from it. A bucket that has reached the slot's ST_REPORT goes to JavaScript (WHY_HOT), which
 * credits it to the head's heat (TranslationCache.lookup) and translates the head once that is
 * hot: heat moves to JavaScript in lumps, not at every branch (docs/translator.md, "An
 * interpreter in WebAssembly").
 *
 * `(st, budget, mem) → n`: `mem` is the arena offset of the pc's page (from the fetch cache).
 * n >= 0: n retired, stopped at a head the dispatcher should look at (another page, a block, or
 * the budget spent); n < 0: ~n retired and ST_IWHY says why it stopped (WHY_STOP: JavaScript
 * interprets from the pc; WHY_YIELD: exec asked to yield; WHY_HOT). The pc is in the slot.
 */
import {
  OP_AMO, OP_AUIPC, OP_BRANCH, OP_FP, OP_IMM, OP_IMM_32, OP_JAL, OP_JALR, OP_LOAD, OP_LOAD_FP, OP_LUI, OP_MADD, OP_MISC_MEM,
  OP_MSUB, OP_NMADD, OP_NMSUB, OP_OP, OP_OP_32, OP_STORE, OP_STORE_FP, OP_SYSTEM,
} from '../../formats.js';
import { Code, I32, I64, Labels, Op } from './encoder.js';
import {
  HEAT_BUCKETS, JC_ENTRIES, LANE_CEXP, LANE_HEAT, MISS_FAULT, PC_MEM, PC_TAG_HI, PC_TAG_LO, ST_CREDIT, ST_DUMP, ST_IWHY, ST_LANE,
  ST_LOAD, ST_PC, ST_REPORT, ST_STORE, ST_X, WHY_HOT, WHY_STOP, WHY_YIELD,
} from './layout.js';
import { INSN_WFI, pageEntry, pageKey, SLOT_EXEC, SLOT_EXPAND, SLOT_LDMISS, SLOT_STMISS, TYPE_EXEC, TYPE_MISS } from './wasm-block-compiler.js';

/** Heat a bucket gathers before it goes to JavaScript (WHY_HOT; the slot's ST_REPORT, at most this). */
export const HEAT_REPORT = 4096;

/** How the interpreter may fence, and where its helpers are (it finds its lane's tables from the slot's ST_LANE). */
export interface InterpreterLayout {
  /** Guest RAM is shared with harts on other threads: FENCE is a real fence (as in blocks). */
  readonly shared: boolean;
  /** Function index of mulhu (wasm-block-compiler.ts) in the module. */
  readonly mulhu: number;
}

// Parameters.
const ST = 0;
const BUDGET = 1;
const MEM = 2;

/** The interpreter function's body (type: the blocks' signature, three i32 → i32). */
export function interpreterCode(layout: InterpreterLayout): Code {
  return new InterpreterEmitter(layout).emit();
}

const DIV_OPS_64 = [Op.i64_div_s, Op.i64_div_u, Op.i64_rem_s, Op.i64_rem_u];
const DIV_OPS_32 = [Op.i32_div_s, Op.i32_div_u, Op.i32_rem_s, Op.i32_rem_u];
const LOAD_OPS = [Op.i64_load8_s, Op.i64_load16_s, Op.i64_load32_s, Op.i64_load, Op.i64_load8_u, Op.i64_load16_u, Op.i64_load32_u];
const STORE_OPS = [Op.i64_store8, Op.i64_store16, Op.i64_store32, Op.i64_store];

class InterpreterEmitter {
  private readonly c = new Code(3);
  private readonly l = new Labels(this.c);
  private readonly pc: number;
  private readonly npc: number;
  private readonly po: number;
  private readonly n: number;
  private readonly n0: number;
  private readonly hb: number;
  private readonly insn: number;
  private readonly len: number;
  private readonly half: number;
  private readonly rdA: number;
  private readonly f3: number;
  private readonly v1: number;
  private readonly v2: number;
  private readonly a: number;
  private readonly al: number;
  private readonly e: number;
  private readonly o: number;
  private readonly t: number;
  private readonly key: number;
  private readonly j: number;
  /** The lane's base (the slot's ST_LANE): jump cache, then heat buckets (LANE_HEAT) and expansions (LANE_CEXP). */
  private readonly lane: number;

  constructor(private readonly layout: InterpreterLayout) {
    const c = this.c;
    this.pc = c.local(I64);
    this.npc = c.local(I64);
    this.v1 = c.local(I64);
    this.v2 = c.local(I64);
    this.a = c.local(I64);
    this.po = c.local(I32);
    this.n = c.local(I32);
    this.n0 = c.local(I32);
    this.hb = c.local(I32);
    this.insn = c.local(I32);
    this.len = c.local(I32);
    this.half = c.local(I32);
    this.rdA = c.local(I32);
    this.f3 = c.local(I32);
    this.al = c.local(I32);
    this.e = c.local(I32);
    this.o = c.local(I32);
    this.t = c.local(I32);
    this.key = c.local(I32);
    this.j = c.local(I32);
    this.lane = c.local(I32);
  }

  emit(): Code {
    const { c, l } = this;
    c.get(ST).mem(Op.i64_load, ST_PC).tee(this.pc).op(Op.i32_wrap_i64).i32(4095).op(Op.i32_and).set(this.po);
    c.get(ST).mem(Op.i32_load, ST_LANE).set(this.lane);
    c.i32(0).set(this.n);
    l.block('neg'); // pc stored; credit; return ~n (ST_IWHY set)
    l.block('ret'); // credit; pc stored here; return n
    l.loop('head');
    this.headVisit();
    l.loop('insn');
    // The budget, then fetch, expand, decode.
    c.get(this.n).get(BUDGET).op(Op.i32_ge_s);
    l.brIf('ret');
    l.block('next');
    l.block('stop');
    this.fetch();
    this.decode();
    l.end(); // stop: leave the instruction to JavaScript
    this.why(WHY_STOP);
    l.br('neg');
    l.end(); // next: pc += len, on in the page
    c.get(this.n).i32(1).op(Op.i32_add).set(this.n);
    c.get(this.pc).get(this.len).op(Op.i64_extend_i32_u, Op.i64_add).set(this.pc);
    c.get(this.po).get(this.len).op(Op.i32_add).tee(this.po).i32(4096).op(Op.i32_ge_u);
    l.brIf('ret');
    l.br('insn');
    l.end(); // insn
    l.end(); // head
    c.op(Op.unreachable);
    l.end(); // ret
    this.credit();
    c.get(ST).get(this.pc).mem(Op.i64_store, ST_PC);
    c.get(this.n).ret();
    l.end(); // neg
    this.credit();
    c.get(ST).get(this.pc).mem(Op.i64_store, ST_PC);
    c.get(this.n).i32(-1).op(Op.i32_xor);
    return c;
  }

  private why(code: number): void {
    this.c.get(ST).i32(code).mem(Op.i32_store, ST_IWHY);
  }

  /**
   * A head (the pc, at page offset po): its bucket; a full one goes to JavaScript now (nothing of
   * it is credited here: the bucket starts again), else its run starts.
   */
  private headVisit(): void {
    const { c, l } = this;
    // key = store offset + 1 (the jump cache's key), hashed into a bucket.
    c.get(MEM).get(this.po).op(Op.i32_add).i32(1).op(Op.i32_add).tee(this.key);
    c.i32(1).op(Op.i32_shr_u).get(this.key).i32(17).op(Op.i32_shr_u, Op.i32_xor).i32(HEAT_BUCKETS - 1).op(Op.i32_and);
    c.i32(1).op(Op.i32_shl).get(this.lane).op(Op.i32_add).i32(LANE_HEAT).op(Op.i32_add).tee(this.hb);
    // Full: at least the slot's report and not empty (a report of 0 means every visit, but a
    // bucket just reported starts from 0, so the head then runs before it is reported again).
    c.mem(Op.i32_load16_u, 0).tee(this.t).get(ST).mem(Op.i32_load, ST_REPORT).op(Op.i32_ge_u).get(this.t).i32(0).op(Op.i32_gt_u, Op.i32_and);
    l.if();
    c.get(this.hb).i32(0).mem(Op.i32_store16, 0);
    c.get(ST).get(this.t).mem(Op.i32_store, ST_CREDIT);
    this.why(WHY_HOT);
    c.get(ST).get(this.pc).mem(Op.i64_store, ST_PC);
    c.get(this.n).i32(-1).op(Op.i32_xor).ret();
    l.end();
    // n0 = n less the bucket's heat, so that credit() stores heat + run + 1 without reading it
    // again (no other head's run comes in between).
    c.get(this.n).get(this.t).op(Op.i32_sub).set(this.n0);
  }

  /** The current head's bucket += the visit and the instructions run from it (at most 0xffff). */
  private credit(): void {
    const c = this.c;
    c.get(this.n).get(this.n0).op(Op.i32_sub).i32(1).op(Op.i32_add).set(this.t);
    c.get(this.hb).i32(0xffff).get(this.t).get(this.t).i32(0xffff).op(Op.i32_gt_u, Op.select).mem(Op.i32_store16, 0);
  }

  /** insn, len (and half) from the page at po; a parcel not expanded yet, or crossing the page: stop. */
  private fetch(): void {
    const { c, l } = this;
    // One load of 32 bits, but of 16 in the page's last halfword (the word would reach past it).
    c.get(this.po).i32(4092).op(Op.i32_gt_u);
    c.ifI32();
    c.get(MEM).get(this.po).op(Op.i32_add).mem(Op.i32_load16_u, 0);
    c.else();
    c.get(MEM).get(this.po).op(Op.i32_add).mem(Op.i32_load, 0);
    c.end().tee(this.insn).i32(0xffff).op(Op.i32_and).set(this.half);
    c.get(this.insn).i32(3).op(Op.i32_and).i32(3).op(Op.i32_eq);
    l.if();
    c.get(this.po).i32(4092).op(Op.i32_gt_u);
    l.brIf('stop');
    c.i32(4).set(this.len);
    l.else();
    c.get(this.half).i32(2).op(Op.i32_shl).get(this.lane).op(Op.i32_add).mem(Op.i32_load, LANE_CEXP).tee(this.insn).i32(3).op(Op.i32_and).i32(3).op(Op.i32_ne);
    l.if(); // not expanded yet: expand it (its entry is filled), or stop at a reserved one
    c.get(ST).get(this.half).i32(0).i32(0).i32(SLOT_EXPAND).callIndirect(TYPE_EXEC).tee(this.insn).i32(3).op(Op.i32_and).i32(3).op(Op.i32_ne);
    l.brIf('stop');
    l.end();
    c.i32(2).set(this.len);
    l.end();
  }

  /** Fields, rs1's value and where rd goes; then the major opcode's handler. */
  private decode(): void {
    const { c, l } = this;
    const insn = this.insn;
    // rd's slot word, or the dump for x0 (which stays zero).
    c.get(ST).get(insn).i32(4).op(Op.i32_shr_u).i32(0xf8).op(Op.i32_and, Op.i32_add);
    c.get(ST).i32(ST_DUMP).op(Op.i32_add);
    c.get(insn).i32(0xf80).op(Op.i32_and, Op.select).set(this.rdA);
    this.loadReg(15);
    c.set(this.v1);
    c.get(insn).i32(12).op(Op.i32_shr_u).i32(7).op(Op.i32_and).set(this.f3);
    const handlers: [number, string][] = [
      [OP_LOAD, 'load'], [OP_MISC_MEM, 'misc'], [OP_IMM, 'imm'], [OP_AUIPC, 'auipc'], [OP_IMM_32, 'imm32'],
      [OP_STORE, 'store'], [OP_OP, 'op'], [OP_LUI, 'lui'], [OP_OP_32, 'op32'], [OP_BRANCH, 'branch'],
      [OP_JALR, 'jalr'], [OP_JAL, 'jal'], [OP_SYSTEM, 'system'],
      [OP_LOAD_FP, 'exec'], [OP_STORE_FP, 'exec'], [OP_AMO, this.layout.shared ? 'exec' : 'amo'], [OP_MADD, 'exec'], [OP_MSUB, 'exec'],
      [OP_NMSUB, 'exec'], [OP_NMADD, 'exec'], [OP_FP, 'exec'],
    ];
    const names = ['load', 'misc', 'imm', 'auipc', 'imm32', 'store', 'op', 'lui', 'op32', 'branch', 'jalr', 'jal', 'system', 'amo', 'exec'];
    const slots: string[] = new Array<string>(32).fill('stop');
    for (const [op, name] of handlers) slots[op >> 2] = name;
    l.block('transfer'); // npc set: a control transfer
    for (let i = names.length - 1; i >= 0; i--) l.block(names[i]!);
    c.get(insn).i32(2).op(Op.i32_shr_u).i32(31).op(Op.i32_and);
    l.table(slots, 'stop');
    for (const name of names) {
      l.end();
      this.handler(name);
    }
    l.end(); // transfer
    this.transfer();
  }

  /** Push the value of the register whose number is at bit `shift` of insn. */
  private loadReg(shift: number): void {
    this.c.get(ST).get(this.insn).i32(shift - 3).op(Op.i32_shr_u).i32(0xf8).op(Op.i32_and, Op.i32_add).mem(Op.i64_load, ST_X);
  }

  /** rd = the i64 on the stack, then on to the next instruction. (Emits: value already pushed after rdA.) */
  private putAndNext(): void {
    this.c.mem(Op.i64_store, 0);
    this.l.br('next');
  }

  /** The sign-extended I-type immediate as i64. */
  private immI(): void {
    this.c.get(this.insn).i32(20).op(Op.i32_shr_s, Op.i64_extend_i32_s);
  }

  private handler(name: string): void {
    switch (name) {
      case 'load': return this.load();
      case 'misc': return this.misc();
      case 'imm': return this.opImm();
      case 'auipc': return this.auipc();
      case 'imm32': return this.opImm32();
      case 'store': return this.store();
      case 'op': return this.op();
      case 'lui': return this.lui();
      case 'op32': return this.op32();
      case 'branch': return this.branch();
      case 'jalr': return this.jalr();
      case 'jal': return this.jal();
      case 'system': return this.system();
      case 'amo': return this.amo();
      default: return this.exec();
    }
  }

  private lui(): void {
    const c = this.c;
    c.get(this.rdA).get(this.insn).i32(-4096).op(Op.i32_and, Op.i64_extend_i32_s);
    this.putAndNext();
  }

  private auipc(): void {
    const c = this.c;
    c.get(this.rdA).get(this.pc).get(this.insn).i32(-4096).op(Op.i32_and, Op.i64_extend_i32_s, Op.i64_add);
    this.putAndNext();
  }

  private misc(): void {
    // FENCE orders nothing on one in-order hart; on shared RAM it is a real fence (as in blocks).
    // FENCE.I and reserved funct3: JavaScript.
    const { c, l } = this;
    c.get(this.f3);
    l.brIf('stop');
    if (this.layout.shared) c.atomicFence();
    l.br('next');
  }

  /** OP-IMM: rd = rs1 op imm (unpriv spec 2.4.1). */
  private opImm(): void {
    const { c, l } = this;
    const ops = ['add', 'sll', 'slt', 'sltu', 'xor', 'sr', 'or', 'and'];
    for (let i = ops.length - 1; i >= 0; i--) l.block(`i_${ops[i]!}`);
    c.get(this.f3);
    l.table(ops.map((o) => `i_${o}`), 'stop');
    const simple = (op: number, extend = false): void => {
      c.get(this.rdA).get(this.v1);
      this.immI();
      c.op(op);
      if (extend) c.op(Op.i64_extend_i32_u);
      this.putAndNext();
    };
    l.end(); simple(Op.i64_add);
    l.end(); // slli: imm[11:6] must be 0 (RV64)
    c.get(this.insn).i32(26).op(Op.i32_shr_u);
    l.brIf('stop');
    simple(Op.i64_shl);
    l.end(); simple(Op.i64_lt_s, true);
    l.end(); simple(Op.i64_lt_u, true);
    l.end(); simple(Op.i64_xor);
    l.end(); // srli / srai by imm[11:6] = 0 / 0x10
    c.get(this.insn).i32(26).op(Op.i32_shr_u).tee(this.t);
    l.if();
    c.get(this.t).i32(0x10).op(Op.i32_ne);
    l.brIf('stop');
    simple(Op.i64_shr_s);
    l.end();
    simple(Op.i64_shr_u);
    l.end(); simple(Op.i64_or);
    l.end(); simple(Op.i64_and);
  }

  /** OP-IMM-32: ADDIW, SLLIW, SRLIW, SRAIW (unpriv spec 2.4.1 / 5.2). */
  private opImm32(): void {
    const { c, l } = this;
    const f7 = (): void => { c.get(this.insn).i32(25).op(Op.i32_shr_u); };
    const w = (op: number, shamt: boolean): void => {
      c.get(this.rdA).get(this.v1).op(Op.i32_wrap_i64);
      if (shamt) c.get(this.insn).i32(20).op(Op.i32_shr_u).i32(31).op(Op.i32_and);
      else c.get(this.insn).i32(20).op(Op.i32_shr_s);
      c.op(op, Op.i64_extend_i32_s);
      this.putAndNext();
    };
    c.get(this.f3).op(Op.i32_eqz);
    l.if();
    w(Op.i32_add, false);
    l.end();
    c.get(this.f3).i32(1).op(Op.i32_eq);
    l.if();
    f7();
    l.brIf('stop');
    w(Op.i32_shl, true);
    l.end();
    c.get(this.f3).i32(5).op(Op.i32_ne);
    l.brIf('stop');
    f7();
    l.if();
    f7();
    c.i32(0x20).op(Op.i32_ne);
    l.brIf('stop');
    w(Op.i32_shr_s, true);
    l.end();
    w(Op.i32_shr_u, true);
  }

  /** OP: RV64I register-register and M (unpriv spec 2.4.2, 7.1, 7.2). */
  private op(): void {
    const { c, l } = this;
    this.loadReg(20);
    c.set(this.v2);
    c.get(this.insn).i32(25).op(Op.i32_shr_u).tee(this.t);
    l.if(); // f7 != 0
    c.get(this.t).i32(1).op(Op.i32_eq);
    l.if();
    this.mulDiv();
    l.end();
    c.get(this.t).i32(0x20).op(Op.i32_ne);
    l.brIf('stop');
    c.get(this.f3).op(Op.i32_eqz);
    l.if();
    this.reg2(Op.i64_sub);
    l.end();
    c.get(this.f3).i32(5).op(Op.i32_ne);
    l.brIf('stop');
    this.reg2(Op.i64_shr_s);
    l.end();
    const ops = [Op.i64_add, Op.i64_shl, Op.i64_lt_s, Op.i64_lt_u, Op.i64_xor, Op.i64_shr_u, Op.i64_or, Op.i64_and];
    for (let i = ops.length - 1; i >= 0; i--) l.block(`r${i}`);
    c.get(this.f3);
    l.table(ops.map((_, i) => `r${i}`), 'stop');
    ops.forEach((op, i) => {
      l.end();
      this.reg2(op, i === 2 || i === 3);
    });
  }

  private reg2(op: number, extend = false): void {
    const c = this.c;
    c.get(this.rdA).get(this.v1).get(this.v2).op(op);
    if (extend) c.op(Op.i64_extend_i32_u);
    this.putAndNext();
  }

  /** MUL, MULH, MULHSU, MULHU, DIV, DIVU, REM, REMU (f3 0-7). */
  private mulDiv(): void {
    const { c, l } = this;
    const v1 = this.v1;
    const v2 = this.v2;
    c.get(this.f3).op(Op.i32_eqz);
    l.if();
    this.reg2(Op.i64_mul);
    l.end();
    c.get(this.f3).i32(4).op(Op.i32_lt_u);
    l.if();
    // The unsigned high product, less b when a < 0 (MULH, MULHSU) and a when b < 0 (MULH).
    c.get(this.rdA).get(v1).get(v2).call(this.layout.mulhu);
    c.get(v2).i64(0).get(v1).i64(0).op(Op.i64_lt_s, Op.select).i64(0).get(this.f3).i32(3).op(Op.i32_ne, Op.select, Op.i64_sub);
    c.get(v1).i64(0).get(v2).i64(0).op(Op.i64_lt_s, Op.select).i64(0).get(this.f3).i32(1).op(Op.i32_eq, Op.select, Op.i64_sub);
    this.putAndNext();
    l.end();
    this.divRem(false);
  }

  /**
   * rd = rs1 (div|rem)[u][w] rs2, f3 4-7 (unpriv spec 7.2: x/0 = -1, x%0 = x, MIN/-1 = MIN,
   * MIN%-1 = 0; wasm traps on the first two and MIN/-1, so those are tested first).
   */
  private divRem(w32: boolean): void {
    const { c, l } = this;
    const operand = (x: number): void => {
      c.get(x);
      if (w32) c.op(Op.i32_wrap_i64);
    };
    const eqz = w32 ? Op.i32_eqz : Op.i64_eqz;
    const ops = w32 ? DIV_OPS_32 : DIV_OPS_64;
    const done = (): void => {
      if (w32) c.op(Op.i64_extend_i32_s);
      this.putAndNext();
    };
    operand(this.v2);
    c.op(eqz);
    l.if(); // by zero: -1 for a quotient, the dividend for a remainder
    c.get(this.rdA).i64(-1);
    c.get(this.v1);
    if (w32) c.op(Op.i32_wrap_i64, Op.i64_extend_i32_s);
    c.get(this.f3).i32(6).op(Op.i32_lt_u, Op.select);
    this.putAndNext();
    l.end();
    for (let i = 3; i >= 0; i--) l.block(`d${i}`);
    c.get(this.f3).i32(4).op(Op.i32_sub);
    l.table(['d0', 'd1', 'd2', 'd3'], 'stop');
    l.end(); // div: MIN / -1 = MIN
    operand(this.v1);
    if (w32) c.i32(-0x8000_0000).op(Op.i32_eq);
    else c.i64(-(2n ** 63n)).op(Op.i64_eq);
    operand(this.v2);
    if (w32) c.i32(-1).op(Op.i32_eq);
    else c.i64(-1).op(Op.i64_eq);
    c.op(Op.i32_and);
    l.if();
    c.get(this.rdA);
    operand(this.v1);
    done();
    l.end();
    c.get(this.rdA);
    operand(this.v1);
    operand(this.v2);
    c.op(ops[0]!);
    done();
    for (let i = 1; i < 4; i++) {
      l.end();
      c.get(this.rdA);
      operand(this.v1);
      operand(this.v2);
      c.op(ops[i]!);
      done();
    }
  }

  /** OP-32: ADDW, SUBW, SLLW, SRLW, SRAW, MULW, DIVW, DIVUW, REMW, REMUW. */
  private op32(): void {
    const { c, l } = this;
    this.loadReg(20);
    c.set(this.v2);
    const w = (op: number): void => {
      c.get(this.rdA).get(this.v1).op(Op.i32_wrap_i64).get(this.v2).op(Op.i32_wrap_i64, op, Op.i64_extend_i32_s);
      this.putAndNext();
    };
    c.get(this.insn).i32(25).op(Op.i32_shr_u).tee(this.t);
    l.if(); // f7 != 0
    c.get(this.t).i32(1).op(Op.i32_eq);
    l.if();
    c.get(this.f3).op(Op.i32_eqz);
    l.if();
    w(Op.i32_mul);
    l.end();
    c.get(this.f3).i32(4).op(Op.i32_lt_u);
    l.brIf('stop');
    this.divRem(true);
    l.end();
    c.get(this.t).i32(0x20).op(Op.i32_ne);
    l.brIf('stop');
    c.get(this.f3).op(Op.i32_eqz);
    l.if();
    w(Op.i32_sub);
    l.end();
    c.get(this.f3).i32(5).op(Op.i32_ne);
    l.brIf('stop');
    w(Op.i32_shr_s);
    l.end();
    c.get(this.f3).op(Op.i32_eqz);
    l.if();
    w(Op.i32_add);
    l.end();
    c.get(this.f3).i32(1).op(Op.i32_eq);
    l.if();
    w(Op.i32_shl);
    l.end();
    c.get(this.f3).i32(5).op(Op.i32_ne);
    l.brIf('stop');
    w(Op.i32_shr_u);
  }

  /**
   * o = arena offset of the access at a (width `width`, a local): the page cache inline, else
   * ldmiss/stmiss with the pc stored and the count so far. MISS_FAULT: stop (JavaScript takes the
   * pending trap). MISS_SLOW (MMIO, across a page, a store into code): the hart runs the whole
   * instruction through `exec`, as it runs CSR accesses, and the handler is left for the next
   * instruction — not a trip through the JavaScript interpreter up to its next branch, 11,000 times
   * in a Linux boot.
   */
  private access(store: boolean, width: number): void {
    const { c, l } = this;
    const cache = store ? ST_STORE : ST_LOAD;
    c.get(this.a).op(Op.i32_wrap_i64).tee(this.al);
    pageEntry(c, ST, this.e);
    c.get(this.e).mem(Op.i32_load, cache + PC_TAG_LO);
    pageKey(c, ST, this.al);
    c.op(Op.i32_eq);
    c.get(this.e).mem(Op.i32_load, cache + PC_TAG_HI).get(this.a).i64(32).op(Op.i64_shr_u, Op.i32_wrap_i64, Op.i32_eq, Op.i32_and);
    c.get(this.al).i32(4095).op(Op.i32_and).i32(4096).get(width).op(Op.i32_sub, Op.i32_le_u, Op.i32_and);
    c.ifI32();
    c.get(this.e).mem(Op.i32_load, cache + PC_MEM).get(this.al).i32(4095).op(Op.i32_and, Op.i32_add);
    c.else();
    c.get(ST).get(this.pc).mem(Op.i64_store, ST_PC);
    c.get(ST).get(this.al).get(this.a).i64(32).op(Op.i64_shr_u, Op.i32_wrap_i64).get(width).get(this.n);
    c.i32(store ? SLOT_STMISS : SLOT_LDMISS).callIndirect(TYPE_MISS);
    c.end().tee(this.o).i32(0).op(Op.i32_lt_s);
    l.if();
    c.get(this.o).i32(MISS_FAULT).op(Op.i32_eq);
    l.brIf('stop');
    this.exec();
    l.end();
  }

  private load(): void {
    const { c, l } = this;
    c.get(this.f3).i32(7).op(Op.i32_eq);
    l.brIf('stop');
    c.get(this.v1);
    this.immI();
    c.op(Op.i64_add).set(this.a);
    c.i32(1).get(this.f3).i32(3).op(Op.i32_and, Op.i32_shl).set(this.t);
    this.access(false, this.t);
    for (let i = 6; i >= 0; i--) l.block(`l${i}`);
    c.get(this.f3);
    l.table([0, 1, 2, 3, 4, 5, 6].map((i) => `l${i}`), 'stop');
    for (let i = 0; i < 7; i++) {
      l.end();
      c.get(this.rdA).get(this.o).mem(LOAD_OPS[i]!, 0);
      this.putAndNext();
    }
  }

  private store(): void {
    const { c, l } = this;
    c.get(this.f3).i32(3).op(Op.i32_gt_u);
    l.brIf('stop');
    c.get(this.v1);
    // S-type immediate: imm[11:5] from bits 31:25, imm[4:0] from bits 11:7.
    c.get(this.insn).i32(20).op(Op.i32_shr_s).i32(-32).op(Op.i32_and);
    c.get(this.insn).i32(7).op(Op.i32_shr_u).i32(31).op(Op.i32_and, Op.i32_or, Op.i64_extend_i32_s, Op.i64_add).set(this.a);
    c.i32(1).get(this.f3).op(Op.i32_shl).set(this.t);
    this.access(true, this.t);
    this.loadReg(20);
    c.set(this.v2);
    for (let i = 3; i >= 0; i--) l.block(`s${i}`);
    c.get(this.f3);
    l.table(['s0', 's1', 's2', 's3'], 'stop');
    for (let i = 0; i < 4; i++) {
      l.end();
      c.get(this.o).get(this.v2).mem(STORE_OPS[i]!, 0);
      l.br('next');
    }
  }

  private branch(): void {
    const { c, l } = this;
    this.loadReg(20);
    c.set(this.v2);
    // a = pc + B-immediate (taken), npc = that or pc + len.
    c.get(this.pc);
    c.get(this.insn).i32(19).op(Op.i32_shr_s).i32(-4096).op(Op.i32_and);
    c.get(this.insn).i32(4).op(Op.i32_shl).i32(0x800).op(Op.i32_and, Op.i32_or);
    c.get(this.insn).i32(20).op(Op.i32_shr_u).i32(0x7e0).op(Op.i32_and, Op.i32_or);
    c.get(this.insn).i32(7).op(Op.i32_shr_u).i32(0x1e).op(Op.i32_and, Op.i32_or);
    c.op(Op.i64_extend_i32_s, Op.i64_add).set(this.a);
    const conds = [Op.i64_eq, Op.i64_ne, -1, -1, Op.i64_lt_s, Op.i64_ge_s, Op.i64_lt_u, Op.i64_ge_u];
    for (let i = 7; i >= 0; i--) if (conds[i]! >= 0) l.block(`b${i}`);
    c.get(this.f3);
    l.table(conds.map((op, i) => (op >= 0 ? `b${i}` : 'stop')), 'stop');
    conds.forEach((op) => {
      if (op < 0) return;
      l.end();
      c.get(this.a).get(this.pc).get(this.len).op(Op.i64_extend_i32_u, Op.i64_add).get(this.v1).get(this.v2).op(op, Op.select).set(this.npc);
      l.br('transfer');
    });
  }

  private jal(): void {
    const { c, l } = this;
    c.get(this.rdA).get(this.pc).get(this.len).op(Op.i64_extend_i32_u, Op.i64_add).mem(Op.i64_store, 0);
    c.get(this.pc);
    c.get(this.insn).i32(11).op(Op.i32_shr_s).i32(0xfff0_0000 | 0).op(Op.i32_and);
    c.get(this.insn).i32(0x000f_f000).op(Op.i32_and, Op.i32_or);
    c.get(this.insn).i32(9).op(Op.i32_shr_u).i32(0x800).op(Op.i32_and, Op.i32_or);
    c.get(this.insn).i32(20).op(Op.i32_shr_u).i32(0x7fe).op(Op.i32_and, Op.i32_or);
    c.op(Op.i64_extend_i32_s, Op.i64_add).set(this.npc);
    l.br('transfer');
  }

  private jalr(): void {
    const { c, l } = this;
    c.get(this.f3);
    l.brIf('stop');
    // Target first: rd may be rs1 (unpriv spec 2.5: the target uses the old rs1).
    c.get(this.v1);
    this.immI();
    c.op(Op.i64_add).i64(-2).op(Op.i64_and).set(this.npc);
    c.get(this.rdA).get(this.pc).get(this.len).op(Op.i64_extend_i32_u, Op.i64_add).mem(Op.i64_store, 0);
    l.br('transfer');
  }

  /**
   * AMOADD/SWAP/XOR/AND/OR/MIN/MAX/MINU/MAXU .W and .D on one thread (unpriv spec 8.4): aligned,
   * through the store page cache (an AMO is a store for translation and faults), old value to rd
   * (sign-extended for .W). The .W forms compare sign-extended values, which orders them as
   * their 32-bit selves, signed or unsigned. LR/SC (the reservation is the hart's), misaligned
   * ones (they trap), reserved encodings and shared RAM (compare-and-swap): through exec.
   */
  private amo(): void {
    const { c, l } = this;
    const ops = new Map<number, string>([
      [0x00, 'add'], [0x01, 'swap'], [0x04, 'xor'], [0x0c, 'and'], [0x08, 'or'], [0x10, 'min'], [0x14, 'max'], [0x18, 'minu'], [0x1c, 'maxu'],
    ]);
    l.block('amoexec');
    c.get(this.f3).i32(2).op(Op.i32_sub).i32(1).op(Op.i32_gt_u);
    l.brIf('amoexec');
    // width in t: 4 or 8; misaligned: through the hart (its misaligned trap).
    c.i32(4).get(this.f3).i32(1).op(Op.i32_and, Op.i32_shl).tee(this.t);
    c.i32(1).op(Op.i32_sub).get(this.v1).op(Op.i32_wrap_i64, Op.i32_and);
    l.brIf('amoexec');
    const names = [...ops.values()];
    const slots: string[] = new Array<string>(32).fill('amoexec');
    for (const [f5, name] of ops) slots[f5] = `a_${name}`;
    c.get(this.v1).set(this.a);
    for (let i = names.length - 1; i >= 0; i--) l.block(`a_${names[i]!}`);
    c.get(this.insn).i32(27).op(Op.i32_shr_u);
    l.table(slots, 'amoexec');
    for (const name of names) {
      l.end();
      this.amoOp(name);
    }
    l.end(); // amoexec
    this.exec();
  }

  /** One AMO: old value in npc, rs2 (sign-extended for .W) in v2, the new value stored, rd = old. */
  private amoOp(name: string): void {
    const { c, l } = this;
    this.access(true, this.t);
    c.get(this.t).i32(4).op(Op.i32_eq);
    l.if();
    c.get(this.o).mem(Op.i64_load32_s, 0).set(this.npc);
    this.loadReg(20);
    c.op(Op.i32_wrap_i64, Op.i64_extend_i32_s).set(this.v2);
    l.else();
    c.get(this.o).mem(Op.i64_load, 0).set(this.npc);
    this.loadReg(20);
    c.set(this.v2);
    l.end();
    const old = this.npc;
    const src = this.v2;
    // The new value into v1 (rs1's value is no longer needed: the address is in a).
    switch (name) {
      case 'add': c.get(old).get(src).op(Op.i64_add); break;
      case 'swap': c.get(src); break;
      case 'xor': c.get(old).get(src).op(Op.i64_xor); break;
      case 'and': c.get(old).get(src).op(Op.i64_and); break;
      case 'or': c.get(old).get(src).op(Op.i64_or); break;
      case 'min': c.get(old).get(src).get(old).get(src).op(Op.i64_lt_s, Op.select); break;
      case 'max': c.get(old).get(src).get(old).get(src).op(Op.i64_gt_s, Op.select); break;
      case 'minu': c.get(old).get(src).get(old).get(src).op(Op.i64_lt_u, Op.select); break;
      default: c.get(old).get(src).get(old).get(src).op(Op.i64_gt_u, Op.select);
    }
    c.set(this.v1);
    c.get(this.t).i32(4).op(Op.i32_eq);
    l.if();
    c.get(this.o).get(this.v1).mem(Op.i64_store32, 0);
    l.else();
    c.get(this.o).get(this.v1).mem(Op.i64_store, 0);
    l.end();
    c.get(this.rdA).get(old);
    this.putAndNext();
  }

  private system(): void {
    // WFI ends run() and the hypervisor's loads and stores (funct3 4) are the hart's: JavaScript.
    const { c, l } = this;
    c.get(this.insn).i32(INSN_WFI).op(Op.i32_eq).get(this.f3).i32(4).op(Op.i32_eq, Op.i32_or);
    l.brIf('stop');
    this.exec();
  }

  /**
   * The instruction at pc through the hart (WasmHart.jitExec) with the pc stored: 0, on to the
   * next (pc + len); 1, it retired and yields; 2, it trapped (the hart took it, retiring nothing;
   * the pc is its handler's) and yields — back to the dispatcher with the pc exec left.
   */
  private exec(): void {
    const { c, l } = this;
    c.get(ST).get(this.pc).mem(Op.i64_store, ST_PC);
    // A compressed instruction goes as its parcel (its illegal-instruction tval), as from blocks.
    c.get(ST).get(this.half).get(this.insn).get(this.len).i32(2).op(Op.i32_eq, Op.select).get(this.len).get(this.n);
    c.i32(SLOT_EXEC).callIndirect(TYPE_EXEC).tee(this.t).op(Op.i32_eqz);
    l.brIf('next');
    c.get(this.n).get(this.t).i32(1).op(Op.i32_eq, Op.i32_add).set(this.n);
    c.get(ST).mem(Op.i64_load, ST_PC).set(this.pc);
    this.why(WHY_YIELD);
    l.br('neg');
  }

  /**
   * npc is the next pc after a branch or jump (retired now): another page, or a block the budget
   * covers, goes back to the dispatcher; otherwise a new head starts here.
   */
  private transfer(): void {
    const { c, l } = this;
    c.get(this.n).i32(1).op(Op.i32_add).set(this.n);
    c.get(this.npc).get(this.pc).op(Op.i64_xor).i64(-4096).op(Op.i64_and, Op.i64_eqz);
    c.get(this.npc).set(this.pc);
    c.op(Op.i32_eqz);
    l.brIf('ret');
    c.get(this.pc).op(Op.i32_wrap_i64).i32(4095).op(Op.i32_and).set(this.po);
    c.get(MEM).get(this.po).op(Op.i32_add).i32(1).op(Op.i32_add).tee(this.key);
    c.i32(1).op(Op.i32_shr_u).i32(JC_ENTRIES - 1).op(Op.i32_and).i32(4).op(Op.i32_shl).get(this.lane).op(Op.i32_add).tee(this.j);
    c.mem(Op.i32_load, 0).get(this.key).op(Op.i32_eq);
    c.get(this.j).mem(Op.i32_load, 8).get(BUDGET).get(this.n).op(Op.i32_sub, Op.i32_le_s, Op.i32_and);
    l.brIf('ret');
    this.credit();
    l.br('head');
  }
}
