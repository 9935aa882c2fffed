import { describe, expect, it } from 'vitest';
import {
  ACCESS_FETCH,
  ACCESS_LOAD,
  ACCESS_STORE,
  CAUSE_FETCH_ACCESS,
  CAUSE_LOAD_ACCESS,
  CAUSE_STORE_ACCESS,
  PRIV_M,
  PRIV_S,
  PRIV_U,
} from './access.js';
import { PMP_A_SHIFT, PMP_L, PMP_NAPOT, PMP_R, PMP_X } from './pmp.js';
import { PageTables, napot, rig, setCfg } from './test-support/page-tables.js';

describe('no translation: M-mode and satp.MODE = Bare (priv spec 4.1.11)', () => {
  it('maps va to pa unchanged in M-mode, even with Sv39 enabled', () => {
    const { mmu, ram } = rig();
    mmu.satp = new PageTables(ram, 3).satp();
    expect(mmu.translate(0x8000_1234n, ACCESS_LOAD, PRIV_M, 8)).toBe(0x8000_1234);
    expect(mmu.translate(0x1000n, ACCESS_FETCH, PRIV_M, 4)).toBe(0x1000);
  });

  it('maps va to pa unchanged for S and U when Bare', () => {
    const { mmu } = rig();
    expect(mmu.translate(0x8000_1234n, ACCESS_STORE, PRIV_S, 4)).toBe(0x8000_1234);
    expect(mmu.translate(0x8000_1234n, ACCESS_FETCH, PRIV_U, 2)).toBe(0x8000_1234);
    // Second access is a TLB hit and still exact.
    expect(mmu.translate(0x8000_1ffen, ACCESS_FETCH, PRIV_U, 2)).toBe(0x8000_1ffe);
    expect(mmu.stats.tlbHits).toBe(2);
    expect(mmu.stats.tlbMisses).toBe(1);
  });

  it.each([
    [ACCESS_FETCH, CAUSE_FETCH_ACCESS],
    [ACCESS_LOAD, CAUSE_LOAD_ACCESS],
    [ACCESS_STORE, CAUSE_STORE_ACCESS],
  ] as const)('raises the access fault of the access type (%i) above 2^56', (access, cause) => {
    const { mmu } = rig();
    for (const priv of [PRIV_M, PRIV_S]) {
      mmu.faultCause = 0;
      expect(mmu.translate(1n << 56n, access, priv, 4)).toBe(-1);
      expect(mmu.faultCause).toBe(cause);
      mmu.faultCause = 0;
      expect(mmu.translate(0xffff_ffff_ffff_f000n, access, priv, 4)).toBe(-1);
      expect(mmu.faultCause).toBe(cause);
    }
  });

  it('applies PMP to S/U accesses in Bare mode: no matching entry means access fault', () => {
    const { mmu } = rig({ pmpAllowAll: false });
    expect(mmu.translate(0x8000_0000n, ACCESS_LOAD, PRIV_S, 8)).toBe(-1);
    expect(mmu.faultCause).toBe(CAUSE_LOAD_ACCESS);
    expect(mmu.translate(0x8000_0000n, ACCESS_LOAD, PRIV_M, 8)).toBe(0x8000_0000);
    mmu.pmp.writeAddr(0, napot(0x8000_0000, 0x1000));
    setCfg(mmu, 0, (PMP_NAPOT << PMP_A_SHIFT) | PMP_R | PMP_X);
    expect(mmu.translate(0x8000_0000n, ACCESS_LOAD, PRIV_S, 8)).toBe(0x8000_0000);
    expect(mmu.translate(0x8000_0ff8n, ACCESS_STORE, PRIV_S, 8)).toBe(-1);
    expect(mmu.faultCause).toBe(CAUSE_STORE_ACCESS);
    expect(mmu.translate(0x8000_1000n, ACCESS_FETCH, PRIV_U, 4)).toBe(-1);
    expect(mmu.faultCause).toBe(CAUSE_FETCH_ACCESS);
  });

  it('enforces locked PMP entries on M-mode accesses', () => {
    const { mmu } = rig();
    mmu.pmp.writeAddr(0, napot(0x8000_0000, 0x2000));
    setCfg(mmu, 0, (PMP_NAPOT << PMP_A_SHIFT) | PMP_R | PMP_L);
    expect(mmu.translate(0x8000_0010n, ACCESS_LOAD, PRIV_M, 8)).toBe(0x8000_0010);
    expect(mmu.translate(0x8000_0010n, ACCESS_STORE, PRIV_M, 8)).toBe(-1);
    expect(mmu.faultCause).toBe(CAUSE_STORE_ACCESS);
    expect(mmu.translate(0x8000_0010n, ACCESS_FETCH, PRIV_M, 4)).toBe(-1);
    expect(mmu.faultCause).toBe(CAUSE_FETCH_ACCESS);
    // Outside the locked region nothing matches the locked entry: M-mode is unrestricted.
    expect(mmu.translate(0x8000_2000n, ACCESS_STORE, PRIV_M, 8)).toBe(0x8000_2000);
  });

  it('snapshots PMP state and flushes on restore', () => {
    const a = rig();
    a.mmu.pmp.writeAddr(0, napot(0x8000_0000, 0x1000));
    setCfg(a.mmu, 0, (PMP_NAPOT << PMP_A_SHIFT) | PMP_R);
    const b = rig({ pmpAllowAll: false });
    b.mmu.restore(structuredClone(a.mmu.snapshot()));
    expect(b.mmu.pmp.readCfg(0)).toBe(a.mmu.pmp.readCfg(0));
    expect(b.mmu.pmp.readCfg(2)).toBe(a.mmu.pmp.readCfg(2));
    expect(b.mmu.translate(0x8000_0000n, ACCESS_STORE, PRIV_S, 8)).toBe(-1);
    expect(b.mmu.translate(0x8000_0000n, ACCESS_LOAD, PRIV_S, 8)).toBe(0x8000_0000);
  });
});
