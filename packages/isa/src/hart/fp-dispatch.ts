/**
 * The hart's only link to the FP arithmetic (OP-FP 0x53 and the fused multiply-adds 0x43..0x4f).
 * The hart owns FP loads/stores, the FP CSRs and mstatus.FS gating; `executeFp` owns the rest and
 * returns false for an illegal encoding (including a reserved rounding mode).
 */
export type { FpState } from '../fp/index.js';
export { executeFp } from '../fp/index.js';
