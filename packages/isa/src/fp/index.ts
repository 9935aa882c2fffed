/** Floating-point unit of the RV64GC hart: the F (unpriv spec ch. 11) and D (ch. 12) extensions. */
export { executeFp } from './execute.js';
export type { FpState } from './state.js';
