import type { Clock, VmExit } from '@vm/core';
import { envVar, VmError, COUNT_ZERO } from '@vm/core';
import type { Mmu, Ram, SystemBus } from '@vm/mmu';
import { ACCESS_FETCH, ACCESS_LOAD, ACCESS_STORE, BUS_FAULT, pagingLevels, satpMode } from '@vm/mmu';
import type { AccessType } from '@vm/mmu';
import {
  CAUSE_BREAKPOINT, CAUSE_ECALL_U, CAUSE_ECALL_VS, CAUSE_FETCH_ACCESS, CAUSE_ILLEGAL_INSTRUCTION, CAUSE_LOAD_ACCESS,
  CAUSE_MISALIGNED_LOAD, CAUSE_MISALIGNED_STORE, CAUSE_STORE_ACCESS, CAUSE_VIRTUAL_INSTRUCTION, IRQ_PRIORITY,
  IRQ_PRIORITY_H, IRQ_STI, IRQ_VSTI, MEDELEG_WRITABLE, MEDELEG_WRITABLE_H, MIP_IMPLEMENTED, VS_INTERRUPTS,
} from './causes.js';
import { compressedTable, expandParcel } from './compressed.js';
import { CSR_TABLE, csrAccessAllowed } from './csr-file.js';
import { CSR_ILLEGAL, CSR_VIRTUAL, resolveVirtualCsr } from './hext-csrs.js';
import { gvaCause, isGuestPageFault } from './hext-traps.js';
import {
  HSTATUS_GVA, HSTATUS_HU, HSTATUS_SPV, HSTATUS_SPVP, HSTATUS_VTSR, HSTATUS_VTVM, HSTATUS_VTW, MSTATUS_GVA_BIT,
  MSTATUS_MPV_BIT,
} from './hstatus.js';
import type { CsrDef } from './csr-file.js';
import { executeFp } from './fp-dispatch.js';
import { FpRegisters } from './fp-registers.js';
import type { FpState } from './fp-dispatch.js';
import {
  OP_AMO, OP_AUIPC, OP_BRANCH, OP_FP, OP_IMM, OP_IMM_32, OP_JAL, OP_JALR, OP_LOAD, OP_LOAD_FP, OP_LUI, OP_MADD,
  OP_MISC_MEM, OP_MSUB, OP_NMADD, OP_NMSUB, OP_OP, OP_OP_32, OP_STORE, OP_STORE_FP, OP_SYSTEM,
} from './formats.js';
import { add64, halves, lt64, ltu64, sll64, split, sra64, srl64, sub64, toBig } from './int64.js';
import {
  FS_DIRTY, FS_OFF, legalizeMstatus, MSTATUS_FS, MSTATUS_FS_SHIFT, MSTATUS_MIE, MSTATUS_MPIE, MSTATUS_MPP,
  MSTATUS_MPP_SHIFT, MSTATUS_MPRV, MSTATUS_MXR, MSTATUS_SIE, MSTATUS_SPIE, MSTATUS_SPP, MSTATUS_SUM,
  MSTATUS_TSR, MSTATUS_TVM, MSTATUS_TW,
} from './mstatus.js';
import { mulDiv32, mulDiv64 } from './muldiv.js';
import type { BlockHart, CompiledBlock } from './jit/block-compiler.js';
import { TranslationCache } from './jit/translation-cache.js';
import type { TranslatingHart } from './jit/translation-cache.js';
import {
  MISS_FAULT, MISS_SLOW, ST_CREDIT, ST_CTAG, ST_F, ST_FETCH, ST_FFLAGS, ST_LOAD, ST_PC, ST_REPORT, ST_STORE, ST_TOTAL, ST_WHY, ST_X, WHY_HOT,
  WHY_MISS, WHY_STOP, WHY_YIELD,
} from './jit/wasm/layout.js';
import { wasmRuntimeFor } from './jit/wasm/wasm-runtime.js';
import type { WasmRuntime } from './jit/wasm/wasm-runtime.js';
import { NO_BYTES, NO_VIEW, PageCache } from './page-cache.js';
import {
  DERIVE_ALL, DERIVE_ATTENTION, DERIVE_ROOTS, DERIVE_SSTC, DERIVE_TRANSLATION, resetHartState,
} from './hart-state.js';
import type { HartState } from './hart-state.js';
import { PRIV_M, PRIV_S, PRIV_U } from './privilege.js';

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
  /**
   * Implement the hypervisor extension (priv spec chapter 8; QEMU's `-cpu rv64,h=true`): misa.H,
   * the H and VS CSRs, V mode, two-stage translation and the hypervisor instructions. Without it
   * all of those raise illegal instruction and the hart behaves exactly as before.
   */
  hExtension?: boolean;
  /**
   * Run hot guest code through the block translator (jit/): same results and retired-instruction
   * counts as the interpreter, faster. Default: on, unless the environment says VM_TRANSLATE=0
   * (how the test suite runs in interpreter-only mode).
   */
  translate?: boolean;
  /**
   * Executions of a block head before it is translated (default HOT_THRESHOLD; 1 to 65,534, a
   * RangeError otherwise). Taken by the first hart on a RAM, whose translation cache the others
   * share; tests lower it.
   */
  translateThreshold?: number;
  /**
   * The translator's back end: 'wasm' (the default) compiles blocks to WebAssembly where the RAM
   * is in an arena (@vm/mmu RamStore.arena; not for RAM beyond wasm32's 4 GiB), else JavaScript;
   * 'js' always JavaScript (the two are compared in docs/translator.md).
   */
  translateBackend?: 'wasm' | 'js';
  /**
   * Guest RAM is shared with harts on other threads (`-accel tcg,thread=multi`: @vm/mmu
   * RamStore.shared): LR/SC and AMOs become Atomics on the shared words and FENCE a locked
   * operation, so they stay atomic and ordered against the other threads (unpriv spec ch. 8).
   * Translated blocks need the RAM in a shared arena (RamStore.over with this thread's lane).
   */
  sharedMemory?: boolean;
}

/** The translator's default: on unless VM_TRANSLATE=0 in the environment (Node). */
export function translateByDefault(): boolean {
  return envVar('VM_TRANSLATE') !== '0';
}

/** The translator's default back end: WebAssembly, unless VM_TRANSLATE=js in the environment (for comparisons). */
export function translateBackendByDefault(): 'wasm' | 'js' {
  return envVar('VM_TRANSLATE') === 'js' ? 'js' : 'wasm';
}

/**
 * One translation cache per RAM and back end: blocks are keyed by physical address and shared by
 * the RAM's harts (a hart that could not have a WebAssembly slot uses the JavaScript one).
 */
const caches = new WeakMap<Ram, TranslationCache>();
const wasmCaches = new WeakMap<Ram, TranslationCache>();

function translationCacheFor(ram: Ram, cexp: Int32Array, threshold: number | undefined, wasm: WasmRuntime | undefined): TranslationCache {
  const map = wasm === undefined ? caches : wasmCaches;
  let tc = map.get(ram);
  if (tc === undefined) {
    const cache = new TranslationCache(ram, cexp, threshold, wasm);
    // Writes through any Ram over the same memory (a VM's window included), in this RAM's offsets.
    const base = ram.storeOffset;
    ram.addWriteWatcher((at, len) => {
      const start = Math.max(at - base, 0);
      const end = Math.min(at - base + len, ram.size);
      if (start < end) cache.noteWrite(start, end - start);
    });
    // A retired RAM (a VM's window once the VM is gone) runs no more code: its blocks' WebAssembly
    // functions go back to the store's runtime, and the cache lets go of its harts (the runtime
    // reuses their slots once they are collected).
    ram.onRetire(() => {
      map.delete(ram);
      cache.retire();
    });
    map.set(ram, cache);
    tc = cache;
  }
  return tc;
}

/** Thrown inside run() to unwind an instruction that raised an exception; never escapes run(). */
const TRAP_SIGNAL: { readonly trap: true } = { trap: true };

const EXIT_BUDGET: VmExit = { reason: 'budget' };
const EXIT_WFI: VmExit = { reason: 'wfi' };
/** interpret() stopped where a translated block may start (never leaves the hart). */
/**
 * An AMO's operand as the register holds it: a W form's 32 bits sign-extended (unpriv spec 8.4).
 * (A function, not a closure in execAmo: a closure per AMO cost a measurable share of a Linux boot.)
 */
function amoSext(v: bigint, width: 4 | 8): bigint {
  return width === 4 ? BigInt.asUintN(64, BigInt.asIntN(32, v)) : v;
}

const EXIT_PROBE: VmExit = { reason: 'budget' };

/** Results of the out-of-line SYSTEM executor. */
/**
 * CSRs whose access leaves instruction fetch, the page caches' validity for blocks and the
 * translation of the block's own code as they were, so a WebAssembly block goes on after one
 * (Hart.jitExec): the trap-handling and interrupt-enable CSRs Linux and OpenSBI touch on hot
 * paths, the FP status, and counter reads. (mstatus/sstatus writes that change SUM/MXR/MPRV clear
 * the page caches, which blocks read afresh; an interrupt they enable sets attention.) Any other
 * CSR — satp, PMP, hgatp, delegation, misa, ... — makes the block return after it.
 */
const CONTINUE_CSRS = new Set([
  0x001, 0x002, 0x003, // fflags, frm, fcsr
  0x100, 0x104, 0x105, 0x140, 0x141, 0x142, 0x143, 0x144, 0x14d, // sstatus, sie, stvec, sscratch, sepc, scause, stval, sip, stimecmp
  0x300, 0x304, 0x305, 0x340, 0x341, 0x342, 0x343, 0x344, // mstatus, mie, mtvec, mscratch, mepc, mcause, mtval, mip
  0xc00, 0xc01, 0xc02, 0xb00, 0xb02, // cycle, time, instret, mcycle, minstret
  0xf11, 0xf12, 0xf13, 0xf14, // mvendorid, marchid, mimpid, mhartid
]);
const SYS_NEXT = 0; // continue at pc + len
const SYS_JUMPED = 1; // pc already set (xRET)
const SYS_WFI = 2; // continue at pc + len, then leave run() with 'wfi'
/**
 * The instruction trapped (trapCause, trapTval): the caller takes the trap. execSystem's common
 * traps (ECALL, and the CSR accesses, xRETs, WFIs and fences a lower privilege may not do, which
 * are most of a trap-and-emulate VM's exits) come back this way instead of as a thrown
 * TRAP_SIGNAL: a throw cost about 0.6 us of the 3.3 us such an exit took (CPU profile of a loop of
 * CSR reads in virtual M-mode).
 */
const SYS_TRAP = 3;
/**
 * loadPage/storePage: the access's translation faulted (trapCause, trapTval, ...); the caller
 * takes the trap. A page fault thrown through a block's and the dispatcher's WebAssembly frames
 * cost about a microsecond; returned, it costs a compare.
 */
const PAGE_FAULT = -2;

/** No translation cached: the low 12 bits of a page key are always zero. */
const NO_PAGE = 1;

const ALL_ONES_64 = (1n << 64n) - 1n;

/** Access width by funct3[1:0] of a load/store. */
const WIDTHS = [1, 2, 4, 8] as const;

/**
 * One RV64IMAFDC hart with M, S and U modes (priv spec 1.12), Zicsr, Zifencei, Zicntr and Sstc.
 *
 * Integer registers live in a BigUint64Array that the hot loop also views as int32 halves (V8 runs
 * 32-bit arithmetic without allocating; most BigInt operations allocate). The interpreter fetches
 * straight from RAM through a cached VA→RAM page translation; RVC encodings are expanded through a
 * 64 Ki-entry table. Hot code runs as translated blocks (jit/, docs/translator.md), dropped
 * page-granularly when their page is written. Exceptions unwind the current instruction with a
 * sentinel throw caught in run() (or runTranslated()); interrupts are taken at instruction
 * boundaries when `attention` is set, which is recomputed whenever mip, mie, mideleg, mstatus or
 * the privilege change.
 */
export class Hart implements BlockHart, TranslatingHart {
  readonly hartId: number;
  readonly bus: SystemBus;
  readonly mmu: Mmu;
  readonly clock: Clock;
  /** See HartOptions.hostTraps. */
  readonly hostTraps: boolean;
  /** See HartOptions.hExtension. */
  readonly hExtension: boolean;
  /** medeleg bits that may be set (more with H: 10, 20–23). */
  readonly medelegWritable: number;
  /** mideleg bits that are read-only one (the VS-level interrupts with H, priv spec 8.4.2). */
  readonly midelegFixed: number;
  /** mie bits that exist (the VS-level ones too with H). */
  readonly interruptsImplemented: number;

  /** The integer registers (in the WebAssembly translator's slot when the hart has one). */
  readonly x: BigUint64Array;
  /** The FP registers (in the slot too when the hart has one). */
  readonly f: BigUint64Array;
  /** FP state handed to the FP unit; `fp.f` is `f`. */
  readonly fp: FpState;
  /** `fp` as this hart made it (FpRegisters: also says when blocks may run FP inline). */
  private readonly fpRegs: FpRegisters;
  /** Instructions retired since reset (COUNT_ZERO: a double from the start, as it passes 2^31). */
  retired = COUNT_ZERO;
  private privLevel = PRIV_M;
  /** Virtualization mode V (priv spec 8.1). */
  private virtMode = false;

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
  /** The counter-enable CSRs (and hcounteren) as int32 (csr-file.ts i32: all ones is -1); HartState holds them unsigned. */
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

  // ---- hypervisor extension state (priv spec 8.2, 8.4); all zero and unused without H ----
  /** hstatus bits 31:0 (VSXL is added on read). */
  hstatus = 0;
  hedeleg = 0;
  hideleg = 0;
  /** hvip: VSSIP, VSTIP, VSEIP injected by the hypervisor (8.2.3). */
  hvip = 0;
  hcounteren = 0;
  htval = 0n;
  htinst = 0n;
  hgatp = 0n;
  henvcfg = 0n;
  htimedelta = 0n;
  mtval2 = 0n;
  mtinst = 0n;
  /** mstatus.MPV and mstatus.GVA (8.4.1). */
  mpv = false;
  mgva = false;
  /** vsstatus bits 31:0 (UXL and SD are added on read). */
  vsstatus = 0;
  vstvec = 0n;
  vsscratch = 0n;
  vsepc = 0n;
  vscause = 0n;
  vstval = 0n;
  vsatp = 0n;
  vstimecmp = ALL_ONES_64;
  /** VSTIP as computed by Sstc (vstimecmp <= time + htimedelta when henvcfg.STCE). */
  vstcPending = false;

  // ---- derived / cached state ----
  /** Effective privilege of loads and stores (MPRV applies MPP in M-mode; priv spec 3.1.6.3). */
  private dataPriv = PRIV_M;
  /** Loads and stores are V=1 accesses: V=1, or MPRV in M-mode with MPV=1 (priv spec 8.4.1). */
  private dataVirt = false;
  /** Set while an HLV/HLVX/HSV runs: its faults write a guest virtual address (GVA, 8.2.1). */
  private hlvActive = false;
  /** Set when an interrupt may be takeable or an exit was requested: checked once per instruction. */
  private attention = false;
  private exitRequest: VmExit | undefined;
  /** LR/SC reservation: the virtual address of the last LR, or -1n when none. */
  private reservation = -1n;
  /** With HartOptions.sharedMemory: the value the last LR read (unsigned, its width), for SC's compare-and-swap. */
  private reservedValue = 0n;
  /** With HartOptions.sharedMemory: a shared word FENCE does a locked Atomics operation on; else undefined. */
  private readonly fenceWord: Int32Array | undefined;
  /**
   * Cached translations: page key (hi word, lo word & ~0xfff) → the RAM chunk holding the page (its
   * views) and the page's byte offset in it; for fetch also the page's index in RAM (the
   * translator's key). The load and store caches are also used by translated blocks (BlockHart),
   * hence not private.
   */
  private fHi = 0;
  private fLo = NO_PAGE;
  private fOff = 0;
  private fView = NO_VIEW;
  private fPage = 0;
  ldHi = 0;
  ldLo = NO_PAGE;
  ldOff = 0;
  ldView = NO_VIEW;
  ldBytes = NO_BYTES;
  stHi = 0;
  stLo = NO_PAGE;
  stOff = 0;
  stView = NO_VIEW;
  stBytes = NO_BYTES;
  /** Second level behind the single-entry caches above. */
  private readonly fetchPages: PageCache;
  /**
   * The translation regime (privilege, V, the effective privilege and V of loads and stores,
   * MXR of both stages and vsstatus.SUM: rederive; mstatus.SUM is handled apart) now: the page
   * caches' tag (PageCache.tagWord), so each regime finds its own entries. The MMU's flush count
   * when the caches were last emptied: a TLB flush since marks them stale and raises attention;
   * they are cleared before the next instruction runs (see syncPageCaches).
   */
  private regime = 0;
  private cacheFlushes = -1;
  private cachesStale = false;
  readonly loadPages: PageCache;
  readonly storePages: PageCache;
  /** The pc as int32 halves (read and written by translated blocks at their exits). */
  pcLo = 0;
  pcHi = 0;
  /** See BlockHart.blockRetired. */
  blockRetired = 0;
  /** Instructions the last interpret() that returned EXIT_PROBE ran (incl. ones that trapped). */
  private interpreted = 0;
  /** jitExec took the trap of the instruction it ran (it returned 2): runWasm charges its budget unit. */
  private execTrapped = false;
  /**
   * A block's page lookup (jitLoadPage, jitStorePage) found the access faulting: the trap is in
   * trapCause/trapTval, the block left before the instruction, and runWasm/runTranslated take it.
   * Until then every lookup answers -1, so a block the dispatcher enters at that pc leaves too.
   */
  private blockTrap = false;
  /** Exception being raised (valid while TRAP_SIGNAL unwinds, or with SYS_TRAP, PAGE_FAULT, blockTrap). */
  private trapCause = 0;
  private trapTval = 0n;
  /** Guest physical address of the guest-page fault being raised (htval/mtval2 = gpa >> 2). */
  private trapGpa = 0n;
  /** htinst/mtinst for the guest-page fault being raised: 0, or the implicit access's pseudoinstruction. */
  private trapTinst = 0;

  /** The registers as int32 halves (xw[2r] low word, xw[2r+1] high word). */
  readonly xw: Int32Array;
  /** This hart's own register arrays, while it runs on another's (borrowRegisters). */
  private readonly own: { readonly x: BigUint64Array; readonly xw: Int32Array; readonly f: BigUint64Array; readonly fp: FpState };
  /** The block translator's cache (shared by the harts on this RAM), or null when translation is off. */
  readonly translations: TranslationCache | null;
  private readonly ram: Ram;
  private readonly cexp: Int32Array;
  /** The WebAssembly translator's runtime and this hart's slot in it (jit/wasm/layout.ts), when blocks are WebAssembly. */
  private readonly wasm: WasmRuntime | undefined;
  private readonly slot: number;
  /** The slot as int32 words (pc, dispatcher results). */
  private readonly slotWords: Int32Array;

  constructor(opts: HartOptions) {
    this.hartId = opts.hartId;
    this.bus = opts.bus;
    this.mmu = opts.mmu;
    this.clock = opts.clock;
    this.hostTraps = opts.hostTraps ?? false;
    this.hExtension = opts.hExtension ?? false;
    this.medelegWritable = this.hExtension ? MEDELEG_WRITABLE_H : MEDELEG_WRITABLE;
    this.midelegFixed = this.hExtension ? VS_INTERRUPTS : 0;
    this.interruptsImplemented = this.hExtension ? MIP_IMPLEMENTED | VS_INTERRUPTS : MIP_IMPLEMENTED;
    this.ram = opts.bus.ram;
    this.fenceWord = opts.sharedMemory === true ? new Int32Array(new SharedArrayBuffer(4)) : undefined;
    const translate = opts.translate ?? translateByDefault();
    const rt = translate && (opts.translateBackend ?? translateBackendByDefault()) === 'wasm' ? wasmRuntimeFor(this.ram.store) : undefined;
    const slot = rt?.allocSlot(this) ?? -1;
    this.wasm = slot < 0 ? undefined : rt;
    this.slot = slot;
    if (slot >= 0) {
      const buffer = rt!.buffer;
      this.x = new BigUint64Array(buffer, slot + ST_X, 32);
      this.f = new BigUint64Array(buffer, slot + ST_F, 32);
      this.fpRegs = new FpRegisters(this.f, new Int32Array(buffer, slot + ST_FFLAGS, 3));
      const tag = new Int32Array(buffer, slot + ST_CTAG, 1);
      this.fetchPages = new PageCache({ buffer, offset: slot + ST_FETCH }, tag);
      this.loadPages = new PageCache({ buffer, offset: slot + ST_LOAD }, tag);
      this.storePages = new PageCache({ buffer, offset: slot + ST_STORE }, tag);
      this.slotWords = new Int32Array(buffer, slot, ST_STORE / 4);
    } else {
      this.x = new BigUint64Array(32);
      this.f = new BigUint64Array(32);
      this.fpRegs = new FpRegisters(this.f, new Int32Array(3));
      const tag = new Int32Array(1);
      this.fetchPages = new PageCache(undefined, tag);
      this.loadPages = new PageCache(undefined, tag);
      this.storePages = new PageCache(undefined, tag);
      this.slotWords = new Int32Array(0);
    }
    this.xw = new Int32Array(this.x.buffer, this.x.byteOffset, 64);
    this.fp = this.fpRegs;
    this.own = { x: this.x, xw: this.xw, f: this.f, fp: this.fp };
    // With a WebAssembly runtime, its lane's table: the interpreter in its dispatcher reads it.
    this.cexp = this.wasm?.cexp ?? compressedTable();
    // On shared RAM, blocks only in WebAssembly: those fence and see other threads' code changes
    // at FENCE.I (their lane of the shared arena), JavaScript blocks do neither.
    const translates = translate && (this.wasm !== undefined || opts.sharedMemory !== true);
    this.translations = translates ? translationCacheFor(this.ram, this.cexp, opts.translateThreshold, this.wasm) : null;
    this.translations?.attach(this);
    if (this.wasm !== undefined && this.translations !== null) this.slotWords[ST_REPORT >> 2] = this.translations.heatReport;
    this.reset(0n);
  }

  /** Blocks translated so far by this hart's translation cache (shared by the harts of its RAM); 0 without one. */
  get translatedBlocks(): number {
    return this.translations?.stats.translated ?? 0;
  }

  /** Current privilege (0 U, 1 S, 3 M); changed from outside with enter() or setState(). */
  get priv(): number {
    return this.privLevel;
  }

  /**
   * Virtualization mode V (priv spec 8.1): with `priv`, the effective mode is HS/U (V=0) or VS/VU
   * (V=1). Always false without the H extension.
   */
  get virt(): boolean {
    return this.virtMode;
  }

  get pc(): bigint {
    return toBig(this.pcLo, this.pcHi);
  }

  /** Bit 0 is dropped: pc is always IALIGN=16 aligned (unpriv spec 1.5). */
  setPc(v: bigint): void {
    split(v);
    this.pcLo = halves[0]! & ~1;
    this.pcHi = halves[1]!;
  }

  /**
   * Continue at `pc` in privilege `priv` and mode V=`virt` — how a host (trap-and-emulate, a
   * world switch, an SBI payload boot) places the hart without a trap or an xRET; the derived
   * state follows.
   */
  enter(priv: number, pc: bigint = this.pc, virt: boolean = this.virtMode): void {
    if (priv !== PRIV_U && priv !== PRIV_S && priv !== PRIV_M) throw new VmError(`hart: no privilege level ${priv}`);
    if (virt && !this.hExtension) throw new VmError('hart: V=1 needs the H extension');
    this.privLevel = priv;
    this.virtMode = virt;
    this.setPc(pc);
    this.rederive(DERIVE_TRANSLATION | DERIVE_ATTENTION);
  }

  /** Write integer register `i` (x0 stays zero). */
  setX(i: number, v: bigint): void {
    if (i !== 0) this.x[i] = BigInt.asUintN(64, v);
  }

  /** Write floating-point register `i` (the raw 64 bits, NaN-boxing included). */
  setF(i: number, v: bigint): void {
    this.f[i] = BigInt.asUintN(64, v);
  }

  /**
   * Run on `owner`'s registers (x, f, fflags, frm) instead of this hart's own, until called with
   * undefined: a VM's virtual hart emulates one trapped instruction per exit on the registers the
   * real hart holds for the guest, instead of copying all 64 in and out around each step (an
   * exit's largest single cost; docs/translator.md). The own arrays are kept and come back.
   */
  borrowRegisters(owner: Hart | undefined): void {
    const from = owner ?? this.own;
    // The fields are readonly to everyone else: only this swap replaces them.
    const self = this as { x: BigUint64Array; xw: Int32Array; f: BigUint64Array; fp: FpState };
    self.x = from.x;
    self.xw = from.xw;
    self.f = from.f;
    self.fp = from.fp;
  }

  /** Load a whole user context: the integer and FP registers, fflags and frm. x0 stays zero. */
  setRegisters(x: BigUint64Array, f: BigUint64Array, fflags: number, frm: number): void {
    this.x.set(x);
    this.x[0] = 0n;
    this.f.set(f);
    this.fp.fflags = fflags & 0x1f;
    this.fp.frm = frm & 7;
  }

  /**
   * Load satp as a host switching address spaces does: no WARL check and no TLB flush (the caller
   * flushes when its spaces' TLB entries are not tagged apart, e.g. by distinct shadow roots).
   */
  setSatp(satp: bigint): void {
    this.satp = satp;
    this.rederive(DERIVE_ROOTS | DERIVE_TRANSLATION);
  }

  /** Count `n` instructions run on this hart's behalf elsewhere (a guest on the real hart) as retired here. */
  addRetired(n: number): void {
    this.retired += n;
  }

  /** Reset (priv spec 3.4): M-mode, MIE = MPRV = 0, no delegation, bare translation. */
  reset(pc: bigint): void {
    this.exitRequest = undefined;
    this.blockTrap = false;
    this.translations?.flush();
    this.setState(resetHartState(pc, this.midelegFixed));
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

  /**
   * Set (`on`) or clear `mask` in CSR `n` as CSRRS/CSRRC do: from the value a read-modify-write
   * reads (`rmwRead`), which for mip is the software-writable SEIP, not the interrupt
   * controller's wire ORed in (priv spec 3.1.9). A host raising or dropping a bit goes through
   * this, so it cannot latch a wire into a software bit.
   */
  setCsrBits(n: number, mask: bigint, on: boolean): void {
    const def = this.csrDef(n);
    const base = def.rmwRead !== undefined ? def.rmwRead(this) : def.read(this);
    def.write(this, BigInt.asUintN(64, on ? base | mask : base & ~mask));
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
    // hvip and VS-level Sstc are zero without H (priv spec 8.2.3: VSTIP = hvip.VSTIP | vstimecmp).
    return this.mipHw | sw | this.hvip | (this.vstcPending ? 1 << IRQ_VSTI : 0);
  }

  /**
   * Sstc's STIP and VSTIP as a checkpoint recorded them, which the hart re-evaluates only when a
   * run begins (run()) or software looks (mip, stimecmp): a checkpoint inside a turn resumes as the
   * run would have gone on.
   */
  setTimerPending(sstc: boolean, vstc: boolean): void {
    this.sstcPending = sstc;
    this.vstcPending = this.hExtension && vstc;
    this.updateAttention();
  }

  /** Re-evaluate Sstc's STIP (stimecmp <= time when menvcfg.STCE; Sstc spec 2.1). */
  updateSstc(): void {
    const p = this.menvcfg >> 63n !== 0n && this.clock.now() >= this.stimecmp;
    if (p !== this.sstcPending) {
      this.sstcPending = p;
      this.updateAttention();
    }
    if (this.hExtension) {
      // Sstc with H: vstimecmp against time + htimedelta when henvcfg.STCE (Sstc spec 2.3).
      const vp = this.menvcfg >> 63n !== 0n && this.henvcfg >> 63n !== 0n &&
        BigInt.asUintN(64, this.clock.now() + this.htimedelta) >= this.vstimecmp;
      if (vp !== this.vstcPending) {
        this.vstcPending = vp;
        this.updateAttention();
      }
    }
  }

  /** mstatus bits above the stored low word that exist with H: MPV (39) and GVA (38) (8.4.1). */
  mstatusHigh(): bigint {
    return (this.mpv ? 1n << MSTATUS_MPV_BIT : 0n) | (this.mgva ? 1n << MSTATUS_GVA_BIT : 0n);
  }

  setMstatusHigh(v: bigint): void {
    if (!this.hExtension) return;
    this.mpv = ((v >> MSTATUS_MPV_BIT) & 1n) === 1n;
    this.mgva = ((v >> MSTATUS_GVA_BIT) & 1n) === 1n;
    this.translationChanged();
  }

  /** Write vsstatus (already masked): its SUM and MXR drive the VS-stage (8.2.11). */
  setVsstatus(v: number): void {
    const changed = this.vsstatus ^ v;
    this.vsstatus = v;
    this.rederive((changed & (MSTATUS_SUM | MSTATUS_MXR)) !== 0 ? DERIVE_TRANSLATION | DERIVE_ATTENTION : DERIVE_ATTENTION);
  }

  /**
   * Write the stored low word of mstatus (WARL-legalised). Only SUM, MXR, MPRV and MPP change how
   * loads and stores translate (priv spec 3.1.6.3); a write of other bits — Linux's interrupt
   * enable and disable, 30,000 `csrs`/`csrc sstatus` in a boot — keeps the page caches.
   */
  setMstatus(v: number): void {
    const old = this.mstatus;
    this.mstatus = legalizeMstatus(old, v);
    const translation = ((old ^ this.mstatus) & (MSTATUS_SUM | MSTATUS_MXR | MSTATUS_MPRV | MSTATUS_MPP)) !== 0;
    this.rederive(translation ? DERIVE_TRANSLATION | DERIVE_ATTENTION : DERIVE_ATTENTION);
  }

  /**
   * Rebuild the state derived from the architectural fields — the one place that does, called by
   * setState/reset with DERIVE_ALL and by every write that changes what a DERIVE_* bit names:
   * - ROOTS: the MMU's satp, vsatp and hgatp (its TLB context follows);
   * - TRANSLATION: the MMU's mstatus.SUM/MXR, vsstatus.SUM/MXR (priv spec 8.2.11) and V; the
   *   effective privilege and V of loads and stores (MPRV/MPP/MPV, priv spec 3.1.6.3, 8.4.1);
   *   the hart's page caches;
   * - SSTC: STIP/VSTIP from stimecmp/vstimecmp (Sstc spec 2.1, 2.3);
   * - ATTENTION: whether an interrupt may be takeable (checked once per instruction).
   */
  rederive(what: number): void {
    const mmu = this.mmu;
    if (what & DERIVE_ROOTS) {
      mmu.satp = this.satp;
      mmu.vsatp = this.vsatp;
      mmu.hgatp = this.hgatp;
    }
    if (what & DERIVE_TRANSLATION) {
      const ms = this.mstatus;
      // Compared first: the MMU's MXR setter also invalidates its guest context.
      const sum = (ms & MSTATUS_SUM) !== 0;
      const mxr = (ms & MSTATUS_MXR) !== 0;
      if (mmu.sum !== sum) {
        // SUM is not part of the regime: Linux sets and clears it around every access to user
        // memory (5,000 of a boot's 8,400 regime changes), and a change of regime empties the
        // caches. Set, it only adds S-mode access to U pages: every entry stays right. Cleared,
        // the load and store entries filled while it was set go (PageCache.sumFilled); the fetch
        // cache never depends on it (priv spec 4.3.1: S-mode never executes U pages).
        if (!sum) {
          this.loadPages.dropSumFilled();
          this.storePages.dropSumFilled();
        }
        mmu.sum = sum;
      }
      if (mmu.mxr !== mxr) mmu.mxr = mxr;
      const vs = this.vsstatus;
      mmu.vsum = (vs & MSTATUS_SUM) !== 0;
      mmu.vmxr = (vs & MSTATUS_MXR) !== 0;
      mmu.virt = this.virtMode;
      const mprv = this.privLevel === PRIV_M && (ms & MSTATUS_MPRV) !== 0;
      this.dataPriv = mprv ? (ms & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT : this.privLevel;
      this.dataVirt = this.virtMode || (mprv && this.mpv && this.dataPriv !== PRIV_M);
      this.fLo = this.ldLo = this.stLo = NO_PAGE;
      this.regime = this.privLevel | (this.virtMode ? 4 : 0) | (this.dataPriv << 3) | (this.dataVirt ? 32 : 0) |
        (mxr ? 128 : 0) | (mmu.vsum ? 256 : 0) | (mmu.vmxr ? 512 : 0);
      // The page caches' tag (one word the three share, in the slot where compiled code reads it
      // too): entries of other regimes stay, unmatched, until a flush empties them.
      this.fetchPages.tagWord[0] = this.regime << 1;
      if (what & DERIVE_ROOTS) this.clearPageCaches();
      else {
        this.cachesStale = mmu.flushCount !== this.cacheFlushes;
        if (this.cachesStale) this.attention = true;
      }
    }
    if (what & DERIVE_SSTC) this.updateSstc();
    if (what & DERIVE_ATTENTION) this.updateAttention();
    this.syncFpInline();
  }

  /** Forget cached translations after satp, privilege, mstatus, PMP or sfence changes. */
  translationChanged(): void {
    this.rederive(DERIVE_TRANSLATION);
    this.clearPageCaches();
  }

  /** Empty the page caches (every regime's entries): the TLB was flushed, or satp, PMP ... changed. */
  private clearPageCaches(): void {
    this.fLo = this.ldLo = this.stLo = NO_PAGE;
    this.fetchPages.clear();
    this.loadPages.clear();
    this.storePages.clear();
    this.cacheFlushes = this.mmu.flushCount;
    this.cachesStale = false;
  }

  /** Before an instruction runs (the attention path): page caches filled before a TLB flush are cleared. */
  private syncPageCaches(): void {
    this.clearPageCaches();
    this.updateAttention();
  }

  /**
   * SFENCE.VMA of one address (priv spec 4.2.1): it covers the leaf PTE that maps `va`, which may be
   * a superpage of any level the mode has, so the page caches drop every page of the largest leaf
   * that could hold `va` (1 GiB under Sv39) and keep the rest — Linux fences single pages about
   * 10,000 times in a boot, and each full clear made the hart and its blocks look up again every
   * page they use. Without paging (satp Bare), everything goes, as for a full fence.
   */
  private fenceAddress(va: bigint): void {
    const levels = pagingLevels(satpMode(this.satp));
    if (levels === 0) {
      this.translationChanged();
      return;
    }
    const lo = Number(BigInt.asIntN(32, va));
    const hi = Number(BigInt.asIntN(32, va >> 32n));
    // The entries whose leaf maps va, each by its own leaf's size (dropping the top level's
    // whole region, as before, emptied nearly every kernel entry at each of Linux's ~10,000
    // single-page fences in a boot, and each was walked again).
    this.fLo = this.ldLo = this.stLo = NO_PAGE;
    this.fetchPages.dropCovering(lo, hi);
    this.loadPages.dropCovering(lo, hi);
    this.storePages.dropCovering(lo, hi);
    // The caches now agree with the TLB the fence flushed (mmu.sfence counted it).
    this.cacheFlushes = this.mmu.flushCount;
  }

  /** A RAM page became code: no cached store may reach it any more (see jit/translation-cache.ts). */
  flushStoreCaches(): void {
    this.stLo = NO_PAGE;
    this.storePages.clear();
  }

  updateAttention(): void {
    this.attention = this.exitRequest !== undefined || this.pendingInterrupt() >= 0 || this.cachesStale;
  }

  /** The interrupt to take now, or -1 (priv spec 3.1.9 enables and priority). */
  pendingInterrupt(): number {
    const pending = this.mipValue() & this.mie;
    if (pending === 0) return -1;
    if (this.hExtension) return this.pendingInterruptH(pending);
    const priv = this.priv;
    let take = 0;
    if (priv < PRIV_M || this.mstatus & MSTATUS_MIE) take = pending & ~this.mideleg;
    if (take === 0 && (priv < PRIV_S || (priv === PRIV_S && this.mstatus & MSTATUS_SIE))) take = pending & this.mideleg;
    if (take === 0) return -1;
    for (const irq of IRQ_PRIORITY) if (take & (1 << irq)) return irq;
    return -1;
  }

  /**
   * pendingInterrupt with H (priv spec 8.2.3, 8.4.3, 3.1.9): M-level first; then HS-level (delegated by
   * mideleg, not by hideleg), enabled in V=1 modes always and in HS by sstatus.SIE; then VS-level
   * (delegated by hideleg), only in V=1, in VU always and in VS by vsstatus.SIE.
   */
  private pendingInterruptH(pending: number): number {
    const priv = this.priv;
    const virt = this.virtMode;
    let take = 0;
    if (priv < PRIV_M || this.mstatus & MSTATUS_MIE) take = pending & ~this.mideleg;
    if (take === 0 && (virt || priv < PRIV_S || (priv === PRIV_S && this.mstatus & MSTATUS_SIE))) {
      take = pending & this.mideleg & ~this.hideleg;
    }
    if (take === 0 && virt && (priv === PRIV_U || this.vsstatus & MSTATUS_SIE)) take = pending & this.mideleg & this.hideleg;
    if (take === 0) return -1;
    for (const irq of IRQ_PRIORITY_H) if (take & (1 << irq)) return irq;
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
    // While V=1, vsstatus.FS must be on as well (priv spec 8.2.11).
    return (this.mstatus & MSTATUS_FS) >> MSTATUS_FS_SHIFT !== FS_OFF &&
      (!this.virtMode || (this.vsstatus & MSTATUS_FS) >> MSTATUS_FS_SHIFT !== FS_OFF);
  }

  markFpDirty(): void {
    this.mstatus |= FS_DIRTY << MSTATUS_FS_SHIFT;
    if (this.virtMode) this.vsstatus |= FS_DIRTY << MSTATUS_FS_SHIFT;
    this.syncFpInline();
  }

  /**
   * Whether blocks may run FP instructions inline (FpRegisters.inline): FS is Dirty, and vsstatus.FS
   * too under V=1. Every change of mstatus, vsstatus or V comes through rederive or markFpDirty.
   */
  private syncFpInline(): void {
    this.fpRegs.inline = (this.mstatus & MSTATUS_FS) >> MSTATUS_FS_SHIFT === FS_DIRTY &&
      (!this.virtMode || (this.vsstatus & MSTATUS_FS) >> MSTATUS_FS_SHIFT === FS_DIRTY);
  }

  // ---------------------------------------------------------------- execution

  /**
   * Run `budget` steps (each one retired instruction or one trap taken) or to an exit. Sstc's STIP
   * is re-evaluated when a run begins; `resume` (the board goes on with a turn it had to cut at
   * its caller's budget) leaves that out, so run(a) then run(b, true) is exactly run(a + b).
   */
  run(budget: number, resume = false): VmExit {
    // As a small integer (the dispatcher takes an i32 anyway): callers compute budgets from
    // counters that are doubles (COUNT_ZERO), and a heap number here deoptimized the interpreter's
    // loop, whose code had seen only small integers ('not a Smi' at `n < budget`).
    budget = Math.min(budget, 0x7fff_ffff) | 0;
    if (!resume) this.updateSstc();
    this.updateAttention();
    if (this.translations === null) return this.interpret(budget, false);
    return this.wasm === undefined ? this.runTranslated(budget) : this.runWasm(budget);
  }

  /**
   * runTranslated() for WebAssembly blocks: the runtime's dispatcher runs block after block; this
   * loop looks up (and translates, once hot) the block it did not find, and interprets where
   * there is none — the same entry points and budget rule, so the same counts and interrupts.
   */
  private runWasm(budget: number): VmExit {
    const rt = this.wasm!;
    const st = this.slot;
    const w = this.slotWords;
    const PC = ST_PC >> 2;
    let left = budget;
    let refilled = false;
    for (;;) {
      // The dispatcher stopped at one instruction it leaves to JavaScript (WHY_STOP: a fetch across
      // a page, FENCE.I ...): only that one runs here. The JavaScript interpreter would go on to
      // its next branch, and its cold code costs several times the dispatcher's (40,000
      // instructions of a Linux boot ran there after 32-bit instructions across a page).
      let single = false;
      while (!this.attention) {
        w[PC] = this.pcLo;
        w[PC + 1] = this.pcHi;
        let k: number;
        rt.current = this;
        try {
          k = rt.dispatch(st, left);
        } catch (e) {
          if (e !== TRAP_SIGNAL) throw e;
          // A load/store in a block faulted: pc is that instruction; the dispatcher's count so far
          // plus the block's (blockRetired) retired before it; it uses one unit of budget.
          this.pcLo = w[PC]!;
          this.pcHi = w[PC + 1]!;
          const done = w[ST_TOTAL >> 2]! + this.blockRetired;
          this.retired += done;
          left -= done + 1;
          this.takeTrap(this.trapCause, this.trapTval, false);
          if (left === 0) return this.budgetExit();
          continue;
        }
        this.pcLo = w[PC]!;
        this.pcHi = w[PC + 1]!;
        this.retired += k;
        left -= k;
        if (this.blockTrap) {
          // A load/store in a block faulted without a throw (jitLoadPage, jitStorePage): the block
          // left before it and the dispatcher stopped there (pc is that instruction); it uses one
          // unit of budget, as in the catch above.
          this.blockTrap = false;
          this.takeTrap(this.trapCause, this.trapTval, false);
          if (--left === 0) return this.budgetExit();
          continue;
        }
        if (this.execTrapped) {
          // jitExec took the trap of an instruction a block left to it (pc is its handler's): the
          // trap used one unit of budget, as in the catch above.
          this.execTrapped = false;
          if (--left === 0) return this.budgetExit();
          continue;
        }
        if (left === 0) return EXIT_BUDGET;
        const why = w[ST_WHY >> 2];
        if (why === WHY_YIELD) continue;
        if (why === WHY_HOT) {
          // A head's heat bucket is full (wasm-interpreter.ts): credit it to the head, which may
          // translate it, and dispatch again (the bucket starts from 0, so the head runs, as a
          // block or interpreted, before it is reported again). The dispatcher found its page in
          // the fetch cache.
          const slot = this.fetchPages.lookup(this.pcLo, this.pcHi);
          if (slot < 0) break;
          this.translations!.lookup(this.fetchPages.page[slot]!, this.pcLo & 0xfff, w[ST_CREDIT >> 2]!);
          continue;
        }
        if (why !== WHY_MISS) {
          single = why === WHY_STOP;
          break;
        }
        // The pc's page is not in the fetch cache: fill it (from a page walk) and dispatch again;
        // a fetch that faults, or a page that is not RAM, is the JavaScript interpreter's. Once
        // only: a second miss at the same place (nothing retired) goes to it as well.
        if (k === 0 && refilled) {
          refilled = false;
          break;
        }
        if (this.fetchSlot(this.pcLo, this.pcHi) < 0) break;
        refilled = true;
        continue;
      }
      const exit = this.interpret(single ? 1 : left, true);
      if (exit === EXIT_PROBE) left -= this.interpreted;
      else if (exit === EXIT_BUDGET && single && left > 1) left--;
      else return exit;
    }
  }

  /**
   * run() with the translator: blocks while there are blocks at pc, the interpreter in between
   * (cold code, instructions blocks leave to it, interrupts and exit requests). The dispatcher is
   * a function of its own so that the interpreter's big loop keeps its own optimized code (a
   * megamorphic call into hundreds of generated functions inside it made V8 drop it).
   */
  private runTranslated(budget: number): VmExit {
    let left = budget;
    for (;;) {
      while (!this.attention) {
        let k: number;
        try {
          k = this.runBlock(this.pcLo, this.pcHi, left);
        } catch (e) {
          if (e !== TRAP_SIGNAL) throw e;
          // A load/store in a block faulted: pc is that instruction, blockRetired retired before
          // it; like the interpreter, the faulting instruction uses one unit of budget.
          const done = this.blockRetired;
          this.retired += done;
          left -= done + 1;
          this.takeTrap(this.trapCause, this.trapTval, false);
          if (left === 0) return this.budgetExit();
          continue;
        }
        if (this.blockTrap) {
          // A load/store in the block faulted without a throw (jitLoadPage, jitStorePage): the
          // block left before it (pc is that instruction), as in the catch above.
          this.blockTrap = false;
          this.retired += k;
          left -= k + 1;
          this.takeTrap(this.trapCause, this.trapTval, false);
          if (left === 0) return this.budgetExit();
          continue;
        }
        if (k === 0) break;
        this.retired += k;
        left -= k;
        if (left === 0) return EXIT_BUDGET;
      }
      const exit = this.interpret(left, true);
      if (exit !== EXIT_PROBE) return exit;
      left -= this.interpreted;
    }
  }

  /**
   * The interpreter: up to `budget` instructions. With `jit`, it stops (returning EXIT_PROBE, the
   * count in `interpreted`) at the first point after one instruction where a block may start: a
   * control transfer, a trap, or an instruction blocks leave to the interpreter. Without it,
   * `probe` stays false and the loop pays one untaken test per instruction.
   */
  private interpret(budget: number, jit: boolean): VmExit {
    const x = this.x;
    const xw = this.xw;
    const cexp = this.cexp;
    let pcLo = this.pcLo;
    let pcHi = this.pcHi;
    let ret = this.retired;
    let probe = false;
    const wasmDispatch = jit && this.wasm !== undefined;

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
          probe = jit;
          const hostExit = this.exitRequest;
          if (hostExit !== undefined) {
            this.exitRequest = undefined;
            this.updateAttention();
            return hostExit;
          }
        } else {
          this.attention = false;
        }
        if (this.cachesStale) this.syncPageCaches();
      }
      if (probe) {
        // Leave the interpreter only for a block that exists (or has just become hot): in cold
        // code a round trip through the dispatcher per branch cost more than it saved. With
        // WebAssembly blocks, always: the dispatcher's own interpreter runs cold code faster, and
        // counts heads' heat.
        probe = false;
        const b = wasmDispatch ? undefined : this.blockAt(pcLo, pcHi);
        if (wasmDispatch || (b !== undefined && b.length <= budget - n)) {
          this.pcLo = pcLo;
          this.pcHi = pcHi;
          this.retired = ret;
          this.interpreted = n;
          return EXIT_PROBE;
        }
      }
      try {
        // ---- fetch ----
        let raw: number;
        const fpo = pcLo & 0xfff;
        let slot: number;
        if (pcHi === this.fHi && (pcLo & ~0xfff) === this.fLo && fpo <= 0xffc) {
          raw = this.fView.getInt32(this.fOff + fpo, true);
        } else if (fpo <= 0xffc && (slot = this.fetchPages.lookup(pcLo, pcHi)) >= 0) {
          this.fetchHit(pcLo, pcHi, slot);
          raw = this.fView.getInt32(this.fOff + fpo, true);
        } else {
          this.retired = ret;
          raw = this.fetchSlow(pcLo, pcHi);
        }
        let insn = raw;
        let len = 4;
        if ((raw & 3) !== 3) {
          raw &= 0xffff;
          insn = cexp[raw]!;
          len = 2;
          if ((insn & 3) !== 3) {
            // Not expanded yet, or reserved (compressed.ts).
            insn = expandParcel(cexp, raw);
            if (insn === 0) this.raise(CAUSE_ILLEGAL_INSTRUCTION, BigInt(raw));
          }
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
            probe = jit;
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
            probe = jit;
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
            probe = jit;
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
                if (base === PAGE_FAULT) {
                  // As the catch below, without a throw.
                  this.trapAt(pcLo, pcHi);
                  pcLo = this.pcLo;
                  pcHi = this.pcHi;
                  probe = jit;
                  continue;
                }
              }
            }
            if (base >= 0) {
              const o = base + po;
              const view = this.ldView;
              switch (f3) {
                case 0: xw[rd2] = (this.ldBytes[o] << 24) >> 24; xw[rd2 + 1] = xw[rd2] >> 31; break;
                case 1: xw[rd2] = view.getInt16(o, true); xw[rd2 + 1] = xw[rd2] >> 31; break;
                case 2: xw[rd2] = view.getInt32(o, true); xw[rd2 + 1] = xw[rd2] >> 31; break;
                case 3: xw[rd2] = view.getInt32(o, true); xw[rd2 + 1] = view.getInt32(o + 4, true); break;
                case 4: xw[rd2] = this.ldBytes[o]; xw[rd2 + 1] = 0; break;
                case 5: xw[rd2] = view.getUint16(o, true); xw[rd2 + 1] = 0; break;
                case 6: xw[rd2] = view.getInt32(o, true); xw[rd2 + 1] = 0; break;
                default: this.illegal(raw);
              }
            } else {
              this.retired = ret;
              const v = this.loadSlow(aLo, aHi, WIDTHS[f3 & 3]);
              if (v === BUS_FAULT) {
                this.trapAt(pcLo, pcHi);
                pcLo = this.pcLo;
                pcHi = this.pcHi;
                probe = jit;
                continue;
              }
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
                if (base === PAGE_FAULT) {
                  this.trapAt(pcLo, pcHi);
                  pcLo = this.pcLo;
                  pcHi = this.pcHi;
                  probe = jit;
                  continue;
                }
              }
            }
            if (base >= 0) {
              const o = base + po;
              const view = this.stView;
              switch (f3) {
                case 0: this.stBytes[o] = xw[rs2]; break;
                case 1: view.setInt16(o, xw[rs2], true); break;
                case 2: view.setInt32(o, xw[rs2], true); break;
                default: view.setInt32(o, xw[rs2], true); view.setInt32(o + 4, xw[rs2 + 1], true);
              }
            } else {
              this.retired = ret;
              if (!this.storeSlow(aLo, aHi, WIDTHS[f3], x[rs2 >> 1])) {
                this.trapAt(pcLo, pcHi);
                pcLo = this.pcLo;
                pcHi = this.pcHi;
                probe = jit;
                continue;
              }
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
            // Harts on threads: a FENCE must order this hart's plain accesses against the other
            // threads'. The JS memory model has no standalone fence; an Atomics read-modify-write
            // is a locked instruction on x64 and arm64 (a full barrier), and a compiler barrier.
            if (this.fenceWord !== undefined) Atomics.exchange(this.fenceWord, 0, 0);
            // FENCE.I with RAM shared between threads: drop blocks of code pages another thread
            // changed (TranslationCache.fenceI); on one thread, a no-op.
            if (f3 === 1 && this.translations !== null) this.translations.fenceI();
            probe = jit;
            break;
          case OP_SYSTEM: {
            this.pcLo = pcLo;
            this.pcHi = pcHi;
            this.retired = ret;
            probe = jit;
            const r = this.execSystem(insn, raw);
            if (r === SYS_TRAP) {
              // As the catch below (pc and retired are already the hart's).
              this.takeTrap(this.trapCause, this.trapTval, false);
              pcLo = this.pcLo;
              pcHi = this.pcHi;
              continue;
            }
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
            probe = jit;
            this.retired = ret;
            this.execAmo(insn, raw);
            break;
          case OP_LOAD_FP:
          case OP_STORE_FP:
            this.retired = ret;
            probe = jit;
            if (!this.execFpMemory(insn, raw)) {
              this.trapAt(pcLo, pcHi);
              pcLo = this.pcLo;
              pcHi = this.pcHi;
              continue;
            }
            break;
          case OP_FP:
          case OP_MADD:
          case OP_MSUB:
          case OP_NMSUB:
          case OP_NMADD:
            if (!this.fpEnabled() || !executeFp(insn, x, this.fp)) this.illegal(raw);
            this.markFpDirty();
            probe = jit;
            break;
          default:
            // An opcode this hart does not implement: the trap in place, as in the catch below.
            this.retired = ret;
            this.illegalTrap(raw);
            this.trapAt(pcLo, pcHi);
            pcLo = this.pcLo;
            pcHi = this.pcHi;
            probe = jit;
            continue;
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
        probe = jit;
      }
    }
    this.pcLo = pcLo;
    this.pcHi = pcHi;
    this.retired = ret;
    return this.budgetExit();
  }

  /**
   * The budget is spent. A trap taken by the batch's last instruction (hostTraps) is returned now,
   * not by the next run(): the host may switch to another guest before calling run() again.
   */
  private budgetExit(): VmExit {
    const pending = this.exitRequest;
    if (pending !== undefined && pending.reason === 'trap') {
      this.exitRequest = undefined;
      this.updateAttention();
      return pending;
    }
    return EXIT_BUDGET;
  }

  /** BlockHart.jitLoadPage: the interpreter's own lookup (second level, then the MMU). */
  jitLoadPage(lo: number, hi: number, width: number): number {
    if (this.blockTrap) return MISS_FAULT;
    const off = this.loadPage(lo, hi, width);
    if (off >= 0) return off;
    if (off !== PAGE_FAULT) return MISS_SLOW;
    this.blockTrap = true;
    return MISS_FAULT;
  }

  /**
   * WasmHart.jitExec: a CSR access, AMO, ECALL/EBREAK, xRET, SFENCE.VMA or F/D instruction inside a
   * WebAssembly block (`raw`: the instruction, or a compressed one's parcel), run by the
   * interpreter's own code (execAmo, execSystem, execFpMemory, the FP unit) with the state it would see:
   * the pc the block stored, the registers it wrote back, and the instructions retired so far
   * (counters and virtual time read them). The block goes on (0) only when nothing an instruction
   * fetch or the dispatcher depends on changed: no interrupt became takeable, the pc moved on by
   * `len`, no translation was dropped (an AMO or FP store into code), and a CSR is one of CONTINUE_CSRS;
   * otherwise it returns and the dispatcher yields (1).
   */
  jitExec(raw: number, len: number, retired: number): number {
    const w = this.slotWords;
    const PC = ST_PC >> 2;
    this.pcLo = w[PC]!;
    this.pcHi = w[PC + 1]!;
    this.blockRetired = retired;
    const done = w[ST_TOTAL >> 2]! + retired;
    const tc = this.translations!.stats;
    const dropped = tc.invalidations + tc.flushes;
    // A compressed form comes as its parcel (its traps' tval), expanded as the interpreter does.
    let insn = raw;
    if (len === 2) {
      insn = this.cexp[raw]!;
      if ((insn & 3) !== 3) insn = expandParcel(this.cexp, raw);
    }
    const op = insn & 0x7f;
    let r = SYS_NEXT;
    this.retired += done;
    try {
      if (op === OP_AMO) this.execAmo(insn, raw);
      else if (op === OP_SYSTEM) r = this.execSystem(insn, raw);
      else if (op === OP_LOAD || op === OP_STORE) {
        if (!this.execIntMemory(insn, raw)) r = SYS_TRAP;
      }
      else if (op === OP_LOAD_FP || op === OP_STORE_FP) {
        if (!this.execFpMemory(insn, raw)) r = SYS_TRAP;
      } else if (!this.fpEnabled() || !executeFp(insn, this.x, this.fp)) r = this.illegalTrap(raw);
      else this.markFpDirty();
    } catch (e) {
      if (e !== TRAP_SIGNAL) throw e;
      r = SYS_TRAP;
    } finally {
      this.retired -= done;
    }
    if (r === SYS_TRAP) {
      // The instruction trapped (a CSR access or xRET a hypervisor emulates, an AMO's page
      // fault): take the trap here, as runWasm's catch would, instead of throwing it through the
      // block's and the dispatcher's WebAssembly frames (1.4 of the 4.3 us a trap-and-emulate
      // exit cost, in a CPU profile of a loop of CSR reads in virtual M-mode). The block returns
      // the count before this instruction.
      this.pcLo = w[PC]!;
      this.pcHi = w[PC + 1]!;
      this.retired += done;
      this.takeTrap(this.trapCause, this.trapTval, false);
      this.retired -= done;
      w[PC] = this.pcLo;
      w[PC + 1] = this.pcHi;
      this.execTrapped = true;
      return 2;
    }
    if (r !== SYS_JUMPED) {
      // pc + len, carrying into the high word.
      const lo = (this.pcLo + len) | 0;
      if ((lo >>> 0) < (this.pcLo >>> 0)) this.pcHi = (this.pcHi + 1) | 0;
      this.pcLo = lo;
    }
    w[PC] = this.pcLo;
    w[PC + 1] = this.pcHi;
    const f3 = (insn >> 12) & 7;
    const goOn = r === SYS_NEXT && !this.attention && tc.invalidations + tc.flushes === dropped &&
      (op !== OP_SYSTEM || (f3 !== 0 && CONTINUE_CSRS.has(insn >>> 20)));
    return goOn ? 0 : 1;
  }

  /** BlockHart.jitStorePage: as storePage, but a page with translated code is left to the interpreter. */
  jitStorePage(lo: number, hi: number, width: number): number {
    if (this.blockTrap) return MISS_FAULT;
    const sp = this.storePages;
    let slot = sp.lookup(lo, hi);
    if (slot < 0) {
      const pa = this.translateOrTrapAt(lo, hi, ACCESS_STORE, this.dataPriv, width);
      if (pa < 0) {
        this.blockTrap = true;
        return MISS_FAULT;
      }
      const page = this.ramPage(pa);
      if (page < 0 || !this.cacheable(pa, ACCESS_STORE, this.dataPriv) || this.translations!.isCodePage(page)) return MISS_SLOW;
      // Code of other translators on the same memory (a VM window's alias) is dropped as usual.
      this.ram.noteWrite(page * 4096, 4096);
      slot = this.cachePage(sp, lo, hi, page);
    }
    return this.storeHit(lo, hi, slot);
  }

  /** Fill `cache` for the VA page (lo, hi) → RAM page `page` (committing its chunk); the entry. */
  private cachePage(cache: PageCache, lo: number, hi: number, page: number): number {
    const ram = this.ram;
    const c = ram.pageChunk(page, true);
    // The leaf behind the translation just made (every caller translates right before), and
    // whether mstatus.SUM may have allowed it (an S-level load or store while SUM is set).
    const sumFilled = cache !== this.fetchPages && this.mmu.sum && this.dataPriv === PRIV_S;
    cache.insert(lo, hi, ram.pageOffset(page), page, ram.store.views[c]!, ram.store.chunks[c]!, this.mmu.lastLevel, sumFilled);
    return cache.lookup(lo, hi);
  }

  /**
   * The fetch cache's slot for pc, filled from a page walk when it is not there and the page is
   * executable, cacheable RAM; -1 otherwise. Nothing is raised: a fault is the interpreter's to
   * take when it fetches. (With the cache's own lookup only, a block at a pc reached right after a
   * cache flush was neither found nor counted towards becoming hot: 90,000 times in a Linux boot.)
   */
  private fetchSlot(pcLo: number, pcHi: number): number {
    const slot = this.fetchPages.lookup(pcLo, pcHi);
    if (slot >= 0) return slot;
    const mmu = this.mmu;
    const pa = this.virtMode ? mmu.translateGuest(toBig(pcLo, pcHi), ACCESS_FETCH, this.priv, 2, false) : mmu.translateAt(pcLo, pcHi, ACCESS_FETCH, this.priv, 2);
    if (pa < 0) return -1;
    const page = this.ramPage(pa, true);
    if (page < 0 || !this.cacheable(pa, ACCESS_FETCH, this.privLevel)) return -1;
    return this.cachePage(this.fetchPages, pcLo, pcHi, page);
  }

  /** Make cache entry `slot` the single-entry fetch cache. */
  private fetchHit(lo: number, hi: number, slot: number): void {
    const fp = this.fetchPages;
    this.fHi = hi;
    this.fLo = lo & ~0xfff;
    this.fOff = fp.off[slot]!;
    this.fView = fp.views[slot]!;
    this.fPage = fp.page[slot]!;
  }

  /** Make cache entry `slot` the single-entry load cache; the page's offset in its chunk. */
  private loadHit(lo: number, hi: number, slot: number): number {
    const lp = this.loadPages;
    this.ldHi = hi;
    this.ldLo = lo & ~0xfff;
    this.ldView = lp.views[slot]!;
    this.ldBytes = lp.bytes[slot]!;
    return (this.ldOff = lp.off[slot]!);
  }

  private storeHit(lo: number, hi: number, slot: number): number {
    const sp = this.storePages;
    this.stHi = hi;
    this.stLo = lo & ~0xfff;
    this.stView = sp.views[slot]!;
    this.stBytes = sp.bytes[slot]!;
    return (this.stOff = sp.off[slot]!);
  }

  /**
   * Run the translated block at pc when there is one (translating it once hot) and the budget
   * covers it; returns the instructions it retired (0: none, the interpreter goes on at pc) and
   * leaves the next pc in pcLo/pcHi. Blocks are found through the fetch translation cache only, so
   * the page is known to be executable RAM in the current regime with page-uniform PMP.
   */
  private runBlock(pcLo: number, pcHi: number, budget: number): number {
    const b = this.blockAt(pcLo, pcHi);
    if (b === undefined || b.length > budget) return 0;
    return b.run!(this, pcLo, pcHi, budget);
  }

  /** The block at pc (found through the fetch translation cache; translated once hot), if any. */
  private blockAt(pcLo: number, pcHi: number): CompiledBlock | undefined {
    if (pcHi !== this.fHi || (pcLo & ~0xfff) !== this.fLo) {
      const slot = this.fetchSlot(pcLo, pcHi);
      if (slot < 0) return undefined;
      this.fetchHit(pcLo, pcHi, slot);
    }
    return this.translations!.lookup(this.fPage, pcLo & 0xfff);
  }

  // ---------------------------------------------------------------- exceptions and traps

  /**
   * Note the trap (cause, tval) for the caller to take, and return SYS_TRAP: the paths that pass
   * a trap back as a value (execSystem's SYS_TRAP, PAGE_FAULT, BUS_FAULT, blockTrap) start here;
   * `raise` throws it instead.
   */
  private trapped(cause: number, tval: bigint): number {
    this.trapCause = cause;
    this.trapTval = tval;
    return SYS_TRAP;
  }

  /** Illegal instruction, returned: tval holds the faulting instruction bits (priv spec 3.1.16). */
  private illegalTrap(raw: number): number {
    return this.trapped(CAUSE_ILLEGAL_INSTRUCTION, BigInt(raw >>> 0));
  }

  /** Virtual instruction (cause 22, priv spec 8.6.1), returned: tval holds the instruction bits, as for illegal. */
  private virtualTrap(raw: number): number {
    return this.trapped(CAUSE_VIRTUAL_INSTRUCTION, BigInt(raw >>> 0));
  }

  private raise(cause: number, tval: bigint): never {
    this.trapped(cause, tval);
    throw TRAP_SIGNAL;
  }

  /** `illegalTrap`, thrown. */
  private illegal(raw: number): never {
    this.illegalTrap(raw);
    throw TRAP_SIGNAL;
  }

  /** `virtualTrap`, thrown. */
  private virtualInstruction(raw: number): never {
    this.virtualTrap(raw);
    throw TRAP_SIGNAL;
  }

  /**
   * The interpreter's trap without a throw: the instruction at (pcLo, pcHi) trapped with
   * trapCause/trapTval (retired already the hart's); take it as the interpreter's catch does.
   * Each call site then reloads the loop's pc locals and `continue`s: the loop keeps the pc in
   * locals, so that tail cannot move into a function.
   */
  private trapAt(pcLo: number, pcHi: number): void {
    this.pcLo = pcLo;
    this.pcHi = pcHi;
    this.takeTrap(this.trapCause, this.trapTval, false);
  }

  /**
   * Trap entry (priv spec 3.1.6.1, 3.1.8, 3.1.14–3.1.17, 4.1.1): traps from S/U go to S when
   * delegated; a trap taken in M never is. The epc is the current pc.
   */
  takeTrap(cause: number, tval: bigint, interrupt: boolean): void {
    if (this.hExtension) {
      this.takeTrapH(cause, tval, interrupt);
      return;
    }
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
    this.enterTrapVector(vec, interrupt, cause);
  }

  /**
   * The common end of every trap entry: jump to xtvec — vectored mode (MODE=1) sends interrupts to
   * BASE + 4*cause (priv spec 3.1.7) — and drop what the trap invalidates.
   */
  private enterTrapVector(vec: bigint, interrupt: boolean, cause: number): void {
    let target = vec & ~3n;
    if (interrupt && (vec & 3n) === 1n) target += BigInt(4 * cause);
    this.setPc(target);
    this.reservation = -1n;
    this.rederive(DERIVE_TRANSLATION | DERIVE_ATTENTION);
  }

  /**
   * Trap entry with H (priv spec 8.6.2–8.6.3): a trap delegated by medeleg/mideleg goes to HS-mode,
   * or on to VS-mode when it comes from V=1 and hedeleg/hideleg delegate it too; otherwise M. VS
   * receives VS-level interrupts as the S-level ones (cause − 1). HS entry records SPV/SPVP/GVA and
   * htval (GPA >> 2 for guest-page faults) in hstatus; M entry records MPV/GVA and mtval2. htinst and
   * mtinst (8.6.3) hold the pseudoinstruction 0x3000 (PTE read) or 0x3020 (A/D write) for a
   * guest-page fault on an implicit access of VS-stage translation, whose htval/mtval2 is then the
   * PTE's guest physical address; otherwise 0, which 8.6.3 allows for every trap and QEMU 7.2
   * writes for explicit accesses too (conformance/hgpf.S). Every entry leaves V=0 except the one
   * into VS.
   */
  private takeTrapH(cause: number, tval: bigint, interrupt: boolean): void {
    const epc = toBig(this.pcLo, this.pcHi);
    const priv = this.priv;
    const virt = this.virtMode;
    const deleg = interrupt ? this.mideleg : this.medeleg;
    const hdeleg = interrupt ? this.hideleg : this.hedeleg;
    let gva = false;
    if (!interrupt) {
      if (virt || this.hlvActive) gva = gvaCause(cause, false);
      else if (priv === PRIV_M && this.dataVirt) gva = gvaCause(cause, true);
    }
    const guestPageFault = !interrupt && isGuestPageFault(cause);
    const gpa = guestPageFault ? this.trapGpa >> 2n : 0n;
    const tinst = guestPageFault ? BigInt(this.trapTinst) : 0n;
    this.hlvActive = false;
    let delivered = cause;
    let ms = this.mstatus;
    let vec: bigint;
    if (priv <= PRIV_S && (deleg >>> cause) & 1) {
      if (virt && (hdeleg >>> cause) & 1) {
        if (interrupt) delivered = cause - 1; // VSSI/VSTI/VSEI appear as SSI/STI/SEI in vscause
        this.vscause = (interrupt ? 1n << 63n : 0n) | BigInt(delivered);
        this.vsepc = epc;
        this.vstval = tval;
        const vs = this.vsstatus;
        this.vsstatus = (vs & ~(MSTATUS_SPIE | MSTATUS_SIE | MSTATUS_SPP)) | (vs & MSTATUS_SIE ? MSTATUS_SPIE : 0) | (priv << 8);
        this.privLevel = PRIV_S;
        vec = this.vstvec;
      } else {
        this.scause = (interrupt ? 1n << 63n : 0n) | BigInt(cause);
        this.sepc = epc;
        this.stval = tval;
        ms = (ms & ~(MSTATUS_SPIE | MSTATUS_SIE | MSTATUS_SPP)) | (ms & MSTATUS_SIE ? MSTATUS_SPIE : 0) | (priv << 8);
        // SPVP records the privilege only for traps from V=1; SPV = V; GVA per the cause (8.2.1).
        let hs = this.hstatus & ~(HSTATUS_SPV | HSTATUS_GVA);
        if (virt) hs = (hs & ~HSTATUS_SPVP) | (priv === PRIV_S ? HSTATUS_SPVP : 0) | HSTATUS_SPV;
        if (gva) hs |= HSTATUS_GVA;
        this.hstatus = hs;
        this.htval = gpa;
        this.htinst = tinst;
        this.privLevel = PRIV_S;
        this.virtMode = false;
        vec = this.stvec;
      }
    } else {
      const causeValue = (interrupt ? 1n << 63n : 0n) | BigInt(cause);
      this.mcause = causeValue;
      this.mepc = epc;
      this.mtval = tval;
      ms =
        (ms & ~(MSTATUS_MPIE | MSTATUS_MIE | MSTATUS_MPP)) |
        (ms & MSTATUS_MIE ? MSTATUS_MPIE : 0) |
        (priv << MSTATUS_MPP_SHIFT);
      this.mpv = virt;
      this.mgva = gva;
      this.mtval2 = gpa;
      this.mtinst = tinst;
      this.privLevel = PRIV_M;
      this.virtMode = false;
      vec = this.mtvec;
      if (this.hostTraps) {
        this.exitRequest = { reason: 'trap', cause: causeValue, tval, epc };
        this.attention = true;
      }
    }
    this.mstatus = ms;
    this.enterTrapVector(vec, interrupt, delivered);
  }

  // ---------------------------------------------------------------- memory

  /** Translate or raise the MMU's fault with tval = the virtual address. */
  private translate(va: bigint, access: AccessType, priv: number, width: number): number {
    const pa = this.translateOrTrap(va, access, priv, width);
    if (pa < 0) throw TRAP_SIGNAL;
    return pa;
  }

  /** `translate` without the throw: -1 with the fault in trapCause, trapTval (and trapGpa, trapTinst). */
  private translateOrTrap(va: bigint, access: AccessType, priv: number, width: number): number {
    // V=1 accesses (and MPRV with MPV=1 for data) take both translation stages (priv spec 8.5).
    const mmu = this.mmu;
    const pa = (access === ACCESS_FETCH ? this.virtMode : this.dataVirt)
      ? mmu.translateGuest(va, access, priv, width, false)
      : mmu.translate(va, access, priv, width);
    if (pa < 0) this.translationFault(va);
    return pa;
  }

  /** translateOrTrap of the address (hi:lo) as int32 halves: a BigInt only for a fault's tval (or V=1). */
  private translateOrTrapAt(lo: number, hi: number, access: AccessType, priv: number, width: number): number {
    const mmu = this.mmu;
    const pa = (access === ACCESS_FETCH ? this.virtMode : this.dataVirt)
      ? mmu.translateGuest(toBig(lo, hi), access, priv, width, false)
      : mmu.translateAt(lo, hi, access, priv, width);
    if (pa < 0) this.translationFault(toBig(lo, hi));
    return pa;
  }

  /** The MMU's fault for an access to `va`, as the hart's pending trap. */
  private translationFault(va: bigint): void {
    const mmu = this.mmu;
    this.trapGpa = mmu.faultGpa;
    this.trapTinst = mmu.faultInst;
    this.trapped(mmu.faultCause, va);
  }

  /**
   * Index in RAM of the 4 KiB page containing pa when the whole page is RAM, else -1. With
   * `committed`, also -1 when the page's chunk is not committed: loads and fetches there read zero
   * through the bus without allocating it, and nothing caches a view that a first write would
   * replace.
   */
  private ramPage(pa: number, committed = false): number {
    const page = pa - (pa & 0xfff);
    const ram = this.ram;
    if (page < ram.base || page + 4096 > ram.end) return -1;
    const p = (page - ram.base) / 4096;
    return committed && ram.pageChunk(p, false) < 0 ? -1 : p;
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
    const page = this.ramPage(pa, true);
    let low: number;
    if (page >= 0) {
      if (this.cacheable(pa, ACCESS_FETCH, this.privLevel)) this.fetchHit(pcLo, pcHi, this.cachePage(this.fetchPages, pcLo, pcHi, page));
      low = this.ram.read16(pa);
    } else {
      low = Number(this.physRead(pa, 2, CAUSE_FETCH_ACCESS, va));
    }
    if ((low & 3) !== 3) return low;
    let high: number;
    if ((pa & 0xfff) !== 0xffe) {
      high = page >= 0 ? this.ram.read16(pa + 2) : Number(this.physRead(pa + 2, 2, CAUSE_FETCH_ACCESS, va));
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
    const lp = this.loadPages;
    let slot = lp.lookup(lo, hi);
    if (slot < 0) {
      const pa = this.translateOrTrapAt(lo, hi, ACCESS_LOAD, this.dataPriv, width);
      if (pa < 0) return PAGE_FAULT;
      const page = this.ramPage(pa, true);
      if (page < 0 || !this.cacheable(pa, ACCESS_LOAD, this.dataPriv)) return -1;
      slot = this.cachePage(lp, lo, hi, page);
    }
    return this.loadHit(lo, hi, slot);
  }

  private storePage(lo: number, hi: number, width: number): number {
    const sp = this.storePages;
    let slot = sp.lookup(lo, hi);
    if (slot < 0) {
      const pa = this.translateOrTrapAt(lo, hi, ACCESS_STORE, this.dataPriv, width);
      if (pa < 0) return PAGE_FAULT;
      const page = this.ramPage(pa);
      if (page < 0 || !this.cacheable(pa, ACCESS_STORE, this.dataPriv)) return -1;
      // A code page is never in a store cache: its first store lands here and drops its blocks.
      if (this.ram.writeWatchers.length !== 0) this.ram.noteWrite(page * 4096, 4096);
      slot = this.cachePage(sp, lo, hi, page);
    }
    return this.storeHit(lo, hi, slot);
  }

  /**
   * A load that missed the cached page: translate, maybe cache, split at a page boundary. BUS_FAULT
   * (never a loaded value: those are unsigned): it faulted, the trap in trapCause/trapTval.
   */
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
    const pa = this.translateOrTrap(va, ACCESS_LOAD, this.dataPriv, width);
    if (pa < 0) return BUS_FAULT;
    const page = this.ramPage(pa, true);
    if (page >= 0 && this.cacheable(pa, ACCESS_LOAD, this.dataPriv)) {
      return this.loadAt(this.loadHit(lo, hi, this.cachePage(this.loadPages, lo, hi, page)) + po, width);
    }
    const v = this.bus.read(pa, width);
    if (v === BUS_FAULT) this.trapped(CAUSE_LOAD_ACCESS, va);
    return v;
  }

  /** `width` bytes, unsigned, at offset `o` of the cached load page's view (loadHit). */
  private loadAt(o: number, width: 1 | 2 | 4 | 8): bigint {
    const view = this.ldView;
    switch (width) {
      case 1: return BigInt(this.ldBytes[o]!);
      case 2: return BigInt(view.getUint16(o, true));
      case 4: return BigInt(view.getUint32(o, true));
      default: return view.getBigUint64(o, true);
    }
  }

  /** The low `width` bytes of `value` at offset `o` of the cached store page's view (storeHit). */
  private storeAt(o: number, width: 1 | 2 | 4 | 8, value: bigint): void {
    const view = this.stView;
    switch (width) {
      case 1: this.stBytes[o] = Number(value & 0xffn); break;
      case 2: view.setUint16(o, Number(value & 0xffffn), true); break;
      case 4: view.setUint32(o, Number(value & 0xffff_ffffn), true); break;
      default: view.setBigUint64(o, value, true);
    }
  }

  /** A store that missed the cached page; false: it faulted (trapCause, trapTval), nothing written. */
  private storeSlow(lo: number, hi: number, width: 1 | 2 | 4 | 8, value: bigint): boolean {
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
      return true;
    }
    const pa = this.translateOrTrap(va, ACCESS_STORE, this.dataPriv, width);
    if (pa < 0) return false;
    const page = this.ramPage(pa);
    if (page >= 0 && this.cacheable(pa, ACCESS_STORE, this.dataPriv)) {
      if (this.ram.writeWatchers.length !== 0) this.ram.noteWrite(page * 4096 + po, width);
      this.storeAt(this.storeHit(lo, hi, this.cachePage(this.storePages, lo, hi, page)) + po, width, value);
      return true;
    }
    if (this.bus.write(pa, width, value)) return true;
    this.trapped(CAUSE_STORE_ACCESS, va);
    return false;
  }

  /** Read `width` bytes at a translated address (RAM or MMIO), for AMOs and FP loads. */
  private readAt(pa: number, width: 4 | 8, va: bigint, faultCause: number): bigint {
    const ram = this.ram;
    if (pa >= ram.base && pa + width <= ram.end) {
      return width === 4 ? BigInt(ram.read32(pa)) : ram.read64(pa);
    }
    return this.physRead(pa, width, faultCause, va);
  }

  private writeAt(pa: number, width: 4 | 8, value: bigint, va: bigint): void {
    const ram = this.ram;
    if (pa >= ram.base && pa + width <= ram.end) {
      // Ram's writes tell the write watchers first.
      if (width === 4) ram.write32(pa, Number(value & 0xffff_ffffn));
      else ram.write64(pa, BigInt.asUintN(64, value));
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
    if (funct5 === 2) {
      // LR
      if (rs2 !== 0) this.illegal(raw);
      if (misaligned) this.raise(CAUSE_MISALIGNED_LOAD, va);
      const pa = this.translate(va, ACCESS_LOAD, this.dataPriv, width);
      const shared = this.fenceWord !== undefined && this.inRam(pa, width);
      const v = shared ? this.ram.atomicLoad(pa, width) : this.readAt(pa, width, va, CAUSE_LOAD_ACCESS);
      this.reservation = va;
      this.reservedValue = v;
      if (rd !== 0) x[rd] = amoSext(v, width);
      return;
    }
    if (funct5 === 3) {
      // SC: fails (rd = 1) without touching memory when the reservation does not cover the address.
      if (misaligned) this.raise(CAUSE_MISALIGNED_STORE, va);
      let ok = this.reservation === va;
      this.reservation = -1n;
      if (ok) {
        const pa = this.translate(va, ACCESS_STORE, this.dataPriv, width);
        if (this.fenceWord !== undefined && this.inRam(pa, width)) {
          // Harts on threads: the SC succeeds only if the word still holds what the LR read,
          // swapped in one compare-and-swap, so no store of another hart between the check and
          // the write is lost (unpriv spec 8.2: an SC must fail if another hart wrote the
          // reserved bytes since the LR; the standard emulator reading, as QEMU's TCG does).
          // ABA caveat: another hart storing a different value and then the LR's value back
          // lets the SC succeed where hardware would fail it. Lock-free code built on LR/SC
          // (counters, locks, Linux's cmpxchg) only needs the value unchanged, so it stays correct.
          const mask = width === 4 ? 0xffff_ffffn : ALL_ONES_64;
          ok = this.ram.compareExchange(pa, width, this.reservedValue, x[rs2] & mask) === this.reservedValue;
        } else {
          this.writeAt(pa, width, x[rs2], va);
        }
      }
      if (rd !== 0) x[rd] = ok ? 0n : 1n;
      return;
    }
    const op = AMO_OPS[funct5];
    if (op === undefined) this.illegal(raw);
    if (misaligned) this.raise(CAUSE_MISALIGNED_STORE, va);
    const pa = this.translate(va, ACCESS_STORE, this.dataPriv, width);
    const src = amoSext(x[rs2], width);
    if (this.fenceWord !== undefined && this.inRam(pa, width)) {
      // Harts on threads: read, compute and compare-and-swap until no other hart wrote in
      // between — the AMO is one atomic read-modify-write against every thread (unpriv spec 8.4).
      const mask = width === 4 ? 0xffff_ffffn : ALL_ONES_64;
      for (;;) {
        const seen = this.ram.atomicLoad(pa, width);
        const old = amoSext(seen, width);
        if (this.ram.compareExchange(pa, width, seen, op(old, src, width) & mask) === seen) {
          if (rd !== 0) x[rd] = old;
          return;
        }
      }
    }
    // An AMO is a store for fault reporting, including a bus error on its read half.
    const old = amoSext(this.readAt(pa, width, va, CAUSE_STORE_ACCESS), width);
    this.writeAt(pa, width, op(old, src, width), va);
    if (rd !== 0) x[rd] = old;
  }

  private inRam(pa: number, width: number): boolean {
    return pa >= this.ram.base && pa + width <= this.ram.end;
  }

  /**
   * An integer load or store that is not to a cached RAM page (MMIO, across a page, into a code
   * page), for the interpreter in WebAssembly (jitExec): the JavaScript interpreter's own paths
   * (loadPage/storePage, then loadSlow/storeSlow), so devices see the same accesses at the same
   * counts. False: it faulted (trapCause, trapTval).
   */
  private execIntMemory(insn: number, raw: number): boolean {
    const f3 = (insn >> 12) & 7;
    const store = (insn & 0x7f) === OP_STORE;
    if (store ? f3 > 3 : f3 === 7) {
      this.illegalTrap(raw);
      return false;
    }
    this.effectiveAddress(insn, store);
    const aLo = this.eaLo;
    const aHi = this.eaHi;
    const po = aLo & 0xfff;
    const width = WIDTHS[f3 & 3]!;
    if (store) {
      const value = this.x[(insn >> 20) & 31]!;
      const base = po <= 0xff8 ? this.storePage(aLo, aHi, width) : -1;
      if (base === PAGE_FAULT) return false;
      if (base < 0) return this.storeSlow(aLo, aHi, width, value);
      this.storeAt(base + po, width, value);
      return true;
    }
    const base = po <= 0xff8 ? this.loadPage(aLo, aHi, width) : -1;
    if (base === PAGE_FAULT) return false;
    const v = base < 0 ? this.loadSlow(aLo, aHi, width) : this.loadAt(base + po, width);
    if (v === BUS_FAULT) return false;
    const rd = (insn >> 7) & 31;
    if (rd !== 0) this.x[rd] = f3 < 4 ? BigInt.asUintN(64, BigInt.asIntN(8 << f3, v)) : v;
    return true;
  }

  /** effectiveAddress's result: rs1 + the I- or S-type immediate, as int32 halves. */
  private eaLo = 0;
  private eaHi = 0;

  /** The address a load (I-type immediate) or store (S-type) `insn` accesses, into eaLo/eaHi. */
  private effectiveAddress(insn: number, store: boolean): void {
    const imm = store ? ((insn >> 20) & ~0x1f) | ((insn >> 7) & 0x1f) : insn >> 20;
    const xw = this.xw;
    const rs1 = ((insn >> 15) & 31) << 1;
    const sum = (xw[rs1]! >>> 0) + (imm >>> 0);
    this.eaLo = sum | 0;
    this.eaHi = (xw[rs1 + 1]! + (imm >> 31) + (sum > 0xffff_ffff ? 1 : 0)) | 0;
  }

  // ---------------------------------------------------------------- F/D memory access

  /**
   * FLW/FLD/FSW/FSD (unpriv spec 11.5, 12.3): FLW NaN-boxes; any FS=Off access is illegal. False:
   * it trapped (trapCause, trapTval; an illegal instruction or the access's fault).
   */
  private execFpMemory(insn: number, raw: number): boolean {
    const f3 = (insn >> 12) & 7;
    if ((f3 !== 2 && f3 !== 3) || !this.fpEnabled()) {
      this.illegalTrap(raw);
      return false;
    }
    const store = (insn & 0x7f) === OP_STORE_FP;
    const w = this.fp.w!;
    this.effectiveAddress(insn, store);
    const aLo = this.eaLo;
    const aHi = this.eaHi;
    {
      // Within a page: through the page caches as the integer loads and stores go (a page fault
      // returned, not thrown), the value moved as two int32 halves (FLW NaN-boxes, FSW stores the
      // low word: unpriv spec 12.2).
      const po = aLo & 0xfff;
      const wide = f3 === 3;
      if (po <= (wide ? 0xff8 : 0xffc)) {
        if (store) {
          let base = aHi === this.stHi && (aLo & ~0xfff) === this.stLo ? this.stOff : this.storePage(aLo, aHi, wide ? 8 : 4);
          if (base === PAGE_FAULT) return false;
          if (base >= 0) {
            base += po;
            const r = ((insn >> 20) & 31) << 1;
            this.stView.setInt32(base, w[r]!, true);
            if (wide) this.stView.setInt32(base + 4, w[r + 1]!, true);
            return true;
          }
        } else {
          let base = aHi === this.ldHi && (aLo & ~0xfff) === this.ldLo ? this.ldOff : this.loadPage(aLo, aHi, wide ? 8 : 4);
          if (base === PAGE_FAULT) return false;
          if (base >= 0) {
            base += po;
            const r = ((insn >> 7) & 31) << 1;
            w[r] = this.ldView.getInt32(base, true);
            w[r + 1] = wide ? this.ldView.getInt32(base + 4, true) : -1;
            this.markFpDirty();
            return true;
          }
        }
      }
    }
    // Across a page, or not RAM (MMIO): the access as the bus sees it.
    const width: 4 | 8 = f3 === 2 ? 4 : 8;
    if (store) {
      const v = this.f[(insn >> 20) & 31];
      return this.storeSlow(aLo, aHi, width, width === 4 ? v & 0xffff_ffffn : v);
    }
    const v = this.loadSlow(aLo, aHi, width);
    if (v === BUS_FAULT) return false;
    this.f[(insn >> 7) & 31] = width === 4 ? v | 0xffff_ffff_0000_0000n : v;
    this.markFpDirty();
    return true;
  }

  // ---------------------------------------------------------------- SYSTEM

  private execSystem(insn: number, raw: number): number {
    const f3 = (insn >> 12) & 7;
    if (f3 === 0) return this.execPrivileged(insn, raw);
    if (f3 === 4) {
      // Hypervisor virtual-machine loads and stores (priv spec 8.3.1).
      if (!this.hExtension) return this.illegalTrap(raw);
      return this.execHypervisorMemory(insn, raw);
    }
    return this.execCsr(insn, raw, f3);
  }

  private execPrivileged(insn: number, raw: number): number {
    const priv = this.priv;
    const ms = this.mstatus;
    switch (insn) {
      case 0x0000_0073: // ECALL: cause 8/9/11 by privilege (10 from VS, priv spec 8.6.1), tval 0
        return this.trapped(this.virtMode && priv === PRIV_S ? CAUSE_ECALL_VS : CAUSE_ECALL_U + priv, 0n);
      case 0x0010_0073: // EBREAK: tval = pc
        return this.trapped(CAUSE_BREAKPOINT, toBig(this.pcLo, this.pcHi));
      case 0x3020_0073: {
        // MRET (priv spec 3.3.2)
        if (priv !== PRIV_M) return this.illegalTrap(raw);
        const mpp = (ms & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT;
        let v = (ms & ~(MSTATUS_MIE | MSTATUS_MPP)) | MSTATUS_MPIE | (ms & MSTATUS_MPIE ? MSTATUS_MIE : 0);
        if (mpp !== PRIV_M) v &= ~MSTATUS_MPRV;
        this.mstatus = v;
        this.privLevel = mpp;
        if (this.hExtension) {
          // V = MPV unless returning to M; MPV is cleared (priv spec 8.6.4).
          const nv = mpp !== PRIV_M && this.mpv;
          this.mpv = false;
          this.virtMode = nv;
        }
        this.setPc(this.mepc);
        this.xretDone();
        return SYS_JUMPED;
      }
      case 0x1020_0073: {
        // SRET: illegal in U, and in S when TSR=1 (priv spec 3.1.6.5)
        if (this.virtMode) return this.sretVirtual(raw);
        if (priv === PRIV_U || (priv === PRIV_S && ms & MSTATUS_TSR)) return this.illegalTrap(raw);
        const spp = (ms & MSTATUS_SPP) >> 8;
        this.mstatus =
          (ms & ~(MSTATUS_SIE | MSTATUS_SPP | MSTATUS_MPRV)) | MSTATUS_SPIE | (ms & MSTATUS_SPIE ? MSTATUS_SIE : 0);
        this.privLevel = spp;
        if (this.hExtension) {
          // From HS-mode, V = hstatus.SPV, and SPV is cleared (priv spec 8.6.4).
          const nv = (this.hstatus & HSTATUS_SPV) !== 0;
          this.hstatus &= ~HSTATUS_SPV;
          this.virtMode = nv;
        }
        this.setPc(this.sepc);
        this.xretDone();
        return SYS_JUMPED;
      }
      case 0x1050_0073: {
        // WFI (priv spec 3.3.3): illegal in U; in S when TW=1. Otherwise stall if nothing is pending.
        if (this.virtMode) {
          // V=1: mstatus.TW still makes it illegal; else VU, or VS with VTW, is virtual (8.2.1, 8.6.1).
          if (ms & MSTATUS_TW) return this.illegalTrap(raw);
          if (priv === PRIV_U || this.hstatus & HSTATUS_VTW) return this.virtualTrap(raw);
        } else if (priv === PRIV_U || (priv === PRIV_S && ms & MSTATUS_TW)) {
          return this.illegalTrap(raw);
        }
        this.updateSstc();
        return (this.mipValue() & this.mie) === 0 ? SYS_WFI : SYS_NEXT;
      }
      default:
        break;
    }
    const rs1 = (insn >> 15) & 31;
    const rs2 = (insn >> 20) & 31;
    const a = rs1 === 0 ? undefined : this.x[rs1];
    const b = rs2 === 0 ? undefined : this.x[rs2];
    if ((insn & 0xfe00_7fff) === 0x1200_0073) {
      if (this.virtMode) {
        // In VS-mode SFENCE.VMA acts on the VS-stage (as HFENCE.VVMA); VU or VTVM=1: virtual (8.2.1).
        if (priv === PRIV_U || this.hstatus & HSTATUS_VTVM) return this.virtualTrap(raw);
        this.mmu.hfenceVvma(a, b);
        this.translationChanged();
        return SYS_NEXT;
      }
      // SFENCE.VMA (priv spec 4.2.1): illegal in U, and in S when TVM=1.
      if (priv === PRIV_U || (priv === PRIV_S && ms & MSTATUS_TVM)) return this.illegalTrap(raw);
      this.mmu.sfence(a, b);
      if (a === undefined) this.translationChanged();
      else this.fenceAddress(a);
      return SYS_NEXT;
    }
    const fence = insn & 0xfe00_7fff;
    if (this.hExtension && (fence === 0x2200_0073 || fence === 0x6200_0073)) {
      // HFENCE.VVMA / HFENCE.GVMA (priv spec 8.3.2): virtual from V=1, illegal from U; GVMA is
      // illegal in HS-mode when mstatus.TVM=1.
      if (this.virtMode) return this.virtualTrap(raw);
      if (priv === PRIV_U) return this.illegalTrap(raw);
      if (fence === 0x2200_0073) {
        this.mmu.hfenceVvma(a, b);
      } else {
        if (priv === PRIV_S && ms & MSTATUS_TVM) return this.illegalTrap(raw);
        this.mmu.hfenceGvma(a, b);
      }
      this.translationChanged();
      return SYS_NEXT;
    }
    return this.illegalTrap(raw);
  }

  /** SRET in VS/VU-mode (priv spec 8.6.4): VU or hstatus.VTSR=1 is virtual; else returns via vsstatus/vsepc. */
  private sretVirtual(raw: number): number {
    if (this.priv === PRIV_U || this.hstatus & HSTATUS_VTSR) return this.virtualTrap(raw);
    const vs = this.vsstatus;
    this.vsstatus = (vs & ~(MSTATUS_SIE | MSTATUS_SPP)) | MSTATUS_SPIE | (vs & MSTATUS_SPIE ? MSTATUS_SIE : 0);
    this.privLevel = (vs & MSTATUS_SPP) >> 8;
    this.setPc(this.vsepc);
    this.xretDone();
    return SYS_JUMPED;
  }

  /**
   * HLV.*, HLVX.*, HSV.* (priv spec 8.3.1): loads and stores performed as though V=1 at privilege
   * hstatus.SPVP, with vsstatus.SUM/MXR; allowed in M and HS, and in U when hstatus.HU=1; virtual
   * instruction from V=1. HLVX needs execute permission instead of read permission.
   */
  private execHypervisorMemory(insn: number, raw: number): number {
    // A reserved encoding in this space is illegal from every mode: only an instruction that HS-mode
    // could execute becomes a virtual-instruction exception at V=1 (priv spec 8.6.1).
    const f7 = insn >>> 25;
    const rd = (insn >> 7) & 31;
    const sel = (insn >> 20) & 31;
    if (f7 < 0x30 || f7 > 0x37) return this.illegalTrap(raw);
    const width = (1 << ((f7 >> 1) & 3)) as 1 | 2 | 4 | 8;
    const store = (f7 & 1) === 1;
    if (store ? rd !== 0 : !(sel === 0 || (sel === 1 && width < 8) || (sel === 3 && (width === 2 || width === 4)))) {
      return this.illegalTrap(raw);
    }
    if (this.virtMode) return this.virtualTrap(raw);
    if (this.priv === PRIV_U && (this.hstatus & HSTATUS_HU) === 0) return this.illegalTrap(raw);
    const va = this.x[(insn >> 15) & 31];
    const vpriv = this.hstatus & HSTATUS_SPVP ? PRIV_S : PRIV_U;
    this.hlvActive = true;
    if (store) {
      this.guestStore(va, width, this.x[sel], vpriv);
    } else {
      const v = this.guestLoad(va, width, vpriv, sel === 3);
      if (rd !== 0) this.x[rd] = sel === 0 && width < 8 ? BigInt.asUintN(64, BigInt.asIntN(8 * width, v)) : v;
    }
    this.hlvActive = false;
    return SYS_NEXT;
  }

  private guestPa(va: bigint, access: AccessType, priv: number, width: number, execRead: boolean): number {
    const pa = this.mmu.translateGuest(va, access, priv, width, execRead);
    if (pa < 0) {
      this.trapGpa = this.mmu.faultGpa;
      this.trapTinst = this.mmu.faultInst;
      this.raise(this.mmu.faultCause, va);
    }
    return pa;
  }

  /** A V=1 load for HLV/HLVX; split at a page boundary like ordinary misaligned loads. */
  private guestLoad(va: bigint, width: 1 | 2 | 4 | 8, priv: number, execRead: boolean): bigint {
    const po = Number(va & 0xfffn);
    if (po + width <= 4096) {
      return this.physRead(this.guestPa(va, ACCESS_LOAD, priv, width, execRead), width, CAUSE_LOAD_ACCESS, va);
    }
    const first = 4096 - po;
    const va2 = BigInt.asUintN(64, va + BigInt(first));
    const pa1 = this.guestPa(va, ACCESS_LOAD, priv, first, execRead);
    const pa2 = this.guestPa(va2, ACCESS_LOAD, priv, width - first, execRead);
    let v = 0n;
    for (let i = 0; i < width; i++) {
      const b = i < first ? this.physRead(pa1 + i, 1, CAUSE_LOAD_ACCESS, va) : this.physRead(pa2 + i - first, 1, CAUSE_LOAD_ACCESS, va2);
      v |= b << BigInt(8 * i);
    }
    return v;
  }

  /** A V=1 store for HSV: both halves of a page-crossing store are translated before writing. */
  private guestStore(va: bigint, width: 1 | 2 | 4 | 8, value: bigint, priv: number): void {
    const v = BigInt.asUintN(8 * width, value);
    const po = Number(va & 0xfffn);
    if (po + width <= 4096) {
      this.physWrite(this.guestPa(va, ACCESS_STORE, priv, width, false), width, v, CAUSE_STORE_ACCESS, va);
      return;
    }
    const first = 4096 - po;
    const va2 = BigInt.asUintN(64, va + BigInt(first));
    const pa1 = this.guestPa(va, ACCESS_STORE, priv, first, false);
    const pa2 = this.guestPa(va2, ACCESS_STORE, priv, width - first, false);
    for (let i = 0; i < width; i++) {
      const b = (v >> BigInt(8 * i)) & 0xffn;
      if (i < first) this.physWrite(pa1 + i, 1, b, CAUSE_STORE_ACCESS, va);
      else this.physWrite(pa2 + i - first, 1, b, CAUSE_STORE_ACCESS, va2);
    }
  }

  private xretDone(): void {
    this.reservation = -1n;
    this.rederive(DERIVE_TRANSLATION | DERIVE_ATTENTION);
  }

  /**
   * Zicsr (unpriv spec chapter 9; priv spec 2.1–2.3): CSRRS/CSRRC with rs1 = x0 and the immediate
   * forms with zimm = 0 do not write; CSRRW with rd = x0 does not read.
   */
  private execCsr(insn: number, raw: number, f3: number): number {
    const csr = insn >>> 20;
    const rd = (insn >> 7) & 31;
    const rs1 = (insn >> 15) & 31;
    const op = f3 & 3;
    const writes = op === 1 || rs1 !== 0;
    let def: CsrDef | undefined;
    if (this.virtMode) {
      // V=1: S CSRs reach their VS counterparts; some accesses are virtual instructions (8.6.1).
      const r = resolveVirtualCsr(this, csr, writes);
      if (r === CSR_ILLEGAL) return this.illegalTrap(raw);
      if (r === CSR_VIRTUAL) return this.virtualTrap(raw);
      def = r;
    } else {
      def = CSR_TABLE[csr];
      if (def === undefined || !csrAccessAllowed(this, csr, def, writes)) return this.illegalTrap(raw);
    }
    const src = f3 >= 5 ? BigInt(rs1) : this.x[rs1];
    let old = 0n;
    if (op !== 1 || rd !== 0) old = def.read(this);
    if (writes) {
      const base = def.rmwRead !== undefined && op !== 1 ? def.rmwRead(this) : old;
      const v = op === 1 ? src : op === 2 ? base | src : base & ~src;
      def.write(this, v);
    }
    if (rd !== 0) this.x[rd] = old;
    return SYS_NEXT;
  }

  // ---------------------------------------------------------------- snapshot

  /** A copy of the architectural state (HartState): shares no memory with the hart. */
  getState(): HartState {
    return {
      version: 2,
      pc: this.pc,
      x: this.x.slice(),
      f: this.f.slice(),
      priv: this.privLevel,
      virt: this.virtMode,
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
      mcounteren: this.mcounteren >>> 0,
      scounteren: this.scounteren >>> 0,
      mcountinhibit: this.mcountinhibit,
      menvcfg: this.menvcfg,
      senvcfg: this.senvcfg,
      stimecmp: this.stimecmp,
      cycleOffset: this.mcountinhibit & 1 ? this.cycleFrozen : this.cycleOffset,
      instretOffset: this.mcountinhibit & 4 ? this.instretFrozen : this.instretOffset,
      reservation: this.reservation < 0n ? null : this.reservation,
      hstatus: this.hstatus,
      hedeleg: this.hedeleg,
      hideleg: this.hideleg,
      hvip: this.hvip,
      hcounteren: this.hcounteren >>> 0,
      htval: this.htval,
      htinst: this.htinst,
      hgatp: this.hgatp,
      henvcfg: this.henvcfg,
      htimedelta: this.htimedelta,
      mtval2: this.mtval2,
      mtinst: this.mtinst,
      mpv: this.mpv,
      mgva: this.mgva,
      vsstatus: this.vsstatus,
      vstvec: this.vstvec,
      vsscratch: this.vsscratch,
      vsepc: this.vsepc,
      vscause: this.vscause,
      vstval: this.vstval,
      vsatp: this.vsatp,
      vstimecmp: this.vstimecmp,
    };
  }

  /**
   * Load an architectural state (a copy: `s` is not kept) and rebuild everything derived from it:
   * the MMU's TLB and mirrors, page caches, Sstc and interrupt attention. Translated blocks are
   * not derived from the hart's state (they are keyed by physical address, and every write to RAM
   * — snapshot restore included — drops the blocks it overwrites), so they stay: the hosted
   * stack's world switch loads a vCPU's state on every KVM_RUN, and dropping them there left its
   * guests without translated code.
   */
  setState(s: HartState): void {
    if (s.version !== 2) throw new VmError(`hart: unknown state version ${String(s.version)}`);
    if (s.virt && !this.hExtension) throw new VmError('hart: V=1 needs the H extension');
    this.x.set(s.x);
    this.x[0] = 0n;
    this.f.set(s.f);
    this.setPc(s.pc);
    this.privLevel = s.priv;
    this.virtMode = s.virt;
    this.retired = s.retired;
    this.fp.fflags = s.fflags;
    this.fp.frm = s.frm;
    this.mstatus = s.mstatus;
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
    this.mcounteren = s.mcounteren | 0;
    this.scounteren = s.scounteren | 0;
    this.mcountinhibit = s.mcountinhibit;
    this.cycleOffset = this.cycleFrozen = s.cycleOffset;
    this.instretOffset = this.instretFrozen = s.instretOffset;
    this.menvcfg = s.menvcfg;
    this.senvcfg = s.senvcfg;
    this.stimecmp = s.stimecmp;
    this.reservation = s.reservation ?? -1n;
    this.hstatus = s.hstatus;
    this.hedeleg = s.hedeleg;
    this.hideleg = s.hideleg;
    this.hvip = s.hvip;
    this.hcounteren = s.hcounteren | 0;
    this.htval = s.htval;
    this.htinst = s.htinst;
    this.hgatp = s.hgatp;
    this.henvcfg = s.henvcfg;
    this.htimedelta = s.htimedelta;
    this.mtval2 = s.mtval2;
    this.mtinst = s.mtinst;
    this.mpv = s.mpv;
    this.mgva = s.mgva;
    this.vsstatus = s.vsstatus;
    this.vstvec = s.vstvec;
    this.vsscratch = s.vsscratch;
    this.vsepc = s.vsepc;
    this.vscause = s.vscause;
    this.vstval = s.vstval;
    this.vsatp = s.vsatp;
    this.vstimecmp = s.vstimecmp;
    this.mmu.flushAll();
    this.sstcPending = this.vstcPending = false;
    this.rederive(DERIVE_ALL);
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
