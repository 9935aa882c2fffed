import { decodeEntry } from '../encoding/decode.js';
import { expandCompressed } from '../encoding/expand.js';
import { FIELDS } from '../encoding/fields.js';

/**
 * RVC compression the way GNU as does it under `.option rvc`: a 32-bit instruction becomes the
 * compressed instruction that expands to exactly it (Unprivileged ISA ch. 16). HINT encodings
 * (rd=x0, zero immediates/shift amounts; Table 16.3) are never produced. Where two compressed
 * forms expand to the same word, the lower encoding wins (c.addi over c.addi16sp, as gas does).
 */
let table: Map<number, number> | undefined;

function isHint(mnemonic: string, h: number): boolean {
  const rd = FIELDS.c_rd.decode(h);
  switch (mnemonic) {
    case 'c.addi':
      return rd === 0 || FIELDS.c_imm6.decode(h) === 0;
    case 'c.li':
    case 'c.lui':
    case 'c.mv':
    case 'c.add':
      return rd === 0;
    case 'c.slli':
      return rd === 0 || FIELDS.c_shamt.decode(h) === 0;
    case 'c.srli':
    case 'c.srai':
      return FIELDS.c_shamt.decode(h) === 0;
    default:
      return false;
  }
}

function build(): Map<number, number> {
  const m = new Map<number, number>();
  for (let h = 0; h < 0x10000; h++) {
    if ((h & 3) === 3) continue;
    const e = decodeEntry(h, 2);
    if (!e || isHint(e.mnemonic, h)) continue;
    const w = expandCompressed(h);
    if (w !== undefined && !m.has(w)) m.set(w, h);
  }
  return m;
}

/** The compressed parcel equivalent to 32-bit `word`, if there is one. */
export function compress(word: number): number | undefined {
  table ??= build();
  return table.get(word >>> 0);
}
