// The hypervisor extension in the hart (priv spec chapter 8): enabling, CSRs, V mode, traps, xRET,
// virtual-instruction exceptions, interrupts, HLV/HLVX/HSV and two-stage translation.
import { describe, expect, it } from 'vitest';
import { MISA_VALUE } from './csr-file.js';
import * as C from './csr-numbers.js';
import * as E from './test-support/encode.js';
import { HANDLER, installWfiHandler, machine, RAM_BASE, runToWfi } from './test-support/machine.js';
import type { TestMachine } from './test-support/machine.js';

const A0 = 10, A1 = 11, A2 = 12;
const S_HANDLER = RAM_BASE + 0x2000;
const VS_HANDLER = RAM_BASE + 0x3000;
/** G-stage Sv39x4 root (16 KiB aligned). */
const GROOT = RAM_BASE + 0x4_0000;
const U = 16n, R = 2n, W = 4n, X = 8n, A = 64n, D = 128n, V = 1n;
const M_BIT = 1n << 63n;

/** A hart with H, an M handler (WFI at HANDLER), an HS handler and a VS handler (WFI each). */
function hmachine(program: number[], options: { gstage?: boolean } = {}): TestMachine {
  const m = machine(program, 1 << 20, { hExtension: true });
  installWfiHandler(m);
  m.ram.write32(S_HANDLER, E.WFI);
  m.ram.write32(VS_HANDLER, E.WFI);
  m.hart.writeCsr(C.CSR_STVEC, BigInt(S_HANDLER));
  m.hart.writeCsr(C.CSR_VSTVEC, BigInt(VS_HANDLER));
  if (options.gstage ?? true) {
    // GPA 0x8000_0000..+1 GiB → the same host addresses (URWX, A, D): root index 2.
    m.ram.slice(GROOT, 16384).fill(0);
    m.ram.write64(GROOT + 2 * 8, (BigInt(RAM_BASE >>> 12) << 10n) | V | R | W | X | U | A | D);
    m.hart.writeCsr(C.CSR_HGATP, (8n << 60n) | BigInt(GROOT >>> 12));
  }
  return m;
}

/** Enter VS-mode (or VU with priv 0) directly. */
function enterGuest(m: TestMachine, priv: 0 | 1 = 1): void {
  m.hart.enter(priv, m.hart.pc, true);
}

describe('enabling H (priv spec 8.1)', () => {
  it('misa.H is set only when the hart is built with hExtension', () => {
    expect(machine().hart.readCsr(C.CSR_MISA)).toBe(MISA_VALUE);
    expect(hmachine([]).hart.readCsr(C.CSR_MISA)).toBe(MISA_VALUE | (1n << 7n));
  });

  it.each([
    ['csrr hstatus', E.csrr(A0, C.CSR_HSTATUS)],
    ['csrr vsatp', E.csrr(A0, C.CSR_VSATP)],
    ['csrr mtval2', E.csrr(A0, C.CSR_MTVAL2)],
    ['hlv.d', E.hlv(8, 0, A0, A1)],
    ['hfence.gvma', E.hfenceGvma(0, 0)],
  ])('without H, %s is an illegal instruction', (_n, insn) => {
    const m = machine([insn]);
    installWfiHandler(m);
    runToWfi(m);
    expect(m.hart.mcause).toBe(2n);
    expect(m.hart.virt).toBe(false);
  });

  it('mideleg has the VS-level interrupt bits read-only one; hstatus.VSXL reads 2', () => {
    const m = hmachine([]);
    m.hart.writeCsr(C.CSR_MIDELEG, 0n);
    expect(m.hart.readCsr(C.CSR_MIDELEG)).toBe(0x444n);
    expect(m.hart.readCsr(C.CSR_HSTATUS)).toBe(2n << 32n);
    m.hart.writeCsr(C.CSR_HIDELEG, 0xffffn);
    expect(m.hart.readCsr(C.CSR_HIDELEG)).toBe(0x444n);
    m.hart.writeCsr(C.CSR_HEDELEG, 0xffff_ffffn);
    expect(m.hart.readCsr(C.CSR_HEDELEG)).toBe(0xb1ffn);
    expect(m.hart.readCsr(C.CSR_HGEIP)).toBe(0n);
  });
});

describe('CSR access while V=1 (priv spec 8.2, 8.6.1)', () => {
  it('S CSRs are redirected to the VS CSRs', () => {
    const m = hmachine([
      E.csrr(A0, C.CSR_SSCRATCH), E.csrw(C.CSR_SEPC, A1), E.csrr(A2, C.CSR_SSTATUS), E.csrw(C.CSR_SATP, 0), E.WFI,
    ]);
    m.hart.writeCsr(C.CSR_VSSCRATCH, 0x1234n);
    m.hart.writeCsr(C.CSR_SSCRATCH, 0x9999n);
    m.hart.writeCsr(C.CSR_VSSTATUS, 0x100n); // SPP
    m.hart.x[A1] = 0x4444n;
    enterGuest(m);
    runToWfi(m);
    expect(m.hart.x[A0]).toBe(0x1234n);
    expect(m.hart.readCsr(C.CSR_VSEPC)).toBe(0x4444n);
    expect(m.hart.readCsr(C.CSR_SEPC)).toBe(0n);
    expect(m.hart.x[A2]).toBe(0x100n | (2n << 32n));
    expect(m.hart.virt).toBe(true);
  });

  it.each([
    ['an HS CSR from VS', E.csrr(A0, C.CSR_HSTATUS), 1, 22n],
    ['a VS CSR by number from VS', E.csrr(A0, C.CSR_VSSTATUS), 1, 22n],
    ['an M CSR from VS', E.csrr(A0, C.CSR_MSTATUS), 1, 2n],
    ['an S CSR from VU', E.csrr(A0, C.CSR_SSCRATCH), 0, 22n],
    ['hfence.vvma from VS', E.hfenceVvma(0, 0), 1, 22n],
    ['hfence.gvma from VU', E.hfenceGvma(0, 0), 0, 22n],
    ['hlv.w from VS', E.hlv(4, 0, A0, A1), 1, 22n],
    ['hsv.w from VU', E.hsv(4, A0, A1), 0, 22n],
    ['wfi from VU', E.WFI, 0, 22n],
    ['sret from VU', E.SRET, 0, 22n],
    ['sfence.vma from VU', E.sfenceVma(0, 0), 0, 22n],
  ] as const)('%s raises cause %s', (_n, insn, priv, cause) => {
    const m = hmachine([insn]);
    enterGuest(m, priv);
    runToWfi(m);
    expect(m.hart.mcause).toBe(cause);
    expect(m.hart.mtval).toBe(BigInt(insn >>> 0));
    expect(m.hart.readCsr(C.CSR_MSTATUS) >> 39n & 1n).toBe(1n); // MPV
  });

  it.each([
    ['wfi with hstatus.VTW', E.WFI, 1 << 21],
    ['sret with hstatus.VTSR', E.SRET, 1 << 22],
    ['sfence.vma with hstatus.VTVM', E.sfenceVma(0, 0), 1 << 20],
    ['satp access with hstatus.VTVM', E.csrr(A0, C.CSR_SATP), 1 << 20],
  ])('in VS-mode, %s is a virtual instruction', (_n, insn, bit) => {
    const m = hmachine([insn]);
    m.hart.writeCsr(C.CSR_HSTATUS, BigInt(bit));
    enterGuest(m);
    runToWfi(m);
    expect(m.hart.mcause).toBe(22n);
  });

  it('wfi in VS with mstatus.TW is illegal, not virtual', () => {
    const m = hmachine([E.WFI]);
    m.hart.writeCsr(C.CSR_MSTATUS, 1n << 21n);
    enterGuest(m);
    runToWfi(m);
    expect(m.hart.mcause).toBe(2n);
  });

  it('counters: mcounteren set but hcounteren clear is virtual; mcounteren clear is illegal', () => {
    const m = hmachine([E.csrr(A0, C.CSR_CYCLE)]);
    m.hart.writeCsr(C.CSR_MCOUNTEREN, 1n);
    enterGuest(m);
    runToWfi(m);
    expect(m.hart.mcause).toBe(22n);
    const m2 = hmachine([E.csrr(A0, C.CSR_CYCLE)]);
    enterGuest(m2);
    runToWfi(m2);
    expect(m2.hart.mcause).toBe(2n);
    const m3 = hmachine([E.csrr(A0, C.CSR_TIME), E.WFI]);
    m3.hart.writeCsr(C.CSR_MCOUNTEREN, 2n);
    m3.hart.writeCsr(C.CSR_HCOUNTEREN, 2n);
    m3.hart.writeCsr(C.CSR_HTIMEDELTA, 1000n);
    m3.clock.ticks = 5n;
    enterGuest(m3);
    runToWfi(m3);
    expect(m3.hart.x[A0]).toBe(1005n);
  });
});

describe('trap routing and xRET (priv spec 8.6.2, 8.6.4)', () => {
  it('ecall from VS goes to M with mstatus.MPV=1 and MPP=S when not delegated', () => {
    const m = hmachine([E.ECALL]);
    enterGuest(m);
    runToWfi(m);
    expect(m.hart.mcause).toBe(10n);
    expect(m.hart.virt).toBe(false);
    const ms = m.hart.readCsr(C.CSR_MSTATUS);
    expect((ms >> 39n) & 1n).toBe(1n);
    expect((ms >> 11n) & 3n).toBe(1n);
  });

  it('ecall from VS delegated by medeleg goes to HS with SPV=1, SPVP=1', () => {
    const m = hmachine([E.ECALL]);
    m.hart.writeCsr(C.CSR_MEDELEG, 1n << 10n);
    enterGuest(m);
    runToWfi(m);
    expect(m.hart.pc).toBe(BigInt(S_HANDLER + 4));
    expect(m.hart.scause).toBe(10n);
    expect(m.hart.virt).toBe(false);
    expect(m.hart.priv).toBe(1);
    const hs = m.hart.readCsr(C.CSR_HSTATUS);
    expect(hs & 0x1c0n).toBe(0x180n); // SPVP, SPV, GVA=0
  });

  it('ecall from VU delegated by medeleg and hedeleg goes to VS', () => {
    const m = hmachine([E.ECALL]);
    m.hart.writeCsr(C.CSR_MEDELEG, 1n << 8n);
    m.hart.writeCsr(C.CSR_HEDELEG, 1n << 8n);
    m.hart.writeCsr(C.CSR_VSSTATUS, 2n); // SIE
    enterGuest(m, 0);
    runToWfi(m);
    expect(m.hart.pc).toBe(BigInt(VS_HANDLER + 4));
    expect(m.hart.virt).toBe(true);
    expect(m.hart.priv).toBe(1);
    expect(m.hart.readCsr(C.CSR_VSCAUSE)).toBe(8n);
    expect(m.hart.readCsr(C.CSR_VSEPC)).toBe(BigInt(RAM_BASE));
    expect(m.hart.readCsr(C.CSR_VSSTATUS) & 0x122n).toBe(0x20n); // SPIE=1, SIE=0, SPP=0
    expect(m.hart.scause).toBe(0n);
  });

  it('sret from HS with hstatus.SPV=1 enters VS; sret in VS returns through vsepc/vsstatus', () => {
    const guest = RAM_BASE + 0x100;
    const m = hmachine([E.SRET]);
    m.ram.write32(guest, E.SRET);
    m.ram.write32(guest + 0x100, E.WFI);
    m.hart.enter(1);
    m.hart.writeCsr(C.CSR_SEPC, BigInt(guest));
    m.hart.writeCsr(C.CSR_SSTATUS, 0x100n); // SPP = S
    m.hart.writeCsr(C.CSR_HSTATUS, 1n << 7n); // SPV
    m.hart.writeCsr(C.CSR_VSEPC, BigInt(guest + 0x100));
    m.hart.writeCsr(C.CSR_VSSTATUS, 0x20n); // SPIE=1, SPP=U
    runToWfi(m, 10);
    // WFI in VU traps as a virtual instruction; we land in M with MPV=1, MPP=U.
    expect(m.hart.mcause).toBe(22n);
    expect(m.hart.mepc).toBe(BigInt(guest + 0x100));
    expect((m.hart.readCsr(C.CSR_MSTATUS) >> 11n) & 3n).toBe(0n);
    expect(m.hart.readCsr(C.CSR_HSTATUS) & 0x80n).toBe(0n); // SPV cleared by the first sret
    expect(m.hart.readCsr(C.CSR_VSSTATUS) & 0x2n).toBe(2n); // SIE = old SPIE
  });

  it('mret with MPV=1 enters VS and clears MPV', () => {
    const m = hmachine([E.MRET]);
    m.ram.write32(RAM_BASE + 0x200, E.WFI);
    m.hart.writeCsr(C.CSR_MEPC, BigInt(RAM_BASE + 0x200));
    m.hart.writeCsr(C.CSR_MSTATUS, (1n << 39n) | (1n << 11n));
    runToWfi(m);
    expect(m.hart.pc).toBe(BigInt(RAM_BASE + 0x204));
    expect(m.hart.virt).toBe(true);
    expect(m.hart.priv).toBe(1);
    expect((m.hart.readCsr(C.CSR_MSTATUS) >> 39n) & 1n).toBe(0n);
  });

  it('mret with MPP=M ignores MPV', () => {
    const m = hmachine([E.MRET]);
    m.ram.write32(RAM_BASE + 0x200, E.WFI);
    m.hart.writeCsr(C.CSR_MEPC, BigInt(RAM_BASE + 0x200));
    m.hart.writeCsr(C.CSR_MSTATUS, (1n << 39n) | (3n << 11n));
    runToWfi(m);
    expect(m.hart.virt).toBe(false);
    expect(m.hart.priv).toBe(3);
  });
});

describe('guest-page faults (priv spec 8.5.1, 8.6.2)', () => {
  it('a VS load from an unmapped GPA traps to HS with htval = GPA >> 2, stval = GVA, GVA=1', () => {
    const m = hmachine([E.ldd(A0, A1, 0)]);
    m.hart.writeCsr(C.CSR_MEDELEG, 1n << 21n);
    m.hart.x[A1] = 0x4000_1238n;
    enterGuest(m);
    runToWfi(m);
    expect(m.hart.scause).toBe(21n);
    expect(m.hart.stval).toBe(0x4000_1238n);
    expect(m.hart.readCsr(C.CSR_HTVAL)).toBe(0x4000_1238n >> 2n);
    expect(m.hart.readCsr(C.CSR_HTINST)).toBe(0n);
    expect(m.hart.readCsr(C.CSR_HSTATUS) & 0x1c0n).toBe(0x1c0n);
  });

  it('a store guest-page fault into M records mtval2 and mstatus.GVA', () => {
    const m = hmachine([E.sd(A0, A1, 0)]);
    m.hart.x[A1] = 0x4000_0010n;
    enterGuest(m, 0);
    runToWfi(m);
    expect(m.hart.mcause).toBe(23n);
    expect(m.hart.mtval).toBe(0x4000_0010n);
    expect(m.hart.readCsr(C.CSR_MTVAL2)).toBe(0x4000_0010n >> 2n);
    const ms = m.hart.readCsr(C.CSR_MSTATUS);
    expect((ms >> 38n) & 3n).toBe(3n); // GVA, MPV
  });

  it('a fetch from an unmapped GPA is an instruction guest-page fault', () => {
    const m = hmachine([E.jalr(0, A1, 0)]);
    m.hart.x[A1] = 0x4000_0000n;
    enterGuest(m);
    runToWfi(m);
    expect(m.hart.mcause).toBe(20n);
    expect(m.hart.mtval).toBe(0x4000_0000n);
  });

  it('a VS-stage page fault is cause 13 with htval 0 and GVA=1', () => {
    const m = hmachine([E.ldd(A0, A1, 0)]);
    // VS-stage Sv39 tree at GPA RAM_BASE + 0x5_0000 (identity-mapped by the G-stage); empty.
    m.ram.slice(RAM_BASE + 0x5_0000, 4096).fill(0);
    m.ram.write64(RAM_BASE + 0x5_0000 + 2 * 8, (BigInt(RAM_BASE >>> 12) << 10n) | V | R | W | X | A | D);
    m.hart.writeCsr(C.CSR_VSATP, (8n << 60n) | BigInt((RAM_BASE + 0x5_0000) >>> 12));
    m.hart.writeCsr(C.CSR_MEDELEG, 1n << 13n);
    m.hart.x[A1] = 0x4000_0000n;
    enterGuest(m);
    runToWfi(m);
    expect(m.hart.scause).toBe(13n);
    expect(m.hart.stval).toBe(0x4000_0000n);
    expect(m.hart.readCsr(C.CSR_HTVAL)).toBe(0n);
    expect(m.hart.readCsr(C.CSR_HSTATUS) & 0x40n).toBe(0x40n);
  });

  it('guest code runs through VS-stage and G-stage translation', () => {
    const m = hmachine([E.ldd(A0, A1, 0), E.WFI]);
    const vsRoot = RAM_BASE + 0x5_0000;
    m.ram.slice(vsRoot, 4096).fill(0);
    // VA 0x8000_0000 → GPA 0x8000_0000 (1 GiB, RWX), VA 0xc000_0000 → GPA 0x8000_0000 (R).
    m.ram.write64(vsRoot + 2 * 8, (BigInt(RAM_BASE >>> 12) << 10n) | V | R | W | X | A | D);
    m.ram.write64(vsRoot + 3 * 8, (BigInt(RAM_BASE >>> 12) << 10n) | V | R | A);
    m.hart.writeCsr(C.CSR_VSATP, (8n << 60n) | BigInt(vsRoot >>> 12));
    m.ram.write64(RAM_BASE + 0x8000, 0xabcdn);
    m.hart.x[A1] = 0xc000_8000n;
    enterGuest(m);
    runToWfi(m);
    expect(m.hart.x[A0]).toBe(0xabcdn);
  });
});

describe('implicit G-stage faults of the VS-stage walk (priv spec 8.5.1, 8.6.3)', () => {
  const VS_ROOT = RAM_BASE + 0x6_0000;
  const VS_L1B = RAM_BASE + 0x6_1000;
  const G_L1C = RAM_BASE + 0x6_2000;
  const G_L0C = RAM_BASE + 0x6_3000;
  const pte = (pa: number | bigint, flags: bigint): bigint => ((BigInt(pa) >> 12n) << 10n) | flags;

  /**
   * VS-stage Sv39 at VS_ROOT: VA 0x8000_0000 → GPA 0x8000_0000 (1 GiB, code); VA 0x4000_0000 → a
   * level-1 table at GPA 0x1_0000_0000, which the G-stage does not map; VA 0xc000_0000 → a level-1
   * table at GPA 0xc000_0000, which the G-stage maps read-only onto VS_L1B, holding a 2 MiB leaf
   * with A=D=0 (its first use needs an A/D update, an implicit store).
   */
  function guest(program: number[]): TestMachine {
    const m = hmachine(program);
    for (const t of [VS_ROOT, VS_L1B, G_L1C, G_L0C]) m.ram.slice(t, 4096).fill(0);
    m.ram.write64(VS_ROOT + 1 * 8, pte(0x1_0000_0000n, V));
    m.ram.write64(VS_ROOT + 2 * 8, pte(RAM_BASE, V | R | W | X | A | D));
    m.ram.write64(VS_ROOT + 3 * 8, pte(0xc000_0000, V));
    m.ram.write64(VS_L1B, pte(RAM_BASE, V | R | W));
    m.ram.write64(GROOT + 3 * 8, pte(G_L1C, V));
    m.ram.write64(G_L1C, pte(G_L0C, V));
    m.ram.write64(G_L0C, pte(VS_L1B, V | R | U | A));
    m.hart.writeCsr(C.CSR_VSATP, (8n << 60n) | BigInt(VS_ROOT >>> 12));
    return m;
  }

  it.each([
    ['ld', E.ldd(A0, A1, 8), 21n, 0x4000_0108n],
    ['sd', E.sd(A0, A1, 16), 23n, 0x4000_0110n],
    ['amoadd.w (a store/AMO; QEMU 7.2 reports a load fault)', E.amoadd('w', A0, A1, A2), 23n, 0x4000_0100n],
    ['fetch (QEMU 7.2 reports a load fault)', E.jalr(0, A1, 0), 20n, 0x4000_0100n],
  ])('%s: PTE at an unmapped GPA → the original access type, htval = PTE GPA >> 2, htinst 0x3000', (_n, insn, cause, tval) => {
    // To M.
    let m = guest([insn]);
    m.hart.x[A1] = 0x4000_0100n;
    enterGuest(m);
    runToWfi(m);
    expect([m.hart.mcause, m.hart.mtval]).toEqual([cause, tval]);
    expect(m.hart.readCsr(C.CSR_MTVAL2)).toBe(0x1_0000_0000n >> 2n);
    expect(m.hart.readCsr(C.CSR_MTINST)).toBe(0x3000n);
    expect((m.hart.readCsr(C.CSR_MSTATUS) >> 38n) & 3n).toBe(3n); // GVA, MPV
    // Delegated to HS.
    m = guest([insn]);
    m.hart.writeCsr(C.CSR_MEDELEG, (1n << 20n) | (1n << 21n) | (1n << 23n));
    m.hart.x[A1] = 0x4000_0100n;
    enterGuest(m);
    runToWfi(m);
    expect([m.hart.scause, m.hart.stval]).toEqual([cause, tval]);
    expect(m.hart.readCsr(C.CSR_HTVAL)).toBe(0x1_0000_0000n >> 2n);
    expect(m.hart.readCsr(C.CSR_HTINST)).toBe(0x3000n);
    expect(m.hart.readCsr(C.CSR_HSTATUS) & 0x1c0n).toBe(0x1c0n); // SPVP, SPV, GVA
  });

  it.each([
    ['ld', E.ldd(A0, A1, 0), 21n],
    ['sd', E.sd(A0, A1, 0), 23n],
  ])('%s needing an A/D update of a PTE on a read-only G-stage page: htinst 0x3020, no update', (_n, insn, cause) => {
    const m = guest([insn]);
    m.hart.writeCsr(C.CSR_MEDELEG, (1n << 21n) | (1n << 23n));
    m.hart.x[A1] = 0xc000_0100n;
    enterGuest(m);
    runToWfi(m);
    expect([m.hart.scause, m.hart.stval]).toEqual([cause, 0xc000_0100n]);
    expect(m.hart.readCsr(C.CSR_HTVAL)).toBe(0xc000_0000n >> 2n);
    expect(m.hart.readCsr(C.CSR_HTINST)).toBe(0x3020n);
    expect(m.hart.readCsr(C.CSR_HSTATUS) & 0x40n).toBe(0x40n);
    expect(m.ram.read64(VS_L1B)).toBe(pte(RAM_BASE, V | R | W));
  });

  it('HLV.D from HS takes the same implicit fault with GVA=1 and SPV=0', () => {
    const m = guest([E.hlv(8, 0, A0, A1)]);
    m.hart.writeCsr(C.CSR_MEDELEG, 1n << 21n);
    m.hart.enter(1);
    m.hart.x[A1] = 0x4000_0100n;
    runToWfi(m);
    expect([m.hart.scause, m.hart.stval]).toEqual([21n, 0x4000_0100n]);
    expect(m.hart.readCsr(C.CSR_HTVAL)).toBe(0x1_0000_0000n >> 2n);
    expect(m.hart.readCsr(C.CSR_HTINST)).toBe(0x3000n);
    expect(m.hart.readCsr(C.CSR_HSTATUS) & 0xc0n).toBe(0x40n);
  });

  it('an explicit guest-page fault after an implicit one writes htinst 0 (as QEMU 7.2)', () => {
    const m = guest([E.ldd(A0, A1, 0), E.ldd(A0, A2, 0)]);
    m.hart.writeCsr(C.CSR_MEDELEG, 1n << 21n);
    m.hart.writeCsr(C.CSR_STVEC, BigInt(RAM_BASE + 0x3100)); // HS handler: sepc += 4; sret
    m.ram.write32(RAM_BASE + 0x3100, E.csrr(A0, C.CSR_SEPC));
    m.ram.write32(RAM_BASE + 0x3104, E.addi(A0, A0, 4));
    m.ram.write32(RAM_BASE + 0x3108, E.csrw(C.CSR_SEPC, A0));
    m.ram.write32(RAM_BASE + 0x310c, E.SRET);
    m.ram.write64(VS_ROOT + 4 * 8, pte(0x1_0000_0000n, V | R | W | A | D)); // VA 0x1_0000_0000 → unmapped GPA
    m.hart.x[A1] = 0x4000_0100n;
    m.hart.x[A2] = 0x1_0000_0208n;
    enterGuest(m);
    m.ram.write32(RAM_BASE + 8, E.WFI);
    runToWfi(m);
    expect([m.hart.scause, m.hart.stval]).toEqual([21n, 0x1_0000_0208n]);
    expect(m.hart.readCsr(C.CSR_HTVAL)).toBe(0x1_0000_0208n >> 2n);
    expect(m.hart.readCsr(C.CSR_HTINST)).toBe(0n);
  });
});

describe('VS interrupts (priv spec 8.2.3, 8.4.3)', () => {
  it('hvip.VSTIP delegated by hideleg is taken in VS as a supervisor timer interrupt (cause 5)', () => {
    const m = hmachine([E.NOP, E.NOP, E.WFI]);
    m.hart.writeCsr(C.CSR_HIDELEG, 1n << 6n);
    m.hart.writeCsr(C.CSR_VSSTATUS, 2n); // SIE
    m.hart.writeCsr(C.CSR_VSIE, 1n << 5n);
    expect(m.hart.readCsr(C.CSR_MIE)).toBe(1n << 6n);
    m.hart.writeCsr(C.CSR_HVIP, 1n << 6n);
    expect(m.hart.readCsr(C.CSR_VSIP)).toBe(1n << 5n);
    enterGuest(m);
    // A WFI with an interrupt pending does not stop, so run one step: the interrupt, then the handler's WFI.
    m.hart.run(1);
    expect(m.hart.readCsr(C.CSR_VSCAUSE)).toBe(M_BIT | 5n);
    expect(m.hart.virt).toBe(true);
    expect(m.hart.pc).toBe(BigInt(VS_HANDLER + 4));
  });

  it('vsstatus.SIE=0 masks it in VS; without hideleg it goes to HS as cause 6', () => {
    const m = hmachine([E.NOP, E.WFI]);
    m.hart.writeCsr(C.CSR_HIDELEG, 1n << 6n);
    m.hart.writeCsr(C.CSR_HIE, 1n << 6n);
    m.hart.writeCsr(C.CSR_HVIP, 1n << 6n);
    enterGuest(m);
    expect(m.hart.pendingInterrupt()).toBe(-1);
    m.hart.writeCsr(C.CSR_HIDELEG, 0n);
    expect(m.hart.pendingInterrupt()).toBe(6);
    m.hart.run(1);
    expect(m.hart.pc).toBe(BigInt(S_HANDLER + 4));
    expect(m.hart.scause).toBe(M_BIT | 6n);
    expect(m.hart.virt).toBe(false);
    expect(m.hart.readCsr(C.CSR_HSTATUS) & 0x80n).toBe(0x80n);
  });

  it('VSSIP through hip/mip is an alias of hvip.VSSIP; sip does not show VS bits', () => {
    const m = hmachine([]);
    m.hart.writeCsr(C.CSR_MIP, 1n << 2n);
    expect(m.hart.readCsr(C.CSR_HVIP)).toBe(4n);
    expect(m.hart.readCsr(C.CSR_HIP)).toBe(4n);
    expect(m.hart.readCsr(C.CSR_SIP)).toBe(0n);
    m.hart.writeCsr(C.CSR_HIP, 0n);
    expect(m.hart.readCsr(C.CSR_MIP)).toBe(0n);
  });
});

describe('HLV, HLVX, HSV (priv spec 8.3.1)', () => {
  it('HSV.D then HLV.D/W/B from HS access guest memory through the G-stage', () => {
    const m = hmachine([
      E.hsv(8, A0, A1), E.hlv(8, 0, A2, A1), E.hlv(1, 0, 13, A1), E.hlv(1, 1, 14, A1), E.hlv(4, 1, 15, A1), E.WFI,
    ]);
    m.hart.enter(1);
    m.hart.x[A0] = 0x1122_3344_8899_aaffn;
    m.hart.x[A1] = BigInt(RAM_BASE + 0x9000);
    runToWfi(m);
    expect(m.ram.read64(RAM_BASE + 0x9000)).toBe(0x1122_3344_8899_aaffn);
    expect(m.hart.x[A2]).toBe(0x1122_3344_8899_aaffn);
    expect(m.hart.x[13]).toBe(0xffff_ffff_ffff_ffffn);
    expect(m.hart.x[14]).toBe(0xffn);
    expect(m.hart.x[15]).toBe(0x8899_aaffn);
  });

  it('HLV faults are guest-page faults with GVA=1 even though V=0', () => {
    const m = hmachine([E.hlv(4, 0, A0, A1)]);
    m.hart.writeCsr(C.CSR_MEDELEG, 1n << 21n);
    m.hart.enter(1);
    m.hart.x[A1] = 0x4000_0000n;
    runToWfi(m);
    expect(m.hart.scause).toBe(21n);
    expect(m.hart.readCsr(C.CSR_HTVAL)).toBe(0x1000_0000n);
    expect(m.hart.readCsr(C.CSR_HSTATUS) & 0xc0n).toBe(0x40n); // GVA, SPV=0
  });

  it('HLVX reads execute-only pages; HLV does not', () => {
    const page = RAM_BASE + 0x8_0000; // mapped at GPA 0x4000_0000 by its own 4 KiB G-stage page
    const m = hmachine([E.hlv(4, 3, A0, A1), E.hlv(4, 0, A2, A1)]);
    m.ram.write64(GROOT + 1 * 8, (BigInt((GROOT + 0x4000) >>> 12) << 10n) | V);
    m.ram.slice(GROOT + 0x4000, 0x2000).fill(0);
    m.ram.write64(GROOT + 0x4000, (BigInt((GROOT + 0x5000) >>> 12) << 10n) | V);
    m.ram.write64(GROOT + 0x5000, (BigInt(page >>> 12) << 10n) | V | X | U | A);
    m.ram.write32(page, 0xfeed_beef);
    m.hart.enter(1);
    m.hart.x[A1] = 0x4000_0000n;
    runToWfi(m);
    expect(m.hart.x[A0]).toBe(0xfeed_beefn);
    expect(m.hart.mcause).toBe(21n);
    expect(m.hart.mepc).toBe(BigInt(RAM_BASE + 4));
  });

  it('U-mode may use HLV only with hstatus.HU=1', () => {
    const m = hmachine([E.hlv(4, 0, A0, A1), E.WFI]);
    m.hart.enter(0);
    m.hart.x[A1] = BigInt(RAM_BASE + 0x9000);
    runToWfi(m);
    expect(m.hart.mcause).toBe(2n);
    const m2 = hmachine([E.hlv(4, 0, A0, A1), E.ECALL]);
    m2.ram.write32(RAM_BASE + 0x9000, 77);
    m2.hart.writeCsr(C.CSR_HSTATUS, 1n << 9n);
    m2.hart.enter(0);
    m2.hart.x[A1] = BigInt(RAM_BASE + 0x9000);
    runToWfi(m2);
    expect(m2.hart.mcause).toBe(8n);
    expect(m2.hart.x[A0]).toBe(77n);
  });

  it('HLV uses hstatus.SPVP: VU privilege cannot read a VS-stage supervisor page', () => {
    const m = hmachine([E.hlv(8, 0, A0, A1)]);
    const vsRoot = RAM_BASE + 0x5_0000;
    m.ram.slice(vsRoot, 4096).fill(0);
    m.ram.write64(vsRoot + 2 * 8, (BigInt(RAM_BASE >>> 12) << 10n) | V | R | W | X | A | D);
    m.hart.writeCsr(C.CSR_VSATP, (8n << 60n) | BigInt(vsRoot >>> 12));
    m.hart.x[A1] = BigInt(RAM_BASE + 0x9000);
    runToWfi(m);
    expect(m.hart.mcause).toBe(13n); // SPVP = 0: a VU access to a non-U page
    expect(m.hart.readCsr(C.CSR_MSTATUS) & (1n << 38n)).toBe(1n << 38n);
  });
});

describe('MPRV with MPV (priv spec 8.4.1)', () => {
  it('M-mode loads with MPRV=1, MPV=1 are translated as VS accesses', () => {
    const m = hmachine([E.ldd(A0, A1, 0)]);
    m.hart.writeCsr(C.CSR_MSTATUS, (1n << 39n) | (1n << 17n) | (1n << 11n));
    m.hart.x[A1] = 0x4000_0000n;
    runToWfi(m);
    expect(m.hart.mcause).toBe(21n);
    expect(m.hart.readCsr(C.CSR_MTVAL2)).toBe(0x1000_0000n);
  });
});

void HANDLER;
