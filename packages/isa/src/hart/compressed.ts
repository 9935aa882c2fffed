/**
 * RVC (unpriv spec chapter 16): every 16-bit encoding expands to one 32-bit instruction with the
 * same effect, so the executor only knows the 32-bit forms. The link address and pc step use the
 * original length (2), which the executor tracks separately.
 *
 * The expansion itself is the one the assembler uses, driven by the instruction table
 * (encoding/expand.js): one RVC expander for the whole package. The hart only caches it in a
 * table of the whole 64 Ki space, each halfword expanded the first time it is met: building all
 * 49,152 entries up front cost every process 35-50 ms before its first instruction (a U-Boot boot
 * is 0.5 s), and a guest meets a few thousand of them. An entry holds the expansion, 0 for a
 * reserved/illegal encoding (0 is never a valid 32-bit instruction: its low bits are not 11), or
 * PENDING before its first use.
 */
import { expandCompressed } from '../encoding/expand.js';

/**
 * An entry not expanded yet. 1 is neither an expansion (those end in 11) nor 0, so a reader's one
 * test `(v & 3) !== 3` catches both "not yet" and "illegal" and only then calls expandParcel.
 */
const PENDING = 1;

let table: Int32Array | undefined;

/** The per-process table of expansions (index = the halfword); read entries through expandParcel. */
export function compressedTable(): Int32Array {
  table ??= new Int32Array(65536).fill(PENDING);
  return table;
}

/**
 * `view` (65,536 entries) made a table like compressedTable's, every entry PENDING: a WebAssembly
 * runtime keeps one in its arena, where its interpreter reads it (wasm-runtime.ts).
 */
export function compressedTableIn(view: Int32Array): Int32Array {
  if (view.length !== 65536) throw new RangeError(`compressedTableIn: ${view.length} entries, not 65536`);
  return view.fill(PENDING);
}

/**
 * The 32-bit expansion of halfword `c` as a signed 32-bit value (0 when it is reserved or not
 * compressed at all), filling its entry of `t` (a compressedTable) on first use.
 */
export function expandParcel(t: Int32Array, c: number): number {
  const v = t[c]!;
  if (v !== PENDING) return v;
  // Signed, as the table gives it back on every later use: the expander's unsigned value of an
  // encoding with bit 31 set (a backward c.j or c.beqz, c.lui of a negative immediate) is not one
  // of V8's small integers, and the interpreter's optimized code, which saw only those, was
  // thrown away ("not a Smi") the first time a guest met such a parcel.
  const e = (c & 3) === 3 ? 0 : (expandCompressed(c) ?? 0) | 0;
  t[c] = e;
  return e;
}
