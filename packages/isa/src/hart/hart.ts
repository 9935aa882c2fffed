import type { Clock, Snapshottable, VersionedState, VmExit } from '@vm/core';
import { VmError } from '@vm/core';
import type { Mmu, Ram, SystemBus } from '@vm/mmu';
import { ACCESS_FETCH, ACCESS_LOAD, ACCESS_STORE, BUS_FAULT } from '@vm/mmu';
import type { AccessType } from '@vm/mmu';
import {
  CAUSE_BREAKPOINT, CAUSE_ECALL_U, CAUSE_FETCH_ACCESS, CAUSE_ILLEGAL_INSTRUCTION, CAUSE_LOAD_ACCESS,
  CAUSE_MISALIGNED_LOAD, CAUSE_MISALIGNED_STORE, CAUSE_STORE_ACCESS, IRQ_PRIORITY, IRQ_STI,
} from './causes.js';
import { compressedTable } from './compressed.js';
import { CSR_TABLE, csrAccessAllowed } from './csr-file.js';
import type { CsrDef } from './csr-file.js';
import { executeFp } from './fp-dispatch.js';
import type { FpState } from './fp-dispatch.js';
import {
  OP_AMO, OP_AUIPC, OP_BRANCH, OP_FP, OP_IMM, OP_IMM_32, OP_JAL, OP_JALR, OP_LOAD, OP_LOAD_FP, OP_LUI, OP_MADD,
  OP_MISC_MEM, OP_MSUB, OP_NMADD, OP_NMSUB, OP_OP, OP_OP_32, OP_STORE, OP_STORE_FP, OP_SYSTEM,
} from './formats.js';
import { add64, lt64, ltu64, sll64, sra64, srl64, sub64, toBig } from './int64.js';
import {
  FS_DIRTY, FS_OFF, legalizeMstatus, MSTATUS_FS, MSTATUS_FS_SHIFT, MSTATUS_MIE, MSTATUS_MPIE, MSTATUS_MPP,
  MSTATUS_MPP_SHIFT, MSTATUS_MPRV, MSTATUS_MXR, MSTATUS_SIE, MSTATUS_SPIE, MSTATUS_SPP, MSTATUS_SUM,
  MSTATUS_TSR, MSTATUS_TVM, MSTATUS_TW,
} from './mstatus.js';
import { mulDiv32, mulDiv64 } from './muldiv.js';
import { PageCache } from './page-cache.js';

export interface HartOptions {
  hartId: number;
  bus: SystemBus;
  mmu: Mmu;
  clock: Clock;
  /**
   * The host owns M-mode: a trap that would enter M-mode makes `run()` return a `trap` exit
   * instead of jumping to mtvec — how a hypervisor written in TypeScript takes control at every
   * trap of a deprivileged guest, as an M-mode handler would (trap-and-emulate).
   */
  hostTraps?: boolean;
}

/** Plain-data state of a hart (version 1). */
export interface HartState extends VersionedState {
  readonly version: 1;
  readonly pc: bigint;
  readonly x: BigUint64Array;
  readonly f: BigUint64Array;
  readonly priv: number;
  readonly retired: number;
  readonly fflags: number;
  readonly frm: number;
  readonly mstatus: number;
  readonly mie: number;
  readonly mipSw: number;
  readonly mipHw: number;
  readonly mideleg: number;
  readonly medeleg: number;
  readonly mtvec: bigint;
  readonly stvec: bigint;
  readonly mepc: bigint;
  readonly sepc: bigint;
  readonly mcause: bigint;
  readonly scause: bigint;
  readonly mtval: bigint;
  readonly stval: bigint;
  readonly mscratch: bigint;
  readonly sscratch: bigint;
  readonly satp: bigint;
  readonly mcounteren: number;
  readonly scounteren: number;
  readonly mcountinhibit: number;
  readonly menvcfg: bigint;
  readonly senvcfg: bigint;
  readonly stimecmp: bigint;
  readonly cycleOffset: bigint;
  readonly instretOffset: bigint;
  readonly reservation: bigint | null;
}

const PRIV_U = 0;
const PRIV_S = 1;
const PRIV_M = 3;

/** Thrown inside run() to unwind an instruction that raised an exception; never escapes run(). */
const TRAP_SIGNAL: { readonly trap: true } = { trap: true };

const EXIT_BUDGET: VmExit = { reason: 'budget' };
const EXIT_WFI: VmExit = { reason: 'wfi' };

/** Results of the out-of-line SYSTEM executor. */
const SYS_NEXT = 0; // continue at pc + len
const SYS_JUMPED = 1; // pc already set (xRET)
const SYS_WFI = 2; // continue at pc + len, then leave run() with 'wfi'

/** No translation cached: the low 12 bits of a page key are always zero. */
const NO_PAGE = 1;

const ALL_ONES_64 = (1n << 64n) - 1n;

/** Access width by funct3[1:0] of a load/store. */
const WIDTHS = [1, 2, 4, 8] as const;

/**
 * One RV64IMAFDC hart with M, S and U modes (priv spec 1.12), Zicsr, Zifencei, Zicntr and Sstc.
 *
 * Integer registers live in a BigUint64Array that the hot loop also views as int32 halves (V8 runs
 * 32-bit arithmetic without allocating; most BigInt operations allocate). Instructions are fetched
 * straight from RAM through a cached VA→RAM page translation, so stores and DMA into code need no
 * invalidation; RVC encodings are expanded through a 64 Ki-entry table. Exceptions unwind the
 * current instruction with a sentinel throw caught in run(); interrupts are taken at instruction
 * boundaries when `attention` is set, which is recomputed whenever mip, mie, mideleg, mstatus or
 * the privilege change.
 */
export class Hart implements Snapshottable<HartState> {
  readonly hartId: number;
  readonly bus: SystemBus;
  readonly mmu: Mmu;
  readonly clock: Clock;
  /** See HartOptions.hostTraps. */
  readonly hostTraps: boolean;

  readonly x = new BigUint64Array(32);
  readonly f = new BigUint64Array(32);
  /** FP state handed to the FP unit; `fp.f` is `f`. */
  readonly fp: FpState = { f: this.f, fflags: 0, frm: 0 };
  retired = 0;
  private privLevel = PRIV_M;

  // ---- architectural CSR state (read and written through csr-file.ts) ----
  /** mstatus bits 22:0 (the rest is constant or derived; see mstatus.ts). */
  mstatus = 0;
  mie = 0;
  /** Software-writable mip bits: SSIP, STIP (when not driven by Sstc) and SEIP. */
  mipSw = 0;
  /** mip bits driven by wires: MSIP, MTIP, MEIP and the PLIC's SEIP. */
  mipHw = 0;
  /** STIP as computed by Sstc (stimecmp <= time) when menvcfg.STCE is set. */
  sstcPending = false;
  mideleg = 0;
  medeleg = 0;
  mtvec = 0n;
  stvec = 0n;
  mepc = 0n;
  sepc = 0n;
  mcause = 0n;
  scause = 0n;
  mtval = 0n;
  stval = 0n;
  mscratch = 0n;
  sscratch = 0n;
  satp = 0n;
  mcounteren = 0;
  scounteren = 0;
  mcountinhibit = 0;
  menvcfg = 0n;
  senvcfg = 0n;
  stimecmp = ALL_ONES_64;
  /** mcycle = retired + cycleOffset (one cycle per instruction); likewise minstret. */
  cycleOffset = 0n;
  instretOffset = 0n;
  /** Values frozen by mcountinhibit (CY, IR). */
  cycleFrozen = 0n;
  instretFrozen = 0n;

  // ---- derived / cached state ----
  /** Effective privilege of loads and stores (MPRV applies MPP in M-mode; priv spec 3.1.6.3). */
  private dataPriv = PRIV_M;
  /** Set when an interrupt may be takeable or an exit was requested: checked once per instruction. */
  private attention = false;
  private exitRequest: VmExit | undefined;
  /** LR/SC reservation: the virtual address of the last LR, or -1n when none. */
  private reservation = -1n;
  /** Cached translations: page key (hi word, lo word & ~0xfff) → byte offset of the page in RAM. */
  private fHi = 0;
  private fLo = NO_PAGE;
  private fOff = 0;
  private ldHi = 0;
  private ldLo = NO_PAGE;
  private ldOff = 0;
  private stHi = 0;
  private stLo = NO_PAGE;
  private stOff = 0;
  /** Second level behind the single-entry caches above. */
  private readonly fetchPages = new PageCache();
  private readonly loadPages = new PageCache();
  private readonly storePages = new PageCache();
  /** The pc as int32 halves. */
  private pcLo = 0;
  private pcHi = 0;
  /** Exception being raised (valid while TRAP_SIGNAL unwinds). */
  private trapCause = 0;
  private trapTval = 0n;

  private readonly xw: Int32Array;
  private readonly ram: Ram;
  private readonly ramBytes: Uint8Array;
  private readonly ramView: DataView;
  private readonly cexp: Int32Array;

  constructor(opts: HartOptions) {
    this.hartId = opts.hartId;
    this.bus = opts.bus;
    this.mmu = opts.mmu;
    this.clock = opts.clock;
    this.hostTraps = opts.hostTraps ?? false;
    this.xw = new Int32Array(this.x.buffer);
    this.ram = opts.bus.ram;
    this.ramBytes = this.ram.bytes;
    this.ramView = this.ram.view;
    this.cexp = compressedTable();
    this.reset(0n);
  }

  /** Current privilege (0 U, 1 S, 3 M). Setting it from outside keeps the derived state coherent. */
  get priv(): number {
    return this.privLevel;
  }

  set priv(p: number) {
    this.privLevel = p;
    this.translationChanged();
    this.updateAttention();
  }

  get pc(): bigint {
    return toBig(this.pcLo, this.pcHi);
  }

  /** Bit 0 is dropped: pc is always IALIGN=16 aligned (unpriv spec 1.5). */
  set pc(v: bigint) {
    this.pcLo = Number(v & 0xffff_fffen) | 0;
    this.pcHi = Number((v >> 32n) & 0xffff_ffffn) | 0;
  }

  /** Reset (priv spec 3.4): M-mode, MIE = MPRV = 0, no delegation, bare translation. */
  reset(pc: bigint): void {
    this.x.fill(0n);
    this.f.fill(0n);
    this.fp.fflags = 0;
    this.fp.frm = 0;
    this.priv = PRIV_M;
    this.retired = 0;
    this.mstatus = 0;
    this.mie = 0;
    this.mipSw = 0;
    this.mipHw = 0;
    this.sstcPending = false;
    this.mideleg = 0;
    this.medeleg = 0;
    this.mtvec = this.stvec = this.mepc = this.sepc = 0n;
    this.mcause = this.scause = this.mtval = this.stval = 0n;
    this.mscratch = this.sscratch = 0n;
    this.satp = 0n;
    this.mcounteren = this.scounteren = this.mcountinhibit = 0;
    this.menvcfg = this.senvcfg = 0n;
    this.stimecmp = ALL_ONES_64;
    this.cycleOffset = this.instretOffset = 0n;
    this.reservation = -1n;
    this.exitRequest = undefined;
    this.mmu.satp = 0n;
    this.mmu.sum = false;
    this.mmu.mxr = false;
    this.mmu.flushAll();
    this.pc = BigInt.asUintN(64, pc);
    this.translationChanged();
  }

  // ---------------------------------------------------------------- board interface

  requestExit(exit: VmExit): void {
    this.exitRequest = exit;
    this.attention = true;
  }

  setInterruptPending(bit: number, level: boolean): void {
    const m = 1 << bit;
    this.mipHw = level ? this.mipHw | m : this.mipHw & ~m;
    this.updateAttention();
  }

  clearReservation(): void {
    this.reservation = -1n;
  }

  readCsr(n: number): bigint {
    return this.csrDef(n).read(this);
  }

  writeCsr(n: number, v: bigint): void {
    this.csrDef(n).write(this, BigInt.asUintN(64, v));
  }

  private csrDef(n: number): CsrDef {
    const def = CSR_TABLE[n & 0xfff];
    if (def === undefined) throw new VmError(`no CSR 0x${n.toString(16)}`);
    return def;
  }

  // ---------------------------------------------------------------- state hooks used by the CSR file

  /** Value of mip as software reads it: wires ORed with the software bits (priv spec 3.1.9). */
  mipValue(): number {
    let sw = this.mipSw;
    if (this.menvcfg >> 63n) sw = (sw & ~(1 << IRQ_STI)) | (this.sstcPending ? 1 << IRQ_STI : 0);
    return this.mipHw | sw;
  }

  /** Re-evaluate Sstc's STIP (stimecmp <= time when menvcfg.STCE; Sstc spec 2.1). */
  updateSstc(): void {
    const p = this.menvcfg >> 63n !== 0n && this.clock.now() >= this.stimecmp;
    if (p !== this.sstcPending) {
      this.sstcPending = p;
      this.updateAttention();
    }
  }

  setMstatus(v: number): void {
    const old = this.mstatus;
    this.mstatus = legalizeMstatus(old, v);
    this.mmu.sum = (this.mstatus & MSTATUS_SUM) !== 0;
    this.mmu.mxr = (this.mstatus & MSTATUS_MXR) !== 0;
    this.translationChanged();
    this.updateAttention();
  }

  /** Forget cached translations after satp, privilege, mstatus, PMP or sfence changes. */
  translationChanged(): void {
    const ms = this.mstatus;
    this.dataPriv = this.priv === PRIV_M && ms & MSTATUS_MPRV ? (ms & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT : this.priv;
    this.fLo = this.ldLo = this.stLo = NO_PAGE;
    this.fetchPages.clear();
    this.loadPages.clear();
    this.storePages.clear();
  }

  updateAttention(): void {
    this.attention = this.exitRequest !== undefined || this.pendingInterrupt() >= 0;
  }

  /** The interrupt to take now, or -1 (priv spec 3.1.9 enables and priority). */
  pendingInterrupt(): number {
    const pending = this.mipValue() & this.mie;
    if (pending === 0) return -1;
    const priv = this.priv;
    let take = 0;
    if (priv < PRIV_M || this.mstatus & MSTATUS_MIE) take = pending & ~this.mideleg;
    if (take === 0 && (priv < PRIV_S || (priv === PRIV_S && this.mstatus & MSTATUS_SIE))) take = pending & this.mideleg;
    if (take === 0) return -1;
    for (const irq of IRQ_PRIORITY) if (take & (1 << irq)) return irq;
    return -1;
  }

  /** Current mcycle / minstret (Zicntr; one cycle per retired instruction). */
  cycleValue(): bigint {
    return this.mcountinhibit & 1 ? this.cycleFrozen : BigInt.asUintN(64, BigInt(this.retired) + this.cycleOffset);
  }

  instretValue(): bigint {
    return this.mcountinhibit & 4 ? this.instretFrozen : BigInt.asUintN(64, BigInt(this.retired) + this.instretOffset);
  }

  /** Counter writes land "after" the writing instruction retires, so the next read sees `v`. */
  setCycle(v: bigint): void {
    if (this.mcountinhibit & 1) this.cycleFrozen = v;
    else this.cycleOffset = v - BigInt(this.retired + 1);
  }

  setInstret(v: bigint): void {
    if (this.mcountinhibit & 4) this.instretFrozen = v;
    else this.instretOffset = v - BigInt(this.retired + 1);
  }

  setCountInhibit(v: number): void {
    const cy = this.cycleValue();
    const ir = this.instretValue();
    this.mcountinhibit = v;
    if (v & 1) this.cycleFrozen = cy;
    else this.cycleOffset = cy - BigInt(this.retired + 1);
    if (v & 4) this.instretFrozen = ir;
    else this.instretOffset = ir - BigInt(this.retired + 1);
  }

  /** FP state is accessible only when mstatus.FS != Off (priv spec 3.1.6.6). */
  fpEnabled(): boolean {
    return (this.mstatus & MSTATUS_FS) >> MSTATUS_FS_SHIFT !== FS_OFF;
  }

  markFpDirty(): void {
    this.mstatus |= FS_DIRTY << MSTATUS_FS_SHIFT;
  }

  // ---------------------------------------------------------------- execution

  run(budget: number): VmExit {
    const x = this.x;
    const xw = this.xw;
    const bytes = this.ramBytes;
    const view = this.ramView;
    const cexp = this.cexp;
    let pcLo = this.pcLo;
    let pcHi = this.pcHi;
    let ret = this.retired;
    this.updateSstc();
    this.updateAttention();

    for (let n = 0; n < budget; n++) {
      if (this.attention) {
        this.pcLo = pcLo;
        this.pcHi = pcHi;
        this.retired = ret;
        const exit = this.exitRequest;
        if (exit !== undefined) {
          this.exitRequest = undefined;
          this.updateAttention();
          return exit;
        }
        const irq = this.pendingInterrupt();
        if (irq >= 0) {
          this.takeTrap(irq, 0n, true);
          pcLo = this.pcLo;
          pcHi = this.pcHi;
          const hostExit = this.exitRequest;
          if (hostExit !== undefined) {
            this.exitRequest = undefined;
            this.updateAttention();
            return hostExit;
          }
        } else {
          this.attention = false;
        }
      }
      try {
        // ---- fetch ----
        let raw: number;
        const fpo = pcLo & 0xfff;
        if (pcHi === this.fHi && (pcLo & ~0xfff) === this.fLo && fpo <= 0xffc) {
          raw = view.getInt32(this.fOff + fpo, true);
        } else if (fpo <= 0xffc && this.fetchPages.lookup(pcLo, pcHi) >= 0) {
          this.fHi = pcHi;
          this.fLo = pcLo & ~0xfff;
          this.fOff = this.fetchPages.lookup(pcLo, pcHi);
          raw = view.getInt32(this.fOff + fpo, true);
        } else {
          this.retired = ret;
          raw = this.fetchSlow(pcLo, pcHi);
        }
        let insn = raw;
        let len = 4;
        if ((raw & 3) !== 3) {
          raw &= 0xffff;
          insn = cexp[raw];
          len = 2;
          if (insn === 0) this.raise(CAUSE_ILLEGAL_INSTRUCTION, BigInt(raw));
        }
        // ---- execute ----
        const rd2 = ((insn >> 7) & 31) << 1;
        const rs1 = ((insn >> 15) & 31) << 1;
        const rs2 = ((insn >> 20) & 31) << 1;
        const f3 = (insn >> 12) & 7;
        let nLo = (pcLo + len) | 0;
        let nHi = nLo >>> 0 < pcLo >>> 0 ? (pcHi + 1) | 0 : pcHi;
        switch (insn & 0x7f) {
          case OP_IMM: {
            const imm = insn >> 20;
            const aLo = xw[rs1];
            const aHi = xw[rs1 + 1];
            switch (f3) {
              case 0:
                add64(xw, rd2, aLo, aHi, imm, imm >> 31);
                break;
              case 1:
                if (insn >>> 26 !== 0) this.illegal(raw);
                sll64(xw, rd2, aLo, aHi, imm & 63);
                break;
              case 2:
                xw[rd2] = lt64(aLo, aHi, imm, imm >> 31) ? 1 : 0;
                xw[rd2 + 1] = 0;
                break;
              case 3:
                xw[rd2] = ltu64(aLo, aHi, imm, imm >> 31) ? 1 : 0;
                xw[rd2 + 1] = 0;
                break;
              case 4:
                xw[rd2] = aLo ^ imm;
                xw[rd2 + 1] = aHi ^ (imm >> 31);
                break;
              case 5: {
                const top = insn >>> 26;
                if (top === 0) srl64(xw, rd2, aLo, aHi, imm & 63);
                else if (top === 0x10) sra64(xw, rd2, aLo, aHi, imm & 63);
                else this.illegal(raw);
                break;
              }
              case 6:
                xw[rd2] = aLo | imm;
                xw[rd2 + 1] = aHi | (imm >> 31);
                break;
              default:
                xw[rd2] = aLo & imm;
                xw[rd2 + 1] = aHi & (imm >> 31);
            }
            break;
          }
          case OP_OP: {
            const f7 = insn >>> 25;
            const aLo = xw[rs1];
            const aHi = xw[rs1 + 1];
            const bLo = xw[rs2];
            const bHi = xw[rs2 + 1];
            if (f7 === 0) {
              switch (f3) {
                case 0: add64(xw, rd2, aLo, aHi, bLo, bHi); break;
                case 1: sll64(xw, rd2, aLo, aHi, bLo & 63); break;
                case 2: xw[rd2] = lt64(aLo, aHi, bLo, bHi) ? 1 : 0; xw[rd2 + 1] = 0; break;
                case 3: xw[rd2] = ltu64(aLo, aHi, bLo, bHi) ? 1 : 0; xw[rd2 + 1] = 0; break;
                case 4: xw[rd2] = aLo ^ bLo; xw[rd2 + 1] = aHi ^ bHi; break;
                case 5: srl64(xw, rd2, aLo, aHi, bLo & 63); break;
                case 6: xw[rd2] = aLo | bLo; xw[rd2 + 1] = aHi | bHi; break;
                default: xw[rd2] = aLo & bLo; xw[rd2 + 1] = aHi & bHi;
              }
            } else if (f7 === 0x20 && f3 === 0) {
              sub64(xw, rd2, aLo, aHi, bLo, bHi);
            } else if (f7 === 0x20 && f3 === 5) {
              sra64(xw, rd2, aLo, aHi, bLo & 63);
            } else if (f7 === 1) {
              x[rd2 >> 1] = mulDiv64(f3, x[rs1 >> 1], x[rs2 >> 1]);
            } else {
              this.illegal(raw);
            }
            break;
          }
          case OP_LUI:
            xw[rd2] = insn & 0xffff_f000;
            xw[rd2 + 1] = insn >> 31;
            break;
          case OP_AUIPC:
            add64(xw, rd2, pcLo, pcHi, insn & 0xffff_f000, insn >> 31);
            break;
          case OP_JAL: {
            const imm =
              ((insn >> 11) & 0xfff0_0000) | (insn & 0x000f_f000) | ((insn >> 9) & 0x800) | ((insn >> 20) & 0x7fe);
            xw[rd2] = nLo;
            xw[rd2 + 1] = nHi;
            const lo = (pcLo >>> 0) + (imm >>> 0);
            nLo = lo | 0;
            nHi = (pcHi + (imm >> 31) + (lo > 0xffff_ffff ? 1 : 0)) | 0;
            break;
          }
          case OP_JALR: {
            if (f3 !== 0) this.illegal(raw);
            const imm = insn >> 20;
            const lo = (xw[rs1] >>> 0) + (imm >>> 0);
            const tHi = (xw[rs1 + 1] + (imm >> 31) + (lo > 0xffff_ffff ? 1 : 0)) | 0;
            xw[rd2] = nLo;
            xw[rd2 + 1] = nHi;
            nLo = lo & ~1;
            nHi = tHi;
            break;
          }
          case OP_BRANCH: {
            const aLo = xw[rs1];
            const aHi = xw[rs1 + 1];
            const bLo = xw[rs2];
            const bHi = xw[rs2 + 1];
            let taken: boolean;
            switch (f3) {
              case 0: taken = aLo === bLo && aHi === bHi; break;
              case 1: taken = aLo !== bLo || aHi !== bHi; break;
              case 4: taken = lt64(aLo, aHi, bLo, bHi); break;
              case 5: taken = !lt64(aLo, aHi, bLo, bHi); break;
              case 6: taken = ltu64(aLo, aHi, bLo, bHi); break;
              case 7: taken = !ltu64(aLo, aHi, bLo, bHi); break;
              default: this.illegal(raw);
            }
            if (taken) {
              const imm =
                ((insn >> 19) & 0xffff_f000) | ((insn << 4) & 0x800) | ((insn >> 20) & 0x7e0) | ((insn >> 7) & 0x1e);
              const lo = (pcLo >>> 0) + (imm >>> 0);
              nLo = lo | 0;
              nHi = (pcHi + (imm >> 31) + (lo > 0xffff_ffff ? 1 : 0)) | 0;
            }
            break;
          }
          case OP_LOAD: {
            const imm = insn >> 20;
            const s = (xw[rs1] >>> 0) + (imm >>> 0);
            const aLo = s | 0;
            const aHi = (xw[rs1 + 1] + (imm >> 31) + (s > 0xffff_ffff ? 1 : 0)) | 0;
            const po = aLo & 0xfff;
            if (f3 === 7) this.illegal(raw);
            let base = -1;
            if (po <= 0xff8) {
              if (aHi === this.ldHi && (aLo & ~0xfff) === this.ldLo) base = this.ldOff;
              else {
                this.retired = ret;
                base = this.loadPage(aLo, aHi, WIDTHS[f3 & 3]);
              }
            }
            if (base >= 0) {
              const o = base + po;
              switch (f3) {
                case 0: xw[rd2] = (bytes[o] << 24) >> 24; xw[rd2 + 1] = xw[rd2] >> 31; break;
                case 1: xw[rd2] = view.getInt16(o, true); xw[rd2 + 1] = xw[rd2] >> 31; break;
                case 2: xw[rd2] = view.getInt32(o, true); xw[rd2 + 1] = xw[rd2] >> 31; break;
                case 3: xw[rd2] = view.getInt32(o, true); xw[rd2 + 1] = view.getInt32(o + 4, true); break;
                case 4: xw[rd2] = bytes[o]; xw[rd2 + 1] = 0; break;
                case 5: xw[rd2] = view.getUint16(o, true); xw[rd2 + 1] = 0; break;
                case 6: xw[rd2] = view.getInt32(o, true); xw[rd2 + 1] = 0; break;
                default: this.illegal(raw);
              }
            } else {
              this.retired = ret;
              const v = this.loadSlow(aLo, aHi, WIDTHS[f3 & 3]);
              x[rd2 >> 1] = f3 < 4 ? BigInt.asUintN(64, BigInt.asIntN(8 << f3, v)) : v;
            }
            break;
          }
          case OP_STORE: {
            const imm = ((insn >> 20) & ~0x1f) | ((insn >> 7) & 0x1f);
            const s = (xw[rs1] >>> 0) + (imm >>> 0);
            const aLo = s | 0;
            const aHi = (xw[rs1 + 1] + (imm >> 31) + (s > 0xffff_ffff ? 1 : 0)) | 0;
            const po = aLo & 0xfff;
            if (f3 > 3) this.illegal(raw);
            let base = -1;
            if (po <= 0xff8) {
              if (aHi === this.stHi && (aLo & ~0xfff) === this.stLo) base = this.stOff;
              else {
                this.retired = ret;
                base = this.storePage(aLo, aHi, WIDTHS[f3]);
              }
            }
            if (base >= 0) {
              const o = base + po;
              switch (f3) {
                case 0: bytes[o] = xw[rs2]; break;
                case 1: view.setInt16(o, xw[rs2], true); break;
                case 2: view.setInt32(o, xw[rs2], true); break;
                default: view.setInt32(o, xw[rs2], true); view.setInt32(o + 4, xw[rs2 + 1], true);
              }
            } else {
              this.retired = ret;
              this.storeSlow(aLo, aHi, WIDTHS[f3], x[rs2 >> 1]);
            }
            break;
          }
          case OP_IMM_32: {
            const a = xw[rs1];
            let r: number;
            if (f3 === 0) r = (a + (insn >> 20)) | 0;
            else if (f3 === 1 && insn >>> 25 === 0) r = a << (rs2 >> 1);
            else if (f3 === 5 && insn >>> 25 === 0) r = (a >>> (rs2 >> 1)) | 0;
            else if (f3 === 5 && insn >>> 25 === 0x20) r = a >> (rs2 >> 1);
            else this.illegal(raw);
            xw[rd2] = r;
            xw[rd2 + 1] = r >> 31;
            break;
          }
          case OP_OP_32: {
            const f7 = insn >>> 25;
            const a = xw[rs1];
            const b = xw[rs2];
            let r: number | undefined;
            if (f7 === 0) {
              if (f3 === 0) r = (a + b) | 0;
              else if (f3 === 1) r = a << (b & 31);
              else if (f3 === 5) r = (a >>> (b & 31)) | 0;
            } else if (f7 === 0x20) {
              if (f3 === 0) r = (a - b) | 0;
              else if (f3 === 5) r = a >> (b & 31);
            } else if (f7 === 1) {
              r = mulDiv32(f3, a, b);
            }
            if (r === undefined) this.illegal(raw);
            xw[rd2] = r;
            xw[rd2 + 1] = r >> 31;
            break;
          }
          case OP_MISC_MEM:
            // FENCE (incl. FENCE.TSO, PAUSE) orders nothing on a single in-order hart; FENCE.I has no
            // decoded-instruction cache to invalidate (fetch reads RAM directly).
            if (f3 > 1) this.illegal(raw);
            break;
          case OP_SYSTEM: {
            this.pcLo = pcLo;
            this.pcHi = pcHi;
            this.retired = ret;
            const r = this.execSystem(insn, raw);
            if (r === SYS_JUMPED) {
              nLo = this.pcLo;
              nHi = this.pcHi;
            } else if (r === SYS_WFI) {
              this.pcLo = nLo;
              this.pcHi = nHi;
              this.retired = ret + 1;
              return EXIT_WFI;
            }
            break;
          }
          case OP_AMO:
            this.retired = ret;
            this.execAmo(insn, raw);
            break;
          case OP_LOAD_FP:
          case OP_STORE_FP:
            this.retired = ret;
            this.execFpMemory(insn, raw);
            break;
          case OP_FP:
          case OP_MADD:
          case OP_MSUB:
          case OP_NMSUB:
          case OP_NMADD:
            if (!this.fpEnabled() || !executeFp(insn, x, this.fp)) this.illegal(raw);
            this.markFpDirty();
            break;
          default:
            this.illegal(raw);
        }
        xw[0] = 0;
        xw[1] = 0;
        pcLo = nLo;
        pcHi = nHi;
        ret++;
      } catch (e) {
        if (e !== TRAP_SIGNAL) throw e;
        xw[0] = 0;
        xw[1] = 0;
        this.pcLo = pcLo;
        this.pcHi = pcHi;
        this.retired = ret;
        this.takeTrap(this.trapCause, this.trapTval, false);
        pcLo = this.pcLo;
        pcHi = this.pcHi;
      }
    }
    this.pcLo = pcLo;
    this.pcHi = pcHi;
    this.retired = ret;
    return EXIT_BUDGET;
  }

  // ---------------------------------------------------------------- exceptions and traps

  private raise(cause: number, tval: bigint): never {
    this.trapCause = cause;
    this.trapTval = tval;
    throw TRAP_SIGNAL;
  }

  /** Illegal instruction: tval holds the faulting instruction bits (priv spec 3.1.16). */
  private illegal(raw: number): never {
    return this.raise(CAUSE_ILLEGAL_INSTRUCTION, BigInt(raw >>> 0));
  }

  /**
   * Trap entry (priv spec 3.1.6.1, 3.1.8, 3.1.14–3.1.17, 4.1.1): traps from S/U go to S when
   * delegated; a trap taken in M never is. The epc is the current pc.
   */
  takeTrap(cause: number, tval: bigint, interrupt: boolean): void {
    const epc = toBig(this.pcLo, this.pcHi);
    const priv = this.priv;
    const deleg = interrupt ? this.mideleg : this.medeleg;
    const causeValue = (interrupt ? 1n << 63n : 0n) | BigInt(cause);
    let ms = this.mstatus;
    let vec: bigint;
    if (priv <= PRIV_S && (deleg >>> cause) & 1) {
      this.scause = causeValue;
      this.sepc = epc;
      this.stval = tval;
      ms = (ms & ~(MSTATUS_SPIE | MSTATUS_SIE | MSTATUS_SPP)) | (ms & MSTATUS_SIE ? MSTATUS_SPIE : 0) | (priv << 8);
      this.privLevel = PRIV_S;
      vec = this.stvec;
    } else {
      this.mcause = causeValue;
      this.mepc = epc;
      this.mtval = tval;
      ms =
        (ms & ~(MSTATUS_MPIE | MSTATUS_MIE | MSTATUS_MPP)) |
        (ms & MSTATUS_MIE ? MSTATUS_MPIE : 0) |
        (priv << MSTATUS_MPP_SHIFT);
      this.privLevel = PRIV_M;
      vec = this.mtvec;
      if (this.hostTraps) {
        this.exitRequest = { reason: 'trap', cause: causeValue, tval, epc };
        this.attention = true;
      }
    }
    this.mstatus = ms;
    // Vectored mode (MODE=1): interrupts go to BASE + 4*cause (priv spec 3.1.7).
    let target = vec & ~3n;
    if (interrupt && (vec & 3n) === 1n) target += BigInt(4 * cause);
    this.pc = target;
    this.reservation = -1n;
    this.translationChanged();
    this.updateAttention();
  }

  // ---------------------------------------------------------------- memory

  /** Translate or raise the MMU's fault with tval = the virtual address. */
  private translate(va: bigint, access: AccessType, priv: number, width: number): number {
    const pa = this.mmu.translate(va, access, priv, width);
    if (pa < 0) this.raise(this.mmu.faultCause, va);
    return pa;
  }

  /** Byte offset of the 4 KiB page containing pa when the whole page is RAM, else -1. */
  private ramPage(pa: number): number {
    const page = pa - (pa & 0xfff);
    const ram = this.ram;
    return page >= ram.base && page + 4096 <= ram.end ? page - ram.base : -1;
  }

  /**
   * Whether a page's translation may be cached for `access`: only when PMP decides the same way for
   * every byte of the page, so a cached hit can never bypass a finer-grained PMP boundary.
   */
  private cacheable(pa: number, access: AccessType, priv: number): boolean {
    return ((this.mmu.pmp.pageAccessMask(pa - (pa & 0xfff), priv) >> access) & 1) === 1;
  }

  private physRead(pa: number, width: 1 | 2 | 4 | 8, faultCause: number, va: bigint): bigint {
    const v = this.bus.read(pa, width);
    if (v === BUS_FAULT) this.raise(faultCause, va);
    return v;
  }

  private physWrite(pa: number, width: 1 | 2 | 4 | 8, value: bigint, faultCause: number, va: bigint): void {
    if (!this.bus.write(pa, width, value)) this.raise(faultCause, va);
  }

  /**
   * Fetch at pc through the MMU (priv spec 3.1.6.3: fetches ignore MPRV). Caches the page when it is
   * RAM. An instruction that straddles a page is fetched in two translated halves; a fault on the
   * second reports that half's address.
   */
  private fetchSlow(pcLo: number, pcHi: number): number {
    const va = toBig(pcLo, pcHi);
    const pa = this.translate(va, ACCESS_FETCH, this.priv, 2);
    const page = this.ramPage(pa);
    let low: number;
    if (page >= 0) {
      if (this.cacheable(pa, ACCESS_FETCH, this.privLevel)) {
        this.fHi = pcHi;
        this.fLo = pcLo & ~0xfff;
        this.fOff = page;
        this.fetchPages.insert(pcLo, pcHi, page);
      }
      low = this.ramView.getUint16(page + (pa & 0xfff), true);
    } else {
      low = Number(this.physRead(pa, 2, CAUSE_FETCH_ACCESS, va));
    }
    if ((low & 3) !== 3) return low;
    let high: number;
    if ((pa & 0xfff) !== 0xffe) {
      high = page >= 0 ? this.ramView.getUint16(page + (pa & 0xfff) + 2, true) : Number(this.physRead(pa + 2, 2, CAUSE_FETCH_ACCESS, va));
    } else {
      const va2 = BigInt.asUintN(64, va + 2n);
      const pa2 = this.translate(va2, ACCESS_FETCH, this.priv, 2);
      high = Number(this.physRead(pa2, 2, CAUSE_FETCH_ACCESS, va2));
    }
    return (low | (high << 16)) | 0;
  }

  /**
   * RAM byte offset of the page for a load that missed the single-entry cache and does not cross
   * a page, or -1 when the access must take the slow path (MMIO, PMP not page-uniform). Faults
   * are raised here, so the caller performs the access only when translation succeeded.
   */
  private loadPage(lo: number, hi: number, width: number): number {
    let page = this.loadPages.lookup(lo, hi);
    if (page < 0) {
      const pa = this.translate(toBig(lo, hi), ACCESS_LOAD, this.dataPriv, width);
      page = this.ramPage(pa);
      if (page < 0 || !this.cacheable(pa, ACCESS_LOAD, this.dataPriv)) return -1;
      this.loadPages.insert(lo, hi, page);
    }
    this.ldHi = hi;
    this.ldLo = lo & ~0xfff;
    this.ldOff = page;
    return page;
  }

  private storePage(lo: number, hi: number, width: number): number {
    let page = this.storePages.lookup(lo, hi);
    if (page < 0) {
      const pa = this.translate(toBig(lo, hi), ACCESS_STORE, this.dataPriv, width);
      page = this.ramPage(pa);
      if (page < 0 || !this.cacheable(pa, ACCESS_STORE, this.dataPriv)) return -1;
      this.storePages.insert(lo, hi, page);
    }
    this.stHi = hi;
    this.stLo = lo & ~0xfff;
    this.stOff = page;
    return page;
  }

  /** A load that missed the cached page: translate, maybe cache, split at a page boundary. */
  private loadSlow(lo: number, hi: number, width: 1 | 2 | 4 | 8): bigint {
    const va = toBig(lo, hi);
    const po = lo & 0xfff;
    if (po + width > 4096) {
      // Misaligned across pages: performed as two accesses (as QEMU does), each translated.
      const first = 4096 - po;
      const va2 = BigInt.asUintN(64, va + BigInt(first));
      const pa1 = this.translate(va, ACCESS_LOAD, this.dataPriv, first);
      const pa2 = this.translate(va2, ACCESS_LOAD, this.dataPriv, width - first);
      let v = 0n;
      for (let i = 0; i < width; i++) {
        const b = i < first ? this.physRead(pa1 + i, 1, CAUSE_LOAD_ACCESS, va) : this.physRead(pa2 + i - first, 1, CAUSE_LOAD_ACCESS, va2);
        v |= b << BigInt(8 * i);
      }
      return v;
    }
    const pa = this.translate(va, ACCESS_LOAD, this.dataPriv, width);
    const page = this.ramPage(pa);
    if (page >= 0) {
      if (this.cacheable(pa, ACCESS_LOAD, this.dataPriv)) {
        this.ldHi = hi;
        this.ldLo = lo & ~0xfff;
        this.ldOff = page;
        this.loadPages.insert(lo, hi, page);
      }
      const o = page + po;
      const view = this.ramView;
      switch (width) {
        case 1: return BigInt(this.ramBytes[o]);
        case 2: return BigInt(view.getUint16(o, true));
        case 4: return BigInt(view.getUint32(o, true));
        default: return view.getBigUint64(o, true);
      }
    }
    return this.physRead(pa, width, CAUSE_LOAD_ACCESS, va);
  }

  private storeSlow(lo: number, hi: number, width: 1 | 2 | 4 | 8, value: bigint): void {
    const va = toBig(lo, hi);
    const po = lo & 0xfff;
    if (po + width > 4096) {
      const first = 4096 - po;
      const va2 = BigInt.asUintN(64, va + BigInt(first));
      // Translate both parts before writing either, so a fault leaves memory unchanged.
      const pa1 = this.translate(va, ACCESS_STORE, this.dataPriv, first);
      const pa2 = this.translate(va2, ACCESS_STORE, this.dataPriv, width - first);
      for (let i = 0; i < width; i++) {
        const b = (value >> BigInt(8 * i)) & 0xffn;
        if (i < first) this.physWrite(pa1 + i, 1, b, CAUSE_STORE_ACCESS, va);
        else this.physWrite(pa2 + i - first, 1, b, CAUSE_STORE_ACCESS, va2);
      }
      return;
    }
    const pa = this.translate(va, ACCESS_STORE, this.dataPriv, width);
    const page = this.ramPage(pa);
    if (page >= 0) {
      if (this.cacheable(pa, ACCESS_STORE, this.dataPriv)) {
        this.stHi = hi;
        this.stLo = lo & ~0xfff;
        this.stOff = page;
        this.storePages.insert(lo, hi, page);
      }
      const o = page + po;
      const view = this.ramView;
      switch (width) {
        case 1: this.ramBytes[o] = Number(value & 0xffn); break;
        case 2: view.setUint16(o, Number(value & 0xffffn), true); break;
        case 4: view.setUint32(o, Number(value & 0xffff_ffffn), true); break;
        default: view.setBigUint64(o, value, true);
      }
      return;
    }
    this.physWrite(pa, width, value, CAUSE_STORE_ACCESS, va);
  }

  /** Read `width` bytes at a translated address (RAM or MMIO), for AMOs and FP loads. */
  private readAt(pa: number, width: 4 | 8, va: bigint, faultCause: number): bigint {
    const ram = this.ram;
    if (pa >= ram.base && pa + width <= ram.end) {
      const o = pa - ram.base;
      return width === 4 ? BigInt(this.ramView.getUint32(o, true)) : this.ramView.getBigUint64(o, true);
    }
    return this.physRead(pa, width, faultCause, va);
  }

  private writeAt(pa: number, width: 4 | 8, value: bigint, va: bigint): void {
    const ram = this.ram;
    if (pa >= ram.base && pa + width <= ram.end) {
      const o = pa - ram.base;
      if (width === 4) this.ramView.setUint32(o, Number(value & 0xffff_ffffn), true);
      else this.ramView.setBigUint64(o, BigInt.asUintN(64, value), true);
      return;
    }
    this.physWrite(pa, width, value, CAUSE_STORE_ACCESS, va);
  }

  // ---------------------------------------------------------------- A extension

  /**
   * LR/SC and AMOs (unpriv spec chapter 8). Misaligned LR raises a load misaligned fault, misaligned
   * SC/AMO a store/AMO one (no misaligned atomics, priv spec 3.6.3.3). AMOs translate as stores so a
   * failed translation reports a store/AMO fault. aq/rl need nothing on a single in-order hart.
   */
  private execAmo(insn: number, raw: number): void {
    const f3 = (insn >> 12) & 7;
    if (f3 !== 2 && f3 !== 3) this.illegal(raw);
    const width: 4 | 8 = f3 === 2 ? 4 : 8;
    const funct5 = insn >>> 27;
    const rd = (insn >> 7) & 31;
    const rs2 = (insn >> 20) & 31;
    const va = this.x[(insn >> 15) & 31];
    const misaligned = (Number(va & 7n) & (width - 1)) !== 0;
    const x = this.x;
    const sext = (v: bigint): bigint => (width === 4 ? BigInt.asUintN(64, BigInt.asIntN(32, v)) : v);
    if (funct5 === 2) {
      // LR
      if (rs2 !== 0) this.illegal(raw);
      if (misaligned) this.raise(CAUSE_MISALIGNED_LOAD, va);
      const pa = this.translate(va, ACCESS_LOAD, this.dataPriv, width);
      const v = this.readAt(pa, width, va, CAUSE_LOAD_ACCESS);
      this.reservation = va;
      if (rd !== 0) x[rd] = sext(v);
      return;
    }
    if (funct5 === 3) {
      // SC: fails (rd = 1) without touching memory when the reservation does not cover the address.
      if (misaligned) this.raise(CAUSE_MISALIGNED_STORE, va);
      const ok = this.reservation === va;
      this.reservation = -1n;
      if (ok) {
        const pa = this.translate(va, ACCESS_STORE, this.dataPriv, width);
        this.writeAt(pa, width, x[rs2], va);
      }
      if (rd !== 0) x[rd] = ok ? 0n : 1n;
      return;
    }
    const op = AMO_OPS[funct5];
    if (op === undefined) this.illegal(raw);
    if (misaligned) this.raise(CAUSE_MISALIGNED_STORE, va);
    const pa = this.translate(va, ACCESS_STORE, this.dataPriv, width);
    // An AMO is a store for fault reporting, including a bus error on its read half.
    const old = sext(this.readAt(pa, width, va, CAUSE_STORE_ACCESS));
    const src = sext(x[rs2]);
    this.writeAt(pa, width, op(old, src, width), va);
    if (rd !== 0) x[rd] = old;
  }

  // ---------------------------------------------------------------- F/D memory access

  /** FLW/FLD/FSW/FSD (unpriv spec 11.5, 12.3): FLW NaN-boxes; any FS=Off access is illegal. */
  private execFpMemory(insn: number, raw: number): void {
    const f3 = (insn >> 12) & 7;
    if ((f3 !== 2 && f3 !== 3) || !this.fpEnabled()) this.illegal(raw);
    const store = (insn & 0x7f) === OP_STORE_FP;
    const imm = store ? ((insn >> 20) & ~0x1f) | ((insn >> 7) & 0x1f) : insn >> 20;
    const va = BigInt.asUintN(64, this.x[(insn >> 15) & 31] + BigInt(imm));
    const lo = Number(va & 0xffff_ffffn) | 0;
    const hi = Number(va >> 32n) | 0;
    const width: 4 | 8 = f3 === 2 ? 4 : 8;
    if (store) {
      const v = this.f[(insn >> 20) & 31];
      this.storeSlow(lo, hi, width, width === 4 ? v & 0xffff_ffffn : v);
    } else {
      const v = this.loadSlow(lo, hi, width);
      this.f[(insn >> 7) & 31] = width === 4 ? v | 0xffff_ffff_0000_0000n : v;
      this.markFpDirty();
    }
  }

  // ---------------------------------------------------------------- SYSTEM

  private execSystem(insn: number, raw: number): number {
    const f3 = (insn >> 12) & 7;
    if (f3 === 0) return this.execPrivileged(insn, raw);
    if (f3 === 4) this.illegal(raw); // hypervisor loads/stores: no H extension
    this.execCsr(insn, raw, f3);
    return SYS_NEXT;
  }

  private execPrivileged(insn: number, raw: number): number {
    const priv = this.priv;
    const ms = this.mstatus;
    switch (insn) {
      case 0x0000_0073: // ECALL: cause 8/9/11 by privilege, tval 0
        return this.raise(CAUSE_ECALL_U + priv, 0n);
      case 0x0010_0073: // EBREAK: tval = pc
        return this.raise(CAUSE_BREAKPOINT, toBig(this.pcLo, this.pcHi));
      case 0x3020_0073: {
        // MRET (priv spec 3.3.2)
        if (priv !== PRIV_M) this.illegal(raw);
        const mpp = (ms & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT;
        let v = (ms & ~(MSTATUS_MIE | MSTATUS_MPP)) | MSTATUS_MPIE | (ms & MSTATUS_MPIE ? MSTATUS_MIE : 0);
        if (mpp !== PRIV_M) v &= ~MSTATUS_MPRV;
        this.mstatus = v;
        this.privLevel = mpp;
        this.pc = this.mepc;
        this.xretDone();
        return SYS_JUMPED;
      }
      case 0x1020_0073: {
        // SRET: illegal in U, and in S when TSR=1 (priv spec 3.1.6.5)
        if (priv === PRIV_U || (priv === PRIV_S && ms & MSTATUS_TSR)) this.illegal(raw);
        const spp = (ms & MSTATUS_SPP) >> 8;
        this.mstatus =
          (ms & ~(MSTATUS_SIE | MSTATUS_SPP | MSTATUS_MPRV)) | MSTATUS_SPIE | (ms & MSTATUS_SPIE ? MSTATUS_SIE : 0);
        this.privLevel = spp;
        this.pc = this.sepc;
        this.xretDone();
        return SYS_JUMPED;
      }
      case 0x1050_0073: {
        // WFI (priv spec 3.3.3): illegal in U; in S when TW=1. Otherwise stall if nothing is pending.
        if (priv === PRIV_U || (priv === PRIV_S && ms & MSTATUS_TW)) this.illegal(raw);
        this.updateSstc();
        return (this.mipValue() & this.mie) === 0 ? SYS_WFI : SYS_NEXT;
      }
      default:
        break;
    }
    if ((insn & 0xfe00_7fff) === 0x1200_0073) {
      // SFENCE.VMA (priv spec 4.2.1): illegal in U, and in S when TVM=1.
      if (priv === PRIV_U || (priv === PRIV_S && ms & MSTATUS_TVM)) this.illegal(raw);
      const rs1 = (insn >> 15) & 31;
      const rs2 = (insn >> 20) & 31;
      this.mmu.sfence(rs1 === 0 ? undefined : this.x[rs1], rs2 === 0 ? undefined : this.x[rs2]);
      this.translationChanged();
      return SYS_NEXT;
    }
    return this.illegal(raw);
  }

  private xretDone(): void {
    this.reservation = -1n;
    this.mmu.sum = (this.mstatus & MSTATUS_SUM) !== 0;
    this.mmu.mxr = (this.mstatus & MSTATUS_MXR) !== 0;
    this.translationChanged();
    this.updateAttention();
  }

  /**
   * Zicsr (unpriv spec chapter 9; priv spec 2.1–2.3): CSRRS/CSRRC with rs1 = x0 and the immediate
   * forms with zimm = 0 do not write; CSRRW with rd = x0 does not read.
   */
  private execCsr(insn: number, raw: number, f3: number): void {
    const csr = insn >>> 20;
    const rd = (insn >> 7) & 31;
    const rs1 = (insn >> 15) & 31;
    const op = f3 & 3;
    const writes = op === 1 || rs1 !== 0;
    const def = CSR_TABLE[csr];
    if (def === undefined || !csrAccessAllowed(this, csr, def, writes)) this.illegal(raw);
    const src = f3 >= 5 ? BigInt(rs1) : this.x[rs1];
    let old = 0n;
    if (op !== 1 || rd !== 0) old = def.read(this);
    if (writes) {
      const base = def.rmwRead !== undefined && op !== 1 ? def.rmwRead(this) : old;
      const v = op === 1 ? src : op === 2 ? base | src : base & ~src;
      def.write(this, v);
    }
    if (rd !== 0) this.x[rd] = old;
  }

  // ---------------------------------------------------------------- snapshot

  snapshot(): HartState {
    return {
      version: 1,
      pc: this.pc,
      x: this.x.slice(),
      f: this.f.slice(),
      priv: this.priv,
      retired: this.retired,
      fflags: this.fp.fflags,
      frm: this.fp.frm,
      mstatus: this.mstatus,
      mie: this.mie,
      mipSw: this.mipSw,
      mipHw: this.mipHw,
      mideleg: this.mideleg,
      medeleg: this.medeleg,
      mtvec: this.mtvec,
      stvec: this.stvec,
      mepc: this.mepc,
      sepc: this.sepc,
      mcause: this.mcause,
      scause: this.scause,
      mtval: this.mtval,
      stval: this.stval,
      mscratch: this.mscratch,
      sscratch: this.sscratch,
      satp: this.satp,
      mcounteren: this.mcounteren,
      scounteren: this.scounteren,
      mcountinhibit: this.mcountinhibit,
      menvcfg: this.menvcfg,
      senvcfg: this.senvcfg,
      stimecmp: this.stimecmp,
      cycleOffset: this.mcountinhibit & 1 ? this.cycleFrozen : this.cycleOffset,
      instretOffset: this.mcountinhibit & 4 ? this.instretFrozen : this.instretOffset,
      reservation: this.reservation < 0n ? null : this.reservation,
    };
  }

  restore(s: HartState): void {
    if (s.version !== 1) throw new VmError(`hart: unknown snapshot version ${String(s.version)}`);
    this.x.set(s.x);
    this.f.set(s.f);
    this.pc = s.pc;
    this.priv = s.priv;
    this.retired = s.retired;
    this.fp.fflags = s.fflags;
    this.fp.frm = s.frm;
    this.mie = s.mie;
    this.mipSw = s.mipSw;
    this.mipHw = s.mipHw;
    this.mideleg = s.mideleg;
    this.medeleg = s.medeleg;
    this.mtvec = s.mtvec;
    this.stvec = s.stvec;
    this.mepc = s.mepc;
    this.sepc = s.sepc;
    this.mcause = s.mcause;
    this.scause = s.scause;
    this.mtval = s.mtval;
    this.stval = s.stval;
    this.mscratch = s.mscratch;
    this.sscratch = s.sscratch;
    this.satp = s.satp;
    this.mmu.satp = s.satp;
    this.mcounteren = s.mcounteren;
    this.scounteren = s.scounteren;
    this.mcountinhibit = s.mcountinhibit;
    this.cycleOffset = this.cycleFrozen = s.cycleOffset;
    this.instretOffset = this.instretFrozen = s.instretOffset;
    this.menvcfg = s.menvcfg;
    this.senvcfg = s.senvcfg;
    this.stimecmp = s.stimecmp;
    this.reservation = s.reservation ?? -1n;
    this.mmu.flushAll();
    this.mstatus = s.mstatus;
    this.setMstatus(s.mstatus);
    this.sstcPending = false;
    this.updateSstc();
  }
}

/** AMO funct5 → operation on sign-extended operands (unpriv spec 8.4). */
const AMO_OPS: ((a: bigint, b: bigint, width: number) => bigint)[] = [];
AMO_OPS[0x00] = (a, b) => a + b; // AMOADD
AMO_OPS[0x01] = (_a, b) => b; // AMOSWAP
AMO_OPS[0x04] = (a, b) => a ^ b; // AMOXOR
AMO_OPS[0x08] = (a, b) => a | b; // AMOOR
AMO_OPS[0x0c] = (a, b) => a & b; // AMOAND
AMO_OPS[0x10] = (a, b, w) => (signed(a, w) < signed(b, w) ? a : b); // AMOMIN
AMO_OPS[0x14] = (a, b, w) => (signed(a, w) > signed(b, w) ? a : b); // AMOMAX
AMO_OPS[0x18] = (a, b, w) => (unsigned(a, w) < unsigned(b, w) ? a : b); // AMOMINU
AMO_OPS[0x1c] = (a, b, w) => (unsigned(a, w) > unsigned(b, w) ? a : b); // AMOMAXU

function signed(v: bigint, width: number): bigint {
  return BigInt.asIntN(width * 8, v);
}

function unsigned(v: bigint, width: number): bigint {
  return BigInt.asUintN(width * 8, v);
}
