import { describe, expect, it } from 'vitest';
import * as C from './csr-numbers.js';
import * as E from './test-support/encode.js';
import { installWfiHandler, machine, runToWfi } from './test-support/machine.js';

const A0 = 10, A1 = 11;

describe('Zicntr counters (unpriv spec ch. 10, priv spec 3.1.10–3.1.13)', () => {
  it('minstret counts retired instructions; a write is seen by the next read', () => {
    const m = machine([E.NOP, E.NOP, E.csrr(A0, C.CSR_MINSTRET), E.csrw(C.CSR_MINSTRET, A1), E.csrr(A1, C.CSR_INSTRET), E.WFI]);
    m.hart.x[A1] = 1000n;
    runToWfi(m);
    expect(m.hart.x[A0]).toBe(2n);
    expect(m.hart.x[A1]).toBe(1000n);
    expect(m.hart.readCsr(C.CSR_MINSTRET)).toBe(1002n); // the read and the wfi retired since
  });

  it('time reads the clock; hpmcounters read zero', () => {
    const m = machine([E.csrr(A0, C.CSR_TIME), E.csrr(A1, C.CSR_HPMCOUNTER3 + 5), E.WFI]);
    m.clock.ticks = 123_456n;
    m.hart.x[A1] = 9n;
    runToWfi(m);
    expect(m.hart.x[A0]).toBe(123_456n);
    expect(m.hart.x[A1]).toBe(0n);
  });

  it('mcountinhibit.IR freezes minstret', () => {
    const m = machine([E.NOP, E.NOP, E.NOP, E.WFI]);
    m.hart.writeCsr(C.CSR_MCOUNTINHIBIT, 4n);
    const before = m.hart.readCsr(C.CSR_MINSTRET);
    runToWfi(m);
    expect(m.hart.readCsr(C.CSR_MINSTRET)).toBe(before);
    expect(m.hart.readCsr(C.CSR_MCOUNTINHIBIT)).toBe(4n);
    m.hart.writeCsr(C.CSR_MCOUNTINHIBIT, 2n); // TM is hard-wired zero
    expect(m.hart.readCsr(C.CSR_MCOUNTINHIBIT)).toBe(0n);
  });

  it.each([
    // [priv, mcounteren, scounteren, allowed]
    [1, 0n, 0n, false],
    [1, 1n, 0n, true],
    [0, 1n, 0n, false],
    [0, 0n, 1n, false],
    [0, 1n, 1n, true],
    [3, 0n, 0n, true],
  ])('cycle at priv %i with mcounteren=%i scounteren=%i: allowed=%s', (priv, mc, sc, allowed) => {
    const m = machine([E.csrr(A0, C.CSR_CYCLE), E.ECALL]);
    installWfiHandler(m);
    m.hart.writeCsr(C.CSR_MCOUNTEREN, mc);
    m.hart.writeCsr(C.CSR_SCOUNTEREN, sc);
    m.hart.enter(priv);
    runToWfi(m);
    expect(m.hart.mcause).toBe(allowed ? BigInt(8 + priv) : 2n);
  });

  it('counteren registers hold 32 bits: all ones reads back unsigned, in the state too, and bit 31 gates hpmcounter31', () => {
    const m = machine([E.csrr(A0, C.CSR_HPMCOUNTER3 + 28), E.ECALL]);
    installWfiHandler(m);
    for (const csr of [C.CSR_MCOUNTEREN, C.CSR_SCOUNTEREN]) m.hart.writeCsr(csr, (1n << 64n) - 1n);
    expect(m.hart.readCsr(C.CSR_MCOUNTEREN)).toBe(0xffff_ffffn);
    const s = m.hart.getState();
    expect([s.mcounteren, s.scounteren]).toEqual([0xffff_ffff, 0xffff_ffff]);
    m.hart.writeCsr(C.CSR_MCOUNTEREN, 0n);
    m.hart.setState(s);
    expect(m.hart.readCsr(C.CSR_MCOUNTEREN)).toBe(0xffff_ffffn);
    m.hart.enter(0);
    runToWfi(m);
    expect(m.hart.mcause).toBe(8n); // U-mode read allowed; then its ecall
  });

  it('counteren bits are per counter (TM gates time, HPM bits gate hpmcounterN)', () => {
    const m = machine([E.csrr(A0, C.CSR_HPMCOUNTER3 + 1), E.csrr(A0, C.CSR_TIME), E.ECALL]);
    installWfiHandler(m);
    m.hart.writeCsr(C.CSR_MCOUNTEREN, 1n << 4n);
    m.hart.enter(1);
    runToWfi(m);
    expect(m.hart.mcause).toBe(2n);
    expect(m.hart.mepc).toBe(0x8000_0004n);
  });
});

describe('Sstc (stimecmp)', () => {
  it('drives STIP from stimecmp <= time when menvcfg.STCE = 1, and STIP is then read-only', () => {
    const m = machine();
    const h = m.hart;
    h.writeCsr(C.CSR_MENVCFG, 1n << 63n);
    h.writeCsr(C.CSR_STIMECMP, 1000n);
    m.clock.ticks = 999n;
    expect(h.readCsr(C.CSR_MIP) & 0x20n).toBe(0n);
    h.writeCsr(C.CSR_MIP, 0x20n); // ignored: Sstc owns STIP
    expect(h.readCsr(C.CSR_MIP) & 0x20n).toBe(0n);
    m.clock.ticks = 1000n;
    expect(h.readCsr(C.CSR_MIP) & 0x20n).toBe(0x20n);
    h.writeCsr(C.CSR_STIMECMP, 5000n);
    expect(h.readCsr(C.CSR_MIP) & 0x20n).toBe(0n);
  });

  it('raises the supervisor timer interrupt when time passes stimecmp between runs', () => {
    const m = machine([E.NOP, E.jal(0, -4)]);
    const h = m.hart;
    m.ram.write32(0x8000_1000, E.csrw(C.CSR_SIE, 0));
    m.ram.write32(0x8000_1004, E.WFI);
    h.writeCsr(C.CSR_STVEC, 0x8000_1000n);
    h.writeCsr(C.CSR_MENVCFG, 1n << 63n);
    h.writeCsr(C.CSR_MIDELEG, 1n << 5n);
    h.writeCsr(C.CSR_MIE, 1n << 5n);
    h.writeCsr(C.CSR_STIMECMP, 500n);
    h.writeCsr(C.CSR_MSTATUS, 1n << 1n);
    h.enter(1);
    expect(h.run(50).reason).toBe('budget');
    m.clock.ticks = 600n;
    runToWfi(m, 10);
    expect(h.readCsr(C.CSR_SCAUSE)).toBe((1n << 63n) | 5n);
  });

  it('S-mode access needs mcounteren.TM and STCE', () => {
    for (const [mc, env, ok] of [[2n, 1n << 63n, true], [0n, 1n << 63n, false], [2n, 0n, false]] as const) {
      const m = machine([E.csrr(A0, C.CSR_STIMECMP), E.ECALL]);
      installWfiHandler(m);
      m.hart.writeCsr(C.CSR_MCOUNTEREN, mc);
      m.hart.writeCsr(C.CSR_MENVCFG, env);
      m.hart.enter(1);
      runToWfi(m);
      expect(m.hart.mcause).toBe(ok ? 9n : 2n);
    }
  });
});
