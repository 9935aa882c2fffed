/**
 * Where a block's instructions are and where it ends — one rule for both back ends
 * (block-compiler.ts, wasm/wasm-block-compiler.ts): at most MAX_BLOCK_INSNS, never across its page
 * (page-granular invalidation), not over an instruction straddling the page or a reserved RVC
 * encoding (the interpreter fetches and raises those), and RVC forms expanded by the
 * interpreter's own table. The back end says per instruction whether the block goes on ('next'),
 * ends after it ('end': a branch or jump) or ends before it ('stop': the interpreter executes it).
 */

import { expandParcel } from '../compressed.js';

/** Longest block, in instructions. */
export const MAX_BLOCK_INSNS = 128;

export type BlockStep = 'next' | 'end' | 'stop';

export interface BlockExtent {
  /** Instructions in the block. */
  readonly count: number;
  /** Bytes of guest code it covers, from the entry. */
  readonly bytes: number;
  /** It ended after a branch or jump. */
  readonly endsInJump: boolean;
}

/** Call `emit(insn, at, len, i)` for the block's instructions from byte `off` of `view` (a RAM chunk). */
export function forEachBlockInstruction(
  view: DataView,
  cexp: Int32Array,
  off: number,
  emit: (insn: number, at: number, len: number, i: number) => BlockStep,
): BlockExtent {
  let d = 0;
  let n = 0;
  for (;;) {
    if (n >= MAX_BLOCK_INSNS) break;
    const po = (off + d) & 0xfff;
    let insn = view.getUint16(off + d, true);
    let len = 2;
    if ((insn & 3) === 3) {
      if (po > 0xffc) break; // straddles the page: the interpreter fetches it in two halves
      insn = view.getInt32(off + d, true);
      len = 4;
    } else {
      insn = expandParcel(cexp, insn);
      if (insn === 0) break; // reserved RVC encoding: the interpreter raises illegal instruction
    }
    const step = emit(insn, d, len, n);
    if (step === 'stop') break;
    d += len;
    n++;
    if (step === 'end') return { count: n, bytes: d, endsInJump: true };
    if (((off + d) & 0xfff) === 0) break; // page end
  }
  return { count: n, bytes: d, endsInJump: false };
}
