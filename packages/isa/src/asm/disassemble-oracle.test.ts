import { describe, expect, it } from 'vitest';
import { FIELDS } from '../encoding/fields.js';
import { OPERANDS } from '../encoding/operands.js';
import { INSTRUCTIONS } from '../encoding/table.js';
import { disassemble } from './disassemble.js';
import { AS, hasTool, normalizeOperands, OBJDUMP, objdumpWords } from './objdump-support.js';

/** Deterministic PRNG (xorshift32) so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

/** Interesting raw values for a field of `width` bits: 0, 1, 2, 3, all-ones, sign edges, random. */
function fieldSample(width: number, next: () => number): number {
  const max = 2 ** width - 1;
  const pick = next() % 10;
  const special = [0, 1, 2, 3, max, max >>> 1, (max >>> 1) + 1, 255 & max, 0x1f & max];
  return pick < 5 ? special[next() % special.length] : next() % (max + 1);
}

function sampleWords(): { value: number; length: 2 | 4 }[] {
  const next = rng(0x5eed);
  const words: { value: number; length: 2 | 4 }[] = [];
  for (const e of INSTRUCTIONS) {
    if (e.length !== 4) continue;
    const fields = [...new Set([...e.operands.flatMap((o) => OPERANDS[o].fields), ...e.extraFields])];
    for (let n = 0; n < 80; n++) {
      let w = e.match;
      for (const f of fields) {
        const bits = FIELDS[f].bits & ~e.mask;
        // Fill the field's bit positions from a raw sample.
        let raw = fieldSample(32, next);
        for (let b = 0; b < 32; b++) {
          if (bits & (1 << b)) {
            w = raw & 1 ? (w | (1 << b)) >>> 0 : (w & ~(1 << b)) >>> 0;
            raw = n % 3 === 0 ? 0 : raw >>> 1;
          }
        }
      }
      // Special register patterns: rs1 == rs2 (fmv/fneg/fabs), rd = x0 / ra.
      if (n % 7 === 1) w = ((w & ~(0x1f << 20)) | (((w >>> 15) & 0x1f) << 20)) >>> 0;
      words.push({ value: w >>> 0, length: 4 });
    }
  }
  // Targeted CSR shorthands.
  for (const csr of [0x001, 0x002, 0x003, 0xc00, 0xc01, 0xc02, 0xc80, 0xc81, 0xc82, 0x300, 0x7c0]) {
    for (const f3 of [1, 2, 3, 5, 6, 7]) {
      for (const [rd, rs1] of [[0, 0], [0, 5], [5, 0], [5, 6]]) words.push({ value: ((csr << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | 0x73) >>> 0, length: 4 });
    }
  }
  // Random 32-bit words (unknown encodings print as .4byte).
  for (let n = 0; n < 4000; n++) {
    const w = (next() | 3) >>> 0;
    if ((w & 0x1c) !== 0x1c) words.push({ value: w, length: 4 });
  }
  // Every 16-bit parcel.
  for (let h = 0; h < 0x10000; h++) if ((h & 3) !== 3) words.push({ value: h, length: 2 });
  return words;
}

describe.skipIf(!hasTool(OBJDUMP) || !hasTool(AS))('disassemble matches GNU objdump 2.40', () => {
  it('for every 16-bit parcel and a sample of every 32-bit table entry', () => {
    const words = sampleWords();
    const lines = objdumpWords(words);
    expect(lines.length).toBe(words.length);
    const mismatches: string[] = [];
    let address = 0n;
    words.forEach((w, i) => {
      const line = lines[i];
      expect(line.address).toBe(address);
      const mine = disassemble(w.value, address, w.length, { prefixTargets: true });
      const want = `${line.mnemonic} ${line.operands}`.trim();
      const got = `${mine.mnemonic} ${normalizeOperands(mine.operands)}`.trim();
      if (want !== got) mismatches.push(`${w.value.toString(16).padStart(w.length * 2, '0')}: objdump '${want}' vs '${got}'`);
      address += BigInt(w.length);
    });
    const seen = new Map<string, number>();
    const sample = mismatches.filter((m) => {
      const k = m.split("'")[1].split(' ')[0] + '/' + m.split("'")[3].split(' ')[0];
      seen.set(k, (seen.get(k) ?? 0) + 1);
      return seen.get(k) === 1 || (seen.get(k) ?? 0) <= 2;
    });
    expect(sample.slice(0, 80)).toEqual([]);
    expect(mismatches.length).toBe(0);
  });
});
