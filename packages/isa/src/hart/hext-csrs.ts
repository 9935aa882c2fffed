/**
 * CSRs of the hypervisor extension (priv spec 8.2): the HS-mode hypervisor CSRs, the VS CSRs that
 * stand in for the supervisor CSRs while V=1, and mtval2/mtinst. Every one is absent (illegal
 * instruction) unless the hart was built with `hExtension`. `vsRedirect` maps an S-CSR number to
 * the VS CSR that V=1 accesses reach instead (8.2: "when V=1, ... substitutes for the S CSR").
 */
import { IRQ_SGEI, IRQ_VSSI, HEDELEG_WRITABLE, VS_INTERRUPTS } from './causes.js';
import { CSR_TABLE, i32 } from './csr-file.js';
import type { CsrDef } from './csr-file.js';
import { legalizeHgatp } from '@vm/mmu';
import * as N from './csr-numbers.js';
import { DERIVE_ATTENTION, DERIVE_ROOTS, DERIVE_SSTC, DERIVE_TRANSLATION } from './hart-state.js';
import type { Hart } from './hart.js';
import { HSTATUS_VSXL_64, HSTATUS_VTVM, HSTATUS_WRITABLE, VSSTATUS_WRITABLE, vsstatusValue } from './hstatus.js';
import { MSTATUS_TVM } from './mstatus.js';
import { PRIV_M } from './privilege.js';

const u32 = (v: bigint): number => Number(v & 0xffff_ffffn);
const MASK64 = (1n << 64n) - 1n;
const ignore = (): void => {};
const hGuard = (h: Hart): boolean => h.hExtension;

function define(n: number, def: Omit<CsrDef, 'guard'> & { guard?: CsrDef['guard'] }): void {
  const extra = def.guard;
  CSR_TABLE[n] = { ...def, guard: extra === undefined ? hGuard : (h, w) => h.hExtension && extra(h, w) };
}

/** A plain bigint CSR field of the hart. */
type BigField = 'htval' | 'htinst' | 'mtval2' | 'mtinst' | 'vsscratch' | 'vstval' | 'htimedelta';

function plain(n: number, field: BigField): void {
  define(n, { read: (h) => h[field], write: (h, v) => void (h[field] = v) });
}

// ---------------------------------------------------------------- 8.2.1 hstatus

define(N.CSR_HSTATUS, {
  read: (h) => BigInt(h.hstatus >>> 0) | HSTATUS_VSXL_64,
  write: (h, v) => {
    h.hstatus = u32(v) & HSTATUS_WRITABLE;
    h.rederive(DERIVE_TRANSLATION);
  },
});

// ---------------------------------------------------------------- 8.2.2 hedeleg, hideleg

define(N.CSR_HEDELEG, { read: (h) => BigInt(h.hedeleg), write: (h, v) => void (h.hedeleg = u32(v) & HEDELEG_WRITABLE) });
define(N.CSR_HIDELEG, {
  read: (h) => BigInt(h.hideleg),
  write: (h, v) => {
    h.hideleg = u32(v) & VS_INTERRUPTS;
    h.rederive(DERIVE_ATTENTION);
  },
});

// ---------------------------------------------------------------- 8.2.3–8.2.4 hvip, hip, hie, hgeie, hgeip

/** hip/hie bits: VSSIP, VSTIP, VSEIP and SGEIP (the last read-only zero: GEILEN = 0). */
const HIP_MASK = VS_INTERRUPTS | (1 << IRQ_SGEI);

define(N.CSR_HVIP, {
  read: (h) => BigInt(h.hvip),
  write: (h, v) => {
    h.hvip = u32(v) & VS_INTERRUPTS;
    h.rederive(DERIVE_ATTENTION);
  },
});
define(N.CSR_HIP, {
  read: (h) => {
    h.updateSstc();
    return BigInt(h.mipValue() & HIP_MASK);
  },
  // Only VSSIP is writable in hip, as an alias of hvip.VSSIP.
  write: (h, v) => {
    h.hvip = (h.hvip & ~(1 << IRQ_VSSI)) | (u32(v) & (1 << IRQ_VSSI));
    h.rederive(DERIVE_ATTENTION);
  },
});
define(N.CSR_HIE, {
  read: (h) => BigInt(h.mie & HIP_MASK),
  write: (h, v) => {
    h.mie = (h.mie & ~VS_INTERRUPTS) | (u32(v) & VS_INTERRUPTS);
    h.rederive(DERIVE_ATTENTION);
  },
});
define(N.CSR_HGEIE, { read: () => 0n, write: ignore });
define(N.CSR_HGEIP, { read: () => 0n, write: ignore });

// ---------------------------------------------------------------- 8.2.6–8.2.7 hcounteren, htimedelta

define(N.CSR_HCOUNTEREN, { read: (h) => BigInt(h.hcounteren >>> 0), write: (h, v) => void (h.hcounteren = i32(v)) });
define(N.CSR_HTIMEDELTA, {
  read: (h) => h.htimedelta,
  write: (h, v) => {
    h.htimedelta = v & MASK64;
    h.rederive(DERIVE_SSTC);
  },
});

// ---------------------------------------------------------------- 8.2.8–8.2.9 htval, htinst; 8.4.4–8.4.5 mtval2, mtinst

plain(N.CSR_HTVAL, 'htval');
plain(N.CSR_HTINST, 'htinst');
plain(N.CSR_MTVAL2, 'mtval2');
plain(N.CSR_MTINST, 'mtinst');

// ---------------------------------------------------------------- 8.2.5 henvcfg (with Sstc's STCE)

const HENVCFG_STCE = 1n << 63n;
define(N.CSR_HENVCFG, {
  read: (h) => h.henvcfg & (h.menvcfg | ~HENVCFG_STCE),
  write: (h, v) => {
    h.henvcfg = v & (HENVCFG_STCE | 1n);
    h.rederive(DERIVE_SSTC);
  },
});

// ---------------------------------------------------------------- 8.2.10 hgatp

define(N.CSR_HGATP, {
  read: (h) => h.hgatp,
  write: (h, v) => {
    const nv = legalizeHgatp(v);
    if (nv === undefined) return;
    h.hgatp = nv;
    h.rederive(DERIVE_ROOTS | DERIVE_TRANSLATION);
  },
  // mstatus.TVM also traps HS-mode accesses to hgatp (priv spec 8.2.10 / 3.1.6.5).
  guard: (h) => !(h.priv === 1 && h.mstatus & MSTATUS_TVM),
});

// ---------------------------------------------------------------- 8.2.11–8.2.18 VS CSRs

define(N.CSR_VSSTATUS, { read: (h) => vsstatusValue(h.vsstatus), write: (h, v) => h.setVsstatus(u32(v) & VSSTATUS_WRITABLE) });

/** vsip/vsie: hip/hie's VS bits shifted down one (VSSIP → SSIP, ...), where hideleg delegates them. */
const toVs = (bits: number, deleg: number): number => (bits & deleg) >>> 1;

define(N.CSR_VSIE, {
  read: (h) => BigInt(toVs(h.mie, h.hideleg)),
  write: (h, v) => {
    const d = h.hideleg;
    h.mie = (h.mie & ~d) | ((u32(v) << 1) & d);
    h.rederive(DERIVE_ATTENTION);
  },
});
define(N.CSR_VSIP, {
  read: (h) => {
    h.updateSstc();
    return BigInt(toVs(h.mipValue(), h.hideleg));
  },
  write: (h, v) => {
    const w = h.hideleg & (1 << IRQ_VSSI);
    h.hvip = (h.hvip & ~w) | ((u32(v) << 1) & w);
    h.rederive(DERIVE_ATTENTION);
  },
});
define(N.CSR_VSTVEC, {
  read: (h) => h.vstvec,
  write: (h, v) => void (h.vstvec = (v & ~3n) | ((v & 3n) >= 2n ? h.vstvec & 3n : v & 3n)),
});
plain(N.CSR_VSSCRATCH, 'vsscratch');
define(N.CSR_VSEPC, { read: (h) => h.vsepc, write: (h, v) => void (h.vsepc = v & ~1n) });
define(N.CSR_VSCAUSE, { read: (h) => h.vscause, write: (h, v) => void (h.vscause = v) });
plain(N.CSR_VSTVAL, 'vstval');
define(N.CSR_VSATP, {
  read: (h) => h.vsatp,
  write: (h, v) => {
    const mode = v >> 60n;
    // Unsupported MODE: the write has no effect, as for satp (priv spec 8.2.18).
    if (mode !== 0n && mode !== 8n && mode !== 9n) return;
    h.vsatp = v & ((0xfn << 60n) | (0xffffn << 44n) | ((1n << 44n) - 1n));
    h.rederive(DERIVE_ROOTS | DERIVE_TRANSLATION);
  },
  // satp accesses from VS-mode with hstatus.VTVM=1 are virtual-instruction exceptions (8.2.1).
  virtualGuard: (h) => (h.hstatus & HSTATUS_VTVM) === 0,
});
// Sstc's vstimecmp: V=1 access needs hcounteren.TM and henvcfg.STCE as well (Sstc spec 2.3).
define(N.CSR_VSTIMECMP, {
  read: (h) => h.vstimecmp,
  write: (h, v) => {
    h.vstimecmp = v & MASK64;
    h.rederive(DERIVE_SSTC);
  },
  guard: (h) => h.priv === PRIV_M || ((h.mcounteren & (1 << 1)) !== 0 && h.menvcfg >> 63n !== 0n),
  virtualGuard: (h) => (h.hcounteren & (1 << 1)) !== 0 && h.henvcfg >> 63n !== 0n,
});

/** S-CSR → VS-CSR substitution while V=1 (priv spec 8.2.11–8.2.18; Sstc for stimecmp). */
export const VS_REDIRECT: ReadonlyMap<number, number> = new Map([
  [N.CSR_SSTATUS, N.CSR_VSSTATUS],
  [N.CSR_SIE, N.CSR_VSIE],
  [N.CSR_STVEC, N.CSR_VSTVEC],
  [N.CSR_SSCRATCH, N.CSR_VSSCRATCH],
  [N.CSR_SEPC, N.CSR_VSEPC],
  [N.CSR_SCAUSE, N.CSR_VSCAUSE],
  [N.CSR_STVAL, N.CSR_VSTVAL],
  [N.CSR_SIP, N.CSR_VSIP],
  [N.CSR_SATP, N.CSR_VSATP],
  [N.CSR_STIMECMP, N.CSR_VSTIMECMP],
]);

/** Outcome of a CSR access check while V=1 that is not a usable CSR. */
export const CSR_ILLEGAL = 1;
export const CSR_VIRTUAL = 2;

/**
 * CSR access from VS/VU-mode (priv spec 8.6.1): M-level CSRs and writes to read-only CSRs are
 * illegal; HS-level (csr[9:8]=2) CSRs, and S-level ones from VU, raise virtual instruction when
 * HS-mode could access them; S CSRs are replaced by their VS counterparts, whose V=1 conditions
 * (hstatus.VTVM, hcounteren, henvcfg.STCE) raise virtual instruction. Returns the CSR to use.
 */
export function resolveVirtualCsr(h: Hart, csr: number, writes: boolean): CsrDef | typeof CSR_ILLEGAL | typeof CSR_VIRTUAL {
  let def = CSR_TABLE[csr];
  const level = (csr >> 8) & 3;
  if (def === undefined || level === 3 || (writes && csr >>> 10 === 3)) return CSR_ILLEGAL;
  if (def.guard !== undefined && !def.guard(h, writes)) return CSR_ILLEGAL;
  if (level === 2 || (level === 1 && h.priv === 0)) return CSR_VIRTUAL;
  const target = VS_REDIRECT.get(csr);
  if (target !== undefined) {
    def = CSR_TABLE[target];
    if (def === undefined || (def.guard !== undefined && !def.guard(h, writes))) return CSR_ILLEGAL;
  }
  if (def.virtualGuard !== undefined && !def.virtualGuard(h, writes)) return CSR_VIRTUAL;
  return def;
}
