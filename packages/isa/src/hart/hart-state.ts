/**
 * The hart's architectural state as plain data (in the manner of mini-rv32ima's state struct):
 * every field once — registers, pc, privilege and V, the M/S CSRs with the counter offsets, the
 * LR/SC reservation and the hypervisor extension's CSRs. `Hart.getState()` copies it out and
 * `Hart.setState()` copies it in and rebuilds every derived cache (`Hart.rederive`); snapshots,
 * world switches and tests go through these two, never through the hart's fields.
 *
 * What is not here is derived (rebuilt from these fields): the MMU's mirrors of satp, SUM, MXR,
 * vsatp, hgatp and V, the effective data privilege, the hart's page caches, Sstc's pending bits
 * and the interrupt-attention summary.
 */
export interface HartState {
  /** 2: this layout (1 was the layout without the H fields, still the `hart` part of snapshots). */
  readonly version: 2;
  readonly pc: bigint;
  readonly x: BigUint64Array;
  readonly f: BigUint64Array;
  /** 0 U, 1 S, 3 M (priv spec 1.2). */
  readonly priv: number;
  /** Virtualization mode V (priv spec 8.1); always false without the H extension. */
  readonly virt: boolean;
  /** Instructions retired; mcycle/minstret are this plus their offsets. */
  readonly retired: number;
  readonly fflags: number;
  readonly frm: number;
  /** mstatus bits 22:0 (the upper bits are constant, or MPV/GVA below; see mstatus.ts). */
  readonly mstatus: number;
  readonly mie: number;
  /** Software-writable mip bits (SSIP, STIP when Sstc is off, SEIP). */
  readonly mipSw: number;
  /** mip bits driven by wires (MSIP, MTIP, MEIP, the PLIC's SEIP). */
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
  /** mcycle − retired; while mcountinhibit.CY is set, the frozen mcycle value itself. */
  readonly cycleOffset: bigint;
  /** minstret − retired; while mcountinhibit.IR is set, the frozen minstret value itself. */
  readonly instretOffset: bigint;
  /** LR/SC reservation address, or null. */
  readonly reservation: bigint | null;
  // ---- hypervisor extension (priv spec 8.2, 8.4); zero (vstimecmp all ones) without H ----
  readonly hstatus: number;
  readonly hedeleg: number;
  readonly hideleg: number;
  readonly hvip: number;
  readonly hcounteren: number;
  readonly htval: bigint;
  readonly htinst: bigint;
  readonly hgatp: bigint;
  readonly henvcfg: bigint;
  readonly htimedelta: bigint;
  readonly mtval2: bigint;
  readonly mtinst: bigint;
  /** mstatus.MPV and mstatus.GVA (8.4.1). */
  readonly mpv: boolean;
  readonly mgva: boolean;
  readonly vsstatus: number;
  readonly vstvec: bigint;
  readonly vsscratch: bigint;
  readonly vsepc: bigint;
  readonly vscause: bigint;
  readonly vstval: bigint;
  readonly vsatp: bigint;
  readonly vstimecmp: bigint;
}

export type HartStateField = Exclude<keyof HartState, 'version'>;

/** The fields of the hypervisor extension (priv spec 8.2, 8.4), V included. */
export const HART_HEXT_FIELDS = [
  'virt', 'hstatus', 'hedeleg', 'hideleg', 'hvip', 'hcounteren', 'htval', 'htinst', 'hgatp', 'henvcfg', 'htimedelta',
  'mtval2', 'mtinst', 'mpv', 'mgva', 'vsstatus', 'vstvec', 'vsscratch', 'vsepc', 'vscause', 'vstval', 'vsatp', 'vstimecmp',
] as const satisfies readonly HartStateField[];

/** The fields every hart has (the snapshot `hart` part, version 1). */
export const HART_BASE_FIELDS = [
  'pc', 'x', 'f', 'priv', 'retired', 'fflags', 'frm', 'mstatus', 'mie', 'mipSw', 'mipHw', 'mideleg', 'medeleg',
  'mtvec', 'stvec', 'mepc', 'sepc', 'mcause', 'scause', 'mtval', 'stval', 'mscratch', 'sscratch', 'satp',
  'mcounteren', 'scounteren', 'mcountinhibit', 'menvcfg', 'senvcfg', 'stimecmp', 'cycleOffset', 'instretOffset',
  'reservation',
] as const satisfies readonly HartStateField[];

export type HartHextField = (typeof HART_HEXT_FIELDS)[number];
export type HartBaseField = (typeof HART_BASE_FIELDS)[number];

/** Every field of HartState, once (the two lists above; checked to cover the interface by a test). */
export const HART_STATE_FIELDS: readonly HartStateField[] = [...HART_BASE_FIELDS, ...HART_HEXT_FIELDS];

const ALL_ONES_64 = (1n << 64n) - 1n;

/**
 * The state at reset (priv spec 3.4): M-mode, V=0, pc as given, MIE = MPRV = 0, no delegation
 * (except mideleg's read-only-one bits, `midelegFixed`), bare translation, the Sstc comparators
 * all ones (no timer pending), everything else zero (the H state too, as QEMU does; 8.1 leaves it
 * to the platform).
 */
export function resetHartState(pc: bigint, midelegFixed = 0): HartState {
  return {
    version: 2,
    pc: BigInt.asUintN(64, pc),
    x: new BigUint64Array(32),
    f: new BigUint64Array(32),
    priv: 3,
    virt: false,
    retired: 0,
    fflags: 0,
    frm: 0,
    mstatus: 0,
    mie: 0,
    mipSw: 0,
    mipHw: 0,
    mideleg: midelegFixed,
    medeleg: 0,
    mtvec: 0n,
    stvec: 0n,
    mepc: 0n,
    sepc: 0n,
    mcause: 0n,
    scause: 0n,
    mtval: 0n,
    stval: 0n,
    mscratch: 0n,
    sscratch: 0n,
    satp: 0n,
    mcounteren: 0,
    scounteren: 0,
    mcountinhibit: 0,
    menvcfg: 0n,
    senvcfg: 0n,
    stimecmp: ALL_ONES_64,
    cycleOffset: 0n,
    instretOffset: 0n,
    reservation: null,
    hstatus: 0,
    hedeleg: 0,
    hideleg: 0,
    hvip: 0,
    hcounteren: 0,
    htval: 0n,
    htinst: 0n,
    hgatp: 0n,
    henvcfg: 0n,
    htimedelta: 0n,
    mtval2: 0n,
    mtinst: 0n,
    mpv: false,
    mgva: false,
    vsstatus: 0,
    vstvec: 0n,
    vsscratch: 0n,
    vsepc: 0n,
    vscause: 0n,
    vstval: 0n,
    vsatp: 0n,
    vstimecmp: ALL_ONES_64,
  };
}

// What changed, for `Hart.rederive`: each bit names the derived state to rebuild.

/** satp, vsatp or hgatp: the MMU's translation roots. */
export const DERIVE_ROOTS = 1;
/**
 * Privilege, V, mstatus (SUM, MXR, MPRV, MPP, MPV), vsstatus, PMP or a fence: the MMU's mode
 * mirrors (SUM, MXR, vsstatus.SUM/MXR, V), the effective data privilege and V, the page caches.
 */
export const DERIVE_TRANSLATION = 2;
/** menvcfg/henvcfg.STCE, stimecmp, vstimecmp, htimedelta: Sstc's STIP/VSTIP. */
export const DERIVE_SSTC = 4;
/** mip, mie, mideleg, hideleg, hvip, the enables in mstatus/vsstatus, privilege: interrupt attention. */
export const DERIVE_ATTENTION = 8;
export const DERIVE_ALL = DERIVE_ROOTS | DERIVE_TRANSLATION | DERIVE_SSTC | DERIVE_ATTENTION;
