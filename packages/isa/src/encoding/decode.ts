import { popcount } from './bits.js';
import { FIELDS } from './fields.js';
import { INSTRUCTIONS } from './table.js';
import type { Extension, InsnEncoding } from './types.js';

/** Length of the instruction whose first 16-bit parcel is `parcel` (Unprivileged ISA 1.5, Figure 1.1). */
export function instructionLength(parcel: number): 2 | 4 | 6 | 8 | undefined {
  if ((parcel & 0x3) !== 0x3) return 2;
  if ((parcel & 0x1c) !== 0x1c) return 4;
  if ((parcel & 0x3f) === 0x1f) return 6;
  if ((parcel & 0x7f) === 0x3f) return 8;
  return undefined;
}

/** Bucket key: the major opcode (bits 6..0) for 32-bit words; quadrant and funct3 for RVC. */
function keyOf(insn: number, length: 2 | 4): number {
  return length === 4 ? insn & 0x7f : 0x80 | ((insn >>> 13) & 7) << 2 | (insn & 3);
}

const buckets = new Map<number, InsnEncoding[]>();
for (const e of INSTRUCTIONS) {
  // Every entry fixes the opcode bits (and, for RVC, funct3 and the quadrant) the key reads.
  const k = keyOf(e.match, e.length);
  const list = buckets.get(k) ?? [];
  list.push(e);
  buckets.set(k, list);
}
// Most specific first, so special cases (c.nop, c.jr, fence.tso...) win over the general form.
for (const list of buckets.values()) list.sort((a, b) => popcount(b.mask) - popcount(a.mask));

/** True when the entry's reserved-field rules make `insn` a reserved encoding. */
export function isReserved(e: InsnEncoding, insn: number): boolean {
  return e.reserved.some((r) => FIELDS[r.field].decode(insn) === r.equals);
}

/**
 * The table entry for `insn` (a 16-bit parcel when `length` is 2), or undefined for an illegal or
 * reserved encoding or one whose extension `enabled` rejects.
 */
export function decodeEntry(
  insn: number,
  length: 2 | 4 = (insn & 3) === 3 ? 4 : 2,
  enabled?: (ext: Extension) => boolean,
): InsnEncoding | undefined {
  const word = length === 2 ? insn & 0xffff : insn >>> 0;
  const list = buckets.get(keyOf(word, length));
  if (!list) return undefined;
  for (const e of list) {
    if (((word & e.mask) >>> 0) !== e.match) continue;
    if (enabled && !enabled(e.ext)) continue;
    return isReserved(e, word) ? undefined : e;
  }
  return undefined;
}
