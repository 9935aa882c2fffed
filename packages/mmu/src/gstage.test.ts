// Two-stage translation (priv spec 8.5): VS-stage through vsatp, G-stage through hgatp Sv39x4/Sv48x4.
import { describe, expect, it } from 'vitest';
import { ACCESS_FETCH, ACCESS_LOAD, ACCESS_STORE, PRIV_S, PRIV_U } from './access.js';
import { legalizeHgatp } from './gstage.js';
import { PTE_A, PTE_D, PTE_R, PTE_U, PTE_V, PTE_W, PTE_X } from './pte.js';
import { RAM_BASE, rig } from './test-support/page-tables.js';
import type { Ram } from './ram.js';

const RWXU = PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D;

/** A G-stage tree: 16 KiB root (2048 PTEs at the top level), tables allocated upwards. */
class GTables {
  readonly root: number;
  private next: number;
  constructor(private readonly ram: Ram, readonly levels: 3 | 4, start = RAM_BASE + 0x30_0000) {
    this.root = start;
    this.ram.slice(start, 16384).fill(0);
    this.next = start + 16384;
  }

  hgatp(vmid = 0): bigint {
    return (BigInt(this.levels === 3 ? 8 : 9) << 60n) | (BigInt(vmid) << 44n) | BigInt(this.root / 4096);
  }

  map(gpa: bigint, pa: number, flags: number, level = 0): number {
    let table = this.root;
    for (let i = this.levels - 1; ; i--) {
      const mask = i === this.levels - 1 ? 2047n : 511n;
      const addr = table + Number((gpa >> BigInt(12 + 9 * i)) & mask) * 8;
      if (i === level) {
        this.ram.write64(addr, (BigInt(Math.floor(pa / 4096)) << 10n) | BigInt(flags | PTE_V));
        return addr;
      }
      let pte = this.ram.read64(addr);
      if ((pte & 1n) === 0n) {
        const t = this.next;
        this.next += 4096;
        this.ram.slice(t, 4096).fill(0);
        pte = (BigInt(t / 4096) << 10n) | 1n;
        this.ram.write64(addr, pte);
      }
      table = Number(pte >> 10n) * 4096;
    }
  }
}

/** Guest RAM: GPA 0..2 MiB → host RAM_BASE + 2 MiB (one 2 MiB G-stage page, URWX). */
const GUEST = RAM_BASE + 0x20_0000;

function guest(levels: 3 | 4 = 3) {
  const r = rig();
  const g = new GTables(r.ram, levels);
  g.map(0n, GUEST, RWXU, 1);
  r.mmu.hgatp = g.hgatp();
  return { ...r, g };
}

/** A VS-stage Sv39 tree living in guest physical memory, root at GPA 0x10000. */
function vsTree(ram: Ram): { map: (va: bigint, gpa: number, flags: number) => number; satp: bigint } {
  const root = 0x10000;
  let next = 0x11000;
  const host = (gpa: number): number => GUEST + gpa;
  ram.slice(host(root), 0x4000).fill(0);
  const map = (va: bigint, gpa: number, flags: number): number => {
    let table = root;
    for (let i = 2; ; i--) {
      const addr = table + Number((va >> BigInt(12 + 9 * i)) & 511n) * 8;
      if (i === 0) {
        ram.write64(host(addr), (BigInt(gpa / 4096) << 10n) | BigInt(flags | PTE_V));
        return addr;
      }
      let pte = ram.read64(host(addr));
      if ((pte & 1n) === 0n) {
        pte = (BigInt(next / 4096) << 10n) | 1n;
        next += 0x1000;
        ram.write64(host(addr), pte);
      }
      table = Number(pte >> 10n) * 4096;
    }
  };
  return { map, satp: (8n << 60n) | BigInt(root / 4096) };
}

describe('hgatp (priv spec 8.2.18)', () => {
  it('keeps Bare/Sv39x4/Sv48x4, a 14-bit VMID, and clears PPN[1:0]; other modes are ignored', () => {
    expect(legalizeHgatp((8n << 60n) | (0xffffn << 44n) | 0x80007n)).toBe((8n << 60n) | (0x3fffn << 44n) | 0x80004n);
    expect(legalizeHgatp(9n << 60n)).toBe(9n << 60n);
    expect(legalizeHgatp(10n << 60n)).toBeUndefined();
    expect(legalizeHgatp(1n << 60n)).toBeUndefined();
  });
});

describe('G-stage translation with vsatp Bare (priv spec 8.5.1)', () => {
  it('translates a GPA through a 2 MiB G-stage page', () => {
    const { mmu } = guest();
    expect(mmu.translateGuest(0x1234n, ACCESS_LOAD, PRIV_S, 4, false)).toBe(GUEST + 0x1234);
  });

  it('uses the two extra root bits of Sv39x4 (a GPA above 2^39) and 1 GiB pages', () => {
    const { mmu, g } = guest();
    const gpa = (1n << 40n) | (1n << 30n); // root index 1025: only reachable in a 2048-entry root
    g.map(gpa, 0x8000_0000, RWXU, 2);
    expect(mmu.translateGuest(gpa + 0x123n, ACCESS_STORE, PRIV_U, 8, false)).toBe(0x8000_0123);
  });

  it('a 4 KiB G-stage page', () => {
    const { mmu, g } = guest();
    g.map(0x4000_5000n, RAM_BASE + 0x7000, RWXU, 0);
    expect(mmu.translateGuest(0x4000_5008n, ACCESS_FETCH, PRIV_S, 2, false)).toBe(RAM_BASE + 0x7008);
  });

  it('a GPA at or above 2^41 is a guest-page fault with that GPA', () => {
    const { mmu } = guest();
    expect(mmu.translateGuest(1n << 41n, ACCESS_LOAD, PRIV_S, 4, false)).toBe(-1);
    expect(mmu.faultCause).toBe(21);
    expect(mmu.faultGpa).toBe(1n << 41n);
    expect(mmu.translateGuest(0xffff_ffff_ffff_f000n, ACCESS_STORE, PRIV_S, 4, false)).toBe(-1);
    expect(mmu.faultCause).toBe(23);
    expect(mmu.faultGpa).toBe(0xffff_ffff_ffff_f000n);
  });

  it('G-stage leaves must have U=1: every G-stage access is a U-mode access', () => {
    const { mmu, g } = guest();
    g.map(0x40_0000n, RAM_BASE + 0x8000, PTE_R | PTE_W | PTE_X | PTE_A | PTE_D, 0);
    for (const [access, cause] of [[ACCESS_FETCH, 20], [ACCESS_LOAD, 21], [ACCESS_STORE, 23]] as const) {
      expect(mmu.translateGuest(0x40_0010n, access, PRIV_S, 4, false)).toBe(-1);
      expect(mmu.faultCause).toBe(cause);
      expect(mmu.faultGpa).toBe(0x40_0010n);
    }
  });

  it('a store to a read-only G-stage page is a store guest-page fault; A/D are set at the G-stage', () => {
    const { mmu, g, ram } = guest();
    const pte = g.map(0x40_0000n, RAM_BASE + 0x8000, PTE_R | PTE_U, 0);
    expect(mmu.translateGuest(0x40_0000n, ACCESS_STORE, PRIV_S, 4, false)).toBe(-1);
    expect(mmu.faultCause).toBe(23);
    expect(mmu.translateGuest(0x40_0000n, ACCESS_LOAD, PRIV_S, 4, false)).toBe(RAM_BASE + 0x8000);
    expect(ram.read64(pte) & BigInt(PTE_A | PTE_D)).toBe(BigInt(PTE_A));
  });

  it('HS-level MXR makes execute-only G-stage pages readable; vsstatus.MXR does not', () => {
    const { mmu, g } = guest();
    g.map(0x40_0000n, RAM_BASE + 0x8000, PTE_X | PTE_U, 0);
    mmu.vmxr = true;
    expect(mmu.translateGuest(0x40_0000n, ACCESS_LOAD, PRIV_S, 4, false)).toBe(-1);
    expect(mmu.faultCause).toBe(21);
    mmu.mxr = true;
    expect(mmu.translateGuest(0x40_0000n, ACCESS_LOAD, PRIV_S, 4, false)).toBe(RAM_BASE + 0x8000);
  });

  it('Sv48x4: four levels, a 2 MiB page above 2^48', () => {
    const { mmu, g } = guest(4);
    const gpa = (1n << 49n) | (3n << 21n);
    g.map(gpa, RAM_BASE + 0x20_0000, RWXU, 1);
    expect(mmu.translateGuest(gpa + 0x10n, ACCESS_LOAD, PRIV_S, 4, false)).toBe(RAM_BASE + 0x20_0010);
    expect(mmu.translateGuest(1n << 50n, ACCESS_LOAD, PRIV_S, 4, false)).toBe(-1);
    expect(mmu.faultCause).toBe(21);
  });

  it('hgatp Bare: GPA = host physical address', () => {
    const { mmu } = rig();
    expect(mmu.translateGuest(BigInt(RAM_BASE + 8), ACCESS_LOAD, PRIV_S, 4, false)).toBe(RAM_BASE + 8);
  });
});

describe('VS-stage then G-stage (priv spec 8.5)', () => {
  it('walks the VS tables through the G-stage and sets A/D in guest memory', () => {
    const { mmu, ram } = guest();
    const vs = vsTree(ram);
    const pte = vs.map(0x4000_0000n, 0x5000, PTE_R | PTE_W);
    mmu.vsatp = vs.satp;
    expect(mmu.translateGuest(0x4000_0010n, ACCESS_STORE, PRIV_S, 8, false)).toBe(GUEST + 0x5010);
    expect(ram.read64(GUEST + pte) & BigInt(PTE_A | PTE_D)).toBe(BigInt(PTE_A | PTE_D));
    // A TLB hit the second time.
    const hits = mmu.stats.tlbHits;
    expect(mmu.translateGuest(0x4000_0018n, ACCESS_LOAD, PRIV_S, 8, false)).toBe(GUEST + 0x5018);
    expect(mmu.stats.tlbHits).toBe(hits + 1);
  });

  it('an invalid VS-stage PTE is an ordinary page fault, not a guest-page fault', () => {
    const { mmu, ram } = guest();
    const vs = vsTree(ram);
    mmu.vsatp = vs.satp;
    expect(mmu.translateGuest(0x4000_0000n, ACCESS_LOAD, PRIV_S, 4, false)).toBe(-1);
    expect(mmu.faultCause).toBe(13);
  });

  it('a VS-stage PTE whose GPA is not mapped by the G-stage: guest-page fault with the PTE GPA', () => {
    const { mmu, ram } = guest();
    const vs = vsTree(ram);
    // Point the root entry for VA 0x8000_0000 at a level-1 table at GPA 0x30_0000 (not G-mapped).
    ram.write64(GUEST + 0x10000 + 2 * 8, (0x300n << 10n) | 1n);
    mmu.vsatp = vs.satp;
    expect(mmu.translateGuest(0x8020_0000n, ACCESS_FETCH, PRIV_U, 2, false)).toBe(-1);
    expect(mmu.faultCause).toBe(20); // the original access type, not a load
    expect(mmu.faultGpa).toBe(0x30_0000n + 8n);
  });

  it('a VS-stage leaf naming an unmapped GPA: guest-page fault with the final GPA', () => {
    const { mmu, ram } = guest();
    const vs = vsTree(ram);
    vs.map(0x4000_0000n, 0x50_0000, PTE_R | PTE_W);
    mmu.vsatp = vs.satp;
    expect(mmu.translateGuest(0x4000_0abcn, ACCESS_STORE, PRIV_S, 4, false)).toBe(-1);
    expect(mmu.faultCause).toBe(23);
    expect(mmu.faultGpa).toBe(0x50_0abcn);
  });

  it('implicit PTE read faulting at the G-stage: faultInst is the 64-bit read pseudoinstruction (8.6.3)', () => {
    const { mmu, ram } = guest();
    const vs = vsTree(ram);
    ram.write64(GUEST + 0x10000 + 2 * 8, (0x300n << 10n) | 1n);
    mmu.vsatp = vs.satp;
    for (const [access, cause] of [[ACCESS_FETCH, 20], [ACCESS_LOAD, 21], [ACCESS_STORE, 23]] as const) {
      expect(mmu.translateGuest(0x8020_0000n, access, PRIV_S, 4, false)).toBe(-1);
      expect(mmu.faultCause).toBe(cause);
      expect(mmu.faultGpa).toBe(0x30_0008n);
      expect(mmu.faultInst).toBe(0x3000);
    }
  });

  it('A/D update of a VS PTE on a read-only G-stage page: guest-page fault of the original access, write pseudoinstruction', () => {
    const { mmu, ram, g } = guest();
    const vs = vsTree(ram);
    // Root entry 2 (VA 0x8000_0000) points at a level-1 table at GPA 0x30_0000, which the G-stage
    // maps read-only onto host page H; there a 2 MiB leaf with A=0 maps VA 0x8000_0000 to GPA 0.
    const H = RAM_BASE + 0x3f_0000;
    ram.write64(GUEST + 0x10000 + 2 * 8, (0x300n << 10n) | 1n);
    ram.write64(H, BigInt(PTE_V | PTE_R | PTE_W));
    g.map(0x30_0000n, H, PTE_R | PTE_U | PTE_A, 0);
    mmu.vsatp = vs.satp;
    expect(mmu.translateGuest(0x8000_0010n, ACCESS_LOAD, PRIV_S, 8, false)).toBe(-1);
    expect(mmu.faultCause).toBe(21);
    expect(mmu.faultGpa).toBe(0x30_0000n);
    expect(mmu.faultInst).toBe(0x3020);
    expect(mmu.translateGuest(0x8000_0010n, ACCESS_STORE, PRIV_S, 8, false)).toBe(-1);
    expect(mmu.faultCause).toBe(23);
    expect(mmu.faultInst).toBe(0x3020);
    expect(ram.read64(H)).toBe(BigInt(PTE_V | PTE_R | PTE_W));
    // With A and D already set no update is needed: the read-only G-stage page serves the walk.
    ram.write64(H, BigInt(PTE_V | PTE_R | PTE_W | PTE_A | PTE_D));
    expect(mmu.translateGuest(0x8000_0010n, ACCESS_STORE, PRIV_S, 8, false)).toBe(GUEST + 0x10);
  });

  it('an explicit guest-page fault has faultInst 0', () => {
    const { mmu, ram } = guest();
    const vs = vsTree(ram);
    vs.map(0x4000_0000n, 0x50_0000, PTE_R | PTE_W | PTE_A | PTE_D);
    mmu.vsatp = vs.satp;
    expect(mmu.translateGuest(0x4000_0abcn, ACCESS_LOAD, PRIV_S, 4, false)).toBe(-1);
    expect(mmu.faultCause).toBe(21);
    expect(mmu.faultInst).toBe(0);
  });

  it('vsstatus.SUM governs VS access to U pages; U-mode needs U pages', () => {
    const { mmu, ram } = guest();
    const vs = vsTree(ram);
    vs.map(0x4000_0000n, 0x5000, PTE_R | PTE_U);
    vs.map(0x4000_1000n, 0x6000, PTE_R);
    mmu.vsatp = vs.satp;
    expect(mmu.translateGuest(0x4000_0000n, ACCESS_LOAD, PRIV_S, 4, false)).toBe(-1);
    mmu.vsum = true;
    expect(mmu.translateGuest(0x4000_0000n, ACCESS_LOAD, PRIV_S, 4, false)).toBe(GUEST + 0x5000);
    expect(mmu.translateGuest(0x4000_1000n, ACCESS_LOAD, PRIV_U, 4, false)).toBe(-1);
    expect(mmu.faultCause).toBe(13);
  });

  it('HLVX: execute permission instead of read permission, at both stages', () => {
    const { mmu, ram } = guest();
    const vs = vsTree(ram);
    vs.map(0x4000_0000n, 0x5000, PTE_X);
    vs.map(0x4000_1000n, 0x6000, PTE_R);
    mmu.vsatp = vs.satp;
    expect(mmu.translateGuest(0x4000_0000n, ACCESS_LOAD, PRIV_S, 4, false)).toBe(-1);
    expect(mmu.translateGuest(0x4000_0000n, ACCESS_LOAD, PRIV_S, 4, true)).toBe(GUEST + 0x5000);
    expect(mmu.translateGuest(0x4000_1000n, ACCESS_LOAD, PRIV_S, 4, true)).toBe(-1);
    expect(mmu.faultCause).toBe(13);
  });

  it('mmu.virt routes translate() through both stages; VMIDs keep separate TLB entries', () => {
    const { mmu, ram, g } = guest();
    const vs = vsTree(ram);
    vs.map(0x4000_0000n, 0x5000, PTE_R | PTE_W);
    mmu.vsatp = vs.satp;
    mmu.virt = true;
    expect(mmu.translate(0x4000_0000n, ACCESS_LOAD, PRIV_S, 4)).toBe(GUEST + 0x5000);
    mmu.virt = false;
    expect(mmu.translate(0x4000_0000n, ACCESS_LOAD, PRIV_S, 4)).toBe(0x4000_0000);
    // Another VMID with the G-stage remapped: no stale entry from VMID 0 is used.
    g.map(0n, RAM_BASE, RWXU, 1);
    mmu.hgatp = g.hgatp(5);
    // The VS tables now come from host RAM_BASE + 0x10000: empty, so a page fault.
    ram.slice(RAM_BASE + 0x10000, 4096).fill(0);
    expect(mmu.translateGuest(0x4000_0000n, ACCESS_LOAD, PRIV_S, 4, false)).toBe(-1);
    expect(mmu.faultCause).toBe(13);
  });
});
