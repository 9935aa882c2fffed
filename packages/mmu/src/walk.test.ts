// The walk core on its own (walk.ts): the API a hypervisor uses to walk a guest's tables.
import { describe, expect, it } from 'vitest';
import { ACCESS_FETCH, ACCESS_LOAD, ACCESS_STORE, PRIV_S, PRIV_U } from './access.js';
import { PTE_A, PTE_D, PTE_R, PTE_U, PTE_V, PTE_W, PTE_X } from './pte.js';
import { Ram } from './ram.js';
import { PageTableWalker, PTE_WRITTEN, walkPageTable, type PteMemory, type PteWriteResult, type WalkStage } from './walk.js';

const BASE = 0x8000_0000;

/** PTEs read straight from RAM, with no PMP: what a hypervisor walking guest tables needs. */
class RamPtes implements PteMemory {
  hi = 0;
  reads: number[] = [];
  constructor(private readonly ram: Ram) {}
  read(addr: number): number {
    if (!this.ram.contains(addr, 8)) return -1;
    this.reads.push(addr);
    const v = this.ram.read64(addr);
    this.hi = Number(v >> 32n);
    return Number(v & 0xffff_ffffn);
  }
  write(addr: number, lo: number, hi: number): PteWriteResult {
    this.ram.write64(addr, (BigInt(hi) << 32n) | BigInt(lo));
    return PTE_WRITTEN;
  }
}

const pte = (pa: number, flags: number): bigint => (BigInt(Math.floor(pa / 4096)) << 10n) | BigInt(flags | PTE_V);

describe('walkPageTable (priv spec 4.3.2)', () => {
  it('Sv39: a 4 KiB leaf through three levels, A/D set, the tables read in order', () => {
    const ram = new Ram(BASE, 1 << 20);
    const mem = new RamPtes(ram);
    ram.write64(BASE + 1 * 8, pte(BASE + 0x1000, 0));
    ram.write64(BASE + 0x1000 + 2 * 8, pte(BASE + 0x2000, 0));
    ram.write64(BASE + 0x2000 + 3 * 8, pte(BASE + 0x9000, PTE_R | PTE_W));
    const sv39: WalkStage = { levels: 3, widenBits: 0, rootPpn: BASE / 4096, gstage: false, mxr: false };
    const va = 0x4000_0000 + 2 * 0x20_0000 + 3 * 0x1000 + 0x123;
    const r = walkPageTable(sv39, va, ACCESS_STORE, mem);
    expect(r).toEqual({ ok: true, address: BASE + 0x9123, flags: PTE_V | PTE_R | PTE_W | PTE_A | PTE_D, level: 0, global: false });
    expect(mem.reads).toEqual([BASE + 8, BASE + 0x1010, BASE + 0x2018]);
    expect(walkPageTable(sv39, va, ACCESS_FETCH, mem)).toEqual({ ok: false, cause: 12 });
    // Non-canonical: bit 38 set without the bits above it.
    expect(walkPageTable(sv39, 2 ** 38, ACCESS_LOAD, mem)).toEqual({ ok: false, cause: 13 });
  });

  it('G-stage (Sv39x4): the 11-bit root index, U=1 required, guest-page faults with the GPA', () => {
    const ram = new Ram(BASE, 1 << 20);
    const mem = new RamPtes(ram);
    // Root index 1027 = GPA[40:30]: a 1 GiB leaf for GPA 0x100_c000_0000.
    ram.write64(BASE + 1027 * 8, pte(0x4000_0000, PTE_R | PTE_U | PTE_A));
    const g: WalkStage = { levels: 3, widenBits: 2, rootPpn: BASE / 4096, gstage: true, mxr: false };
    expect(walkPageTable(g, 0x100_c000_0040, ACCESS_LOAD, mem)).toMatchObject({ ok: true, address: 0x4000_0040, level: 2 });
    expect(walkPageTable(g, 0x100_c000_0040, ACCESS_STORE, mem)).toEqual({ ok: false, cause: 23, faultGpa: 0x100_c000_0040n, faultInst: 0 });
    expect(walkPageTable(g, 2 ** 41, ACCESS_LOAD, mem)).toEqual({ ok: false, cause: 21, faultGpa: 1n << 41n, faultInst: 0 });
    ram.write64(BASE + 1027 * 8, pte(0x4000_0000, PTE_R | PTE_A));
    expect(walkPageTable(g, 0x100_c000_0040, ACCESS_LOAD, mem, { priv: PRIV_S })).toMatchObject({ ok: false, cause: 21 });
  });

  it('two-stage: each VS PTE address goes through the G-stage (s2xlate); an unmapped one faults implicitly', () => {
    const ram = new Ram(BASE, 1 << 20);
    const mem = new RamPtes(ram);
    // G-stage root (16 KiB) at BASE: GPA 0..1 GiB -> host BASE.. as a 1 GiB leaf (U, RWX).
    ram.write64(BASE, pte(BASE, PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D));
    const g: WalkStage = { levels: 3, widenBits: 2, rootPpn: BASE / 4096, gstage: true, mxr: false };
    // VS root at GPA 0x8000: entry 0 -> level-1 table at GPA 0x9000 -> 2 MiB leaf at GPA 0x20_0000;
    // entry 1 -> a level-1 table at GPA 0x4000_0000, outside the G-stage mapping.
    ram.write64(BASE + 0x8000, pte(0x9000, 0));
    ram.write64(BASE + 0x8000 + 8, pte(0x4000_0000, 0));
    ram.write64(BASE + 0x9000, pte(0x20_0000, PTE_R | PTE_X | PTE_A));
    const vs: WalkStage = { levels: 3, widenBits: 0, rootPpn: 8, gstage: false, mxr: false, s2: g };
    const w = new PageTableWalker(mem);
    expect(w.walk(vs, 0x1234, ACCESS_LOAD, PRIV_U, false, false, false)).toBe(-1); // U-mode, U=0 leaf
    expect(w.cause).toBe(13);
    expect(w.walk(vs, 0x1234, ACCESS_FETCH, PRIV_S, false, false, false)).toBe(0x20_1234);
    expect(w.level).toBe(1);
    expect(w.walk(vs, 0x4000_1234, ACCESS_FETCH, PRIV_S, false, false, false)).toBe(-1);
    expect([w.cause, w.faultGpa, w.faultInst]).toEqual([20, 0x4000_0000n, 0x3000]);
  });
});
