import { describe, expect, it } from 'vitest';
import { ACCESS_FETCH, ACCESS_LOAD, ACCESS_STORE, CAUSE_LOAD_ACCESS, PRIV_S, PRIV_U } from './access.js';
import { PMP_A_SHIFT, PMP_NAPOT, PMP_R } from './pmp.js';
import { PTE_A, PTE_D, PTE_G, PTE_R, PTE_U, PTE_W, PTE_X } from './pte.js';
import { PageTables, napot, rig, setCfg } from './test-support/page-tables.js';

const RWX_AD = PTE_R | PTE_W | PTE_X | PTE_A | PTE_D;

function sv39(asid = 0) {
  const r = rig();
  const pt = new PageTables(r.ram, 3);
  r.mmu.satp = pt.satp(asid);
  return { ...r, pt };
}

/** Point the mapping of `va` somewhere else in memory, without any fence. */
function remap(pt: PageTables, va: bigint, pa: number, flags = RWX_AD, level = 0): void {
  pt.map(va, pa, flags, level);
}

describe('TLB caching', () => {
  it('serves hits without walking and keeps stale translations until SFENCE.VMA', () => {
    const { mmu, pt } = sv39();
    pt.map(0x1000n, 0x8020_0000, RWX_AD);
    expect(mmu.translate(0x1000n, ACCESS_LOAD, PRIV_S, 4)).toBe(0x8020_0000);
    remap(pt, 0x1000n, 0x8021_0000);
    expect(mmu.translate(0x1010n, ACCESS_STORE, PRIV_S, 4)).toBe(0x8020_0010);
    expect(mmu.stats).toMatchObject({ walks: 1, tlbHits: 1, tlbMisses: 1 });
    mmu.sfence(undefined, undefined);
    expect(mmu.translate(0x1010n, ACCESS_STORE, PRIV_S, 4)).toBe(0x8021_0010);
  });

  it('never caches a failed walk', () => {
    const { mmu, pt } = sv39();
    expect(mmu.translate(0x1000n, ACCESS_LOAD, PRIV_S, 4)).toBe(-1);
    pt.map(0x1000n, 0x8020_0000, RWX_AD);
    expect(mmu.translate(0x1000n, ACCESS_LOAD, PRIV_S, 4)).toBe(0x8020_0000);
  });

  it('sfence(va) drops that page for every ASID, globals included, and nothing else', () => {
    const { mmu, pt } = sv39(1);
    pt.map(0x1000n, 0x8020_0000, RWX_AD | PTE_G);
    pt.map(0x2000n, 0x8020_1000, RWX_AD);
    mmu.translate(0x1000n, ACCESS_LOAD, PRIV_S, 4);
    mmu.translate(0x2000n, ACCESS_LOAD, PRIV_S, 4);
    remap(pt, 0x1000n, 0x8021_0000, RWX_AD | PTE_G);
    remap(pt, 0x2000n, 0x8021_1000);
    mmu.sfence(0x1234n, undefined);
    expect(mmu.translate(0x1000n, ACCESS_LOAD, PRIV_S, 4)).toBe(0x8021_0000);
    expect(mmu.translate(0x2000n, ACCESS_LOAD, PRIV_S, 4)).toBe(0x8020_1000);
  });

  it('sfence(va) drops every granule of a superpage', () => {
    const { mmu, pt } = sv39();
    pt.map(0x20_0000n, 0x8040_0000, RWX_AD, 1);
    mmu.translate(0x20_0000n, ACCESS_LOAD, PRIV_S, 4);
    mmu.translate(0x3f_f000n, ACCESS_LOAD, PRIV_S, 4);
    remap(pt, 0x20_0000n, 0x8060_0000, RWX_AD, 1);
    mmu.sfence(0x25_0000n, undefined);
    expect(mmu.translate(0x20_0000n, ACCESS_LOAD, PRIV_S, 4)).toBe(0x8060_0000);
    expect(mmu.translate(0x3f_f000n, ACCESS_LOAD, PRIV_S, 4)).toBe(0x807f_f000);
  });

  it.each([3, 40])('sfence(va) drops that page in each of %i address spaces (40: more than flushPage tries one by one)', (spaces) => {
    const { mmu, pt } = sv39(1);
    pt.map(0x2000n, 0x8020_1000, RWX_AD);
    pt.map(0x3000n, 0x8020_2000, RWX_AD);
    for (let asid = 1; asid <= spaces; asid++) {
      mmu.satp = pt.satp(asid);
      mmu.translate(0x2000n, ACCESS_LOAD, PRIV_S, 4);
      mmu.translate(0x3000n, ACCESS_LOAD, PRIV_S, 4);
    }
    remap(pt, 0x2000n, 0x8021_1000);
    remap(pt, 0x3000n, 0x8021_2000);
    mmu.sfence(0x2000n, undefined);
    for (let asid = 1; asid <= spaces; asid++) {
      mmu.satp = pt.satp(asid);
      expect(mmu.translate(0x2000n, ACCESS_LOAD, PRIV_S, 4)).toBe(0x8021_1000);
      expect(mmu.translate(0x3000n, ACCESS_LOAD, PRIV_S, 4)).toBe(0x8020_2000); // the other page stays cached
    }
  });

  it('fills other granules of a walked superpage without walking, until a fence of any address in it', () => {
    const { mmu, pt } = sv39();
    pt.map(0x20_0000n, 0x8040_0000, PTE_R | PTE_W | PTE_X | PTE_A, 1); // 2 MiB, D clear
    expect(mmu.translate(0x20_1000n, ACCESS_LOAD, PRIV_S, 4)).toBe(0x8040_1000);
    expect(mmu.stats.walks).toBe(1);
    expect(mmu.translate(0x3f_f008n, ACCESS_LOAD, PRIV_S, 4)).toBe(0x805f_f008); // another granule
    expect(mmu.translate(0x25_0000n, ACCESS_FETCH, PRIV_S, 4)).toBe(0x8045_0000);
    expect(mmu.stats.walks).toBe(1);
    // A store needs D: that one walks (and sets it); the leaf's flags then allow stores elsewhere.
    expect(mmu.translate(0x26_0000n, ACCESS_STORE, PRIV_S, 4)).toBe(0x8046_0000);
    expect(mmu.stats.walks).toBe(2);
    expect(mmu.translate(0x27_0000n, ACCESS_STORE, PRIV_S, 4)).toBe(0x8047_0000);
    expect(mmu.stats.walks).toBe(2);
    // U-mode may not use it (no U bit): the cached leaf does not let it through.
    expect(mmu.translate(0x28_0000n, ACCESS_LOAD, PRIV_U, 4)).toBe(-1);
    remap(pt, 0x20_0000n, 0x8060_0000, RWX_AD, 1);
    mmu.sfence(0x30_0000n, undefined); // any address of the leaf
    expect(mmu.translate(0x2a_0000n, ACCESS_LOAD, PRIV_S, 4)).toBe(0x806a_0000);
  });

  it('sfence(undefined, asid) drops the non-global entries of that ASID only', () => {
    const { mmu, pt } = sv39(1);
    pt.map(0x1000n, 0x8020_0000, RWX_AD | PTE_G);
    pt.map(0x2000n, 0x8020_1000, RWX_AD);
    mmu.translate(0x1000n, ACCESS_LOAD, PRIV_S, 4);
    mmu.translate(0x2000n, ACCESS_LOAD, PRIV_S, 4);
    mmu.satp = pt.satp(2);
    mmu.translate(0x2000n, ACCESS_LOAD, PRIV_S, 4);
    remap(pt, 0x1000n, 0x8021_0000, RWX_AD | PTE_G);
    remap(pt, 0x2000n, 0x8021_1000);
    mmu.sfence(undefined, 1n);
    expect(mmu.translate(0x2000n, ACCESS_LOAD, PRIV_S, 4)).toBe(0x8020_1000); // ASID 2 kept
    expect(mmu.translate(0x1000n, ACCESS_LOAD, PRIV_S, 4)).toBe(0x8020_0000); // global kept
    mmu.satp = pt.satp(1);
    expect(mmu.translate(0x2000n, ACCESS_LOAD, PRIV_S, 4)).toBe(0x8021_1000); // ASID 1 dropped
  });

  it('sfence(va, asid) drops that page of that ASID, sparing globals and other ASIDs', () => {
    const { mmu, pt } = sv39(1);
    pt.map(0x1000n, 0x8020_0000, RWX_AD | PTE_G);
    pt.map(0x2000n, 0x8020_1000, RWX_AD);
    pt.map(0x3000n, 0x8020_2000, RWX_AD);
    for (const va of [0x1000n, 0x2000n, 0x3000n]) mmu.translate(va, ACCESS_LOAD, PRIV_S, 4);
    mmu.satp = pt.satp(2);
    mmu.translate(0x2000n, ACCESS_LOAD, PRIV_S, 4);
    remap(pt, 0x1000n, 0x8021_0000, RWX_AD | PTE_G);
    remap(pt, 0x2000n, 0x8021_1000);
    remap(pt, 0x3000n, 0x8021_2000);
    mmu.sfence(0x1000n, 1n);
    mmu.sfence(0x2000n, 1n);
    expect(mmu.translate(0x1000n, ACCESS_LOAD, PRIV_S, 4)).toBe(0x8020_0000); // global
    expect(mmu.translate(0x2000n, ACCESS_LOAD, PRIV_S, 4)).toBe(0x8020_1000); // ASID 2
    mmu.satp = pt.satp(1);
    expect(mmu.translate(0x2000n, ACCESS_LOAD, PRIV_S, 4)).toBe(0x8021_1000);
    expect(mmu.translate(0x3000n, ACCESS_LOAD, PRIV_S, 4)).toBe(0x8020_2000); // other page
  });

  it('keeps ASIDs apart: a translation cached under one ASID is not used under another', () => {
    const { mmu, pt } = sv39(1);
    pt.map(0x1000n, 0x8020_0000, RWX_AD);
    expect(mmu.translate(0x1000n, ACCESS_LOAD, PRIV_S, 4)).toBe(0x8020_0000);
    remap(pt, 0x1000n, 0x8021_0000);
    mmu.satp = pt.satp(2);
    expect(mmu.translate(0x1000n, ACCESS_LOAD, PRIV_S, 4)).toBe(0x8021_0000);
    mmu.satp = pt.satp(1);
    expect(mmu.translate(0x1000n, ACCESS_LOAD, PRIV_S, 4)).toBe(0x8020_0000); // still cached
  });

  it('global mappings (G in the leaf or in a pointer above it) match every ASID', () => {
    const { mmu, pt } = sv39(1);
    pt.map(0x1000n, 0x8020_0000, RWX_AD | PTE_G);
    pt.map(0x4000_0000n, 0x8020_1000, RWX_AD);
    const pointer = pt.pteAddr(0x4000_0000n, 2);
    pt.write(pointer, pt.read(pointer) | BigInt(PTE_G));
    mmu.translate(0x1000n, ACCESS_LOAD, PRIV_S, 4);
    mmu.translate(0x4000_0000n, ACCESS_LOAD, PRIV_S, 4);
    remap(pt, 0x1000n, 0x8021_0000, RWX_AD | PTE_G);
    remap(pt, 0x4000_0000n, 0x8021_1000);
    mmu.satp = pt.satp(7);
    expect(mmu.translate(0x1000n, ACCESS_LOAD, PRIV_S, 4)).toBe(0x8020_0000);
    expect(mmu.translate(0x4000_0000n, ACCESS_LOAD, PRIV_S, 4)).toBe(0x8020_1000);
  });

  it('a new root with the same ASID is not served stale entries', () => {
    const { mmu, pt, ram } = sv39(1);
    const other = new PageTables(ram, 3, 0x8030_0000);
    pt.map(0x1000n, 0x8020_0000, RWX_AD);
    other.map(0x1000n, 0x8021_0000, RWX_AD);
    mmu.translate(0x1000n, ACCESS_LOAD, PRIV_S, 4);
    mmu.satp = other.satp(1);
    expect(mmu.translate(0x1000n, ACCESS_LOAD, PRIV_S, 4)).toBe(0x8021_0000);
  });

  it('re-checks permissions on hits: privilege, SUM and the cached PTE bits', () => {
    const { mmu, pt } = sv39();
    pt.map(0x1000n, 0x8020_0000, PTE_R | PTE_A | PTE_U);
    expect(mmu.translate(0x1000n, ACCESS_LOAD, PRIV_U, 4)).toBe(0x8020_0000);
    expect(mmu.translate(0x1000n, ACCESS_LOAD, PRIV_S, 4)).toBe(-1);
    expect(mmu.translate(0x1000n, ACCESS_STORE, PRIV_U, 4)).toBe(-1);
    expect(mmu.translate(0x1000n, ACCESS_FETCH, PRIV_U, 4)).toBe(-1);
    mmu.sum = true;
    expect(mmu.translate(0x1000n, ACCESS_LOAD, PRIV_S, 4)).toBe(0x8020_0000);
  });

  it('flushes on PMP writes (translations cache PMP results)', () => {
    const { mmu, pt } = sv39();
    pt.map(0x1000n, 0x8020_0000, RWX_AD);
    expect(mmu.translate(0x1000n, ACCESS_LOAD, PRIV_S, 4)).toBe(0x8020_0000);
    mmu.pmp.writeAddr(0, napot(0x8020_0000, 0x1000));
    setCfg(mmu, 0, PMP_NAPOT << PMP_A_SHIFT);
    expect(mmu.translate(0x1000n, ACCESS_LOAD, PRIV_S, 4)).toBe(-1);
    expect(mmu.faultCause).toBe(CAUSE_LOAD_ACCESS);
  });

  it('checks PMP per access on pages PMP splits', () => {
    const { mmu, pt } = sv39();
    pt.map(0x1000n, 0x8020_0000, RWX_AD);
    // A read-only 16-byte hole at the start of the page, the catch-all (entry 15) elsewhere.
    mmu.pmp.writeAddr(0, napot(0x8020_0000, 16));
    setCfg(mmu, 0, (PMP_NAPOT << PMP_A_SHIFT) | PMP_R);
    expect(mmu.translate(0x1000n, ACCESS_LOAD, PRIV_S, 8)).toBe(0x8020_0000);
    expect(mmu.translate(0x1008n, ACCESS_STORE, PRIV_S, 8)).toBe(-1);
    expect(mmu.translate(0x100cn, ACCESS_LOAD, PRIV_S, 8)).toBe(-1); // straddles the entry
    expect(mmu.translate(0x1010n, ACCESS_STORE, PRIV_S, 8)).toBe(0x8020_0010);
    expect(mmu.translate(0x1008n, ACCESS_STORE, PRIV_S, 8)).toBe(-1);
  });

  it('treats loads, stores and fetches of a cached page independently', () => {
    const { mmu, pt } = sv39();
    pt.map(0x1000n, 0x8020_0000, PTE_R | PTE_X | PTE_A | PTE_D);
    expect(mmu.translate(0x1000n, ACCESS_FETCH, PRIV_S, 4)).toBe(0x8020_0000);
    expect(mmu.translate(0x1000n, ACCESS_LOAD, PRIV_S, 4)).toBe(0x8020_0000);
    expect(mmu.translate(0x1000n, ACCESS_STORE, PRIV_S, 4)).toBe(-1);
  });

  it('fences upper-half addresses given in their unsigned 64-bit form', () => {
    const { mmu, pt } = sv39();
    pt.map(0xffff_ffff_c000_0000n, 0x8020_0000, RWX_AD);
    expect(mmu.translate(0xffff_ffff_c000_0004n, ACCESS_LOAD, PRIV_S, 4)).toBe(0x8020_0004);
    remap(pt, 0xffff_ffff_c000_0000n, 0x8021_0000);
    mmu.sfence(0xffff_ffff_c000_0000n, undefined);
    expect(mmu.translate(0xffff_ffff_c000_0004n, ACCESS_LOAD, PRIV_S, 4)).toBe(0x8021_0004);
  });

  it('survives more address spaces than it has context ids', () => {
    const { mmu, pt } = sv39();
    pt.map(0x1000n, 0x8020_0000, RWX_AD);
    for (let asid = 0; asid < 10_000; asid++) mmu.satp = pt.satp(asid);
    for (let root = 0; root < 9000; root++) mmu.satp = (8n << 60n) | BigInt(0x90000 + root);
    mmu.satp = pt.satp(3);
    expect(mmu.translate(0x1000n, ACCESS_LOAD, PRIV_S, 4)).toBe(0x8020_0000);
    remap(pt, 0x1000n, 0x8021_0000);
    for (let root = 0; root < 9000; root++) mmu.satp = (8n << 60n) | BigInt(0xa0000 + root);
    mmu.satp = pt.satp(3);
    // Ids were recycled, which must flush: a reused id may not inherit another space's entries.
    expect(mmu.translate(0x1000n, ACCESS_LOAD, PRIV_S, 4)).toBe(0x8021_0000);
  });
});

describe('Mmu.translateAt (the address as int32 halves)', () => {
  it('agrees with translate in S- and M-mode, upper half, faults and non-canonical addresses included', () => {
    const { mmu, pt } = sv39(1);
    pt.map(0x1000n, 0x8020_0000, RWX_AD);
    pt.map(0xffff_ffc0_0000_2000n, 0x8020_1000, RWX_AD);
    const halves = (va: bigint): [number, number] => [Number(BigInt.asIntN(32, va)), Number(BigInt.asIntN(32, va >> 32n))];
    for (const priv of [PRIV_S, 3]) {
      for (const va of [0x1234n, 0xffff_ffc0_0000_2468n, 0x4000_0000n, 0x8000_0000_0000_1000n, 0x8020_0010n, 0xffff_ffff_ffff_f000n]) {
        const [lo, hi] = halves(va);
        const a = mmu.translate(va, ACCESS_LOAD, priv, 4);
        const causeA = mmu.faultCause;
        mmu.faultCause = -1;
        expect(mmu.translateAt(lo, hi, ACCESS_LOAD, priv, 4)).toBe(a);
        if (a < 0) expect(mmu.faultCause).toBe(causeA);
      }
    }
  });
});
