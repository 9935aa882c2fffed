import { describe, expect, it } from 'vitest';
import * as C from './csr-numbers.js';
import * as E from './test-support/encode.js';
import { installWfiHandler, machine, RAM_BASE, runToWfi } from './test-support/machine.js';

const A1 = 11;
const DATA = RAM_BASE + 0x8000;
const FS_INITIAL = 1n << 13n;
const fs = (m: ReturnType<typeof machine>): bigint => (m.hart.readCsr(C.CSR_MSTATUS) >> 13n) & 3n;

describe('F/D loads and stores (unpriv spec 11.5, 12.3) and mstatus.FS', () => {
  it('any FP instruction is illegal while FS = Off', () => {
    for (const insn of [E.flw(1, A1, 0), E.fsd(1, A1, 0), 0x0020_81d3 /* fadd.s f3,f1,f2 */]) {
      const m = machine([insn]);
      installWfiHandler(m);
      m.hart.x[A1] = BigInt(DATA);
      runToWfi(m);
      expect(m.hart.mcause).toBe(2n);
      expect(m.hart.mtval).toBe(BigInt(insn >>> 0));
    }
  });

  it('a compressed FP load with FS = Off reports its 16 bits', () => {
    const m = machine([{ c: 0x2008 } /* c.fld f10, 0(s0) */]);
    installWfiHandler(m);
    runToWfi(m);
    expect(m.hart.mcause).toBe(2n);
    expect(m.hart.mtval).toBe(0x2008n);
  });

  it('flw NaN-boxes, fsw stores the low word, fld/fsd move 64 bits; loads make FS dirty', () => {
    const m = machine([E.flw(1, A1, 0), E.fld(2, A1, 8), E.fsw(2, A1, 16), E.fsd(1, A1, 24), E.WFI]);
    m.hart.writeCsr(C.CSR_MSTATUS, FS_INITIAL);
    m.ram.write32(DATA, 0x3f80_0000);
    m.ram.write64(DATA + 8, 0x4000_0000_1234_5678n);
    m.hart.x[A1] = BigInt(DATA);
    runToWfi(m);
    expect(m.hart.f[1]).toBe(0xffff_ffff_3f80_0000n);
    expect(m.hart.f[2]).toBe(0x4000_0000_1234_5678n);
    expect(m.ram.read32(DATA + 16)).toBe(0x1234_5678);
    expect(m.ram.read64(DATA + 24)).toBe(0xffff_ffff_3f80_0000n);
    expect(fs(m)).toBe(3n);
  });

  it('c.fldsp / c.fsdsp use sp', () => {
    const m = machine([{ c: 0x2522 } /* c.fldsp f10, 8(sp) */, { c: 0xa82a } /* c.fsdsp f10, 16(sp) */, E.WFI]);
    m.hart.writeCsr(C.CSR_MSTATUS, FS_INITIAL);
    m.hart.x[2] = BigInt(DATA);
    m.ram.write64(DATA + 8, 0x1122_3344_5566_7788n);
    runToWfi(m);
    expect(m.hart.f[10]).toBe(0x1122_3344_5566_7788n);
    expect(m.ram.read64(DATA + 16)).toBe(0x1122_3344_5566_7788n);
  });

  it('dispatches OP-FP to the FP unit and marks FS dirty', () => {
    const m = machine([0x0020_81d3 /* fadd.s f3, f1, f2 */, E.WFI]);
    m.hart.writeCsr(C.CSR_MSTATUS, FS_INITIAL);
    m.hart.f[1] = 0xffff_ffff_3f80_0000n; // 1.0f
    m.hart.f[2] = 0xffff_ffff_4000_0000n; // 2.0f
    runToWfi(m);
    expect(m.hart.f[3]).toBe(0xffff_ffff_4040_0000n); // 3.0f
    expect(fs(m)).toBe(3n);
  });
});
