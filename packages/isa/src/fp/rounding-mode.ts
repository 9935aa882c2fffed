/**
 * Rounding-mode encodings of the rm field and of frm (unpriv spec §11.2, Table "Rounding mode
 * encoding"). Names follow IEEE 754-2008 §4.3.
 */
export const RNE = 0; // roundTiesToEven (§4.3.1)
export const RTZ = 1; // roundTowardZero (§4.3.2)
export const RDN = 2; // roundTowardNegative
export const RUP = 3; // roundTowardPositive
export const RMM = 4; // roundTiesToAway (§4.3.1)
/** rm = 7 selects the dynamic rounding mode held in frm. */
export const DYN = 7;

export type RoundingMode = 0 | 1 | 2 | 3 | 4;

/**
 * Resolves an instruction's rm field to an effective rounding mode, or returns -1 when the
 * encoding is illegal: rm 5 and 6 are reserved, and DYN with frm 5..7 is illegal too
 * (§11.2: "executing an instruction with DYN when frm holds an invalid value is illegal").
 */
export function resolveRoundingMode(rm: number, frm: number): RoundingMode | -1 {
  const mode = rm === DYN ? frm : rm;
  return mode >= RNE && mode <= RMM ? (mode as RoundingMode) : -1;
}
