import type { FpEnv } from './env.js';
import { FUNCT5_FADD, FUNCT5_FMUL, FUNCT5_FSUB } from './decode.js';
import { productError, sumError } from './error-free.js';
import { FLAG_NX } from './flags.js';
import { RNE } from './rounding-mode.js';

/*
 * Fast path for FADD.D / FSUB.D / FMUL.D under RNE using the host's binary64 arithmetic, which
 * ECMAScript defines as IEEE 754-2008 roundTiesToEven (§4.3.1). It only accepts operands with
 * 2^-450 <= |x| <= 2^450, where the result provably can neither overflow nor be subnormal:
 *  - sums are either exact zero (+0 under RNE, §6.3, as JS gives) or at least
 *    ulp(2^-450) = 2^-502 and at most 2^451;
 *  - products lie in [2^-900, 2^902].
 * So OF and UF cannot arise, NV/DZ need special operands (excluded), and only NX remains. It
 * is decided with error-free transformations, exact in that range:
 *  - Knuth's TwoSum: the rounding error of a + b is exactly representable;
 *  - Dekker's TwoProduct with Veltkamp splitting (factor 2^27 + 1, no overflow below 2^996;
 *    the smallest partial product is >= 2^-1006, above the subnormal range).
 * Everything else falls back to the exact soft-float path.
 */
const scratch = new Float64Array(1);
const scratchBits = new BigUint64Array(scratch.buffer);
const LOW = 2 ** -450;
const HIGH = 2 ** 450;

function toDouble(bits: bigint): number {
  scratchBits[0] = bits;
  return scratch[0];
}

function inRange(v: number): boolean {
  const m = Math.abs(v);
  return m >= LOW && m <= HIGH; // false for NaN, zero, infinities and subnormals too
}

function toBits(v: number): bigint {
  scratch[0] = v;
  return scratchBits[0];
}

/**
 * The encoded result of a double FADD/FSUB/FMUL (selected by its OP-FP funct5), or -1n when the
 * instruction or operands are outside the fast path (the caller then uses the soft-float core).
 */
export function nativeDouble(funct5: number, x: bigint, y: bigint, env: FpEnv): bigint {
  if (funct5 !== FUNCT5_FADD && funct5 !== FUNCT5_FSUB && funct5 !== FUNCT5_FMUL) return -1n;
  if (env.rm !== RNE) return -1n;
  const a = toDouble(x);
  const b0 = toDouble(y);
  if (!inRange(a) || !inRange(b0)) return -1n;
  if (funct5 === FUNCT5_FMUL) {
    const p = a * b0;
    if (productError(a, b0, p) !== 0) env.flags |= FLAG_NX;
    return toBits(p);
  }
  const b = funct5 === FUNCT5_FSUB ? -b0 : b0;
  const s = a + b;
  if (sumError(a, b, s) !== 0) env.flags |= FLAG_NX;
  return toBits(s);
}
