/**
 * RVC (unpriv spec chapter 16): every 16-bit encoding expands to one 32-bit instruction with the
 * same effect, so the executor only knows the 32-bit forms. The link address and pc step use the
 * original length (2), which the executor tracks separately.
 *
 * The expansion itself is the one the assembler uses, driven by the instruction table
 * (encoding/expand.ts): one RVC expander for the whole package. The hart only precomputes it: the
 * whole 64 Ki space is expanded once into a table; 0 marks reserved/illegal encodings (0 is never
 * a valid 32-bit instruction because its low bits are not 11).
 */
import { expandCompressed } from '../encoding/expand.js';

let table: Int32Array | undefined;

/** The expansion of every 16-bit value (index = the halfword), built on first use. */
export function compressedTable(): Int32Array {
  if (table === undefined) {
    table = new Int32Array(65536);
    for (let c = 0; c < 65536; c++) if ((c & 3) !== 3) table[c] = expandCompressed(c) ?? 0;
  }
  return table;
}
