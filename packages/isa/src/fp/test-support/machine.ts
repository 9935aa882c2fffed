/** A minimal register file around executeFp for tests. */
import type { FpState } from '../state.js';
import { executeFp } from '../execute.js';

export const BOX = 0xffff_ffff_0000_0000n;

export interface Machine {
  x: BigUint64Array;
  fp: FpState;
}

export function machine(frm = 0): Machine {
  return { x: new BigUint64Array(32), fp: { f: new BigUint64Array(32), fflags: 0, frm } };
}

/** Snapshot of the whole state, to prove an illegal instruction changed nothing. */
export function snapshot(m: Machine): string {
  return `${m.x.join(',')}|${m.fp.f.join(',')}|${m.fp.fflags}|${m.fp.frm}`;
}

export function run(m: Machine, insn: number): boolean {
  return executeFp(insn, m.x, m.fp);
}

/** Boxes a 32-bit single encoding the way a correct FLW would. */
export function boxS(bits: bigint): bigint {
  return BOX | bits;
}
