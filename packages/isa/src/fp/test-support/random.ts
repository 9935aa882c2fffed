/** Seeded operand generator biased toward the interesting corners of a format. */
import type { Spec } from './oracle.js';
import { infinity, signBit } from './oracle.js';

/** mulberry32: small, seedable, good enough to spread test inputs. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomInt(next: () => number, n: number): number {
  return Math.floor(next() * n);
}

export function randomBits(next: () => number, width: number): bigint {
  let v = 0n;
  for (let i = 0; i < width; i += 16) v = (v << 16n) | BigInt(randomInt(next, 0x10000));
  return v & ((1n << BigInt(width)) - 1n);
}

export function specials(spec: Spec): bigint[] {
  const t = BigInt(spec.fractionBits);
  const inf = infinity(spec);
  const s = signBit(spec);
  const one = BigInt((1 << (spec.exponentBits - 1)) - 1) << t;
  const list = [
    0n,
    1n, // min subnormal
    (1n << t) - 1n, // max subnormal
    1n << t, // min normal
    inf - 1n, // max finite
    one,
    inf,
    inf | (1n << (t - 1n)), // canonical quiet NaN
    inf | 1n, // signaling NaN
  ];
  return [...list, ...list.map((b) => b | s)];
}

/** A finite or special operand; `finiteOnly` excludes infinities and NaNs. */
export function randomOperand(next: () => number, spec: Spec, finiteOnly: boolean, exponentHint?: number): bigint {
  const t = BigInt(spec.fractionBits);
  const maxField = (1 << spec.exponentBits) - 1;
  const sign = next() < 0.5 ? 0n : signBit(spec);
  const choice = randomInt(next, 12);
  let field: number;
  if (choice === 0 && !finiteOnly) {
    const list = specials(spec);
    return list[randomInt(next, list.length)];
  }
  if (choice === 1 && !finiteOnly) return randomBits(next, spec.width);
  if (choice === 2) field = 0;
  else if (choice === 3) field = maxField - 1 - randomInt(next, 3);
  else if (choice === 4) field = 1 + randomInt(next, 3);
  else if (choice === 5) field = randomInt(next, maxField);
  else if (exponentHint !== undefined) field = Math.min(maxField - 1, Math.max(0, exponentHint + randomInt(next, 9) - 4));
  else field = (maxField >> 1) + randomInt(next, 61) - 30;
  // Fraction shapes: random, short (many trailing zeros: exact results and ties), all ones.
  let fraction = randomBits(next, spec.fractionBits);
  const shape = randomInt(next, 4);
  if (shape === 1) fraction &= ~((1n << BigInt(randomInt(next, spec.fractionBits))) - 1n);
  else if (shape === 2) fraction = (1n << t) - 1n - BigInt(randomInt(next, 4));
  if (field === 0 && fraction === 0n) fraction = 1n;
  return sign | (BigInt(field) << t) | (fraction & ((1n << t) - 1n));
}

export function exponentField(spec: Spec, bits: bigint): number {
  return Number((bits >> BigInt(spec.fractionBits)) & ((1n << BigInt(spec.exponentBits)) - 1n));
}
