/**
 * Architectural FP state seen by the FPU: the 32 raw 64-bit registers f0..f31 (unpriv spec
 * §11.1, widened to FLEN = 64 by D, §12.1), accrued flags fcsr.fflags and the dynamic rounding
 * mode fcsr.frm (§11.2). The hart owns the CSR views and mstatus.FS.
 */
export interface FpState {
  f: BigUint64Array;
  /** `f` as doubles and as int32 halves (low word first): the host fast path needs both (host-fast-path.ts). */
  d?: Float64Array;
  w?: Int32Array;
  fflags: number;
  frm: number;
}
