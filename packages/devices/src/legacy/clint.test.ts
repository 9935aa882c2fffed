import { describe, expect, it } from 'vitest';
import { ConfigError } from '@vm/core';
import { Ram, SystemBus } from '@vm/mmu';
import { Clint } from './clint.js';
import type { ClintState } from './clint.js';
import { SnapshotShapeError, SnapshotVersionError } from './snapshot-version.js';
import { ManualClock, ProbeLine } from './test-support/probes.js';

const MSIP = 0x0, MTIMECMP = 0x4000, MTIME = 0xbff8;
const ONES = 0xffff_ffff_ffff_ffffn;

function setup(harts = 2) {
  const clock = new ManualClock();
  const msip = Array.from({ length: harts }, () => new ProbeLine());
  const mtip = Array.from({ length: harts }, () => new ProbeLine());
  const clint = new Clint({ harts, clock, msip, mtip });
  const r32 = (off: number): bigint => clint.read(off, 4);
  const w32 = (off: number, v: bigint): void => clint.write(off, 4, v);
  const r64 = (off: number): bigint => clint.read(off, 8);
  const w64 = (off: number, v: bigint): void => clint.write(off, 8, v);
  return { clint, clock, msip, mtip, r32, w32, r64, w64 };
}

describe('Clint', () => {
  it('validates its configuration', () => {
    const clock = new ManualClock();
    expect(() => new Clint({ harts: 2, clock, msip: [new ProbeLine()], mtip: [new ProbeLine()] })).toThrow(ConfigError);
    expect(() => new Clint({ harts: 0, clock, msip: [], mtip: [] })).toThrow(ConfigError);
  });

  it('drives each hart software interrupt from bit 0 of its msip register', () => {
    const { clint, msip, r32, w32, r64 } = setup();
    expect(clint.size).toBe(0x10000);
    expect(clint.accessWidths).toEqual([4, 8]);
    w32(MSIP + 4, 0xffff_ffffn); // IPI to hart 1; upper bits are hardwired to 0
    expect(msip[1]!.level).toBe(true);
    expect(msip[0]!.level).toBe(false);
    expect(r32(MSIP + 4)).toBe(1n);
    expect(r64(MSIP)).toBe(1n << 32n); // an 8-byte access covers two harts' registers
    w32(MSIP + 4, 0n);
    expect(msip[1]!.level).toBe(false);
    expect(r32(MSIP + 8)).toBe(0n); // no hart 2
    expect(clint.guestErrors).toBe(1);
  });

  it('resets mtimecmp to all ones and reads mtime from the clock', () => {
    const { clock, mtip, r32, r64 } = setup();
    expect(r64(MTIMECMP)).toBe(ONES);
    expect(r32(MTIMECMP + 8)).toBe(0xffff_ffffn);
    expect(r32(MTIMECMP + 12)).toBe(0xffff_ffffn);
    clock.ticks = 0x1_2345_6789n;
    expect(r64(MTIME)).toBe(0x1_2345_6789n);
    expect(r32(MTIME)).toBe(0x2345_6789n);
    expect(r32(MTIME + 4)).toBe(1n);
    expect(mtip[0]!.level).toBe(false);
  });

  it('raises MTIP when mtime reaches mtimecmp, re-evaluated on writes and by update()', () => {
    const { clint, clock, mtip, w64, r64 } = setup();
    clock.ticks = 50n;
    w64(MTIMECMP, 100n);
    expect(mtip[0]!.level).toBe(false);
    expect(clint.nextDeadline()).toBe(100n);
    clock.ticks = 99n;
    clint.update();
    expect(mtip[0]!.level).toBe(false);
    clock.ticks = 100n;
    clint.update();
    expect(mtip[0]!.level).toBe(true);
    expect(mtip[1]!.level).toBe(false);
    expect(clint.nextDeadline()).toBeUndefined(); // reached; hart 1 is disarmed (all ones)
    w64(MTIMECMP, ONES); // the handler pushes the comparator away: MTIP drops at once
    expect(mtip[0]!.level).toBe(false);
    w64(MTIMECMP + 8, 150n);
    w64(MTIMECMP, 120n);
    expect(clint.nextDeadline()).toBe(120n);
    w64(MTIMECMP, 40n); // already in the past: fires on the write
    expect(mtip[0]!.level).toBe(true);
    expect(clint.nextDeadline()).toBe(150n);
    expect(r64(MTIMECMP + 8)).toBe(150n);
  });

  it('accepts 32-bit halves of mtimecmp (the RV32 update sequence)', () => {
    const { clint, clock, mtip, w32, r32, r64 } = setup();
    clock.ticks = 1000n;
    w32(MTIMECMP + 4, 0xffff_ffffn); // high first: no spurious interrupt in between
    w32(MTIMECMP, 2000n);
    expect(mtip[0]!.level).toBe(false);
    w32(MTIMECMP + 4, 0n);
    expect(r64(MTIMECMP)).toBe(2000n);
    expect(r32(MTIMECMP)).toBe(2000n);
    expect(mtip[0]!.level).toBe(false);
    clock.ticks = 2000n;
    clint.update();
    expect(mtip[0]!.level).toBe(true);
  });

  it('makes mtime writable by moving an offset against the clock', () => {
    const { clint, clock, mtip, w64, w32, r64 } = setup();
    clock.ticks = 500n;
    w64(MTIMECMP, 1000n);
    w64(MTIME, 900n);
    expect(r64(MTIME)).toBe(900n);
    expect(clint.nextDeadline()).toBe(600n); // in clock ticks: 100 ticks from now
    clock.ticks = 600n;
    expect(r64(MTIME)).toBe(1000n);
    clint.update();
    expect(mtip[0]!.level).toBe(true);
    w32(MTIME + 4, 1n); // high half
    expect(r64(MTIME)).toBe((1n << 32n) + 1000n);
    w32(MTIME, 0n); // low half
    expect(r64(MTIME)).toBe(1n << 32n);
    clint.mtime = 0n;
    expect(mtip[0]!.level).toBe(false);
  });

  it('works behind the system bus at 4 and 8 bytes; 1- and 2-byte accesses fault', () => {
    const { clock } = setup();
    const mtip = [new ProbeLine()];
    const clint = new Clint({ harts: 1, clock, msip: [new ProbeLine()], mtip });
    const bus = new SystemBus(new Ram(0x8000_0000, 4096));
    bus.attach('clint', 0x200_0000, clint);
    clock.ticks = 7n;
    expect(bus.read(0x200_bff8, 8)).toBe(7n);
    expect(bus.write(0x200_4000, 8, 7n)).toBe(true);
    expect(mtip[0]!.level).toBe(true);
    expect(bus.read(0x200_0000, 1)).toBe(-1n);
  });

  it('round-trips its state and refuses snapshots of another version or hart count', () => {
    const a = setup();
    a.clock.ticks = 10n;
    a.w32(MSIP, 1n);
    a.w64(MTIMECMP + 8, 5n);
    a.w64(MTIME, 1234n);
    const snap = a.clint.snapshot();
    const b = setup();
    b.clock.ticks = 10n;
    b.clint.restore(snap);
    expect(b.clint.snapshot()).toEqual(snap);
    expect(b.msip[0]!.level).toBe(true);
    expect(b.mtip[1]!.level).toBe(true);
    expect(b.mtip[0]!.level).toBe(false);
    expect(b.r64(MTIME)).toBe(1234n);
    expect(() => b.clint.restore({ ...snap, version: 9 } as unknown as ClintState)).toThrow(SnapshotVersionError);
    expect(() => setup(3).clint.restore(snap)).toThrow(SnapshotShapeError);
  });
});
