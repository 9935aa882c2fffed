import type { FieldName } from './fields.js';
import type { OperandKind } from './operands.js';

/** Encoding formats (Unprivileged ISA 2.2/2.3 and 16.2, plus the groupings riscv-opcodes uses). */
export type InsnFormat =
  | 'R' | 'R4' | 'I' | 'S' | 'B' | 'U' | 'J'
  | 'CSR' | 'CSRI' | 'AMO' | 'FENCE' | 'SYSTEM'
  | 'CR' | 'CI' | 'CSS' | 'CIW' | 'CL' | 'CS' | 'CA' | 'CB' | 'CJ';

/** The extension that defines an instruction; gates decoding by ISA string. */
export type Extension = 'I' | 'M' | 'A' | 'F' | 'D' | 'C' | 'Zicsr' | 'Zifencei' | 'Priv' | 'H' | 'Sdext';

/** A field value the spec reserves (the encoding is illegal when the field has that value). */
export interface ReservedWhen {
  readonly field: FieldName;
  readonly equals: number;
}

export interface InsnEncoding {
  /** Spec mnemonic (compressed ones keep their `c.` prefix). */
  readonly mnemonic: string;
  /** Fixed bits: an instruction word w is this one when (w & mask) === match. */
  readonly match: number;
  readonly mask: number;
  readonly format: InsnFormat;
  readonly length: 2 | 4;
  readonly ext: Extension;
  /** Operands in assembly order. */
  readonly operands: readonly OperandKind[];
  /** Fields encoded but not written as operands (aq/rl as mnemonic suffixes, FENCE's fm/rs1/rd...). */
  readonly extraFields: readonly FieldName[];
  /** Field values that make this encoding reserved (RVC "nzimm", rd≠0 rules). */
  readonly reserved: readonly ReservedWhen[];
  /**
   * The documented overlap: this entry is a special case of `specializes` (its mask is a strict
   * superset and its match satisfies the other's). A decoder picks the most specific entry.
   */
  readonly specializes?: string;
}
