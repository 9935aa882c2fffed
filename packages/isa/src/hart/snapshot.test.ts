import { describe, expect, it } from 'vitest';
import * as C from './csr-numbers.js';
import * as E from './test-support/encode.js';
import { HART_BASE_FIELDS, HART_HEXT_FIELDS, HART_STATE_FIELDS, resetHartState } from './hart-state.js';
import { machine, runToWfi } from './test-support/machine.js';

describe('Hart getState/setState', () => {
  it('restores registers, CSRs and pc so that execution continues identically', () => {
    const program = [E.addi(10, 10, 1), E.slli(11, 10, 40), E.csrrs(12, C.CSR_MSCRATCH, 10), E.addi(13, 13, 1), E.bne(13, 14, -16), E.WFI];
    const m = machine(program);
    m.hart.x[14] = 50n;
    m.hart.writeCsr(C.CSR_MTVEC, 0x8000_0101n);
    m.hart.run(37);
    const snap = m.hart.getState();
    const copy = structuredClone(snap);
    runToWfi(m);
    const expected = { x: m.hart.x.slice(), scratch: m.hart.readCsr(C.CSR_MSCRATCH), retired: m.hart.retired };

    const n = machine(program);
    n.hart.setState(copy);
    expect(n.hart.pc).toBe(snap.pc);
    runToWfi(n);
    expect(n.hart.x).toEqual(expected.x);
    expect(n.hart.readCsr(C.CSR_MSCRATCH)).toBe(expected.scratch);
    expect(n.hart.readCsr(C.CSR_MTVEC)).toBe(0x8000_0101n);
    expect(n.hart.retired).toBe(expected.retired);
  });

  it('refuses unknown versions', () => {
    const m = machine();
    expect(() => m.hart.setState({ ...m.hart.getState(), version: 1 as 2 })).toThrow();
  });
});

describe('HartState', () => {
  it('lists every field once: the field lists are exactly the keys getState() fills', () => {
    const keys = Object.keys(machine().hart.getState()).filter((k) => k !== 'version').sort();
    expect([...HART_STATE_FIELDS].sort()).toEqual(keys);
    expect(new Set(HART_STATE_FIELDS).size).toBe(HART_STATE_FIELDS.length);
    expect(HART_BASE_FIELDS.filter((f) => (HART_HEXT_FIELDS as readonly string[]).includes(f))).toEqual([]);
  });

  it('carries the H-extension state, and setState rebuilds the MMU mirrors from it', () => {
    const m = machine([], 1 << 20, { hExtension: true });
    const h = m.hart;
    h.writeCsr(C.CSR_SATP, (8n << 60n) | 0x81n);
    h.writeCsr(C.CSR_MSTATUS, (1n << 18n) | (1n << 19n) | (1n << 39n)); // SUM, MXR, MPV
    h.writeCsr(C.CSR_HGATP, (8n << 60n) | 0x1234n);
    h.writeCsr(C.CSR_VSATP, (9n << 60n) | 0x42n);
    h.writeCsr(C.CSR_VSSTATUS, 1n << 18n); // vsstatus.SUM
    h.writeCsr(C.CSR_HTIMEDELTA, 77n);
    h.writeCsr(C.CSR_VSTVEC, 0x9000n);
    h.enter(1, 0x8000_0100n, true);
    const s = h.getState();
    expect([s.virt, s.priv, s.mpv, s.htimedelta, s.vstvec, s.vsatp]).toEqual([true, 1, true, 77n, 0x9000n, (9n << 60n) | 0x42n]);

    const n = machine([], 1 << 20, { hExtension: true });
    n.hart.setState(structuredClone(s));
    expect(n.hart.getState()).toEqual(s);
    const mmu = n.hart.mmu;
    expect([mmu.satp, mmu.hgatp, mmu.vsatp, mmu.sum, mmu.mxr, mmu.vsum, mmu.vmxr, mmu.virt]).toEqual([
      s.satp, s.hgatp, s.vsatp, true, true, true, false, true,
    ]);
    expect(n.hart.readCsr(C.CSR_HTIMEDELTA)).toBe(77n);
  });

  it('reset is the reset state; V=1 on a hart without H is refused', () => {
    const m = machine();
    m.hart.writeCsr(C.CSR_MSCRATCH, 5n);
    m.hart.reset(0x8000_0000n);
    expect(m.hart.getState()).toEqual(resetHartState(0x8000_0000n));
    expect(() => m.hart.setState({ ...m.hart.getState(), virt: true })).toThrow(/H extension/);
    expect(() => m.hart.enter(1, 0n, true)).toThrow(/H extension/);
  });
});
