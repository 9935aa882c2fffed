import { describe, expect, it } from 'vitest';
import * as C from './csr-numbers.js';
import * as E from './test-support/encode.js';
import { HANDLER, installWfiHandler, machine, RAM_BASE, runToWfi } from './test-support/machine.js';
import type { TestMachine } from './test-support/machine.js';

const A0 = 10, A1 = 11, A2 = 12;
const ROOT = RAM_BASE + 0x10000;
const V = 1n, R = 2n, W = 4n, X = 8n, A = 64n, D = 128n;

/**
 * Sv39 with 1 GiB pages: VA 0x8000_0000 → RAM (RWX, identity), VA 0xc000_0000 → RAM read-only,
 * VA 0x4000_0000 unmapped. The hart runs in S-mode; faults go to the M handler.
 */
function sv39(program: number[]): TestMachine {
  const m = machine(program);
  installWfiHandler(m);
  const ppn = BigInt(RAM_BASE >>> 12);
  m.ram.write64(ROOT + 2 * 8, (ppn << 10n) | V | R | W | X | A | D);
  m.ram.write64(ROOT + 3 * 8, (ppn << 10n) | V | R | A);
  m.hart.writeCsr(C.CSR_SATP, (8n << 60n) | BigInt(ROOT >>> 12));
  m.hart.enter(1);
  return m;
}

describe('translation through the MMU (priv spec 4.3)', () => {
  it('runs S-mode code and loads through an Sv39 mapping', () => {
    const m = sv39([E.ldd(A0, A1, 0), E.ECALL]);
    m.ram.write64(RAM_BASE + 0x8000, 0x1234n);
    m.hart.x[A1] = 0xc000_8000n; // read-only alias of RAM_BASE + 0x8000
    runToWfi(m);
    expect(m.hart.mcause).toBe(9n);
    expect(m.hart.x[A0]).toBe(0x1234n);
  });

  it.each([
    ['load', E.ldd(A0, A1, 0), 0x4000_0010n, 13n],
    ['store', E.sd(A0, A1, 0), 0x4000_0010n, 15n],
    ['store to a read-only page', E.sw(A0, A1, 0), 0xc000_8000n, 15n],
    ['AMO to a read-only page', E.amoadd('w', A0, A1, A2), 0xc000_8000n, 15n],
    ['LR from an unmapped page', E.lr('d', A0, A1), 0x4000_0010n, 13n],
    ['fetch', E.jalr(0, A1, 0), 0x4000_0010n, 12n],
  ])('%s faults with the page-fault cause and tval = the virtual address', (_n, insn, va, cause) => {
    const m = sv39([insn]);
    m.hart.x[A1] = va;
    runToWfi(m);
    expect(m.hart.mcause).toBe(cause);
    expect(m.hart.mtval).toBe(va);
  });

  it('a load whose page becomes unmapped faults after sfence.vma (no stale cached translation)', () => {
    const m = sv39([E.ldd(A0, A1, 0), E.sd(0, A2, 0), E.sfenceVma(0, 0), E.ldd(A0, A1, 0), E.ECALL]);
    m.hart.x[A1] = 0xc000_8000n;
    m.hart.x[A2] = BigInt(0x8000_0000 + 0x10000 + 3 * 8); // the PTE, through the identity mapping
    runToWfi(m);
    expect(m.hart.mcause).toBe(13n);
    expect(m.hart.mtval).toBe(0xc000_8000n);
    expect(m.hart.mepc).toBe(BigInt(RAM_BASE + 12));
  });

  it('sfence.vma of one address drops every page of the superpage that maps it (priv spec 4.2.1)', () => {
    // Pages A and B of one 1 GiB leaf are both cached; the leaf is unmapped and only A is fenced:
    // the fence covers the leaf PTE, so a load from B faults too.
    const A3 = 13;
    const m = sv39([E.ldd(A0, A1, 0), E.ldd(A0, A3, 0), E.sd(0, A2, 0), E.sfenceVma(A1, 0), E.ldd(A0, A3, 0), E.ECALL]);
    m.hart.x[A1] = 0xc000_8000n;
    m.hart.x[A3] = 0xc000_a000n;
    m.hart.x[A2] = BigInt(0x8000_0000 + 0x10000 + 3 * 8);
    runToWfi(m);
    expect(m.hart.mcause).toBe(13n);
    expect(m.hart.mtval).toBe(0xc000_a000n);
    expect(m.hart.mepc).toBe(BigInt(RAM_BASE + 16));
  });

  it('sfence.vma of one 4 KiB page drops its cached translation (the leaf that maps it)', () => {
    // VA 0x4000_0000 through a 4 KiB leaf (root -> level-1 -> level-0 tables): loaded, unmapped,
    // fenced by address: the next load faults.
    const L1 = ROOT + 0x1000;
    const L0 = ROOT + 0x2000;
    const m = sv39([E.ldd(A0, A1, 0), E.sd(0, A2, 0), E.sfenceVma(A1, 0), E.ldd(A0, A1, 0), E.ECALL]);
    m.ram.write64(ROOT + 1 * 8, (BigInt(L1 >>> 12) << 10n) | V);
    m.ram.write64(L1, (BigInt(L0 >>> 12) << 10n) | V);
    m.ram.write64(L0, (BigInt((RAM_BASE + 0x8000) >>> 12) << 10n) | V | R | W | A | D);
    m.hart.x[A1] = 0x4000_0010n;
    m.hart.x[A2] = BigInt(0x8000_0000 + 0x10000 + 0x2000); // the 4 KiB leaf, through the identity mapping
    runToWfi(m);
    expect(m.hart.mcause).toBe(13n);
    expect(m.hart.mtval).toBe(0x4000_0010n);
    expect(m.hart.mepc).toBe(BigInt(RAM_BASE + 12));
  });

  it('a U page an S-mode load reached under mstatus.SUM faults once SUM is cleared (priv spec 4.3.1)', () => {
    // VA 0x4000_0000: a user gigapage. SUM set: the load works (and its translation is cached);
    // cleared with csrc sstatus: the same load faults.
    const t0 = 5;
    const m = sv39([E.ldd(A0, A1, 0), E.csrrc(0, C.CSR_SSTATUS, t0), E.ldd(A2, A1, 0), E.ECALL]);
    m.ram.write64(ROOT + 1 * 8, (BigInt(RAM_BASE >>> 12) << 10n) | V | R | W | 16n | A | D);
    m.ram.write64(RAM_BASE + 0x8000, 0x55n);
    m.hart.writeCsr(C.CSR_MSTATUS, m.hart.readCsr(C.CSR_MSTATUS) | (1n << 18n));
    m.hart.x[A1] = 0x4000_8000n;
    m.hart.x[t0] = 1n << 18n;
    runToWfi(m);
    expect(m.hart.x[A0]).toBe(0x55n);
    expect(m.hart.mcause).toBe(13n);
    expect(m.hart.mtval).toBe(0x4000_8000n);
    expect(m.hart.mepc).toBe(BigInt(RAM_BASE + 8));
  });

  it('a page S-mode loaded from is not reached from U-mode through the cached translation (priv spec 4.3.1)', () => {
    // S-mode loads from 0xc000_8000 (an S page: its translation is cached), then SRETs to U-mode
    // code (VA 0x4000_0000: a U gigapage over the same RAM), whose same load must fault: the page
    // caches keep each regime's entries apart (PageCache.tagWord), they do not share them.
    const A3 = 13;
    const m = sv39([E.ldd(A0, A1, 0), E.csrw(C.CSR_SEPC, A3), E.SRET, E.ECALL, E.ldd(A2, A1, 0), E.ECALL]);
    m.ram.write64(ROOT + 1 * 8, (BigInt(RAM_BASE >>> 12) << 10n) | V | R | X | 16n | A | D);
    m.ram.write64(RAM_BASE + 0x8000, 0x77n);
    m.hart.x[A1] = 0xc000_8000n;
    m.hart.x[A3] = 0x4000_0000n + 16n;
    runToWfi(m);
    expect(m.hart.x[A0]).toBe(0x77n);
    expect(m.hart.x[A2]).toBe(0n);
    expect(m.hart.mcause).toBe(13n);
    expect(m.hart.mtval).toBe(0xc000_8000n);
    expect(m.hart.mepc).toBe(0x4000_0010n);
  });

  it('a misaligned load across into an unmapped page reports the second page address', () => {
    const m = sv39([E.ldd(A0, A1, 0)]);
    m.hart.x[A1] = 0x3fff_fffcn + 0x8000_0000n + 0x4000_0000n; // last bytes of the 0xc... gigapage
    runToWfi(m);
    expect(m.hart.mcause).toBe(13n);
    expect(m.hart.mtval).toBe(0x1_0000_0000n);
  });
});

describe('instruction fetch across a boundary', () => {
  it('a 32-bit instruction whose second half is outside RAM faults with tval = that half', () => {
    const m = machine([E.jalr(0, A1, 0)]);
    installWfiHandler(m);
    const end = RAM_BASE + (1 << 20);
    m.ram.write16(end - 2, E.NOP & 0xffff);
    m.hart.x[A1] = BigInt(end - 2);
    runToWfi(m);
    expect(m.hart.mcause).toBe(1n);
    expect(m.hart.mtval).toBe(BigInt(end));
    expect(m.hart.mepc).toBe(BigInt(end - 2));
    expect(HANDLER).toBeLessThan(end);
  });

  it('a 32-bit instruction straddling two RAM pages executes', () => {
    const m = machine([E.jalr(0, A1, 0)]);
    const at = RAM_BASE + 0x2ffe;
    const insn = E.addi(A0, 0, 99);
    m.ram.write16(at, insn & 0xffff);
    m.ram.write16(at + 2, (insn >>> 16) & 0xffff);
    m.ram.write32(at + 4, E.WFI);
    m.hart.x[A1] = BigInt(at);
    runToWfi(m);
    expect(m.hart.x[A0]).toBe(99n);
  });
});
