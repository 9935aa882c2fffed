import type { Hart } from '@vm/isa';

/**
 * The hypervisor-extension state of a hart (priv spec 8.2, 8.4), which `Hart.snapshot()` version 1
 * does not carry yet. Read and written through the hart's public H fields.
 */
export interface HartHextState {
  readonly version: 1;
  readonly virt: boolean;
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
  readonly vstcPending: boolean;
}

const VSSTATUS_SUM = 1 << 18;
const VSSTATUS_MXR = 1 << 19;

export function snapshotHext(h: Hart): HartHextState {
  return {
    version: 1,
    virt: h.virt,
    hstatus: h.hstatus,
    hedeleg: h.hedeleg,
    hideleg: h.hideleg,
    hvip: h.hvip,
    hcounteren: h.hcounteren,
    htval: h.htval,
    htinst: h.htinst,
    hgatp: h.hgatp,
    henvcfg: h.henvcfg,
    htimedelta: h.htimedelta,
    mtval2: h.mtval2,
    mtinst: h.mtinst,
    mpv: h.mpv,
    mgva: h.mgva,
    vsstatus: h.vsstatus,
    vstvec: h.vstvec,
    vsscratch: h.vsscratch,
    vsepc: h.vsepc,
    vscause: h.vscause,
    vstval: h.vstval,
    vsatp: h.vsatp,
    vstimecmp: h.vstimecmp,
    vstcPending: h.vstcPending,
  };
}

/** Load H state into a hart that has the extension; call before `hart.restore()` re-derives its caches. */
export function restoreHext(h: Hart, s: HartHextState): void {
  h.hstatus = s.hstatus;
  h.hedeleg = s.hedeleg;
  h.hideleg = s.hideleg;
  h.hvip = s.hvip;
  h.hcounteren = s.hcounteren;
  h.htval = s.htval;
  h.htinst = s.htinst;
  h.hgatp = s.hgatp;
  h.henvcfg = s.henvcfg;
  h.htimedelta = s.htimedelta;
  h.mtval2 = s.mtval2;
  h.mtinst = s.mtinst;
  h.mpv = s.mpv;
  h.mgva = s.mgva;
  h.vsstatus = s.vsstatus;
  h.vstvec = s.vstvec;
  h.vsscratch = s.vsscratch;
  h.vsepc = s.vsepc;
  h.vscause = s.vscause;
  h.vstval = s.vstval;
  h.vsatp = s.vsatp;
  h.vstimecmp = s.vstimecmp;
  h.vstcPending = s.vstcPending;
  h.mmu.vsatp = s.vsatp;
  h.mmu.hgatp = s.hgatp;
  h.mmu.vsum = (s.vsstatus & VSSTATUS_SUM) !== 0;
  h.mmu.vmxr = (s.vsstatus & VSSTATUS_MXR) !== 0;
  h.virt = s.virt;
}
