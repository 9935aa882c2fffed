import { describe, expect, it } from 'vitest';
import { ACCESS_FETCH, ACCESS_LOAD, ACCESS_STORE, CAUSE_LOAD_PAGE_FAULT, CAUSE_STORE_PAGE_FAULT, PRIV_S, PRIV_U } from './access.js';
import { PTE_A, PTE_D, PTE_R, PTE_U, PTE_W, PTE_X } from './pte.js';
import { PageTables, rig } from './test-support/page-tables.js';

const RWX_AD = PTE_R | PTE_W | PTE_X | PTE_A | PTE_D;

function sv48() {
  const r = rig();
  const pt = new PageTables(r.ram, 4);
  r.mmu.satp = pt.satp();
  return { ...r, pt };
}

describe('Sv48 translation (priv spec 4.5)', () => {
  it('translates 4 KiB, 2 MiB, 1 GiB and 512 GiB pages through four levels', () => {
    const { mmu, pt } = sv48();
    pt.map(0x7f_0000_1000n, 0x8020_3000, RWX_AD);
    pt.map(0x7f_0020_0000n, 0x8040_0000, RWX_AD, 1);
    pt.map(0x7f_4000_0000n, 0xc000_0000, RWX_AD, 2);
    pt.map(0x100_0000_0000n, 0x80_0000_0000, RWX_AD, 3);
    expect(mmu.translate(0x7f_0000_1234n, ACCESS_LOAD, PRIV_S, 4)).toBe(0x8020_3234);
    expect(mmu.translate(0x7f_0031_0008n, ACCESS_STORE, PRIV_S, 8)).toBe(0x8051_0008);
    expect(mmu.translate(0x7f_7fff_fffcn, ACCESS_FETCH, PRIV_S, 4)).toBe(0xffff_fffc);
    expect(mmu.translate(0x17f_ffff_f000n, ACCESS_LOAD, PRIV_S, 8)).toBe(0xff_ffff_f000);
    expect(mmu.stats.pteReads).toBe(4 + 3 + 2 + 1);
  });

  it('accepts the whole 48-bit space, upper half included', () => {
    const { mmu, pt } = sv48();
    pt.map(0x7fff_ffff_f000n, 0x8020_0000, RWX_AD | PTE_U);
    pt.map(0xffff_8000_0000_0000n, 0x8020_1000, RWX_AD);
    expect(mmu.translate(0x7fff_ffff_fff8n, ACCESS_LOAD, PRIV_U, 8)).toBe(0x8020_0ff8);
    expect(mmu.translate(0xffff_8000_0000_0010n, ACCESS_LOAD, PRIV_S, 8)).toBe(0x8020_1010);
  });

  it('page-faults on addresses whose bits 63..48 differ from bit 47', () => {
    const { mmu, pt } = sv48();
    pt.map(0n, 0, RWX_AD, 3);
    for (const va of [1n << 47n, 1n << 48n, 0xfffe_8000_0000_0000n, 0x7fff_8000_0000_0000n]) {
      expect(mmu.translate(va, ACCESS_LOAD, PRIV_S, 4)).toBe(-1);
      expect(mmu.faultCause).toBe(CAUSE_LOAD_PAGE_FAULT);
    }
  });

  it('page-faults on a misaligned 512 GiB page', () => {
    const { mmu, pt } = sv48();
    pt.map(0n, 0x4000_0000, RWX_AD, 3); // aligned to 1 GiB only
    expect(mmu.translate(0x1000n, ACCESS_STORE, PRIV_S, 4)).toBe(-1);
    expect(mmu.faultCause).toBe(CAUSE_STORE_PAGE_FAULT);
  });

  it('does not reuse Sv39 translations after a switch to Sv48', () => {
    const { mmu, pt, ram } = sv48();
    const sv39 = new PageTables(ram, 3, 0x8030_0000);
    sv39.map(0x1000n, 0x8020_0000, RWX_AD);
    pt.map(0x1000n, 0x8020_1000, RWX_AD);
    mmu.satp = sv39.satp();
    expect(mmu.translate(0x1000n, ACCESS_LOAD, PRIV_S, 4)).toBe(0x8020_0000);
    mmu.satp = pt.satp();
    expect(mmu.translate(0x1000n, ACCESS_LOAD, PRIV_S, 4)).toBe(0x8020_1000);
  });
});
