import type { FpEnv } from './env.js';
import type { FloatFormat } from './format.js';
import { roundPack } from './round-pack.js';

/**
 * FCVT.{S,D}.{W,WU,L,LU} (unpriv spec §11.7, §12.5; IEEE 754-2008 §5.4.1 convertFromInt):
 * the integer is rounded once under env.rm (only NX can arise). Zero converts to +0.
 */
export function integerToFloat(format: FloatFormat, value: bigint, env: FpEnv): bigint {
  if (value === 0n) return 0n;
  return value < 0n ? roundPack(format, true, 0, -value, env) : roundPack(format, false, 0, value, env);
}
