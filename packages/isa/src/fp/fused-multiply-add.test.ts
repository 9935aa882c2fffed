/** FMADD/FMSUB/FNMSUB/FNMADD (unpriv spec §11.6, §12.4; IEEE 754-2008 §5.4.1 fusedMultiplyAdd). */
import { describe, expect, it } from 'vitest';
import type { Fmt, FusedOp } from './test-support/encode.js';
import { D, NV, NX, OF, RDN, RMM, RNE, RTZ, RUP, S, UF } from './test-support/constants.js';
import { fpFused } from './test-support/ops.js';

type Row = [FusedOp, Fmt, bigint, bigint, bigint, number, bigint, number];

describe('fused multiply-add', () => {
  it.each<Row>([
    // Single rounding: (1 + 2^-27)^2 - (1 + 2^-26) = 2^-54 exactly; an unfused sequence gives 0.
    ['fmadd', 'D', 0x3ff0_0000_0200_0000n, 0x3ff0_0000_0200_0000n, 0xbff0_0000_0400_0000n, RNE, 0x3c90_0000_0000_0000n, 0],
    ['fmsub', 'D', 0x3ff0_0000_0200_0000n, 0x3ff0_0000_0200_0000n, 0x3ff0_0000_0400_0000n, RNE, 0x3c90_0000_0000_0000n, 0],
    ['fnmsub', 'D', 0x3ff0_0000_0200_0000n, 0x3ff0_0000_0200_0000n, 0x3ff0_0000_0400_0000n, RNE, 0xbc90_0000_0000_0000n, 0],
    ['fnmadd', 'D', 0x3ff0_0000_0200_0000n, 0x3ff0_0000_0200_0000n, 0xbff0_0000_0400_0000n, RNE, 0xbc90_0000_0000_0000n, 0],
    // (1 + 2^-23)^2 + 0 = 1 + 2^-22 + 2^-46 under each mode.
    ['fmadd', 'S', 0x3f80_0001n, 0x3f80_0001n, S.ZERO, RNE, 0x3f80_0002n, NX],
    ['fmadd', 'S', 0x3f80_0001n, 0x3f80_0001n, S.ZERO, RTZ, 0x3f80_0002n, NX],
    ['fmadd', 'S', 0x3f80_0001n, 0x3f80_0001n, S.ZERO, RDN, 0x3f80_0002n, NX],
    ['fmadd', 'S', 0x3f80_0001n, 0x3f80_0001n, S.ZERO, RUP, 0x3f80_0003n, NX],
    ['fmadd', 'S', 0x3f80_0001n, 0x3f80_0001n, S.ZERO, RMM, 0x3f80_0002n, NX],
    ['fnmadd', 'S', 0x3f80_0001n, 0x3f80_0001n, S.ZERO, RDN, 0xbf80_0003n, NX],
    // (1 - 2^-46) * 2^-126: rounds to MIN_NORMAL without being tiny after rounding (no UF) in
    // the nearest and upward modes; truncating modes deliver a tiny subnormal.
    ['fmadd', 'S', 0x2000_0001n, 0x1fff_fffen, S.ZERO, RNE, S.MIN_NORMAL, NX],
    ['fmadd', 'S', 0x2000_0001n, 0x1fff_fffen, S.ZERO, RUP, S.MIN_NORMAL, NX],
    ['fmadd', 'S', 0x2000_0001n, 0x1fff_fffen, S.ZERO, RMM, S.MIN_NORMAL, NX],
    ['fmadd', 'S', 0x2000_0001n, 0x1fff_fffen, S.ZERO, RTZ, S.MAX_SUBNORMAL, UF | NX],
    ['fmadd', 'S', 0x2000_0001n, 0x1fff_fffen, S.ZERO, RDN, S.MAX_SUBNORMAL, UF | NX],
    // Overflow of the fused result.
    ['fmadd', 'D', D.MAX, D.TWO, D.NEG_MAX, RNE, D.MAX, 0],
    ['fmadd', 'D', D.MAX, D.TWO, D.ZERO, RTZ, D.MAX, OF | NX],
    ['fnmadd', 'D', D.MAX, D.TWO, D.ZERO, RNE, D.NEG_INF, OF | NX],
  ])('%s.%s %s %s %s rm=%s', (op, fmt, a, b, c, rm, bits, flags) => {
    expect(fpFused(op, fmt, a, b, c, rm)).toEqual({ bits, flags });
  });
});

describe('fused multiply-add special cases', () => {
  it.each<Row>([
    // unpriv spec §11.6: inf * 0 + qNaN must raise NV (optional in IEEE 754-2008 §7.2).
    ['fmadd', 'S', S.INF, S.ZERO, S.QNAN, RNE, S.QNAN, NV],
    ['fmadd', 'D', D.ZERO, D.NEG_INF, D.QNAN_PAYLOAD, RNE, D.QNAN, NV],
    ['fnmsub', 'D', D.INF, D.ZERO, D.ONE, RNE, D.QNAN, NV],
    ['fmadd', 'D', D.ONE, D.ONE, D.QNAN_PAYLOAD, RNE, D.QNAN, 0],
    ['fmadd', 'D', D.ONE, D.ONE, D.SNAN, RNE, D.QNAN, NV],
    ['fmadd', 'S', S.SNAN, S.ONE, S.ONE, RNE, S.QNAN, NV],
    // inf - inf in the addition step.
    ['fmadd', 'D', D.INF, D.TWO, D.NEG_INF, RNE, D.QNAN, NV],
    ['fmsub', 'D', D.INF, D.TWO, D.INF, RNE, D.QNAN, NV],
    ['fnmadd', 'D', D.INF, D.TWO, D.NEG_INF, RNE, D.QNAN, NV],
    ['fnmadd', 'D', D.INF, D.TWO, D.INF, RNE, D.NEG_INF, 0],
    ['fmadd', 'S', S.ONE, S.TWO, S.NEG_INF, RNE, S.NEG_INF, 0],
    ['fmsub', 'S', S.ONE, S.TWO, S.NEG_INF, RNE, S.INF, 0],
    // Exact zero sums (IEEE 754-2008 §6.3): +0 unless RDN, like signs keep their sign.
    ['fmadd', 'D', D.ZERO, D.THREE, D.NEG_ZERO, RNE, D.ZERO, 0],
    ['fmadd', 'D', D.ZERO, D.THREE, D.NEG_ZERO, RDN, D.NEG_ZERO, 0],
    ['fmadd', 'D', D.NEG_ZERO, D.THREE, D.NEG_ZERO, RNE, D.NEG_ZERO, 0],
    ['fnmadd', 'S', S.ZERO, S.TWO, S.ZERO, RNE, S.NEG_ZERO, 0],
    ['fnmsub', 'S', S.ZERO, S.TWO, S.ZERO, RNE, S.ZERO, 0],
    ['fnmsub', 'S', S.ZERO, S.TWO, S.ZERO, RDN, S.NEG_ZERO, 0],
    ['fmsub', 'D', D.ONE, D.ONE, D.ONE, RNE, D.ZERO, 0],
    ['fmsub', 'D', D.ONE, D.ONE, D.ONE, RDN, D.NEG_ZERO, 0],
    ['fmsub', 'D', D.ONE, D.ONE, D.ONE, RUP, D.ZERO, 0],
    // A zero product leaves the addend exact, even a subnormal one.
    ['fmadd', 'S', S.ZERO, S.MAX, S.MIN_SUBNORMAL, RNE, S.MIN_SUBNORMAL, 0],
  ])('%s.%s %s %s %s rm=%s', (op, fmt, a, b, c, rm, bits, flags) => {
    expect(fpFused(op, fmt, a, b, c, rm)).toEqual({ bits, flags });
  });
});
