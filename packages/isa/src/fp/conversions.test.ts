/**
 * FCVT between integers and S/D and between S and D (unpriv spec §11.7, §12.5; IEEE 754-2008
 * §5.4.1 convertFromInt, §5.4.2 convertFormat, §5.8 convertToInteger).
 */
import { describe, expect, it } from 'vitest';
import type { Fmt, IntName } from './test-support/encode.js';
import { D, NV, NX, OF, RDN, RMM, RNE, RTZ, RUP, S, UF } from './test-support/constants.js';
import { fpConvert, fpFromInt, fpToInt } from './test-support/ops.js';

const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);
const I32_MAX = 0x7fff_ffffn;
const I32_MIN = u64(-(1n << 31n)); // sign-extended
const U32_MAX = u64(-1n); // 0xffffffff sign-extended to 64 bits (unpriv spec §11.7)
const I64_MAX = (1n << 63n) - 1n;
const I64_MIN = 1n << 63n;
const U64_MAX = u64(-1n);

type ToIntRow = [IntName, Fmt, bigint, number, bigint, number];

describe('float to integer: rounding per mode', () => {
  const modes: [bigint, Fmt, bigint[]][] = [
    [0x4020_0000n, 'S', [2n, 2n, 2n, 3n, 3n]], // 2.5
    [0xc020_0000n, 'S', [-2n, -2n, -3n, -2n, -3n]], // -2.5
    [0x3fc0_0000n, 'S', [2n, 1n, 1n, 2n, 2n]], // 1.5
    [0xbfe0_0000_0000_0000n, 'D', [-0n, -0n, -1n, -0n, -1n]], // -0.5
    [0x3fe8_0000_0000_0000n, 'D', [1n, 0n, 0n, 1n, 1n]], // 0.75
  ];
  it.each(modes.flatMap(([a, fmt, results]) => results.map((v, rm) => [a, fmt, rm, v] as const)))(
    'FCVT.W.%s %s rm=%s',
    (a, fmt, rm, value) => {
      expect(fpToInt('W', fmt, a, rm)).toEqual({ bits: u64(value), flags: NX });
    },
  );
});

describe('float to integer: saturation and flags (Table "Domains of float-to-integer conversions")', () => {
  it.each<ToIntRow>([
    // NaN -> largest positive, +inf/too large -> max, -inf/too small -> min; all NV, never NX.
    ['W', 'S', S.QNAN, RNE, I32_MAX, NV],
    ['W', 'S', S.NEG_QNAN_PAYLOAD, RNE, I32_MAX, NV],
    ['W', 'D', D.SNAN, RNE, I32_MAX, NV],
    ['WU', 'S', S.QNAN, RNE, U32_MAX, NV],
    ['L', 'D', D.QNAN, RNE, I64_MAX, NV],
    ['LU', 'D', D.QNAN, RNE, U64_MAX, NV],
    ['W', 'S', S.INF, RNE, I32_MAX, NV],
    ['W', 'S', S.NEG_INF, RNE, I32_MIN, NV],
    ['WU', 'D', D.INF, RNE, U32_MAX, NV],
    ['WU', 'D', D.NEG_INF, RNE, 0n, NV],
    ['L', 'S', S.INF, RNE, I64_MAX, NV],
    ['L', 'S', S.NEG_INF, RNE, I64_MIN, NV],
    ['LU', 'S', S.INF, RNE, U64_MAX, NV],
    ['LU', 'S', S.NEG_INF, RNE, 0n, NV],
    // W edges: 2^31 is out of range, -2^31 is exact.
    ['W', 'S', 0x4f00_0000n, RNE, I32_MAX, NV],
    ['W', 'S', 0xcf00_0000n, RNE, I32_MIN, 0],
    ['W', 'S', 0xcf00_0001n, RNE, I32_MIN, NV],
    ['W', 'D', 0x41df_ffff_ffe0_0000n, RNE, I32_MAX, NV], // 2147483647.5 rounds to 2^31
    ['W', 'D', 0x41df_ffff_ffe0_0000n, RTZ, I32_MAX, NX],
    ['W', 'D', 0xc1e0_0000_0010_0000n, RNE, I32_MIN, NX], // -2147483648.5 ties to even
    ['W', 'D', 0xc1e0_0000_0010_0000n, RDN, I32_MIN, NV], // rounds to -2^31 - 1
    ['W', 'D', 0xc1e0_0000_0010_0000n, RMM, I32_MIN, NV],
    ['W', 'D', D.MAX, RNE, I32_MAX, NV],
    // WU edges: results are 32-bit and sign-extended on RV64.
    ['WU', 'S', 0x4f7f_ffffn, RNE, u64(BigInt.asIntN(32, 0xffff_ff00n)), 0], // 4294967040
    ['WU', 'S', 0x4f80_0000n, RNE, U32_MAX, NV], // 2^32
    ['WU', 'D', 0x41ef_ffff_ffd0_0000n, RTZ, u64(BigInt.asIntN(32, 0xffff_fffen)), NX], // 4294967294.5
    ['WU', 'D', 0x41ef_ffff_fff0_0000n, RTZ, U32_MAX, NX], // 4294967295.5
    ['WU', 'D', 0x41ef_ffff_fff0_0000n, RNE, U32_MAX, NV], // 4294967295.5 ties to 2^32
    ['WU', 'S', S.NEG_ONE, RNE, 0n, NV],
    ['WU', 'S', 0xbe99_999an, RNE, 0n, NX], // -0.3 rounds to 0: in range, NX only
    ['WU', 'D', 0xbfe0_0000_0000_0000n, RNE, 0n, NX], // -0.5 ties to even 0
    ['WU', 'D', 0xbfe0_0000_0000_0000n, RTZ, 0n, NX],
    ['WU', 'D', 0xbfe0_0000_0000_0000n, RDN, 0n, NV], // -0.5 rounds to -1
    ['WU', 'D', 0xbfe0_0000_0000_0000n, RMM, 0n, NV],
    ['WU', 'S', S.NEG_ZERO, RNE, 0n, 0],
    ['WU', 'S', S.MIN_SUBNORMAL | S.NEG_ZERO, RUP, 0n, NX],
    // L / LU edges.
    ['L', 'D', 0x43e0_0000_0000_0000n, RNE, I64_MAX, NV], // 2^63
    ['L', 'D', 0xc3e0_0000_0000_0000n, RNE, I64_MIN, 0], // -2^63
    ['L', 'D', 0xc3e0_0000_0000_0001n, RNE, I64_MIN, NV],
    ['L', 'D', 0x43df_ffff_ffff_ffffn, RNE, 0x7fff_ffff_ffff_fc00n, 0],
    ['L', 'S', 0x5f00_0000n, RNE, I64_MAX, NV], // 2^63
    ['LU', 'D', 0x43ef_ffff_ffff_ffffn, RNE, 0xffff_ffff_ffff_f800n, 0],
    ['LU', 'D', 0x43f0_0000_0000_0000n, RNE, U64_MAX, NV], // 2^64
    ['LU', 'D', D.NEG_ONE, RNE, 0n, NV],
    ['LU', 'D', D.MIN_SUBNORMAL | D.NEG_ZERO, RNE, 0n, NX],
    ['L', 'D', D.MIN_SUBNORMAL, RUP, 1n, NX],
    ['L', 'D', D.MIN_SUBNORMAL | D.NEG_ZERO, RDN, U64_MAX, NX], // -1
  ])('FCVT.%s.%s %s rm=%s', (int, fmt, a, rm, bits, flags) => {
    expect(fpToInt(int, fmt, a, rm)).toEqual({ bits, flags });
  });
});

describe('integer to float', () => {
  it.each<[Fmt, IntName, bigint, number, bigint, number]>([
    ['S', 'W', 0n, RNE, S.ZERO, 0],
    ['S', 'W', 0xffff_ffffn, RNE, S.NEG_ONE, 0], // W reads bits 31..0 as signed
    ['S', 'W', 0x1_0000_0001n, RNE, S.ONE, 0], // upper bits ignored
    ['S', 'WU', 0xffff_ffffn, RNE, 0x4f80_0000n, NX], // 4294967295 -> 2^32
    ['S', 'WU', 0xffff_ffffn, RTZ, 0x4f7f_ffffn, NX],
    ['S', 'W', 16_777_217n, RNE, 0x4b80_0000n, NX], // 2^24 + 1: tie to even
    ['S', 'W', 16_777_217n, RTZ, 0x4b80_0000n, NX],
    ['S', 'W', 16_777_217n, RDN, 0x4b80_0000n, NX],
    ['S', 'W', 16_777_217n, RUP, 0x4b80_0001n, NX],
    ['S', 'W', 16_777_217n, RMM, 0x4b80_0001n, NX],
    ['S', 'W', u64(-16_777_217n), RDN, 0xcb80_0001n, NX],
    ['S', 'W', u64(-16_777_217n), RUP, 0xcb80_0000n, NX],
    ['S', 'W', 0x8000_0000n, RNE, 0xcf00_0000n, 0], // -2^31
    ['D', 'W', 0x8000_0000n, RNE, 0xc1e0_0000_0000_0000n, 0],
    ['D', 'WU', 0x8000_0000n, RNE, 0x41e0_0000_0000_0000n, 0],
    ['D', 'W', 0xffff_ffffn, RNE, D.NEG_ONE, 0], // every int32 is exact in double
    ['D', 'L', I64_MAX, RNE, 0x43e0_0000_0000_0000n, NX],
    ['D', 'L', I64_MAX, RTZ, 0x43df_ffff_ffff_ffffn, NX],
    ['D', 'L', I64_MIN, RNE, 0xc3e0_0000_0000_0000n, 0],
    ['D', 'LU', U64_MAX, RNE, 0x43f0_0000_0000_0000n, NX],
    ['D', 'LU', U64_MAX, RDN, 0x43ef_ffff_ffff_ffffn, NX],
    ['S', 'L', U64_MAX, RNE, S.NEG_ONE, 0],
    ['S', 'LU', U64_MAX, RUP, 0x5f80_0000n, NX],
  ])('FCVT.%s.%s %s rm=%s', (fmt, int, v, rm, bits, flags) => {
    expect(fpFromInt(fmt, int, v, rm)).toEqual({ bits, flags });
  });
});

describe('FCVT.S.D / FCVT.D.S', () => {
  it.each<[Fmt, bigint, number, bigint, number]>([
    ['D', S.ONE, RNE, D.ONE, 0],
    ['D', S.NEG_ZERO, RNE, D.NEG_ZERO, 0],
    ['D', S.MIN_SUBNORMAL, RNE, 0x36a0_0000_0000_0000n, 0], // 2^-149 is normal in double
    ['D', S.NEG_INF, RNE, D.NEG_INF, 0],
    ['D', S.NEG_QNAN_PAYLOAD, RNE, D.QNAN, 0],
    ['D', S.SNAN, RNE, D.QNAN, NV],
    ['S', D.QNAN_PAYLOAD, RNE, S.QNAN, 0],
    ['S', D.SNAN, RNE, S.QNAN, NV],
    ['S', D.NEG_INF, RNE, S.NEG_INF, 0],
    ['S', D.NEG_ZERO, RNE, S.NEG_ZERO, 0],
    ['S', 0x3ff0_0000_1000_0000n, RNE, S.ONE, NX], // 1 + 2^-24: tie to even
    ['S', 0x3ff0_0000_1000_0000n, RUP, 0x3f80_0001n, NX],
    ['S', 0x3ff0_0000_1000_0000n, RMM, 0x3f80_0001n, NX],
    ['S', 0xbff0_0000_1000_0001n, RNE, 0xbf80_0001n, NX],
    ['S', 0xbff0_0000_1000_0001n, RTZ, S.NEG_ONE, NX],
    ['S', D.MAX, RNE, S.INF, OF | NX],
    ['S', D.MAX, RTZ, S.MAX, OF | NX],
    ['S', D.NEG_MAX, RUP, S.NEG_MAX, OF | NX],
    ['S', D.NEG_MAX, RDN, S.NEG_INF, OF | NX],
    ['S', D.MIN_NORMAL, RNE, S.ZERO, UF | NX],
    ['S', D.MIN_NORMAL, RUP, S.MIN_SUBNORMAL, UF | NX],
    ['S', 0x3810_0000_0000_0000n, RNE, S.MIN_NORMAL, 0], // 2^-126 exact
    ['S', 0x36a0_0000_0000_0000n, RNE, S.MIN_SUBNORMAL, 0], // 2^-149 exact subnormal
    ['S', 0x3690_0000_0000_0000n, RNE, S.ZERO, UF | NX], // 2^-150 ties to even zero
    ['S', 0x3690_0000_0000_0000n, RMM, S.MIN_SUBNORMAL, UF | NX],
  ])('to %s from %s rm=%s', (to, a, rm, bits, flags) => {
    expect(fpConvert(to, a, rm)).toEqual({ bits, flags });
  });
});
