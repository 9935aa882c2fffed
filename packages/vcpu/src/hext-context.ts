import type { Hart } from '@vm/isa';
import {
  CSR_HCOUNTEREN, CSR_HEDELEG, CSR_HENVCFG, CSR_HGATP, CSR_HIDELEG, CSR_HIE, CSR_HSTATUS, CSR_HVIP, CSR_MCOUNTEREN, CSR_MEDELEG,
  CSR_MENVCFG, CSR_SCOUNTEREN, CSR_VSATP, CSR_VSCAUSE, CSR_VSEPC, CSR_VSSCRATCH, CSR_VSSTATUS, CSR_VSTIMECMP, CSR_VSTVAL, CSR_VSTVEC,
  HSTATUS_VTW, MIP_VSEIP, MIP_VSSIP, MIP_VSTIP, PRIV_M,
} from '@vm/isa';
import type { VirtualHart } from './virtual-hart.js';
import type { Vm } from './vm.js';

/** hip/hie/hideleg bits of the VS-level interrupts (priv spec 8.2.3). */
const VS_INTERRUPTS = MIP_VSSIP | MIP_VSTIP | MIP_VSEIP;
const ENVCFG_STCE = 1n << 63n;
const ALL_ONES = (1n << 64n) - 1n;
/**
 * The guest's own exceptions, delegated by medeleg to HS and by hedeleg on to VS (priv spec
 * 8.4.2): misaligned, access faults, illegal instruction, breakpoint, ecall from VU, page faults.
 * Not delegated, i.e. exits: ecall from VS (10), guest-page faults (20, 21, 23), virtual
 * instruction (22).
 */
export const GUEST_EXCEPTIONS = 0xb1ffn;

/** Per-VM H state, parked here while another VM owns the real hart. */
const CONTEXT_CSRS = [
  CSR_HSTATUS, CSR_HEDELEG, CSR_HIDELEG, CSR_HCOUNTEREN, CSR_HENVCFG, CSR_HGATP, CSR_VSSTATUS, CSR_VSTVEC, CSR_VSSCRATCH,
  CSR_VSEPC, CSR_VSCAUSE, CSR_VSTVAL, CSR_VSATP, CSR_VSTIMECMP, CSR_HIE, CSR_HVIP, CSR_SCOUNTEREN,
];

/**
 * The guest's own part of a hardware-assisted vCPU, for VM snapshots: where it is (pc, VS or VU)
 * and its VS-level supervisor state — the VS CSRs, its interrupt enables (hie's VS bits: its sie)
 * and pending software/timer bits (hvip: its sip), its timer (vstimecmp, in the VM's time base).
 * Not saved, rebuilt on restore: hgatp (the G-stage table and VMID are the host's), hstatus,
 * hedeleg, hideleg, hcounteren, henvcfg (this hypervisor's policy, set by the constructor),
 * htimedelta (re-derived from the VM's clock at every entry) and hvip.VSEIP (mirrored from the
 * VM's PLIC at every entry).
 */
export interface HextVcpuState {
  readonly version: 1;
  readonly pc: bigint;
  /** 1 (VS) or 0 (VU). */
  readonly priv: number;
  readonly vsstatus: bigint;
  readonly vstvec: bigint;
  readonly vsscratch: bigint;
  readonly vsepc: bigint;
  readonly vscause: bigint;
  readonly vstval: bigint;
  readonly vsatp: bigint;
  readonly vstimecmp: bigint;
  /** hie & (VSSIP | VSTIP | VSEIP). */
  readonly hie: bigint;
  /** hvip & (VSSIP | VSTIP); VSEIP follows the PLIC. */
  readonly hvip: bigint;
  /**
   * The guest kernel's scounteren: under H it is the real register (no VS copy exists), which
   * decides what VU-mode may read (priv spec 8.2.4). Absent in older snapshots: 7, as the SBI
   * firmware leaves it.
   */
  readonly scounteren?: bigint;
}

/** The VS CSRs of HextVcpuState, by field. */
const GUEST_CSRS = {
  vsstatus: CSR_VSSTATUS, vstvec: CSR_VSTVEC, vsscratch: CSR_VSSCRATCH, vsepc: CSR_VSEPC, vscause: CSR_VSCAUSE,
  vstval: CSR_VSTVAL, vsatp: CSR_VSATP, vstimecmp: CSR_VSTIMECMP,
} as const;

/** Check a HextVcpuState read from a snapshot; a message naming what is wrong, or undefined. */
export function hextStateProblem(s: unknown): string | undefined {
  if (typeof s !== 'object' || s === null) return 'no H state';
  const r = s as Record<string, unknown>;
  if (r.version !== 1) return `H state version ${String(r.version)}`;
  if (r.priv !== 0 && r.priv !== 1) return `guest privilege ${String(r.priv)} (VS or VU expected)`;
  for (const k of ['pc', 'hie', 'hvip', ...Object.keys(GUEST_CSRS)]) {
    const v = r[k];
    if (typeof v !== 'bigint' || v < 0n || v > ALL_ONES) return `${k} is not a 64-bit value`;
  }
  if (r.scounteren !== undefined && (typeof r.scounteren !== 'bigint' || r.scounteren < 0n || r.scounteren > 0xffff_ffffn)) return 'scounteren is not a 32-bit value';
  return undefined;
}

/**
 * A hardware-assisted vCPU (priv spec 8): the guest runs on the real hart in VS/VU (V=1), its
 * supervisor state in the real VS CSRs (vsstatus, vstvec, vsatp, ...), its memory behind the VM's
 * G-stage (hgatp), its own traps and interrupts delegated to it (hedeleg, hideleg) so they never
 * leave the hardware. This class holds that state while the VM is not resident and moves it in
 * and out of the real hart at world switches; `pc`/`priv` are the guest's between exits.
 */
export class HextContext {
  pc: bigint;
  /** The guest's privilege: 1 (VS) or 0 (VU). */
  priv: number;
  resident = false;
  private readonly saved = new Map<number, bigint>();

  /** The virtual hart of this vCPU (its board hart: pc and privilege mirrored for the VM's tools). */
  readonly vhart: VirtualHart;

  constructor(readonly vm: Vm, hgatp: bigint, vhart: VirtualHart = vm.vhart) {
    this.vhart = vhart;
    const v = vhart.hart;
    this.pc = v.pc;
    this.priv = v.priv;
    for (const n of CONTEXT_CSRS) this.saved.set(n, 0n);
    // hstatus.VTW (8.2.1): WFI in VS/VU raises a virtual-instruction exception — a `wfi` exit.
    this.saved.set(CSR_HSTATUS, BigInt(HSTATUS_VTW));
    this.saved.set(CSR_HEDELEG, GUEST_EXCEPTIONS);
    this.saved.set(CSR_HIDELEG, VS_INTERRUPTS);
    // time/cycle/instret readable in VS/VU without exits (priv spec 8.2.4 with mcounteren).
    this.saved.set(CSR_HCOUNTEREN, 7n);
    // Sstc for the guest: stimecmp in VS is vstimecmp (Sstc spec 2.3); the SBI timer uses it too.
    this.saved.set(CSR_HENVCFG, ENVCFG_STCE);
    this.saved.set(CSR_HGATP, hgatp);
    this.saved.set(CSR_VSTIMECMP, ALL_ONES);
    // What the guest's U-mode may read, as its SBI firmware (bootSPayload) left it.
    this.saved.set(CSR_SCOUNTEREN, v.readCsr(CSR_SCOUNTEREN));
  }

  /** A context CSR, wherever it lives now. */
  csr(real: Hart, n: number): bigint {
    return this.resident ? real.readCsr(n) : this.saved.get(n)!;
  }

  setCsr(real: Hart, n: number, value: bigint): void {
    if (this.resident) real.writeCsr(n, value);
    else this.saved.set(n, value);
  }

  /** The guest's H state (HextVcpuState), wherever it lives now; does not disturb the VM. */
  capture(real: Hart | undefined): HextVcpuState {
    if (this.resident && real === undefined) throw new Error('HextContext.capture: the vCPU is resident; give the real hart');
    const c = (n: number): bigint => (real !== undefined && this.resident ? real.readCsr(n) : this.saved.get(n)!);
    return {
      version: 1,
      pc: this.pc,
      priv: this.priv,
      vsstatus: c(CSR_VSSTATUS),
      vstvec: c(CSR_VSTVEC),
      vsscratch: c(CSR_VSSCRATCH),
      vsepc: c(CSR_VSEPC),
      vscause: c(CSR_VSCAUSE),
      vstval: c(CSR_VSTVAL),
      vsatp: c(CSR_VSATP),
      vstimecmp: c(CSR_VSTIMECMP),
      hie: c(CSR_HIE) & VS_INTERRUPTS,
      hvip: c(CSR_HVIP) & (MIP_VSSIP | MIP_VSTIP),
      scounteren: c(CSR_SCOUNTEREN),
    };
  }

  /**
   * Load a captured guest H state into this (not resident) vCPU, keeping its own hgatp and policy
   * CSRs; the next world switch puts it into the real hart.
   */
  restore(s: HextVcpuState): void {
    if (this.resident) throw new Error('HextContext.restore: the vCPU is resident');
    for (const [k, n] of Object.entries(GUEST_CSRS) as [keyof typeof GUEST_CSRS, number][]) this.saved.set(n, s[k]);
    this.saved.set(CSR_HIE, s.hie & VS_INTERRUPTS);
    this.saved.set(CSR_HVIP, s.hvip & (MIP_VSSIP | MIP_VSTIP));
    this.saved.set(CSR_SCOUNTEREN, s.scounteren ?? 7n);
    this.pc = s.pc;
    this.priv = s.priv;
    this.vhart.hart.setPc(s.pc);
  }

  /** World switch in: the guest's H state into the real hart. */
  load(real: Hart): void {
    real.writeCsr(CSR_MEDELEG, GUEST_EXCEPTIONS);
    real.writeCsr(CSR_MCOUNTEREN, 7n);
    real.writeCsr(CSR_MENVCFG, real.readCsr(CSR_MENVCFG) | ENVCFG_STCE);
    for (const n of CONTEXT_CSRS) real.writeCsr(n, this.saved.get(n)!);
    this.resident = true;
  }

  /** World switch out: park the H state; leave the real hart as trap-and-emulate expects it. */
  save(real: Hart): void {
    for (const n of CONTEXT_CSRS) this.saved.set(n, real.readCsr(n));
    for (const n of [CSR_HIE, CSR_HVIP, CSR_HGATP, CSR_HEDELEG, CSR_HIDELEG, CSR_MEDELEG, CSR_MCOUNTEREN, CSR_SCOUNTEREN]) real.writeCsr(n, 0n);
    real.writeCsr(CSR_VSTIMECMP, ALL_ONES);
    this.resident = false;
  }

  /** After an exit to M: where the guest was (mstatus.MPP; MPV was 1). */
  exited(real: Hart, epc: bigint): void {
    this.pc = epc;
    this.priv = (real.mstatus >> 11) & 3;
    this.vhart.hart.setPc(epc);
  }

  /** After a budget exit the hart is still in the guest: note where, and return to M. */
  suspend(real: Hart): void {
    this.pc = real.pc;
    this.priv = real.priv;
    real.enter(PRIV_M, real.pc, false);
    this.vhart.hart.setPc(this.pc);
  }

  /** Resume at `pc` in the guest's privilege (V=1). */
  resume(real: Hart): void {
    real.enter(this.priv, this.pc, true);
  }

  /**
   * Deliver an exception to the guest's VS-mode handler as the hart would (priv spec 8.6.2: a trap
   * from V=1 delegated by medeleg and hedeleg goes to VS, with vsepc/vscause/vstval/vsstatus).
   */
  inject(real: Hart, cause: number, tval: bigint, epc: bigint): void {
    real.enter(this.priv, epc, true);
    real.takeTrap(cause, tval, false);
    this.pc = real.pc;
    this.priv = real.priv;
    this.vhart.hart.setPc(this.pc);
  }

  /** VS interrupts pending (hvip, vstimecmp against the VM's time, the PLIC's S line) and enabled in vsie. */
  wakeable(real: Hart, vmTime: bigint, plicSeip: boolean): boolean {
    let pending = this.csr(real, CSR_HVIP);
    const cmp = this.csr(real, CSR_VSTIMECMP);
    if (vmTime >= cmp) pending |= MIP_VSTIP;
    if (plicSeip) pending |= MIP_VSEIP;
    return (pending & this.csr(real, CSR_HIE) & VS_INTERRUPTS) !== 0n;
  }

  /** The guest's timer deadline in its time base, when armed and enabled. */
  deadline(real: Hart): bigint | undefined {
    if ((this.csr(real, CSR_HIE) & MIP_VSTIP) === 0n) return undefined;
    const cmp = this.csr(real, CSR_VSTIMECMP);
    return cmp === ALL_ONES ? undefined : cmp;
  }
}
