import { F_ABI_NAMES, X_ABI_NAMES } from './registers.js';

/** Operand spellings in GNU objdump's style. */

export const xreg = (n: number): string => X_ABI_NAMES[n];
export const freg = (n: number): string => F_ABI_NAMES[n];
/** Unsigned hex with 0x prefix (lui/auipc immediates, shift amounts, unnamed CSRs). */
export const hexImm = (n: number): string => '0x' + (n >>> 0).toString(16);

/** Rounding-mode names (Unprivileged ISA 11.2, Table 11.1); 7 (dyn) is left implicit. */
export const ROUNDING_MODES: readonly string[] = ['rne', 'rtz', 'rdn', 'rup', 'rmm', '', '', 'dyn'];

/** FENCE predecessor/successor set: i, o, r, w from bit 3 down; empty prints "unknown" (binutils). */
export function fenceSet(bits: number): string {
  if (bits === 0) return 'unknown';
  return (bits & 8 ? 'i' : '') + (bits & 4 ? 'o' : '') + (bits & 2 ? 'r' : '') + (bits & 1 ? 'w' : '');
}

/**
 * A pc-relative target as objdump prints it: the absolute address in hex, bare when the file has
 * symbols (objdump then appends `<symbol+off>`), `0x`-prefixed when it has none.
 */
export function target(pc: bigint, offset: number, prefix = false): string {
  return (prefix ? '0x' : '') + BigInt.asUintN(64, pc + BigInt(offset)).toString(16);
}

/** How context-dependent operands print: branch targets and CSR names. */
export interface PrintContext {
  target(offset: number): string;
  csr(n: number): string;
}
