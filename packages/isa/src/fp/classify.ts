import type { FloatFormat } from './format.js';
import {
  INFINITY,
  NORMAL,
  QUIET_NAN,
  SIGNALING_NAN,
  SUBNORMAL,
  ZERO,
  unpack,
} from './unpacked.js';

/**
 * FCLASS (unpriv spec §11.9, §12.7; IEEE 754-2008 §5.7.2 class): a one-hot 10-bit mask.
 *  bit 0 -inf, 1 negative normal, 2 negative subnormal, 3 -0,
 *  bit 4 +0, 5 positive subnormal, 6 positive normal, 7 +inf, 8 signaling NaN, 9 quiet NaN.
 */
export function classify(format: FloatFormat, x: bigint): number {
  const a = unpack(format, x);
  switch (a.cls) {
    case SIGNALING_NAN:
      return 1 << 8;
    case QUIET_NAN:
      return 1 << 9;
    case INFINITY:
      return a.negative ? 1 << 0 : 1 << 7;
    case NORMAL:
      return a.negative ? 1 << 1 : 1 << 6;
    case SUBNORMAL:
      return a.negative ? 1 << 2 : 1 << 5;
    case ZERO:
      return a.negative ? 1 << 3 : 1 << 4;
  }
}
