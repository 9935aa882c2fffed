/**
 * Temporary stand-in for packages/isa/src/fp (the FP arithmetic, written separately). Same shape as
 * the real module; every arithmetic instruction is reported illegal until the real one lands.
 */
export interface FpState {
  f: BigUint64Array;
  fflags: number;
  frm: number;
}

export function executeFp(insn: number, x: BigUint64Array, fp: FpState): boolean {
  void insn;
  void x;
  void fp;
  return false;
}
