/**
 * Accrued exception flag bits of fflags (unpriv spec §11.2, Table "Accrued exception flag
 * encoding"); one per IEEE 754-2008 §7 exception.
 */
export const FLAG_NX = 1; // inexact (IEEE 754-2008 §7.6)
export const FLAG_UF = 2; // underflow (§7.5)
export const FLAG_OF = 4; // overflow (§7.4)
export const FLAG_DZ = 8; // division by zero (§7.3)
export const FLAG_NV = 16; // invalid operation (§7.2)
