/** Named encodings for table-driven tests (IEEE 754-2008 §3.4 binary32 / binary64). */
export const S = {
  ZERO: 0x0000_0000n,
  NEG_ZERO: 0x8000_0000n,
  ONE: 0x3f80_0000n,
  NEG_ONE: 0xbf80_0000n,
  TWO: 0x4000_0000n,
  HALF: 0x3f00_0000n,
  MAX: 0x7f7f_ffffn,
  NEG_MAX: 0xff7f_ffffn,
  MIN_NORMAL: 0x0080_0000n,
  MAX_SUBNORMAL: 0x007f_ffffn,
  MIN_SUBNORMAL: 0x0000_0001n,
  INF: 0x7f80_0000n,
  NEG_INF: 0xff80_0000n,
  QNAN: 0x7fc0_0000n,
  SNAN: 0x7f80_0001n,
  NEG_QNAN_PAYLOAD: 0xffc0_1234n,
} as const;

export const D = {
  ZERO: 0n,
  NEG_ZERO: 0x8000_0000_0000_0000n,
  ONE: 0x3ff0_0000_0000_0000n,
  NEG_ONE: 0xbff0_0000_0000_0000n,
  TWO: 0x4000_0000_0000_0000n,
  THREE: 0x4008_0000_0000_0000n,
  HALF: 0x3fe0_0000_0000_0000n,
  MAX: 0x7fef_ffff_ffff_ffffn,
  NEG_MAX: 0xffef_ffff_ffff_ffffn,
  MIN_NORMAL: 0x0010_0000_0000_0000n,
  MIN_SUBNORMAL: 1n,
  INF: 0x7ff0_0000_0000_0000n,
  NEG_INF: 0xfff0_0000_0000_0000n,
  QNAN: 0x7ff8_0000_0000_0000n,
  SNAN: 0x7ff0_0000_0000_0001n,
  QNAN_PAYLOAD: 0x7ff8_0000_0000_0123n,
} as const;

export const NX = 1;
export const UF = 2;
export const OF = 4;
export const DZ = 8;
export const NV = 16;

export const RNE = 0;
export const RTZ = 1;
export const RDN = 2;
export const RUP = 3;
export const RMM = 4;
export const DYN = 7;
