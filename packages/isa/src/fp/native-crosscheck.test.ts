/**
 * Round-to-nearest-even results checked against the host's IEEE 754 arithmetic, an oracle
 * independent of the soft-float core: JS numbers are binary64 with correctly rounded + - * /
 * sqrt, and Math.fround of a double result is a correctly rounded binary32 result for these
 * operations (53 >= 2*24 + 2, so double rounding is innocuous). Includes special encodings.
 */
import { describe, expect, it } from 'vitest';
import type { BinaryOp } from './test-support/encode.js';
import { fcmp, fminmax } from './test-support/encode.js';
import { machine, run } from './test-support/machine.js';
import { fpBinary, fpConvert, fpFromInt, fpSqrt } from './test-support/ops.js';
import { D_SPEC, S_SPEC } from './test-support/oracle.js';
import { randomBits, randomOperand, rng } from './test-support/random.js';

const buffer = new ArrayBuffer(8);
const f64 = new Float64Array(buffer);
const u64 = new BigUint64Array(buffer);
const f32 = new Float32Array(buffer, 0, 1);
const u32 = new Uint32Array(buffer, 0, 1);

function toDouble(bits: bigint): number {
  u64[0] = bits;
  return f64[0];
}
function fromDouble(v: number): bigint {
  if (Number.isNaN(v)) return 0x7ff8_0000_0000_0000n; // RISC-V canonical NaN (§11.3)
  f64[0] = v;
  return u64[0];
}
function toSingle(bits: bigint): number {
  u32[0] = Number(bits);
  return f32[0];
}
function fromSingle(v: number): bigint {
  if (Number.isNaN(v)) return 0x7fc0_0000n;
  f32[0] = v;
  return BigInt(u32[0]);
}

const NATIVE: Record<BinaryOp, (a: number, b: number) => number> = {
  fadd: (a, b) => a + b,
  fsub: (a, b) => a - b,
  fmul: (a, b) => a * b,
  fdiv: (a, b) => a / b,
};
const N = 3000;
const hex = (v: bigint): string => `0x${v.toString(16)}`;

describe('RNE against host arithmetic', () => {
  it.each(Object.keys(NATIVE) as BinaryOp[])('%s.d', (op) => {
    const next = rng(11 + op.length);
    for (let i = 0; i < N; i++) {
      const a = i % 3 === 0 ? randomBits(next, 64) : randomOperand(next, D_SPEC, false);
      const b = i % 5 === 0 ? randomBits(next, 64) : randomOperand(next, D_SPEC, false);
      const expected = fromDouble(NATIVE[op](toDouble(a), toDouble(b)));
      expect(hex(fpBinary(op, 'D', a, b, 0).bits), `${op} ${hex(a)} ${hex(b)}`).toBe(hex(expected));
    }
  });

  it.each(Object.keys(NATIVE) as BinaryOp[])('%s.s', (op) => {
    const next = rng(23 + op.length);
    for (let i = 0; i < N; i++) {
      const a = randomOperand(next, S_SPEC, false);
      const b = randomOperand(next, S_SPEC, false);
      const expected = fromSingle(Math.fround(NATIVE[op](toSingle(a), toSingle(b))));
      expect(hex(fpBinary(op, 'S', a, b, 0).bits), `${op} ${hex(a)} ${hex(b)}`).toBe(hex(expected));
    }
  });

  it('fsqrt.d / fsqrt.s', () => {
    const next = rng(99);
    for (let i = 0; i < N; i++) {
      const a = randomOperand(next, D_SPEC, false);
      expect(hex(fpSqrt('D', a, 0).bits), `fsqrt.d ${hex(a)}`).toBe(hex(fromDouble(Math.sqrt(toDouble(a)))));
      const s = randomOperand(next, S_SPEC, false);
      const expected = fromSingle(Math.fround(Math.sqrt(toSingle(s))));
      expect(hex(fpSqrt('S', s, 0).bits), `fsqrt.s ${hex(s)}`).toBe(hex(expected));
    }
  });

  it('fcvt.s.d and fcvt.d.s', () => {
    const next = rng(7);
    for (let i = 0; i < N; i++) {
      const d = randomOperand(next, D_SPEC, false, 1023 + ((i % 300) - 150));
      expect(hex(fpConvert('S', d, 0).bits), `fcvt.s.d ${hex(d)}`).toBe(hex(fromSingle(Math.fround(toDouble(d)))));
      const s = randomOperand(next, S_SPEC, false);
      expect(hex(fpConvert('D', s, 0).bits), `fcvt.d.s ${hex(s)}`).toBe(hex(fromDouble(toSingle(s))));
    }
  });

  it('fcvt.d.l / fcvt.d.lu / fcvt.s.l (Number(bigint) rounds to nearest even)', () => {
    const next = rng(5);
    for (let i = 0; i < N; i++) {
      const reg = randomBits(next, 64) >> BigInt(i % 64);
      expect(fpFromInt('D', 'L', reg, 0).bits).toBe(fromDouble(Number(BigInt.asIntN(64, reg))));
      expect(fpFromInt('D', 'LU', reg, 0).bits).toBe(fromDouble(Number(reg)));
      // An int64 -> double -> float path could double-round; only compare when the first step is exact.
      const v = BigInt.asIntN(64, reg);
      if (BigInt(Number(v)) === v) {
        expect(fpFromInt('S', 'L', reg, 0).bits).toBe(fromSingle(Math.fround(Number(v))));
      }
    }
  });

  it('fmin/fmax and feq/flt/fle on non-NaN doubles', () => {
    const next = rng(3);
    const m = machine();
    for (let i = 0; i < N; i++) {
      const a = randomOperand(next, D_SPEC, true);
      const b = i % 7 === 0 ? a ^ (1n << 63n) : randomOperand(next, D_SPEC, true);
      m.fp.f[1] = a;
      m.fp.f[2] = b;
      const [x, y] = [toDouble(a), toDouble(b)];
      run(m, fminmax(false, 'D', 3, 1, 2));
      expect(hex(m.fp.f[3])).toBe(hex(fromDouble(Math.min(x, y)))); // Math.min orders -0 < +0
      run(m, fminmax(true, 'D', 3, 1, 2));
      expect(hex(m.fp.f[3])).toBe(hex(fromDouble(Math.max(x, y))));
      run(m, fcmp('feq', 'D', 5, 1, 2));
      run(m, fcmp('flt', 'D', 6, 1, 2));
      run(m, fcmp('fle', 'D', 7, 1, 2));
      expect([m.x[5], m.x[6], m.x[7]]).toEqual([BigInt(x === y), BigInt(x < y), BigInt(x <= y)]);
    }
    expect(m.fp.fflags).toBe(0);
  });
});
