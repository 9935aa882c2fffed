/**
 * The host fast path (host-fast-path.ts) against the soft-float core, instruction for
 * instruction: the same registers, x results and fflags, or both refusing an illegal encoding.
 * Operands lean to the cases the fast path takes and to where it must be careful — zeros, short
 * fractions (exact results and ties), fused multiply-adds whose addend cancels the product,
 * integers for the conversions — with specials and random bits mixed in, each case once with
 * fflags clear and once with NX already set.
 */
import { describe, expect, it } from 'vitest';
import { executeFp } from './execute.js';
import { hostFastPath } from './host-fast-path.js';
import type { FpState } from './state.js';
import type { CompareOp, FusedOp, IntName } from './test-support/encode.js';
import { binary, fcmp, fcvtFloat, fcvtFromInt, fcvtToInt, fmvFromInt, fmvToInt, fsgnj, fsqrt, fused } from './test-support/encode.js';
import { D_SPEC, S_SPEC } from './test-support/oracle.js';
import { randomBits, randomInt, randomOperand, rng } from './test-support/random.js';

interface Hw {
  x: BigUint64Array;
  fp: FpState;
}

function state(fast: boolean, frm: number, fflags: number): Hw {
  const f = new BigUint64Array(32);
  const fp: FpState = fast
    ? { f, fflags, frm, d: new Float64Array(f.buffer), w: new Int32Array(f.buffer) }
    : { f, fflags, frm };
  return { x: new BigUint64Array(32), fp };
}

const scratch = new Float64Array(1);
const bits = new BigUint64Array(scratch.buffer);
function fromNumber(v: number): bigint {
  scratch[0] = v;
  return bits[0]!;
}
function toNumber(b: bigint): number {
  bits[0] = b;
  return scratch[0]!;
}

/** A double operand: mostly moderate exponents (the fast path's range), sometimes anything. */
function operand(next: () => number): bigint {
  const k = randomInt(next, 12);
  if (k === 0) return randomBits(next, 64);
  if (k <= 2) return randomOperand(next, D_SPEC, false);
  if (k === 3) return next() < 0.5 ? 0n : 0x8000_0000_0000_0000n; // ±0
  return randomOperand(next, D_SPEC, true, 1023 + randomInt(next, 200) - 100);
}

const hex = (v: bigint): string => `0x${v.toString(16)}`;

function check(insn: number, setup: (h: Hw) => void, frm: number, what: string): number {
  let taken = 0;
  for (const flags of [0, 1]) {
    const soft = state(false, frm, flags);
    const fast = state(true, frm, flags);
    setup(soft);
    setup(fast);
    const probe = state(true, frm, flags);
    setup(probe);
    if (hostFastPath(insn, probe.x, probe.fp)) taken++;
    const a = executeFp(insn, soft.x, soft.fp);
    const b = executeFp(insn, fast.x, fast.fp);
    const detail = `${what} insn 0x${(insn >>> 0).toString(16)} fflags ${flags} frm ${frm}`;
    expect(b, detail).toBe(a);
    expect([...fast.fp.f].map(hex), detail).toEqual([...soft.fp.f].map(hex));
    expect([...fast.x].map(hex), detail).toEqual([...soft.x].map(hex));
    expect(fast.fp.fflags, detail).toBe(soft.fp.fflags);
  }
  return taken;
}

const N = 4000;

describe('host fast path = soft-float core', () => {
  it.each(['fadd', 'fsub', 'fmul', 'fdiv'] as const)('%s.d', (op) => {
    const next = rng(101 + op.length * 7);
    let taken = 0;
    for (let i = 0; i < N; i++) {
      const a = operand(next);
      const b = i % 4 === 0 ? fromNumber(toNumber(a) * 2 ** (randomInt(next, 9) - 4)) : operand(next);
      const rm = i % 7 === 0 ? randomInt(next, 8) : i % 2 === 0 ? 7 : 0;
      const frm = i % 11 === 0 ? randomInt(next, 8) : 0;
      taken += check(binary(op, 'D', 3, 1, 2, rm), (h) => { h.fp.f[1] = a; h.fp.f[2] = b; }, frm, `${op}.d ${hex(a)} ${hex(b)} rm ${rm}`);
    }
    expect(taken).toBeGreaterThan(N / 2); // the fast path did run
  });

  it('fsqrt.d', () => {
    const next = rng(7);
    let taken = 0;
    for (let i = 0; i < N; i++) {
      // Squares of short fractions are exact roots; others are not.
      const r = toNumber(operand(next));
      const a = i % 3 === 0 ? fromNumber(Math.abs(Math.round(r * 1024) / 1024) ** 2) : operand(next);
      taken += check(fsqrt('D', 3, 1, i % 5 === 0 ? 7 : 0), (h) => { h.fp.f[1] = a; }, i % 13 === 0 ? 1 : 0, `fsqrt.d ${hex(a)}`);
    }
    expect(taken).toBeGreaterThan(N / 3);
  });

  it.each(['fmadd', 'fmsub', 'fnmsub', 'fnmadd'] as const)('%s.d', (op: FusedOp) => {
    const next = rng(31 + op.length * 3);
    let taken = 0;
    for (let i = 0; i < N; i++) {
      const a = operand(next);
      let b = operand(next);
      let c = operand(next);
      const k = i % 5;
      // The addend near ± the product: cancellation, where rounding to odd matters.
      const p = toNumber(a) * toNumber(b);
      if (k === 0) {
        // The product about half an ulp of the addend, its low part deciding a tie: RN(th + RN(tl + ul))
        // rounds twice there (a tie to even) where the fused result must not.
        const cv = toNumber(c);
        const half = 2 ** (Math.floor(Math.log2(Math.abs(cv))) - 53); // half an ulp of c
        b = fromNumber(((i & 8) !== 0 ? -half : half) / toNumber(a));
      } else if (k === 1) c = fromNumber(-p);
      else if (k === 2) c = fromNumber(p * (1 + 2 ** -(1 + randomInt(next, 52))));
      else if (k === 3) c = fromNumber(-p * (1 - 2 ** -(1 + randomInt(next, 30))));
      const rm = i % 9 === 0 ? randomInt(next, 8) : 7;
      taken += check(fused(op, 'D', 4, 1, 2, 3, rm), (h) => { h.fp.f[1] = a; h.fp.f[2] = b; h.fp.f[3] = c; }, 0, `${op}.d ${hex(a)} ${hex(b)} ${hex(c)} rm ${rm}`);
    }
    expect(taken).toBeGreaterThan(N / 2);
  });

  it('comparisons, sign injection, moves', () => {
    const next = rng(5);
    for (let i = 0; i < N; i++) {
      const a = i % 5 === 0 ? 0x8000_0000_0000_0000n : operand(next);
      const b = i % 3 === 0 ? a : i % 7 === 0 ? 0n : operand(next);
      const setup = (h: Hw): void => { h.fp.f[1] = a; h.fp.f[2] = b; h.x[5] = b; };
      check(fcmp((['feq', 'flt', 'fle'] as CompareOp[])[i % 3]!, 'D', 6, 1, 2), setup, 0, 'fcmp');
      check(fsgnj((i % 3) as 0 | 1 | 2, 'D', 3, 1, 2), setup, 0, 'fsgnj');
      check(fmvToInt('D', 6, 1), setup, 0, 'fmv.x.d');
      check(fmvFromInt('D', 3, 5), setup, 0, 'fmv.d.x');
    }
  });

  it('conversions to and from integers', () => {
    const next = rng(9);
    const names: IntName[] = ['W', 'WU', 'L', 'LU'];
    for (let i = 0; i < N; i++) {
      const int = names[i % 4]!;
      // Near integers, ties, the ranges' edges, and anything.
      const edge = [2 ** 31, -(2 ** 31), 2 ** 32, 2 ** 63, -(2 ** 63), 2 ** 64, -0.5, 0.5, 2.5, -3.5][randomInt(next, 10)]!;
      const v = i % 3 === 0 ? edge + (randomInt(next, 5) - 2) * (i % 2 === 0 ? 1 : 0.5) : toNumber(operand(next)) * (i % 2 === 0 ? 2 ** -1000 : 1);
      const a = i % 17 === 0 ? operand(next) : fromNumber(Number.isFinite(v) ? v : 1.5);
      const rm = [0, 1, 7, 2, 5][randomInt(next, 5)]!;
      check(fcvtToInt(int, 'D', 6, 1, rm), (h) => { h.fp.f[1] = a; }, randomInt(next, 2), `fcvt.${int.toLowerCase()}.d ${hex(a)} rm ${rm}`);
      // Random bits, small shifted values, and ±2^53 ± 1 (the edge of exact conversion).
      const n = i % 3 === 0 ? randomBits(next, 64) : i % 3 === 1
        ? BigInt.asUintN(64, BigInt(randomInt(next, 2 ** 30) - 2 ** 29) << BigInt(randomInt(next, 40)))
        : BigInt.asUintN(64, (i % 2 === 0 ? 1n : -1n) * (2n ** 53n + BigInt(randomInt(next, 3) - 1)));
      check(fcvtFromInt('D', int, 3, 5, rm), (h) => { h.x[5] = n; }, 0, `fcvt.d.${int.toLowerCase()} ${hex(n)} rm ${rm}`);
    }
  });

  describe('the S format', () => {
    const f32 = new Float32Array(1);
    const u32 = new Uint32Array(f32.buffer);
    const BOX = 0xffff_ffff_0000_0000n;
    const box = (v: number): bigint => {
      f32[0] = v;
      return BOX | BigInt(u32[0]!);
    };
    const valueOf = (b: bigint): number => {
      u32[0] = Number(b & 0xffff_ffffn);
      return f32[0]!;
    };
    /** A boxed single: mostly moderate exponents, some zeros and specials, now and then not boxed. */
    const single = (next: () => number): bigint => {
      const k = randomInt(next, 14);
      if (k === 0) return randomBits(next, 64); // almost never boxed: reads as the canonical NaN
      if (k === 1) return next() < 0.5 ? BOX : BOX | 0x8000_0000n;
      if (k <= 3) return BOX | randomOperand(next, S_SPEC, false);
      return BOX | randomOperand(next, S_SPEC, true, 127 + randomInt(next, 80) - 40);
    };

    it.each(['fadd', 'fsub', 'fmul', 'fdiv'] as const)('%s.s', (op) => {
      const next = rng(201 + op.length * 5);
      let taken = 0;
      for (let i = 0; i < N; i++) {
        const a = single(next);
        const b = i % 4 === 0 ? box(valueOf(a) * 2 ** (randomInt(next, 9) - 4)) : single(next);
        const rm = i % 7 === 0 ? randomInt(next, 8) : i % 2 === 0 ? 7 : 0;
        taken += check(binary(op, 'S', 3, 1, 2, rm), (h) => { h.fp.f[1] = a; h.fp.f[2] = b; }, i % 11 === 0 ? randomInt(next, 8) : 0, `${op}.s ${hex(a)} ${hex(b)} rm ${rm}`);
      }
      expect(taken).toBeGreaterThan(N / 2);
    });

    it('fsqrt.s, fcvt.s.d, fcvt.d.s', () => {
      const next = rng(17);
      let taken = 0;
      for (let i = 0; i < N; i++) {
        const r = valueOf(single(next));
        const a = i % 3 === 0 ? box(Math.fround(Math.abs(Math.round(r * 64) / 64) ** 2)) : single(next);
        taken += check(fsqrt('S', 3, 1, i % 5 === 0 ? 7 : 0), (h) => { h.fp.f[1] = a; }, i % 13 === 0 ? 1 : 0, `fsqrt.s ${hex(a)}`);
        const dbl = i % 2 === 0 ? fromNumber(valueOf(a) * (1 + 2 ** -(20 + randomInt(next, 40)))) : operand(next);
        taken += check(fcvtFloat('S', 3, 1, i % 3 === 0 ? 7 : 0), (h) => { h.fp.f[1] = dbl; }, 0, `fcvt.s.d ${hex(dbl)}`);
        check(fcvtFloat('D', 3, 1, [0, 7, 5][i % 3]!), (h) => { h.fp.f[1] = a; }, i % 2 === 0 ? 6 : 0, `fcvt.d.s ${hex(a)}`);
      }
      expect(taken).toBeGreaterThan(N / 2);
    });

    it.each(['fmadd', 'fmsub', 'fnmsub', 'fnmadd'] as const)('%s.s', (op: FusedOp) => {
      const next = rng(61 + op.length * 3);
      let taken = 0;
      for (let i = 0; i < N; i++) {
        const a = single(next);
        let b = single(next);
        let c = single(next);
        const av = valueOf(a);
        const k = i % 4;
        if (k === 0) {
          // The product about half an ulp (of a single) of the addend: ties for a double rounding.
          const half = 2 ** (Math.floor(Math.log2(Math.abs(valueOf(c)))) - 24);
          b = box(((i & 8) !== 0 ? -half : half) / av);
        } else if (k === 1) c = box(-av * valueOf(b));
        const rm = i % 9 === 0 ? randomInt(next, 8) : 7;
        taken += check(fused(op, 'S', 4, 1, 2, 3, rm), (h) => { h.fp.f[1] = a; h.fp.f[2] = b; h.fp.f[3] = c; }, 0, `${op}.s ${hex(a)} ${hex(b)} ${hex(c)} rm ${rm}`);
      }
      expect(taken).toBeGreaterThan(N / 3);
    });

    it('comparisons and moves', () => {
      const next = rng(23);
      for (let i = 0; i < N; i++) {
        const a = single(next);
        const b = i % 3 === 0 ? a : single(next);
        const xv = randomBits(next, 64);
        const setup = (h: Hw): void => { h.fp.f[1] = a; h.fp.f[2] = b; h.x[5] = xv; };
        check(fcmp((['feq', 'flt', 'fle'] as CompareOp[])[i % 3]!, 'S', 6, 1, 2), setup, 0, 'fcmp.s');
        check(fmvToInt('S', 6, 1), setup, 0, 'fmv.x.w');
        check(fmvFromInt('S', 3, 5), setup, 0, 'fmv.w.x');
      }
    });
  });
});
