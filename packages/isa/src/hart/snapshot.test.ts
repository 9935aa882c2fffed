import { describe, expect, it } from 'vitest';
import * as C from './csr-numbers.js';
import * as E from './test-support/encode.js';
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
