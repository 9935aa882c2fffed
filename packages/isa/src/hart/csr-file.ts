/**
 * The CSR address space, one entry per implemented CSR (priv spec chapter 2 and the per-CSR
 * sections cited below). An address without an entry raises illegal instruction, which is how
 * OpenSBI and Linux probe for optional CSRs. Generic rules (priv spec 2.1): csr[9:8] is the lowest
 * privilege that may access it, csr[11:10] = 3 marks it read-only; `guard` adds per-CSR conditions.
 */
import { CAUSE_ECALL_M, IRQ_SEI, IRQ_SSI, IRQ_STI, IRQ_VSSI, MIDELEG_WRITABLE } from './causes.js';
import * as N from './csr-numbers.js';
import { DERIVE_ATTENTION, DERIVE_ROOTS, DERIVE_SSTC, DERIVE_TRANSLATION } from './hart-state.js';
import type { Hart } from './hart.js';
import { mstatusValue, SSTATUS_MASK, sstatusValue, MSTATUS_TVM } from './mstatus.js';
import { PRIV_M, PRIV_S } from './privilege.js';

export interface CsrDef {
  read(h: Hart): bigint;
  /** `v` is the full new value; WARL legalisation happens here. */
  write(h: Hart, v: bigint): void;
  /** Value used as the old value by CSRRS/CSRRC when it differs from what reads return (mip.SEIP). */
  rmwRead?(h: Hart): bigint;
  /** Extra access condition beyond the address-encoded privilege and read-only rules. */
  guard?(h: Hart, write: boolean): boolean;
  /**
   * Checked only while V=1, after `guard`: false makes the access a virtual-instruction exception
   * instead of an illegal one (priv spec 8.6.1; e.g. hcounteren, hstatus.VTVM, henvcfg.STCE).
   */
  virtualGuard?(h: Hart, write: boolean): boolean;
}

export const CSR_TABLE: (CsrDef | undefined)[] = new Array<CsrDef | undefined>(4096).fill(undefined);

/** Priv spec 2.1: privilege in csr[9:8], read-only when csr[11:10] = 3, plus the CSR's own guard. */
export function csrAccessAllowed(h: Hart, csr: number, def: CsrDef, writes: boolean): boolean {
  // csr[9:8] = 2 names hypervisor/VS CSRs, accessible from HS-mode (priv spec 8.2); they exist
  // only with the H extension.
  const level = (csr >> 8) & 3;
  if (h.priv < (level === 2 ? PRIV_S : level)) return false;
  if (writes && csr >>> 10 === 3) return false;
  return def.guard === undefined || def.guard(h, writes);
}

const ignore = (): void => {};
const zero = (): bigint => 0n;
const u32 = (v: bigint): number => Number(v & 0xffff_ffffn);
/**
 * A 32-bit CSR held as int32 (bit 31 as the sign): the counter-enable registers, whose all-ones
 * value (OpenSBI writes it to mcounteren) is not a small integer to V8 as an unsigned number.
 * Stored so, its first write changed the Hart's hidden class two million instructions into a
 * Linux boot and deoptimized everything compiled for the old one (docs/translator.md).
 */
export const i32 = (v: bigint): number => Number(BigInt.asIntN(32, v));
const MASK64 = (1n << 64n) - 1n;

function define(n: number, def: CsrDef): void {
  CSR_TABLE[n] = def;
}

/** A read-only (or write-ignored) CSR with a constant value. */
function constant(n: number, value: (h: Hart) => bigint): void {
  define(n, { read: value, write: ignore });
}

// ---------------------------------------------------------------- machine information (priv 3.1.1–3.1.5)

/** misa: MXL=2 (RV64) and extensions A C D F I M S U. Read-only WARL: writes are ignored. */
export const MISA_VALUE =
  (2n << 62n) | [0, 2, 3, 5, 8, 12, 18, 20].reduce((acc, b) => acc | (1n << BigInt(b)), 0n);

/** misa with the H extension enabled: bit 7 'H' (priv spec 3.1.1, 8.1). */
export const MISA_VALUE_H = MISA_VALUE | (1n << 7n);

constant(N.CSR_MISA, (h) => (h.hExtension ? MISA_VALUE_H : MISA_VALUE));
constant(N.CSR_MVENDORID, zero);
constant(N.CSR_MARCHID, zero);
constant(N.CSR_MIMPID, zero);
constant(N.CSR_MHARTID, (h) => BigInt(h.hartId));
constant(N.CSR_MCONFIGPTR, zero);

// ---------------------------------------------------------------- status (priv 3.1.6, 4.1.1)

define(N.CSR_MSTATUS, {
  read: (h) => mstatusValue(h.mstatus) | h.mstatusHigh(),
  write: (h, v) => {
    h.setMstatus(u32(v));
    h.setMstatusHigh(v);
  },
});
define(N.CSR_SSTATUS, {
  read: (h) => sstatusValue(h.mstatus),
  write: (h, v) => h.setMstatus((h.mstatus & ~SSTATUS_MASK) | (u32(v) & SSTATUS_MASK)),
});

// ---------------------------------------------------------------- traps (priv 3.1.7–3.1.9, 3.1.14–3.1.16)

/** xtvec: BASE is 4-byte aligned; MODE >= 2 is reserved, so such a write keeps the old MODE. */
function tvec(old: bigint, v: bigint): bigint {
  const mode = (v & 3n) >= 2n ? old & 3n : v & 3n;
  return (v & ~3n) | mode;
}

define(N.CSR_MTVEC, { read: (h) => h.mtvec, write: (h, v) => void (h.mtvec = tvec(h.mtvec, v)) });
define(N.CSR_STVEC, { read: (h) => h.stvec, write: (h, v) => void (h.stvec = tvec(h.stvec, v)) });
define(N.CSR_MEDELEG, {
  read: (h) => BigInt(h.medeleg),
  // ecall from M (cause 11) can never be delegated: read-only zero.
  write: (h, v) => void (h.medeleg = u32(v) & h.medelegWritable & ~(1 << CAUSE_ECALL_M)),
});
define(N.CSR_MIDELEG, {
  read: (h) => BigInt(h.mideleg),
  write: (h, v) => {
    // With H, the VS-level interrupt bits are read-only one (priv spec 8.4.2); h.midelegFixed is 0 otherwise.
    h.mideleg = (u32(v) & MIDELEG_WRITABLE) | h.midelegFixed;
    h.rederive(DERIVE_ATTENTION);
  },
});
define(N.CSR_MIE, {
  read: (h) => BigInt(h.mie),
  write: (h, v) => {
    h.mie = u32(v) & h.interruptsImplemented;
    h.rederive(DERIVE_ATTENTION);
  },
});
define(N.CSR_SIE, {
  // Only the S-level bits: VS-level bits of a (read-only one) mideleg are not in sie (priv spec 8.2.3, 8.4.2).
  read: (h) => BigInt(h.mie & h.mideleg & MIDELEG_WRITABLE),
  write: (h, v) => {
    const d = h.mideleg & MIDELEG_WRITABLE;
    h.mie = (h.mie & ~d) | (u32(v) & d);
    h.rederive(DERIVE_ATTENTION);
  },
});

/** M-mode may write SSIP, SEIP and STIP (the latter only while Sstc is not driving it). */
function mipWritable(h: Hart): number {
  const stip = h.menvcfg >> 63n ? 0 : 1 << IRQ_STI;
  return (1 << IRQ_SSI) | (1 << IRQ_SEI) | stip;
}

/** mip.VSSIP is an alias of hvip.VSSIP (priv spec 8.2.3, 8.4.3); the other VS bits are read-only there. */
function writeMipVssip(h: Hart, v: bigint): void {
  if (h.hExtension) h.hvip = (h.hvip & ~(1 << IRQ_VSSI)) | (u32(v) & (1 << IRQ_VSSI));
}

define(N.CSR_MIP, {
  read: (h) => {
    h.updateSstc();
    return BigInt(h.mipValue());
  },
  // priv spec 3.1.9: CSRRS/CSRRC on mip use only the software-writable SEIP, not the ORed wire.
  rmwRead: (h) => BigInt((h.mipValue() & ~(1 << IRQ_SEI)) | (h.mipSw & (1 << IRQ_SEI))),
  write: (h, v) => {
    const w = mipWritable(h);
    h.mipSw = (h.mipSw & ~w) | (u32(v) & w);
    writeMipVssip(h, v);
    h.rederive(DERIVE_ATTENTION);
  },
});
define(N.CSR_SIP, {
  read: (h) => {
    h.updateSstc();
    return BigInt(h.mipValue() & h.mideleg & MIDELEG_WRITABLE);
  },
  // Only SSIP is writable through sip (priv spec 4.1.3), and only when delegated.
  write: (h, v) => {
    const w = h.mideleg & (1 << IRQ_SSI);
    h.mipSw = (h.mipSw & ~w) | (u32(v) & w);
    h.rederive(DERIVE_ATTENTION);
  },
});

define(N.CSR_MSCRATCH, { read: (h) => h.mscratch, write: (h, v) => void (h.mscratch = v) });
define(N.CSR_SSCRATCH, { read: (h) => h.sscratch, write: (h, v) => void (h.sscratch = v) });
// xepc bit 0 is always zero; IALIGN=16 because C is always enabled (priv spec 3.1.14).
define(N.CSR_MEPC, { read: (h) => h.mepc, write: (h, v) => void (h.mepc = v & ~1n) });
define(N.CSR_SEPC, { read: (h) => h.sepc, write: (h, v) => void (h.sepc = v & ~1n) });
define(N.CSR_MCAUSE, { read: (h) => h.mcause, write: (h, v) => void (h.mcause = v) });
define(N.CSR_SCAUSE, { read: (h) => h.scause, write: (h, v) => void (h.scause = v) });
define(N.CSR_MTVAL, { read: (h) => h.mtval, write: (h, v) => void (h.mtval = v) });
define(N.CSR_STVAL, { read: (h) => h.stval, write: (h, v) => void (h.stval = v) });

// ---------------------------------------------------------------- environment config (priv 3.1.18, 4.1.10)

const MENVCFG_STCE = 1n << 63n;
const ENVCFG_FIOM = 1n;

define(N.CSR_MENVCFG, {
  read: (h) => h.menvcfg,
  write: (h, v) => {
    h.menvcfg = v & (MENVCFG_STCE | ENVCFG_FIOM);
    h.rederive(DERIVE_SSTC | DERIVE_ATTENTION);
  },
});
define(N.CSR_SENVCFG, { read: (h) => h.senvcfg, write: (h, v) => void (h.senvcfg = v & ENVCFG_FIOM) });

// ---------------------------------------------------------------- address translation (priv 4.1.11)

const SATP_MODE_BARE = 0n;
const SATP_MODE_SV39 = 8n;
const SATP_MODE_SV48 = 9n;
/** MODE (63:60), 16-bit ASID (59:44), PPN (43:0). */
const SATP_MASK = (0xfn << 60n) | (0xffffn << 44n) | ((1n << 44n) - 1n);

define(N.CSR_SATP, {
  read: (h) => h.satp,
  write: (h, v) => {
    const mode = v >> 60n;
    // A write with an unsupported MODE has no effect at all (priv spec 4.1.11).
    if (mode !== SATP_MODE_BARE && mode !== SATP_MODE_SV39 && mode !== SATP_MODE_SV48) return;
    const nv = v & SATP_MASK;
    if (nv !== h.satp) {
      h.satp = nv;
      h.mmu.flushAll();
      h.rederive(DERIVE_ROOTS | DERIVE_TRANSLATION);
    } else {
      h.rederive(DERIVE_TRANSLATION);
    }
  },
  // S-mode access traps when mstatus.TVM=1 (priv spec 3.1.6.5).
  guard: (h) => !(h.priv === PRIV_S && !h.virt && h.mstatus & MSTATUS_TVM),
});

// ---------------------------------------------------------------- counters (priv 3.1.10–3.1.13, unpriv ch. 10)

/** mcounteren/scounteren gate U/S reads of cycle, time, instret and hpmcounterN (bit = csr & 31). */
function counterAllowed(h: Hart, bit: number): boolean {
  if (h.priv === PRIV_M) return true;
  if (!((h.mcounteren >>> bit) & 1)) return false;
  // While V=1 the remaining conditions raise virtual instruction instead (counterVirtualAllowed).
  return h.priv === PRIV_S || h.virt || ((h.scounteren >>> bit) & 1) === 1;
}

/** V=1 counter access also needs hcounteren, and scounteren in VU-mode (priv spec 8.2.6, 8.6.1). */
function counterVirtualAllowed(h: Hart, bit: number): boolean {
  if (!((h.hcounteren >>> bit) & 1)) return false;
  return h.priv === PRIV_S || ((h.scounteren >>> bit) & 1) === 1;
}

define(N.CSR_MCOUNTEREN, { read: (h) => BigInt(h.mcounteren >>> 0), write: (h, v) => void (h.mcounteren = i32(v)) });
define(N.CSR_SCOUNTEREN, { read: (h) => BigInt(h.scounteren >>> 0), write: (h, v) => void (h.scounteren = i32(v)) });
define(N.CSR_MCOUNTINHIBIT, {
  read: (h) => BigInt(h.mcountinhibit),
  // Bit 1 (TM) is hard-wired zero: time cannot be inhibited.
  write: (h, v) => h.setCountInhibit(u32(v) & ~2),
});
define(N.CSR_MCYCLE, { read: (h) => h.cycleValue(), write: (h, v) => h.setCycle(v) });
define(N.CSR_MINSTRET, { read: (h) => h.instretValue(), write: (h, v) => h.setInstret(v) });
function counter(n: number, bit: number, read: (h: Hart) => bigint): void {
  define(n, { read, write: ignore, guard: (h) => counterAllowed(h, bit), virtualGuard: (h) => counterVirtualAllowed(h, bit) });
}
counter(N.CSR_CYCLE, 0, (h) => h.cycleValue());
// While V=1, time reads return time + htimedelta (priv spec 8.2.7).
counter(N.CSR_TIME, 1, (h) => BigInt.asUintN(64, h.clock.now() + (h.virt ? h.htimedelta : 0n)));
counter(N.CSR_INSTRET, 2, (h) => h.instretValue());
for (let i = 3; i < 32; i++) {
  // No hardware performance monitors: counters and event selectors are read-only zero.
  constant(N.CSR_MHPMCOUNTER3 + i - 3, zero);
  constant(N.CSR_MHPMEVENT3 + i - 3, zero);
  counter(N.CSR_HPMCOUNTER3 + i - 3, i, zero);
}

// Sstc: stimecmp; S-mode access needs mcounteren.TM and menvcfg.STCE (Sstc spec 2.2).
define(N.CSR_STIMECMP, {
  read: (h) => h.stimecmp,
  write: (h, v) => {
    h.stimecmp = v & MASK64;
    h.rederive(DERIVE_SSTC | DERIVE_ATTENTION);
  },
  guard: (h) => h.priv === PRIV_M || ((h.mcounteren & 2) !== 0 && h.menvcfg >> 63n !== 0n),
});

// ---------------------------------------------------------------- floating point (unpriv 11.2)

const fpGuard = (h: Hart): boolean => h.fpEnabled();

define(N.CSR_FFLAGS, {
  read: (h) => BigInt(h.fp.fflags & 0x1f),
  write: (h, v) => {
    h.fp.fflags = u32(v) & 0x1f;
    h.markFpDirty();
  },
  guard: fpGuard,
});
define(N.CSR_FRM, {
  read: (h) => BigInt(h.fp.frm & 7),
  write: (h, v) => {
    h.fp.frm = u32(v) & 7;
    h.markFpDirty();
  },
  guard: fpGuard,
});
define(N.CSR_FCSR, {
  read: (h) => BigInt(((h.fp.frm & 7) << 5) | (h.fp.fflags & 0x1f)),
  write: (h, v) => {
    h.fp.fflags = u32(v) & 0x1f;
    h.fp.frm = (u32(v) >> 5) & 7;
    h.markFpDirty();
  },
  guard: fpGuard,
});

// ---------------------------------------------------------------- PMP (priv 3.7): 16 entries, the rest zero

function pmpChanged(h: Hart): void {
  h.mmu.flushAll();
  h.rederive(DERIVE_TRANSLATION);
}

for (let n = 0; n < 16; n += 2) {
  define(N.CSR_PMPCFG0 + n, {
    read: (h) => (n < 4 ? h.mmu.pmp.readCfg(n) : 0n),
    write: (h, v) => {
      if (n < 4) h.mmu.pmp.writeCfg(n, v);
      pmpChanged(h);
    },
  });
}
for (let i = 0; i < 64; i++) {
  define(N.CSR_PMPADDR0 + i, {
    read: (h) => (i < 16 ? h.mmu.pmp.readAddr(i) : 0n),
    write: (h, v) => {
      if (i < 16) h.mmu.pmp.writeAddr(i, v);
      pmpChanged(h);
    },
  });
}

// ---------------------------------------------------------------- debug triggers: none implemented

// tselect reads 0 and ignores writes; tdata1 reads 0 (type 0: no trigger), so software sees no triggers.
for (const n of [N.CSR_TSELECT, N.CSR_TDATA1, N.CSR_TDATA2, N.CSR_TDATA3]) constant(n, zero);

