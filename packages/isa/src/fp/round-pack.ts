import type { FpEnv } from './env.js';
import type { FloatFormat } from './format.js';
import type { RoundingMode } from './rounding-mode.js';
import { bitLength } from './bigint-math.js';
import { FLAG_NX, FLAG_OF, FLAG_UF } from './flags.js';
import { RDN, RMM, RNE, RTZ, RUP } from './rounding-mode.js';
import { infinityBits } from './unpacked.js';

/**
 * Whether the latest roundToQuantum call discarded non-zero bits. A side channel rather than a
 * returned pair keeps the hot path allocation-free; callers read it right after the call.
 */
export let roundedInexact = false;

/**
 * Rounds the non-negative magnitude `sig * 2^exp` to a multiple of 2^quantum, per IEEE
 * 754-2008 §4.3, returning the multiple (i.e. the new significand at weight 2^quantum).
 * `negative` is the sign of the value, which the directed modes need.
 */
export function roundToQuantum(
  sig: bigint,
  exp: number,
  quantum: number,
  negative: boolean,
  rm: RoundingMode,
): bigint {
  if (quantum <= exp) {
    roundedInexact = false;
    return sig << BigInt(exp - quantum);
  }
  const shift = BigInt(quantum - exp);
  const kept = sig >> shift;
  const rest = sig - (kept << shift);
  roundedInexact = rest !== 0n;
  if (!roundedInexact) return kept;
  const half = 1n << (shift - 1n);
  let up: boolean;
  switch (rm) {
    case RNE: // §4.3.1 roundTiesToEven
      up = rest > half || (rest === half && (kept & 1n) === 1n);
      break;
    case RMM: // §4.3.1 roundTiesToAway
      up = rest >= half;
      break;
    case RTZ: // §4.3.2 roundTowardZero
      up = false;
      break;
    case RDN: // §4.3.2 roundTowardNegative: magnitude grows only for negative values
      up = negative;
      break;
    case RUP: // §4.3.2 roundTowardPositive
      up = !negative;
      break;
  }
  return up ? kept + 1n : kept;
}

/**
 * The result of an overflowing operation (IEEE 754-2008 §7.4): infinity for the nearest modes,
 * otherwise the largest finite magnitude unless the directed mode rounds away from zero for
 * this sign.
 */
export function overflowResult(format: FloatFormat, negative: boolean, rm: RoundingMode): bigint {
  const toInfinity =
    rm === RNE || rm === RMM || (rm === RUP && !negative) || (rm === RDN && negative);
  if (toInfinity) return infinityBits(format, negative);
  return negative ? format.signBit | format.maxFinite : format.maxFinite;
}

/**
 * Rounds the exact value (-1)^negative * sig * 2^exp (sig > 0) to `format` under env.rm and
 * returns its encoding, raising NX/UF/OF in env.flags. This is the single rounding point of
 * every arithmetic operation.
 *
 * Callers that cannot represent a value exactly (division, square root) pass a significand of
 * at least p + 2 bits whose least significant bit is a "sticky" bit (OR of everything below);
 * that bit then lies strictly below the rounding position so rounding stays exact.
 *
 * Underflow: RISC-V detects tininess after rounding (unpriv spec §11.2 / IEEE 754-2008 §7.5):
 * the result is tiny if rounding to p bits with an unbounded exponent range yields a magnitude
 * below 2^emin. The UF flag is raised only when the tiny result is also inexact (§7.5 default).
 */
export function roundPack(
  format: FloatFormat,
  negative: boolean,
  exp: number,
  sig: bigint,
  env: FpEnv,
): bigint {
  const p = format.precision;
  const rm = env.rm;
  const leading = exp + bitLength(sig) - 1; // exponent of the leading significant bit
  const subnormalQuantum = format.emin - (p - 1);
  let quantum = Math.max(leading - (p - 1), subnormalQuantum);

  let tiny = false;
  if (leading < format.emin) {
    tiny = true;
    if (leading === format.emin - 1) {
      // Only a value just below 2^emin can round up to 2^emin with unbounded exponent range.
      const unbounded = roundToQuantum(sig, exp, leading - (p - 1), negative, rm);
      tiny = unbounded !== 1n << BigInt(p);
    }
  }

  let rounded = roundToQuantum(sig, exp, quantum, negative, rm);
  const inexact = roundedInexact;
  if (rounded === 1n << BigInt(p)) {
    // Rounding carried into a new binade.
    rounded >>= 1n;
    quantum += 1;
  }

  const sign = negative ? format.signBit : 0n;
  if (rounded >= format.hiddenBit) {
    const resultExp = quantum + (p - 1);
    if (resultExp > format.emax) {
      env.flags |= FLAG_OF | FLAG_NX; // §7.4: overflow is always inexact
      return overflowResult(format, negative, rm);
    }
    // A tiny value may still round (at subnormal precision) up to 2^emin: UF applies anyway.
    if (inexact) env.flags |= tiny ? FLAG_UF | FLAG_NX : FLAG_NX;
    const biased = BigInt(resultExp + format.bias);
    return sign | (biased << BigInt(format.fractionBits)) | (rounded - format.hiddenBit);
  }
  // Subnormal or zero: biased exponent field 0, fraction holds the significand directly.
  if (inexact) env.flags |= tiny ? FLAG_UF | FLAG_NX : FLAG_NX;
  return sign | rounded;
}
