/**
 * Random cross-checks of every rounding operation, in every rounding mode, against the
 * independent exact-rational oracle in test-support/oracle.ts (results AND flags must match).
 */
import { describe, expect, it } from 'vitest';
import type { Fmt, FusedOp, IntName } from './test-support/encode.js';
import type { Rational, Spec } from './test-support/oracle.js';
import { fpBinary, fpConvert, fpFromInt, fpFused, fpSqrt, fpToInt } from './test-support/ops.js';
import {
  D_SPEC,
  S_SPEC,
  addRational,
  compareRational,
  mulRational,
  negRational,
  rational,
  roundExact,
  roundRational,
  roundToInteger,
  signBit,
  valueOf,
} from './test-support/oracle.js';
import { exponentField, randomBits, randomInt, randomOperand, rng } from './test-support/random.js';

const MODES = [0, 1, 2, 3, 4] as const;
const MODE_NAMES = ['RNE', 'RTZ', 'RDN', 'RUP', 'RMM'];
const FORMATS: [Fmt, Spec][] = [
  ['S', S_SPEC],
  ['D', D_SPEC],
];
const CASES = 250;

function hex(v: bigint): string {
  return `0x${v.toString(16)}`;
}

/** Expected encoding of an exact zero result: +0, or -0 under RDN (IEEE 754-2008 §6.3). */
function exactZero(spec: Spec, rm: number): bigint {
  return rm === 2 ? signBit(spec) : 0n;
}

function expectRounded(spec: Spec, exact: Rational, rm: number, actual: { bits: bigint; flags: number }, what: string): void {
  const expected = exact.n === 0n ? { bits: exactZero(spec, rm), flags: 0 } : roundRational(spec, exact, rm);
  expect({ bits: hex(actual.bits), flags: actual.flags }, what).toEqual({
    bits: hex(expected.bits),
    flags: expected.flags,
  });
}

describe.each(FORMATS)('%s arithmetic vs exact oracle', (fmt, spec) => {
  describe.each(MODES)('rm=%i', (rm) => {
    it('FADD / FSUB', () => {
      const next = rng(1000 + rm);
      for (let i = 0; i < CASES; i++) {
        const a = randomOperand(next, spec, true);
        const b = randomOperand(next, spec, true, exponentField(spec, a));
        const sub = (i & 1) === 1;
        const va = valueOf(spec, a);
        const vb = valueOf(spec, b);
        const exact = addRational(va, sub ? negRational(vb) : vb);
        if (exact.n === 0n && va.n === 0n && vb.n === 0n) continue; // zero operands: table tests
        const r = fpBinary(sub ? 'fsub' : 'fadd', fmt, a, b, rm);
        expectRounded(spec, exact, rm, r, `${sub ? 'fsub' : 'fadd'} ${hex(a)} ${hex(b)} ${MODE_NAMES[rm]}`);
      }
    });

    it('FMUL', () => {
      const next = rng(2000 + rm);
      for (let i = 0; i < CASES; i++) {
        const a = randomOperand(next, spec, true);
        const b = randomOperand(next, spec, true);
        const r = fpBinary('fmul', fmt, a, b, rm);
        expectRounded(spec, mulRational(valueOf(spec, a), valueOf(spec, b)), rm, r, `fmul ${hex(a)} ${hex(b)}`);
      }
    });

    it('FDIV', () => {
      const next = rng(3000 + rm);
      for (let i = 0; i < CASES; i++) {
        const a = randomOperand(next, spec, true);
        const b = randomOperand(next, spec, true);
        const va = valueOf(spec, a);
        const vb = valueOf(spec, b);
        const r = fpBinary('fdiv', fmt, a, b, rm);
        const exact = rational(va.n * vb.d, va.d * vb.n);
        expectRounded(spec, exact, rm, r, `fdiv ${hex(a)} ${hex(b)}`);
      }
    });

    it('FSQRT', () => {
      const next = rng(4000 + rm);
      for (let i = 0; i < CASES; i++) {
        const a = randomOperand(next, spec, true) & ~signBit(spec);
        const va = valueOf(spec, a);
        const r = fpSqrt(fmt, a, rm);
        // sqrt(a) is compared through squares: q <=> sqrt(a)  iff  q^2 <=> a.
        const expected = roundExact(spec, false, (q) => compareRational(mulRational(q, q), va), rm);
        expect({ bits: hex(r.bits), flags: r.flags }, `fsqrt ${hex(a)}`).toEqual({
          bits: hex(expected.bits),
          flags: expected.flags,
        });
      }
    });

    it.each<[FusedOp, boolean, boolean]>([
      ['fmadd', false, false],
      ['fmsub', false, true],
      ['fnmsub', true, false],
      ['fnmadd', true, true],
    ])('%s (single rounding)', (op, negProduct, negAddend) => {
      const next = rng(5000 + rm * 7 + op.length);
      for (let i = 0; i < CASES; i++) {
        const a = randomOperand(next, spec, true);
        const b = randomOperand(next, spec, true);
        // Aim the addend at the product's magnitude so cancellation happens often.
        const productField = exponentField(spec, a) + exponentField(spec, b) - ((1 << (spec.exponentBits - 1)) - 1);
        const c = randomOperand(next, spec, true, productField);
        let product = mulRational(valueOf(spec, a), valueOf(spec, b));
        if (negProduct) product = negRational(product);
        let addend = valueOf(spec, c);
        if (negAddend) addend = negRational(addend);
        const exact = addRational(product, addend);
        if (exact.n === 0n && (product.n === 0n || addend.n === 0n)) continue; // zero terms: tables
        const r = fpFused(op, fmt, a, b, c, rm);
        expectRounded(spec, exact, rm, r, `${op} ${hex(a)} ${hex(b)} ${hex(c)}`);
      }
    });

    it('FCVT.int.fmt', () => {
      const next = rng(6000 + rm);
      const ints: [IntName, bigint, bigint][] = [
        ['W', -(1n << 31n), (1n << 31n) - 1n],
        ['WU', 0n, (1n << 32n) - 1n],
        ['L', -(1n << 63n), (1n << 63n) - 1n],
        ['LU', 0n, (1n << 64n) - 1n],
      ];
      const bias = (1 << (spec.exponentBits - 1)) - 1;
      for (let i = 0; i < CASES * 2; i++) {
        const [name, min, max] = ints[i % 4];
        const hint = [bias - 2, bias, bias + 20, bias + 31, bias + 32, bias + 52, bias + 63, bias + 64][randomInt(next, 8)];
        const a = randomOperand(next, spec, true, hint);
        const r = fpToInt(name, fmt, a, rm);
        const expected = roundToInteger(valueOf(spec, a), rm, min, max);
        // 32-bit results are sign-extended into the 64-bit register (unpriv spec §11.7).
        const reg = BigInt.asUintN(64, name === 'W' || name === 'WU' ? BigInt.asIntN(32, expected.value) : expected.value);
        expect({ bits: hex(r.bits), flags: r.flags }, `fcvt.${name} ${hex(a)}`).toEqual({
          bits: hex(reg),
          flags: expected.flags,
        });
      }
    });

    it('FCVT.fmt.int', () => {
      const next = rng(7000 + rm);
      for (let i = 0; i < CASES; i++) {
        const name = (['W', 'WU', 'L', 'LU'] as const)[i % 4];
        const width = name === 'W' || name === 'WU' ? 32 : 64;
        // Random magnitude width so both exact and rounded conversions occur.
        const raw = randomBits(next, 64) >> BigInt(randomInt(next, 64));
        const reg = next() < 0.5 ? raw : BigInt.asUintN(64, -raw);
        const value = name === 'W' || name === 'L' ? BigInt.asIntN(width, reg) : BigInt.asUintN(width, reg);
        const r = fpFromInt(fmt, name, reg, rm);
        const expected = value === 0n ? { bits: 0n, flags: 0 } : roundRational(spec, rational(value), rm);
        expect({ bits: hex(r.bits), flags: r.flags }, `fcvt.${fmt}.${name} ${reg}`).toEqual({
          bits: hex(expected.bits),
          flags: expected.flags,
        });
      }
    });
  });
});

describe.each(MODES)('FCVT.S.D vs exact oracle, rm=%i', (rm) => {
  it('rounds every finite double once', () => {
    const next = rng(8000 + rm);
    for (let i = 0; i < CASES * 2; i++) {
      // Exponents spread over the single range and beyond (overflow, underflow, subnormals).
      const hint = 1023 + randomInt(next, 320) - 170;
      const a = randomOperand(next, D_SPEC, true, hint);
      const r = fpConvert('S', a, rm);
      const v = valueOf(D_SPEC, a);
      const expected = v.n === 0n ? { bits: (a >> 32n) & 0x8000_0000n, flags: 0 } : roundRational(S_SPEC, v, rm);
      expect({ bits: hex(r.bits), flags: r.flags }, `fcvt.s.d ${hex(a)}`).toEqual({
        bits: hex(expected.bits),
        flags: expected.flags,
      });
    }
  });
});
