import type { FpEnv } from './env.js';
import type { FloatFormat } from './format.js';
import type { Unpacked } from './unpacked.js';
import { FLAG_NV } from './flags.js';
import { SIGNALING_NAN } from './unpacked.js';

/**
 * RISC-V does not propagate NaN payloads: every operation that produces a NaN returns the
 * canonical NaN (unpriv spec §11.3). A signaling NaN operand is an invalid operation
 * (IEEE 754-2008 §7.2, §6.2) even when the result is quiet.
 */
export function nanResult(format: FloatFormat, env: FpEnv, ...operands: Unpacked[]): bigint {
  for (const operand of operands) {
    if (operand.cls === SIGNALING_NAN) env.flags |= FLAG_NV;
  }
  return format.canonicalNaN;
}

/** An invalid operation (IEEE 754-2008 §7.2) on non-NaN operands: NV and the canonical NaN. */
export function invalidResult(format: FloatFormat, env: FpEnv): bigint {
  env.flags |= FLAG_NV;
  return format.canonicalNaN;
}
