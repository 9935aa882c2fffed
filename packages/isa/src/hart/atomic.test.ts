import { describe, expect, it } from 'vitest';
import * as E from './test-support/encode.js';
import { installWfiHandler, machine, RAM_BASE, runToWfi } from './test-support/machine.js';

const A0 = 10, A1 = 11, A2 = 12;
const DATA = RAM_BASE + 0x8000;
const u = (v: bigint): bigint => BigInt.asUintN(64, v);

describe('LR/SC (unpriv spec 8.2)', () => {
  it('succeeds after LR to the same address and fails after SC consumed the reservation', () => {
    const m = machine([E.lr('d', A0, A1), E.sc('d', 5, A1, A2), E.sc('d', 6, A1, A2), E.WFI]);
    m.ram.write64(DATA, 41n);
    m.hart.x[A1] = BigInt(DATA);
    m.hart.x[A2] = 42n;
    runToWfi(m);
    expect(m.hart.x[A0]).toBe(41n);
    expect(m.hart.x[5]).toBe(0n);
    expect(m.hart.x[6]).toBe(1n);
    expect(m.ram.read64(DATA)).toBe(42n);
  });

  it('fails without a reservation, or for another address, and leaves memory alone', () => {
    const m = machine([E.sc('w', 5, A1, A2), E.lr('w', A0, A1), E.addi(A1, A1, 8), E.sc('w', 6, A1, A2), E.WFI]);
    m.hart.x[A1] = BigInt(DATA);
    m.hart.x[A2] = 7n;
    runToWfi(m);
    expect(m.hart.x[5]).toBe(1n);
    expect(m.hart.x[6]).toBe(1n);
    expect(m.ram.read32(DATA)).toBe(0);
    expect(m.ram.read32(DATA + 8)).toBe(0);
  });

  it('lr.w sign-extends; clearReservation makes the SC fail', () => {
    const m = machine([E.lr('w', A0, A1), E.WFI, E.sc('w', 5, A1, A2), E.WFI]);
    m.ram.write32(DATA, 0x8000_0000);
    m.hart.x[A1] = BigInt(DATA);
    runToWfi(m);
    expect(m.hart.x[A0]).toBe(0xffff_ffff_8000_0000n);
    m.hart.clearReservation();
    runToWfi(m);
    expect(m.hart.x[5]).toBe(1n);
  });

  it('misaligned LR raises cause 4, misaligned SC and AMO cause 6, tval = address', () => {
    for (const [insn, cause] of [[E.lr('w', A0, A1), 4n], [E.sc('d', A0, A1, A2), 6n], [E.amoadd('w', A0, A1, A2), 6n]] as const) {
      const m = machine([insn]);
      installWfiHandler(m);
      m.hart.x[A1] = BigInt(DATA + 2);
      runToWfi(m);
      expect(m.hart.mcause).toBe(cause);
      expect(m.hart.mtval).toBe(BigInt(DATA + 2));
    }
  });

  it('AMOs report store/AMO access faults where nothing answers', () => {
    const m = machine([E.amoswap('d', A0, A1, A2)]);
    installWfiHandler(m);
    m.hart.x[A1] = 0x4000_0000n;
    runToWfi(m);
    expect(m.hart.mcause).toBe(7n);
    expect(m.hart.mtval).toBe(0x4000_0000n);
  });
});

describe('AMOs (unpriv spec 8.4)', () => {
  const cases: [string, (w: 'w' | 'd', rd: number, rs1: number, rs2: number) => number, 'w' | 'd', bigint, bigint, bigint][] = [
    ['amoswap.d', E.amoswap, 'd', 1n, 2n, 2n],
    ['amoadd.d', E.amoadd, 'd', u(-1n), 2n, 1n],
    ['amoadd.w wraps in 32 bits', E.amoadd, 'w', 0xffff_ffffn, 1n, 0n],
    ['amoxor.d', E.amoxor, 'd', 0xf0n, 0xffn, 0x0fn],
    ['amoand.w', E.amoand, 'w', 0xf0f0n, 0xff00n, 0xf000n],
    ['amoor.d', E.amoor, 'd', 1n, 2n, 3n],
    ['amomin.d signed', E.amomin, 'd', u(-5n), 3n, u(-5n)],
    ['amomax.w signed', E.amomax, 'w', 0x8000_0000n, 1n, 1n],
    ['amominu.w unsigned', E.amominu, 'w', 0x8000_0000n, 1n, 1n],
    ['amomaxu.d unsigned', E.amomaxu, 'd', u(-1n), 1n, u(-1n)],
  ];
  it.each(cases)('%s', (_n, op, w, mem, src, result) => {
    const m = machine([op(w, A0, A1, A2), E.WFI]);
    if (w === 'd') m.ram.write64(DATA, mem);
    else m.ram.write32(DATA, Number(mem));
    m.hart.x[A1] = BigInt(DATA);
    m.hart.x[A2] = src;
    runToWfi(m);
    const sext = (v: bigint): bigint => (w === 'w' ? u(BigInt.asIntN(32, v)) : v);
    expect(m.hart.x[A0]).toBe(sext(mem));
    expect(w === 'd' ? m.ram.read64(DATA) : BigInt(m.ram.read32(DATA))).toBe(result);
  });

  it('an AMO with rd = x0 still writes memory', () => {
    const m = machine([E.amoadd('w', 0, A1, A2), E.WFI]);
    m.hart.x[A1] = BigInt(DATA);
    m.hart.x[A2] = 5n;
    runToWfi(m);
    expect(m.ram.read32(DATA)).toBe(5);
    expect(m.hart.x[0]).toBe(0n);
  });
});
