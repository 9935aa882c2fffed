import { describe, expect, it } from 'vitest';
import {
  ACCESS_FETCH,
  ACCESS_LOAD,
  ACCESS_STORE,
  CAUSE_FETCH_PAGE_FAULT,
  CAUSE_LOAD_PAGE_FAULT,
  CAUSE_STORE_PAGE_FAULT,
  PRIV_S,
  PRIV_U,
  type AccessType,
} from './access.js';
import type { Mmu } from './mmu.js';
import { PTE_A, PTE_D, PTE_G, PTE_R, PTE_U, PTE_V, PTE_W, PTE_X } from './pte.js';
import { PageTables, rig } from './test-support/page-tables.js';

const RWX_AD = PTE_R | PTE_W | PTE_X | PTE_A | PTE_D;
const ALL: readonly [AccessType, number][] = [
  [ACCESS_FETCH, CAUSE_FETCH_PAGE_FAULT],
  [ACCESS_LOAD, CAUSE_LOAD_PAGE_FAULT],
  [ACCESS_STORE, CAUSE_STORE_PAGE_FAULT],
];

function sv39() {
  const r = rig();
  const pt = new PageTables(r.ram, 3);
  r.mmu.satp = pt.satp();
  return { ...r, pt };
}

function expectPageFault(mmu: Mmu, va: bigint, access: AccessType, priv: number, cause: number): void {
  mmu.faultCause = 0;
  expect(mmu.translate(va, access, priv, 4), `va ${va.toString(16)} access ${access}`).toBe(-1);
  expect(mmu.faultCause).toBe(cause);
}

describe('Sv39 translation (priv spec 4.4)', () => {
  it('translates 4 KiB pages', () => {
    const { mmu, pt } = sv39();
    pt.map(0x4000_1000n, 0x8020_3000, RWX_AD);
    expect(mmu.translate(0x4000_1000n, ACCESS_LOAD, PRIV_S, 8)).toBe(0x8020_3000);
    expect(mmu.translate(0x4000_1ffcn, ACCESS_STORE, PRIV_S, 4)).toBe(0x8020_3ffc);
    expect(mmu.translate(0x4000_1abcn, ACCESS_FETCH, PRIV_S, 2)).toBe(0x8020_3abc);
    expectPageFault(mmu, 0x4000_2000n, ACCESS_LOAD, PRIV_S, CAUSE_LOAD_PAGE_FAULT);
  });

  it('translates 2 MiB megapages, keeping VPN[0] and the offset', () => {
    const { mmu, pt } = sv39();
    pt.map(0x4020_0000n, 0x8040_0000, RWX_AD, 1);
    expect(mmu.translate(0x4021_2345n, ACCESS_LOAD, PRIV_S, 1)).toBe(0x8041_2345);
    expect(mmu.translate(0x403f_fff8n, ACCESS_STORE, PRIV_S, 8)).toBe(0x805f_fff8);
  });

  it('translates 1 GiB gigapages', () => {
    const { mmu, pt } = sv39();
    pt.map(0x1_0000_0000n, 0xc000_0000, RWX_AD, 2);
    expect(mmu.translate(0x1_1234_5678n, ACCESS_LOAD, PRIV_S, 4)).toBe(0xd234_5678);
  });

  it('translates upper-half (sign-extended) addresses', () => {
    const { mmu, pt } = sv39();
    pt.map(0xffff_ffc0_8000_0000n, 0x8000_0000, RWX_AD, 2);
    pt.map(0xffff_ffff_ffff_f000n, 0x8030_0000, RWX_AD);
    expect(mmu.translate(0xffff_ffc0_8012_3456n, ACCESS_FETCH, PRIV_S, 4)).toBe(0x8012_3456);
    expect(mmu.translate(0xffff_ffff_ffff_fff8n, ACCESS_LOAD, PRIV_S, 8)).toBe(0x8030_0ff8);
    // The signed spelling of the same address is accepted too.
    expect(mmu.translate(-8n, ACCESS_LOAD, PRIV_S, 8)).toBe(0x8030_0ff8);
  });

  it.each(ALL)('access %i: non-canonical addresses page-fault (bits 63..39 must equal bit 38)', (access, cause) => {
    const { mmu, pt } = sv39();
    pt.map(0n, 0x8000_0000, RWX_AD, 2);
    expectPageFault(mmu, 1n << 38n, access, PRIV_S, cause);
    expectPageFault(mmu, 0x8000_0000_0000_0000n, access, PRIV_S, cause);
    expectPageFault(mmu, 0xffff_ff80_0000_0000n - 4096n, access, PRIV_S, cause);
    expectPageFault(mmu, 1n << 39n, access, PRIV_S, cause); // would alias VPN 0 if bits were dropped
  });
});

describe('Sv39 page faults (priv spec 4.3.2)', () => {
  it.each(ALL)('access %i: V=0 faults', (access, cause) => {
    const { mmu, pt } = sv39();
    pt.map(0x1000n, 0x8020_0000, RWX_AD);
    pt.write(pt.pteAddr(0x1000n, 0), pt.read(pt.pteAddr(0x1000n, 0)) & ~BigInt(PTE_V));
    expectPageFault(mmu, 0x1000n, access, PRIV_S, cause);
  });

  it.each(ALL)('access %i: the reserved W-without-R encoding faults, even with X', (access, cause) => {
    const { mmu, pt } = sv39();
    pt.map(0x1000n, 0x8020_0000, PTE_W | PTE_X | PTE_A | PTE_D);
    expectPageFault(mmu, 0x1000n, access, PRIV_S, cause);
  });

  it.each([54n, 60n, 61n, 62n, 63n])('reserved PTE bit %i (N, PBMT, reserved) faults in leaves and pointers', (bit) => {
    const { mmu, pt } = sv39();
    pt.map(0x1000n, 0x8020_0000, RWX_AD, 0, 1n << bit);
    expectPageFault(mmu, 0x1000n, ACCESS_LOAD, PRIV_S, CAUSE_LOAD_PAGE_FAULT);
    pt.map(0x1000n, 0x8020_0000, RWX_AD);
    expect(mmu.translate(0x1000n, ACCESS_LOAD, PRIV_S, 4)).toBe(0x8020_0000);
    const pointer = pt.pteAddr(0x4000_0000n, 2);
    pt.map(0x4000_0000n, 0x8020_0000, RWX_AD);
    pt.write(pointer, pt.read(pointer) | (1n << bit));
    expectPageFault(mmu, 0x4000_0000n, ACCESS_STORE, PRIV_S, CAUSE_STORE_PAGE_FAULT);
  });

  it('ignores the RSW bits 9..8', () => {
    const { mmu, pt } = sv39();
    pt.map(0x1000n, 0x8020_0000, RWX_AD | 0x300);
    expect(mmu.translate(0x1000n, ACCESS_STORE, PRIV_S, 4)).toBe(0x8020_0000);
  });

  it('faults on a pointer PTE at level 0', () => {
    const { mmu, pt } = sv39();
    const addr = pt.pteAddr(0x1000n, 0, true);
    pt.write(addr, (0x80200n << 10n) | BigInt(PTE_V));
    expectPageFault(mmu, 0x1000n, ACCESS_LOAD, PRIV_S, CAUSE_LOAD_PAGE_FAULT);
  });

  it('faults on D, A or U in a pointer PTE (reserved for non-leaf PTEs, priv spec 4.3.1)', () => {
    const { mmu, pt } = sv39();
    pt.map(0x1000n, 0x8020_0000, RWX_AD);
    const pointer = pt.pteAddr(0x1000n, 1);
    const plain = pt.read(pointer);
    for (const bit of [PTE_D, PTE_A, PTE_U]) {
      pt.write(pointer, plain | BigInt(bit));
      mmu.flushAll();
      expectPageFault(mmu, 0x1000n, ACCESS_LOAD, PRIV_S, CAUSE_LOAD_PAGE_FAULT);
    }
  });

  it.each([
    [1, 0x8020_1000],
    [2, 0x8020_0000],
  ])('faults on a misaligned level-%i superpage', (level, pa) => {
    const { mmu, pt } = sv39();
    pt.map(0n, pa, RWX_AD, level);
    expectPageFault(mmu, 0x1000n, ACCESS_FETCH, PRIV_S, CAUSE_FETCH_PAGE_FAULT);
  });
});

describe('Sv39 permissions (priv spec 4.3.1, 3.1.6.3)', () => {
  it('needs X to fetch, W to store, R to load', () => {
    const { mmu, pt } = sv39();
    pt.map(0x1000n, 0x8020_0000, PTE_R | PTE_A | PTE_D);
    pt.map(0x2000n, 0x8020_1000, PTE_R | PTE_X | PTE_A | PTE_D);
    pt.map(0x3000n, 0x8020_2000, PTE_R | PTE_W | PTE_A | PTE_D);
    expect(mmu.translate(0x1000n, ACCESS_LOAD, PRIV_S, 4)).toBe(0x8020_0000);
    expectPageFault(mmu, 0x1000n, ACCESS_FETCH, PRIV_S, CAUSE_FETCH_PAGE_FAULT);
    expectPageFault(mmu, 0x1000n, ACCESS_STORE, PRIV_S, CAUSE_STORE_PAGE_FAULT);
    expect(mmu.translate(0x2000n, ACCESS_FETCH, PRIV_S, 4)).toBe(0x8020_1000);
    expectPageFault(mmu, 0x2000n, ACCESS_STORE, PRIV_S, CAUSE_STORE_PAGE_FAULT);
    expect(mmu.translate(0x3000n, ACCESS_STORE, PRIV_S, 4)).toBe(0x8020_2000);
    expectPageFault(mmu, 0x3000n, ACCESS_FETCH, PRIV_S, CAUSE_FETCH_PAGE_FAULT);
  });

  it('execute-only pages are readable only with MXR', () => {
    const { mmu, pt } = sv39();
    pt.map(0x1000n, 0x8020_0000, PTE_X | PTE_A | PTE_D);
    expect(mmu.translate(0x1000n, ACCESS_FETCH, PRIV_S, 4)).toBe(0x8020_0000);
    expectPageFault(mmu, 0x1000n, ACCESS_LOAD, PRIV_S, CAUSE_LOAD_PAGE_FAULT);
    mmu.mxr = true;
    expect(mmu.translate(0x1000n, ACCESS_LOAD, PRIV_S, 4)).toBe(0x8020_0000);
    expectPageFault(mmu, 0x1000n, ACCESS_STORE, PRIV_S, CAUSE_STORE_PAGE_FAULT);
    mmu.mxr = false;
    // The TLB now holds the page: clearing MXR must still take effect.
    expectPageFault(mmu, 0x1000n, ACCESS_LOAD, PRIV_S, CAUSE_LOAD_PAGE_FAULT);
  });

  it('U-mode needs U=1', () => {
    const { mmu, pt } = sv39();
    pt.map(0x1000n, 0x8020_0000, RWX_AD);
    pt.map(0x2000n, 0x8020_1000, RWX_AD | PTE_U);
    expect(mmu.translate(0x1000n, ACCESS_LOAD, PRIV_S, 4)).toBe(0x8020_0000);
    for (const [access, cause] of ALL) expectPageFault(mmu, 0x1000n, access, PRIV_U, cause);
    for (const [access] of ALL) expect(mmu.translate(0x2004n, access, PRIV_U, 4)).toBe(0x8020_1004);
  });

  it('S-mode reaches U pages only with SUM, and never executes them', () => {
    const { mmu, pt } = sv39();
    pt.map(0x2000n, 0x8020_1000, RWX_AD | PTE_U);
    for (const [access, cause] of ALL) expectPageFault(mmu, 0x2000n, access, PRIV_S, cause);
    mmu.sum = true;
    expect(mmu.translate(0x2000n, ACCESS_LOAD, PRIV_S, 4)).toBe(0x8020_1000);
    expect(mmu.translate(0x2000n, ACCESS_STORE, PRIV_S, 4)).toBe(0x8020_1000);
    expectPageFault(mmu, 0x2000n, ACCESS_FETCH, PRIV_S, CAUSE_FETCH_PAGE_FAULT);
    mmu.sum = false;
    // Cached by now; the privilege context is re-checked on each hit.
    expectPageFault(mmu, 0x2000n, ACCESS_LOAD, PRIV_S, CAUSE_LOAD_PAGE_FAULT);
    expect(mmu.translate(0x2000n, ACCESS_LOAD, PRIV_U, 4)).toBe(0x8020_1000);
  });
});

describe('Sv39 A/D updates (priv spec 4.3.2 step 7)', () => {
  it('sets A on access and D on store, in the PTE in memory', () => {
    const { mmu, pt } = sv39();
    const addr = pt.map(0x1000n, 0x8020_0000, PTE_R | PTE_W | PTE_X | PTE_G);
    const before = pt.read(addr);
    expect(mmu.translate(0x1000n, ACCESS_LOAD, PRIV_S, 4)).toBe(0x8020_0000);
    expect(pt.read(addr)).toBe(before | BigInt(PTE_A));
    expect(mmu.translate(0x1008n, ACCESS_STORE, PRIV_S, 8)).toBe(0x8020_0008);
    expect(pt.read(addr)).toBe(before | BigInt(PTE_A | PTE_D));
    expect(mmu.stats.pteWrites).toBe(2);
  });

  it('sets A alone on fetch, and only once', () => {
    const { mmu, pt } = sv39();
    const addr = pt.map(0x1000n, 0x8020_0000, PTE_X);
    expect(mmu.translate(0x1000n, ACCESS_FETCH, PRIV_S, 4)).toBe(0x8020_0000);
    expect(pt.read(addr) & BigInt(PTE_A | PTE_D)).toBe(BigInt(PTE_A));
    mmu.flushAll();
    expect(mmu.translate(0x1000n, ACCESS_FETCH, PRIV_S, 4)).toBe(0x8020_0000);
    expect(mmu.stats.pteWrites).toBe(1);
  });

  it('a store to a page cached with D=0 walks again and sets D', () => {
    const { mmu, pt } = sv39();
    const addr = pt.map(0x1000n, 0x8020_0000, PTE_R | PTE_W | PTE_A);
    mmu.translate(0x1000n, ACCESS_LOAD, PRIV_S, 4);
    const walks = mmu.stats.walks;
    expect(mmu.translate(0x1000n, ACCESS_STORE, PRIV_S, 4)).toBe(0x8020_0000);
    expect(mmu.stats.walks).toBe(walks + 1);
    expect(pt.read(addr) & BigInt(PTE_D)).toBe(BigInt(PTE_D));
    expect(mmu.translate(0x1000n, ACCESS_STORE, PRIV_S, 4)).toBe(0x8020_0000);
    expect(mmu.stats.walks).toBe(walks + 1);
  });

  it('does not set A when the access faults', () => {
    const { mmu, pt } = sv39();
    const addr = pt.map(0x1000n, 0x8020_0000, PTE_R);
    expectPageFault(mmu, 0x1000n, ACCESS_STORE, PRIV_S, CAUSE_STORE_PAGE_FAULT);
    expect(pt.read(addr) & BigInt(PTE_A)).toBe(0n);
  });

  it('tells RAM-write observers about the update (the hart drops decoded code)', () => {
    const { mmu, pt, bus } = sv39();
    const addr = pt.map(0x1000n, 0x8020_0000, PTE_R);
    const seen: number[] = [];
    bus.ramWriteObservers.push((pa) => seen.push(pa));
    mmu.translate(0x1000n, ACCESS_LOAD, PRIV_S, 4);
    expect(seen).toEqual([addr]);
  });
});
