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
  type AccessType,
} from './access.js';
import { PMP_A_SHIFT, PMP_NAPOT, PMP_R, PMP_TOR } from './pmp.js';
import { PTE_A, PTE_D, PTE_R, PTE_V, PTE_W, PTE_X } from './pte.js';
import { PageTables, RAM_BASE, napot, rig, setCfg } from './test-support/page-tables.js';

const RWX_AD = PTE_R | PTE_W | PTE_X | PTE_A | PTE_D;
const CASES: readonly [AccessType, number][] = [
  [ACCESS_FETCH, CAUSE_FETCH_ACCESS],
  [ACCESS_LOAD, CAUSE_LOAD_ACCESS],
  [ACCESS_STORE, CAUSE_STORE_ACCESS],
];

function sv39() {
  const r = rig();
  const pt = new PageTables(r.ram, 3);
  r.mmu.satp = pt.satp();
  return { ...r, pt };
}

describe('PMP on the page-table walk (priv spec 3.7.1, 4.3.2 steps 2 and 7)', () => {
  it.each(CASES)('access %i: a PTE in a PMP-denied region is an access fault of the access type', (access, cause) => {
    const { mmu, pt } = sv39();
    pt.map(0x1000n, 0x8020_0000, RWX_AD);
    // Deny the page-table pages (1 MiB at 0x8010_0000) to S-mode; M-mode could still use them.
    mmu.pmp.writeAddr(0, napot(RAM_BASE + 0x10_0000, 0x10_0000));
    setCfg(mmu, 0, PMP_NAPOT << PMP_A_SHIFT);
    expect(mmu.translate(0x1000n, access, PRIV_S, 4)).toBe(-1);
    expect(mmu.faultCause).toBe(cause);
    expect(mmu.translate(BigInt(pt.root), ACCESS_LOAD, PRIV_M, 8)).toBe(pt.root);
  });

  it('a read-only page table allows walks but not the A/D update', () => {
    const { mmu, pt } = sv39();
    pt.map(0x1000n, 0x8020_0000, PTE_R | PTE_W | PTE_A);
    pt.map(0x2000n, 0x8020_1000, PTE_R | PTE_W | PTE_A | PTE_D);
    mmu.pmp.writeAddr(0, napot(RAM_BASE + 0x10_0000, 0x10_0000));
    setCfg(mmu, 0, (PMP_NAPOT << PMP_A_SHIFT) | PMP_R);
    expect(mmu.translate(0x1000n, ACCESS_LOAD, PRIV_S, 4)).toBe(0x8020_0000);
    expect(mmu.translate(0x1000n, ACCESS_STORE, PRIV_S, 4)).toBe(-1);
    expect(mmu.faultCause).toBe(CAUSE_STORE_ACCESS);
    expect(mmu.translate(0x2000n, ACCESS_STORE, PRIV_S, 4)).toBe(0x8020_1000);
  });

  it('an access fault on the final physical address comes after a successful walk', () => {
    const { mmu, pt } = sv39();
    const addr = pt.map(0x1000n, 0x8020_0000, PTE_R | PTE_W);
    mmu.pmp.writeAddr(0, BigInt(0x8020_0000 / 4));
    mmu.pmp.writeAddr(1, BigInt(0x8020_1000 / 4));
    setCfg(mmu, 1, PMP_TOR << PMP_A_SHIFT);
    expect(mmu.translate(0x1000n, ACCESS_STORE, PRIV_S, 4)).toBe(-1);
    expect(mmu.faultCause).toBe(CAUSE_STORE_ACCESS);
    // A and D were set: the translation itself succeeded (step 7 precedes the access).
    expect(pt.read(addr) & BigInt(PTE_A | PTE_D)).toBe(BigInt(PTE_A | PTE_D));
  });

  it.each(CASES)('access %i: a pointer to unmapped memory is an access fault', (access, cause) => {
    const { mmu, pt } = sv39();
    pt.write(pt.root, (0x1_0000n << 10n) | BigInt(PTE_V)); // next level at 0x1000_0000: nothing there
    expect(mmu.translate(0x1000n, access, PRIV_S, 4)).toBe(-1);
    expect(mmu.faultCause).toBe(cause);
  });

  it('a leaf beyond the representable physical range is an access fault, not a page fault', () => {
    const { mmu, pt } = sv39();
    pt.map(0x4000_0000n, 2 ** 55, RWX_AD, 2);
    expect(mmu.translate(0x4000_0000n, ACCESS_LOAD, PRIV_S, 4)).toBe(-1);
    expect(mmu.faultCause).toBe(CAUSE_LOAD_ACCESS);
  });
});
