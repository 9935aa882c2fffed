import type { AccessWidth, Clock, IrqLine, MmioDevice, Snapshottable, VersionedState } from '@vm/core';
import { ConfigError } from '@vm/core';
import { SnapshotShapeError, checkSnapshotVersion } from './snapshot-version.js';

/*
 * SiFive CLINT as QEMU's `virt` board maps it at 0x200_0000: an ACLINT MSWI device at offset 0 and
 * an ACLINT MTIMER device (mtimecmp array + mtime) at 0x4000. References are to the RISC-V ACLINT
 * specification v1.0-rc4, sections 2 ("Machine-level Timer Device") and 3 ("Machine-level Software
 * Interrupt Device"), which describe the same register layout as the SiFive CLINT (FU540 manual,
 * chapter 9 "Core Local Interruptor").
 */

/** MSWI: one 32-bit MSIP register per hart; only bit 0 is implemented (ACLINT 3.2). */
const MSIP_BASE = 0x0000;
const MSIP_STRIDE = 4;
/** MTIMER: one 64-bit MTIMECMP register per hart (ACLINT 2.2). */
const MTIMECMP_BASE = 0x4000;
const MTIMECMP_STRIDE = 8;
/** MTIMER: the 64-bit MTIME register (ACLINT 2.1), at its CLINT-compatible offset. */
const MTIME_OFFSET = 0xbff8;
/** Size of the CLINT window on the virt board. */
const WINDOW_SIZE = 0x10000;
/** The ACLINT allows at most 4095 harts per MSWI / MTIMER device. */
const MAX_HARTS = 4095;

const MASK64 = (1n << 64n) - 1n;
const LOW32 = 0xffff_ffffn;
const HIGH32 = LOW32 << 32n;

export interface ClintOptions {
  /** Number of harts (hart i owns msip[i] and mtimecmp[i]). */
  harts: number;
  /** Time base: mtime = clock.now() + an offset changed by writes to mtime. */
  clock: Clock;
  /** Per-hart machine software interrupt lines (mip.MSIP). */
  msip: IrqLine[];
  /** Per-hart machine timer interrupt lines (mip.MTIP). */
  mtip: IrqLine[];
}

export interface ClintState extends VersionedState {
  readonly version: 1;
  readonly msip: boolean[];
  readonly mtimecmp: bigint[];
  /** mtime - clock.now(), modulo 2^64. */
  readonly mtimeOffset: bigint;
}

/**
 * Core-local interruptor: software interrupts (IPIs) and the machine timer.
 *
 * Time advances without MMIO accesses, so the board calls `update()` between instruction batches
 * to re-evaluate the MTIP levels, and `nextDeadline()` to learn how far it may skip time while
 * every hart is in WFI.
 */
export class Clint implements MmioDevice, Snapshottable<ClintState> {
  readonly size = WINDOW_SIZE;
  readonly accessWidths: readonly AccessWidth[] = [4, 8];
  readonly harts: number;
  /** Guest accesses to registers this model does not implement (read as 0 / ignored). */
  guestErrors = 0;

  private readonly clock: Clock;
  private readonly msipLines: IrqLine[];
  private readonly mtipLines: IrqLine[];
  private readonly msip: boolean[];
  private readonly mtimecmp: bigint[];
  private readonly mtipLevel: boolean[];
  private mtimeOffset = 0n;

  constructor(options: ClintOptions) {
    const { harts, clock, msip, mtip } = options;
    if (!Number.isInteger(harts) || harts < 1 || harts > MAX_HARTS) {
      throw new ConfigError(`clint: harts must be an integer in 1..${MAX_HARTS}, got ${harts}`);
    }
    if (msip.length !== harts || mtip.length !== harts) {
      throw new ConfigError(`clint: need ${harts} msip and mtip lines, got ${msip.length} and ${mtip.length}`);
    }
    this.harts = harts;
    this.clock = clock;
    this.msipLines = msip;
    this.mtipLines = mtip;
    this.msip = new Array<boolean>(harts).fill(false);
    // ACLINT 2.2: mtimecmp resets to an unspecified value; QEMU resets it to all ones (no interrupt).
    this.mtimecmp = new Array<bigint>(harts).fill(MASK64);
    this.mtipLevel = new Array<boolean>(harts).fill(false);
  }

  /** The current mtime value. */
  get mtime(): bigint {
    return (this.clock.now() + this.mtimeOffset) & MASK64;
  }

  set mtime(value: bigint) {
    this.mtimeOffset = (value - this.clock.now()) & MASK64;
    this.update();
  }

  /** mtimecmp of one hart (for the board and tests). */
  getMtimecmp(hart: number): bigint {
    return this.mtimecmp[hart] ?? 0n;
  }

  /** Re-evaluate every hart's MTIP (mtime >= mtimecmp, ACLINT 2.2). Call whenever time has moved. */
  update(): void {
    const now = this.mtime;
    for (let h = 0; h < this.harts; h++) this.setMtip(h, now >= this.mtimecmp[h]!);
  }

  /**
   * The clock time (in `clock.now()` ticks) at which the earliest not-yet-reached mtimecmp fires,
   * or undefined when no timer is armed. mtimecmp = all ones counts as disarmed (that is how
   * firmware switches the timer off). With mtime never written this equals the mtimecmp value.
   */
  nextDeadline(): bigint | undefined {
    const now = this.mtime;
    let best: bigint | undefined;
    for (const cmp of this.mtimecmp) {
      if (cmp === MASK64 || cmp <= now) continue;
      if (best === undefined || cmp < best) best = cmp;
    }
    return best === undefined ? undefined : (best - this.mtimeOffset) & MASK64;
  }

  read(offset: number, width: AccessWidth): bigint {
    if (width === 8) {
      if (offset % 8 === 0 && this.isTimerRegister(offset)) return this.read64(offset);
      return this.read32(offset) | (this.read32(offset + 4) << 32n);
    }
    return this.read32(offset);
  }

  write(offset: number, width: AccessWidth, value: bigint): void {
    if (width === 8) {
      if (offset % 8 === 0 && this.isTimerRegister(offset)) {
        this.write64(offset, value & MASK64);
        return;
      }
      this.write32(offset, value & LOW32);
      this.write32(offset + 4, (value >> 32n) & LOW32);
      return;
    }
    this.write32(offset, value & LOW32);
  }

  private isTimerRegister(offset: number): boolean {
    return offset === MTIME_OFFSET || this.mtimecmpHart(offset) !== undefined;
  }

  /** The hart whose mtimecmp contains `offset`, if any. */
  private mtimecmpHart(offset: number): number | undefined {
    if (offset < MTIMECMP_BASE) return undefined;
    const hart = Math.floor((offset - MTIMECMP_BASE) / MTIMECMP_STRIDE);
    return hart < this.harts ? hart : undefined;
  }

  private read64(offset: number): bigint {
    if (offset === MTIME_OFFSET) return this.mtime;
    return this.mtimecmp[this.mtimecmpHart(offset)!]!;
  }

  private write64(offset: number, value: bigint): void {
    if (offset === MTIME_OFFSET) {
      this.mtime = value;
      return;
    }
    const hart = this.mtimecmpHart(offset)!;
    this.mtimecmp[hart] = value;
    this.updateHart(hart);
  }

  private read32(offset: number): bigint {
    if (offset % 4 !== 0) return this.guestError();
    if (offset < MTIMECMP_BASE) {
      const hart = (offset - MSIP_BASE) / MSIP_STRIDE;
      if (hart >= this.harts) return this.guestError();
      return this.msip[hart]! ? 1n : 0n;
    }
    if (offset === MTIME_OFFSET || offset === MTIME_OFFSET + 4) {
      return offset === MTIME_OFFSET ? this.mtime & LOW32 : this.mtime >> 32n;
    }
    const hart = this.mtimecmpHart(offset);
    if (hart === undefined) return this.guestError();
    const cmp = this.mtimecmp[hart]!;
    return offset % 8 === 0 ? cmp & LOW32 : cmp >> 32n;
  }

  private write32(offset: number, value: bigint): void {
    if (offset % 4 !== 0) {
      this.guestError();
      return;
    }
    if (offset < MTIMECMP_BASE) {
      const hart = (offset - MSIP_BASE) / MSIP_STRIDE;
      if (hart >= this.harts) {
        this.guestError();
        return;
      }
      // ACLINT 3.2: bit 0 is writable, the upper 31 bits are hardwired to zero.
      const level = (value & 1n) === 1n;
      this.msip[hart] = level;
      this.msipLines[hart]!.set(level);
      return;
    }
    if (offset === MTIME_OFFSET || offset === MTIME_OFFSET + 4) {
      this.mtime = replaceHalf(this.mtime, offset === MTIME_OFFSET + 4, value);
      return;
    }
    const hart = this.mtimecmpHart(offset);
    if (hart === undefined) {
      this.guestError();
      return;
    }
    this.mtimecmp[hart] = replaceHalf(this.mtimecmp[hart]!, offset % 8 !== 0, value);
    this.updateHart(hart);
  }

  private updateHart(hart: number): void {
    this.setMtip(hart, this.mtime >= this.mtimecmp[hart]!);
  }

  private setMtip(hart: number, level: boolean, force = false): void {
    if (this.mtipLevel[hart] !== level || force) {
      this.mtipLevel[hart] = level;
      this.mtipLines[hart]!.set(level);
    }
  }

  private guestError(): bigint {
    this.guestErrors++;
    return 0n;
  }

  snapshot(): ClintState {
    return { version: 1, msip: [...this.msip], mtimecmp: [...this.mtimecmp], mtimeOffset: this.mtimeOffset };
  }

  restore(state: ClintState): void {
    checkSnapshotVersion('clint', state, [1]);
    if (!Array.isArray(state.msip) || state.msip.length !== this.harts) {
      throw new SnapshotShapeError('clint', `msip has ${Array.isArray(state.msip) ? state.msip.length : 'no'} entries, this CLINT has ${this.harts} harts`);
    }
    if (!Array.isArray(state.mtimecmp) || state.mtimecmp.length !== this.harts) {
      throw new SnapshotShapeError('clint', `mtimecmp has ${Array.isArray(state.mtimecmp) ? state.mtimecmp.length : 'no'} entries, this CLINT has ${this.harts} harts`);
    }
    if (typeof state.mtimeOffset !== 'bigint') throw new SnapshotShapeError('clint', 'mtimeOffset is not an integer');
    if (!state.msip.every((v) => typeof v === 'boolean')) throw new SnapshotShapeError('clint', 'msip entries must be true or false');
    if (!state.mtimecmp.every((v) => typeof v === 'bigint')) throw new SnapshotShapeError('clint', 'mtimecmp entries must be integers');
    this.mtimeOffset = BigInt.asUintN(64, state.mtimeOffset);
    const now = this.mtime;
    for (let h = 0; h < this.harts; h++) {
      this.msip[h] = state.msip[h]!;
      this.msipLines[h]!.set(this.msip[h]!);
      this.mtimecmp[h] = BigInt.asUintN(64, state.mtimecmp[h]!);
      this.setMtip(h, now >= this.mtimecmp[h]!, true);
    }
  }
}

/** Replace the low (high = false) or high 32 bits of a 64-bit value. */
function replaceHalf(old: bigint, high: boolean, half: bigint): bigint {
  return high ? (old & LOW32) | ((half & LOW32) << 32n) : (old & HIGH32) | (half & LOW32);
}
