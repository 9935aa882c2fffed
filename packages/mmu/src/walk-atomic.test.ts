// The A/D update of the page-table walk against another hart's store to the PTE (priv spec 4.3.2
// step 7): with RAM shared between threads the compare and the store are one compare-and-swap, and
// a failed compare sends the walk back to step 2. The other hart's store is injected
// deterministically between the walk's read of the PTE and its update.
import { describe, expect, it } from 'vitest';
import {
  ACCESS_LOAD, ACCESS_STORE, CAUSE_STORE_PAGE_FAULT, PRIV_S, type AccessType,
} from './access.js';
import type { Mmu } from './mmu.js';
import { PTE_A, PTE_D, PTE_R, PTE_V, PTE_W } from './pte.js';
import { PageTables, rig } from './test-support/page-tables.js';
import { BusPteMemory, PTE_CHANGED, PTE_WRITE_FAULT, PTE_WRITTEN, walkPageTable, type PteMemory, type WalkStage } from './walk.js';

const VA = 0x4000_1000n;
const PAGE = 0x8020_0000;
const OTHER_PAGE = 0x8030_0000;
const leaf = (pa: number, flags: number): bigint => (BigInt(pa / 4096) << 10n) | BigInt(flags | PTE_V);

function sv39(shared: boolean) {
  const r = rig({ shared });
  const pt = new PageTables(r.ram, 3);
  r.mmu.satp = pt.satp();
  return { ...r, pt };
}

/**
 * Store `pte` at `addr` once, the first time the walk's A/D update of `addr` passes its PMP check
 * (BusPteMemory.write checks PMP just before its compare-and-swap): another hart's store landing
 * after this walk read the PTE and before it updates it.
 */
function raceOnce(mmu: Mmu, addr: number, pte: bigint, store: (addr: number, pte: bigint) => void): void {
  const pmp = mmu.pmp;
  const check = pmp.check.bind(pmp);
  let armed = true;
  pmp.check = (pa: number, width: number, access: AccessType, priv: number): boolean => {
    if (armed && pa === addr && width === 8 && access === ACCESS_STORE) {
      armed = false;
      store(addr, pte);
    }
    return check(pa, width, access, priv);
  };
}

describe('BusPteMemory.write: step 7 as a compare-and-swap on shared RAM (priv spec 4.3.2)', () => {
  it('stores only when the PTE still holds what was read; a PTE outside RAM is a fault', () => {
    const { bus, mmu, pt } = sv39(true);
    const at = pt.map(VA, PAGE, PTE_R);
    const seen: number[] = [];
    bus.ramWriteObservers.push((pa) => seen.push(pa));
    const mem = new BusPteMemory(bus, mmu.pmp);
    const lo = mem.read(at);
    const hi = mem.hi;
    pt.write(at, leaf(OTHER_PAGE, PTE_R)); // another hart's store after the read
    expect(mem.write(at, (lo | PTE_A) >>> 0, hi, lo)).toBe(PTE_CHANGED);
    expect(pt.read(at)).toBe(leaf(OTHER_PAGE, PTE_R));
    expect(seen).toEqual([]);
    const now = mem.read(at);
    expect(mem.write(at, (now | PTE_A) >>> 0, mem.hi, now)).toBe(PTE_WRITTEN);
    expect(pt.read(at)).toBe(leaf(OTHER_PAGE, PTE_R | PTE_A));
    expect(seen).toEqual([at]);
    expect(mem.write(0x1000, 0, 0, 0)).toBe(PTE_WRITE_FAULT);
  });

  it('reads a PTE on shared RAM as one 64-bit access: a store landing between its halves cannot mix them', () => {
    const { bus, mmu, pt, ram } = sv39(true);
    const at = pt.map(VA, PAGE, PTE_R);
    const before = pt.read(at);
    const after = (1n << 46n) | leaf(OTHER_PAGE, PTE_R | PTE_W); // a different upper half too
    // Another hart's store, landing right after any 32-bit read of the PTE's upper half.
    const read32 = ram.read32.bind(ram);
    ram.read32 = (addr: number): number => {
      const v = read32(addr);
      if (addr === at + 4) ram.write64(at, after);
      return v;
    };
    const mem = new BusPteMemory(bus, mmu.pmp);
    const lo = mem.read(at);
    const pte = (BigInt(mem.hi >>> 0) << 32n) | BigInt(lo >>> 0);
    expect([before, after]).toContain(pte);
  });

  it('on RAM of one thread the update is a plain store (nothing can store in between)', () => {
    const { bus, mmu, pt } = sv39(false);
    const at = pt.map(VA, PAGE, PTE_R);
    const mem = new BusPteMemory(bus, mmu.pmp);
    const lo = mem.read(at);
    expect(mem.write(at, (lo | PTE_A) >>> 0, mem.hi, lo ^ 0x400)).toBe(PTE_WRITTEN);
    expect(pt.read(at)).toBe(leaf(PAGE, PTE_R | PTE_A));
  });
});

describe('a walk whose PTE another hart changes before the A/D update (priv spec 4.3.2 step 7: back to step 2)', () => {
  it('a PTE cleared meanwhile (an unmap) stays clear and the store page-faults', () => {
    const { mmu, pt, ram } = sv39(true);
    const at = pt.map(VA, PAGE, PTE_R | PTE_W);
    raceOnce(mmu, at, 0n, (a, v) => ram.write64(a, v));
    expect(mmu.translate(VA, ACCESS_STORE, PRIV_S, 8)).toBe(-1);
    expect(mmu.faultCause).toBe(CAUSE_STORE_PAGE_FAULT);
    expect(pt.read(at)).toBe(0n);
  });

  it('a PTE write-protected meanwhile (copy-on-write) is not made writable again: the store page-faults', () => {
    const { mmu, pt, ram } = sv39(true);
    const at = pt.map(VA, PAGE, PTE_R | PTE_W | PTE_A);
    raceOnce(mmu, at, leaf(PAGE, PTE_R | PTE_A), (a, v) => ram.write64(a, v));
    expect(mmu.translate(VA, ACCESS_STORE, PRIV_S, 8)).toBe(-1);
    expect(mmu.faultCause).toBe(CAUSE_STORE_PAGE_FAULT);
    expect(pt.read(at)).toBe(leaf(PAGE, PTE_R | PTE_A));
  });

  it("the other hart's own A/D update (D) is kept when this hart's load sets A", () => {
    const { mmu, pt, ram } = sv39(true);
    const at = pt.map(VA, PAGE, PTE_R | PTE_W);
    // The other hart's walk for a store compare-and-swaps A and D in first.
    raceOnce(mmu, at, leaf(PAGE, PTE_R | PTE_W | PTE_A | PTE_D), (a, v) => {
      expect(ram.compareExchange(a, 8, leaf(PAGE, PTE_R | PTE_W), v)).toBe(leaf(PAGE, PTE_R | PTE_W));
    });
    mmu.stats.reset();
    expect(mmu.translate(VA, ACCESS_LOAD, PRIV_S, 8)).toBe(PAGE);
    expect(pt.read(at)).toBe(leaf(PAGE, PTE_R | PTE_W | PTE_A | PTE_D));
    // Three levels, the leaf read again after the failed compare; A was already set the second
    // time, so nothing was written.
    expect(mmu.stats.pteReads).toBe(4);
    expect(mmu.stats.pteWrites).toBe(0);
  });

  it('a PTE remapped meanwhile translates to the new page, with A set on the new PTE', () => {
    const { mmu, pt, ram } = sv39(true);
    const at = pt.map(VA, PAGE, PTE_R);
    raceOnce(mmu, at, leaf(OTHER_PAGE, PTE_R), (a, v) => ram.write64(a, v));
    expect(mmu.translate(VA + 0x10n, ACCESS_LOAD, PRIV_S, 8)).toBe(OTHER_PAGE + 0x10);
    expect(pt.read(at)).toBe(leaf(OTHER_PAGE, PTE_R | PTE_A));
  });

  it('the same race through walkPageTable, with a PteMemory that changes the PTE right after reading it', () => {
    const { bus, mmu, pt, ram } = sv39(true);
    const at = pt.map(VA, PAGE, PTE_R | PTE_W);
    const inner = new BusPteMemory(bus, mmu.pmp);
    let armed = true;
    const racing: PteMemory = {
      hi: 0,
      read(addr) {
        const lo = inner.read(addr);
        racing.hi = inner.hi;
        if (armed && addr === at) {
          armed = false;
          ram.write64(at, leaf(PAGE, PTE_R)); // made read-only after this read
        }
        return lo;
      },
      write: (addr, lo, hi, readLo) => inner.write(addr, lo, hi, readLo),
    };
    const stage: WalkStage = { levels: 3, widenBits: 0, rootPpn: pt.root / 4096, gstage: false, mxr: false };
    expect(walkPageTable(stage, Number(VA), ACCESS_STORE, racing)).toEqual({ ok: false, cause: CAUSE_STORE_PAGE_FAULT });
    expect(pt.read(at)).toBe(leaf(PAGE, PTE_R));
    // A load walks on the read-only PTE and sets A only.
    expect(walkPageTable(stage, Number(VA), ACCESS_LOAD, racing)).toMatchObject({ ok: true, address: PAGE });
    expect(pt.read(at)).toBe(leaf(PAGE, PTE_R | PTE_A));
  });
});
