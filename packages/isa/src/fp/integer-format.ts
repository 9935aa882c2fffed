/** The integer operand formats of FCVT (unpriv spec §11.7, §12.5), selected by the rs2 field. */
export interface IntegerFormat {
  readonly name: 'W' | 'WU' | 'L' | 'LU';
  readonly width: 32 | 64;
  readonly signed: boolean;
  readonly min: bigint;
  readonly max: bigint;
}

function makeIntegerFormat(name: IntegerFormat['name'], width: 32 | 64, signed: boolean): IntegerFormat {
  const w = BigInt(width);
  return signed
    ? { name, width, signed, min: -(1n << (w - 1n)), max: (1n << (w - 1n)) - 1n }
    : { name, width, signed, min: 0n, max: (1n << w) - 1n };
}

/** Indexed by the rs2 field of FCVT.int.fmt / FCVT.fmt.int: 0 W, 1 WU, 2 L, 3 LU. */
export const INTEGER_FORMATS: readonly IntegerFormat[] = [
  makeIntegerFormat('W', 32, true),
  makeIntegerFormat('WU', 32, false),
  makeIntegerFormat('L', 64, true),
  makeIntegerFormat('LU', 64, false),
];
