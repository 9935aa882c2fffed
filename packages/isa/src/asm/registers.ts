/** Register names: ABI mnemonics from the RISC-V psABI ("Integer/Floating-point Register Convention"). */

export const X_ABI_NAMES: readonly string[] = [
  'zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2',
  's0', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5',
  'a6', 'a7', 's2', 's3', 's4', 's5', 's6', 's7',
  's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6',
];

export const F_ABI_NAMES: readonly string[] = [
  'ft0', 'ft1', 'ft2', 'ft3', 'ft4', 'ft5', 'ft6', 'ft7',
  'fs0', 'fs1', 'fa0', 'fa1', 'fa2', 'fa3', 'fa4', 'fa5',
  'fa6', 'fa7', 'fs2', 'fs3', 'fs4', 'fs5', 'fs6', 'fs7',
  'fs8', 'fs9', 'fs10', 'fs11', 'ft8', 'ft9', 'ft10', 'ft11',
];

const X_BY_NAME = new Map<string, number>();
const F_BY_NAME = new Map<string, number>();
for (let i = 0; i < 32; i++) {
  X_BY_NAME.set(X_ABI_NAMES[i], i);
  X_BY_NAME.set(`x${i}`, i);
  F_BY_NAME.set(F_ABI_NAMES[i], i);
  F_BY_NAME.set(`f${i}`, i);
}
X_BY_NAME.set('fp', 8); // s0 doubles as the frame pointer

/** Integer register number for an ABI or xN name. */
export function parseXReg(name: string): number | undefined {
  return X_BY_NAME.get(name.toLowerCase());
}

/** Floating-point register number for an ABI or fN name. */
export function parseFReg(name: string): number | undefined {
  return F_BY_NAME.get(name.toLowerCase());
}
