import type { Snapshottable, VersionedState } from '@vm/core';
import { VmError } from '@vm/core';
import { PRIV_M, type AccessType } from './access.js';

/** pmpcfg entry fields (priv spec 3.7.1, figure 3.32). */
export const PMP_R = 1 << 0;
export const PMP_W = 1 << 1;
export const PMP_X = 1 << 2;
export const PMP_A_SHIFT = 3;
export const PMP_A_MASK = 3 << PMP_A_SHIFT;
export const PMP_L = 1 << 7;
/** Address-matching modes of the A field (priv spec table 3.10). */
export const PMP_OFF = 0;
export const PMP_TOR = 1;
export const PMP_NA4 = 2;
export const PMP_NAPOT = 3;

/** pmpaddr holds physical-address bits 55..2 on RV64: 54 writable bits (priv spec 3.7.1). */
const PMPADDR_MASK = (1n << 54n) - 1n;
/** Bits 6..5 of each pmpcfg byte are reserved and read as zero. */
const CFG_WRITABLE = PMP_R | PMP_W | PMP_X | PMP_A_MASK | PMP_L;

export interface PmpState extends VersionedState {
  readonly version: 1;
  readonly cfg: readonly number[];
  readonly addr: readonly bigint[];
}

/**
 * Physical memory protection, priv spec 3.7: 16 entries (as QEMU's virt CPUs), granularity G=0.
 *
 * Entries are decoded into byte ranges [lo, hi) whenever a CSR changes, so checking an access is a
 * scan of the active entries in priority order. Ranges are JS numbers: bounds at or above 2^53 may
 * round, but every physical address the MMU hands in is below 2^53, so comparisons stay exact.
 */
export class Pmp implements Snapshottable<PmpState> {
  /** Number of implemented entries (QEMU virt: 16). */
  readonly entries = 16;
  /** Called after every pmpcfg/pmpaddr write or restore: the MMU flushes its TLB. */
  onChange: (() => void) | undefined;
  /** True when some active entry is locked. */
  lockedActive = false;
  /**
   * True when any entry is active. Only then can an M-mode access fail: through a locked entry,
   * or through any entry that matches some but not all of its bytes (priv spec 3.7.1.2: such an
   * access fails "irrespective of the L, R, W, and X bits").
   */
  anyActive = false;

  private readonly cfg = new Uint8Array(16);
  private readonly addr = new BigUint64Array(16);
  private readonly lo = new Float64Array(16);
  private readonly hi = new Float64Array(16);
  /** Allowed accesses of each entry as an accessBit mask (fetch X, load R, store W). */
  private readonly allow = new Uint8Array(16);
  /** Indices of entries that match something, lowest (highest priority) first. */
  private active: number[] = [];

  /**
   * pmpcfgN, for even N in 0..14 on RV64; each holds the config bytes of entries 4N..4N+7.
   * Only pmpcfg0 and pmpcfg2 have implemented entries: the others read as zero and ignore writes.
   */
  readCfg(n: number): bigint {
    if (!this.validCfgCsr(n)) return 0n;
    let value = 0n;
    for (let b = 7; b >= 0; b--) value = (value << 8n) | BigInt(this.cfg[n * 4 + b]);
    return value;
  }

  writeCfg(n: number, value: bigint): void {
    if (!this.validCfgCsr(n)) return;
    for (let b = 0; b < 8; b++) this.writeCfgByte(n * 4 + b, Number((value >> BigInt(8 * b)) & 0xffn));
    this.changed();
  }

  /** Config byte of entry i (for debuggers and tests). */
  cfgOf(i: number): number {
    return this.cfg[i];
  }

  readAddr(i: number): bigint {
    if (!this.validEntry(i)) return 0n;
    // G=0: every mode reads back exactly what was written (priv spec 3.7.1).
    return this.addr[i];
  }

  writeAddr(i: number, value: bigint): void {
    if (!this.validEntry(i)) return;
    // A locked entry's address is frozen, and so is the one below a locked TOR entry, which is
    // that entry's lower bound (priv spec 3.7.1.3 "Locking and Privilege Mode").
    const next = i + 1 < this.entries ? this.cfg[i + 1] : 0;
    const lockedTorAbove = (next & PMP_L) !== 0 && (next & PMP_A_MASK) >> PMP_A_SHIFT === PMP_TOR;
    if ((this.cfg[i] & PMP_L) === 0 && !lockedTorAbove) {
      this.addr[i] = BigInt.asUintN(64, value) & PMPADDR_MASK;
    }
    this.changed();
  }

  /**
   * True when an access of `width` bytes at `pa` with effective privilege `priv` is allowed
   * (priv spec 3.7.1.4 "Priority and Matching Logic").
   */
  check(pa: number, width: number, access: AccessType, priv: number): boolean {
    const end = pa + width;
    const active = this.active;
    for (let k = 0; k < active.length; k++) {
      const i = active[k];
      const lo = this.lo[i];
      const hi = this.hi[i];
      if (end <= lo || pa >= hi) continue;
      // The lowest-numbered entry matching any byte decides; it must cover every byte.
      if (pa < lo || end > hi) return false;
      if (priv === PRIV_M && (this.cfg[i] & PMP_L) === 0) return true;
      return (this.allow[i] & (1 << access)) !== 0;
    }
    // No match: M-mode succeeds; S/U fail because entries are implemented.
    return priv === PRIV_M;
  }

  /**
   * Accesses (accessBit mask) allowed for every access inside the 4 KiB page at `page`, or 0 when
   * the page is denied or PMP decides differently for different parts of it. The TLB caches this
   * so that hits need no PMP scan; 0 sends every access to the exact check.
   */
  pageAccessMask(page: number, priv: number): number {
    const end = page + 4096;
    const active = this.active;
    for (let k = 0; k < active.length; k++) {
      const i = active[k];
      const lo = this.lo[i];
      const hi = this.hi[i];
      if (end <= lo || page >= hi) continue;
      if (page < lo || end > hi) return 0;
      if (priv === PRIV_M && (this.cfg[i] & PMP_L) === 0) return 7;
      return this.allow[i];
    }
    return priv === PRIV_M ? 7 : 0;
  }

  /** Reset state: every entry OFF and unlocked (priv spec 3.7.1: A and L reset to zero). */
  reset(): void {
    this.cfg.fill(0);
    this.addr.fill(0n);
    this.changed();
  }

  snapshot(): PmpState {
    return { version: 1, cfg: Array.from(this.cfg), addr: Array.from(this.addr) };
  }

  restore(state: PmpState): void {
    if (state.version !== 1) throw new VmError(`pmp: unknown snapshot version ${String(state.version)}`);
    if (state.cfg.length !== this.entries || state.addr.length !== this.entries) {
      throw new VmError(`pmp: snapshot has ${state.cfg.length} entries, expected ${this.entries}`);
    }
    for (let i = 0; i < this.entries; i++) {
      this.cfg[i] = state.cfg[i] & CFG_WRITABLE;
      this.addr[i] = BigInt.asUintN(64, state.addr[i]) & PMPADDR_MASK;
    }
    this.changed();
  }

  /** RV64 has only the even pmpcfg CSRs (priv spec 3.7.1: pmpcfg1, 3, ... are illegal). */
  private validCfgCsr(n: number): boolean {
    return Number.isInteger(n) && n >= 0 && n % 2 === 0 && n * 4 < this.entries;
  }

  private validEntry(i: number): boolean {
    return Number.isInteger(i) && i >= 0 && i < this.entries;
  }

  private writeCfgByte(i: number, value: number): void {
    // A locked entry ignores writes until reset (priv spec 3.7.1.3).
    if ((this.cfg[i] & PMP_L) !== 0) return;
    let v = value & CFG_WRITABLE;
    // R=0,W=1 is reserved; QEMU legalises it by dropping W (and R), so do we.
    if ((v & (PMP_R | PMP_W)) === PMP_W) v &= ~PMP_W;
    this.cfg[i] = v;
  }

  private changed(): void {
    this.decode();
    this.onChange?.();
  }

  /** Recompute the byte range of every entry (priv spec 3.7.1.2 "Address Matching"). */
  private decode(): void {
    const active: number[] = [];
    let locked = false;
    for (let i = 0; i < this.entries; i++) {
      const cfg = this.cfg[i];
      const a = this.addr[i];
      let lo = 0n;
      let hi = 0n;
      switch ((cfg & PMP_A_MASK) >> PMP_A_SHIFT) {
        case PMP_TOR:
          // Entry i matches pmpaddr[i-1] <= y < pmpaddr[i] (entry 0: 0 <= y); empty if lo >= hi.
          lo = i === 0 ? 0n : this.addr[i - 1] << 2n;
          hi = a << 2n;
          break;
        case PMP_NA4:
          lo = a << 2n;
          hi = lo + 4n;
          break;
        case PMP_NAPOT: {
          // The number of trailing ones t encodes a 2^(t+3)-byte naturally aligned region.
          const lowestZero = ~a & (a + 1n);
          const size = lowestZero << 3n;
          lo = (a & ~(lowestZero - 1n)) << 2n;
          hi = lo + size;
          break;
        }
        default:
          break;
      }
      this.lo[i] = Number(lo);
      this.hi[i] = Number(hi);
      this.allow[i] = ((cfg & PMP_X) !== 0 ? 1 : 0) | ((cfg & PMP_R) !== 0 ? 2 : 0) | ((cfg & PMP_W) !== 0 ? 4 : 0);
      if (lo < hi) {
        active.push(i);
        if ((cfg & PMP_L) !== 0) locked = true;
      }
    }
    this.active = active;
    this.lockedActive = locked;
    this.anyActive = active.length > 0;
  }
}
