/**
 * Differential test of the RNE binary64 fast path against the exact soft-float core, on
 * operands concentrated in and around the fast path's range (2^-450 .. 2^450).
 */
import { describe, expect, it } from 'vitest';
import type { FpEnv } from './env.js';
import { add } from './add.js';
import { FUNCT5_FADD, FUNCT5_FMUL, FUNCT5_FSUB } from './decode.js';
import { DOUBLE } from './format.js';
import { multiply } from './multiply.js';
import { nativeDouble } from './native-double.js';
import { randomInt, randomOperand, rng } from './test-support/random.js';
import { D_SPEC } from './test-support/oracle.js';

describe('native binary64 fast path', () => {
  it.each([
    ['fadd', FUNCT5_FADD],
    ['fsub', FUNCT5_FSUB],
    ['fmul', FUNCT5_FMUL],
  ] as const)('%s agrees with the soft-float core (bits and flags)', (_name, funct5) => {
    const next = rng(funct5 + 77);
    let taken = 0;
    for (let i = 0; i < 20000; i++) {
      const edge = [1023 - 450, 1023 + 450, 1023 - 451, 1023 + 449][randomInt(next, 4)];
      const a = randomOperand(next, D_SPEC, false, i % 3 === 0 ? edge : undefined);
      const b = randomOperand(next, D_SPEC, false, i % 2 === 0 ? Number((a >> 52n) & 0x7ffn) : undefined);
      const fast: FpEnv = { rm: 0, flags: 0 };
      const bits = nativeDouble(funct5, a, b, fast);
      if (bits < 0n) continue;
      taken++;
      const soft: FpEnv = { rm: 0, flags: 0 };
      const expected = funct5 === FUNCT5_FMUL ? multiply(DOUBLE, a, b, soft) : add(DOUBLE, a, b, funct5 === FUNCT5_FSUB, soft);
      expect({ bits, flags: fast.flags }, `${a.toString(16)} ${b.toString(16)}`).toEqual({ bits: expected, flags: soft.flags });
    }
    expect(taken).toBeGreaterThan(5000);
  });

  it('declines other rounding modes, FDIV, and special or extreme operands', () => {
    const env: FpEnv = { rm: 1, flags: 0 };
    expect(nativeDouble(FUNCT5_FADD, 0x3ff0_0000_0000_0000n, 0x3ff0_0000_0000_0000n, env)).toBe(-1n);
    const rne: FpEnv = { rm: 0, flags: 0 };
    expect(nativeDouble(0x03, 0x3ff0_0000_0000_0000n, 0x3ff0_0000_0000_0000n, rne)).toBe(-1n);
    expect(nativeDouble(FUNCT5_FADD, 0n, 0x3ff0_0000_0000_0000n, rne)).toBe(-1n);
    expect(nativeDouble(FUNCT5_FMUL, 0x7fef_ffff_ffff_ffffn, 0x3ff0_0000_0000_0000n, rne)).toBe(-1n);
    expect(nativeDouble(FUNCT5_FMUL, 0x7ff8_0000_0000_0000n, 0x3ff0_0000_0000_0000n, rne)).toBe(-1n);
    expect(rne.flags).toBe(0);
  });
});
