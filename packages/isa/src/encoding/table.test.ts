import { describe, expect, it } from 'vitest';
import { FIELDS } from './fields.js';
import { OPERANDS } from './operands.js';
import { INSTRUCTIONS, INSTRUCTION_BY_MNEMONIC } from './table.js';
import { decodeEntry } from './decode.js';
import type { InsnEncoding } from './types.js';

const hex = (n: number) => '0x' + (n >>> 0).toString(16);

/** True when `a` is (transitively) documented as a special case of `b`. */
function specializes(a: InsnEncoding, b: InsnEncoding): boolean {
  for (let e: InsnEncoding | undefined = a; e?.specializes !== undefined; e = INSTRUCTION_BY_MNEMONIC.get(e.specializes)) {
    if (e.specializes === b.mnemonic) return true;
  }
  return false;
}

describe('instruction table', () => {
  it('has unique mnemonics', () => {
    expect(INSTRUCTION_BY_MNEMONIC.size).toBe(INSTRUCTIONS.length);
  });

  it('every match has no bits outside its mask', () => {
    for (const e of INSTRUCTIONS) expect(((e.match & ~e.mask) >>> 0), e.mnemonic).toBe(0);
  });

  it('fixed bits plus operand fields cover the whole word exactly once', () => {
    for (const e of INSTRUCTIONS) {
      const full = e.length === 2 ? 0xffff : 0xffffffff;
      let covered = e.mask;
      const fields = [...e.operands.flatMap((o) => OPERANDS[o].fields), ...e.extraFields];
      for (const f of fields) {
        const bits = FIELDS[f].bits;
        // A specialization may fix bits a general form's field would hold (c.jr's rs2, fence.tso's fm...).
        expect(((covered & bits) >>> 0), `${e.mnemonic}: field ${f} overlaps ${hex(covered)}`).toBe(0);
        covered = (covered | bits) >>> 0;
      }
      expect(hex(covered), e.mnemonic).toBe(hex(full));
    }
  });

  it('no two encodings overlap, except documented specializations', () => {
    const clashes: string[] = [];
    for (let i = 0; i < INSTRUCTIONS.length; i++) {
      for (let j = i + 1; j < INSTRUCTIONS.length; j++) {
        const a = INSTRUCTIONS[i];
        const b = INSTRUCTIONS[j];
        if (a.length !== b.length) continue;
        // Two patterns overlap when some word satisfies both: they agree on their common fixed bits.
        const common = (a.mask & b.mask) >>> 0;
        if (((a.match & common) >>> 0) !== ((b.match & common) >>> 0)) continue;
        const aInB = ((a.match & b.mask) >>> 0) === b.match && ((a.mask & b.mask) >>> 0) === b.mask;
        const bInA = ((b.match & a.mask) >>> 0) === a.match && ((a.mask & b.mask) >>> 0) === a.mask;
        if ((aInB && specializes(a, b)) || (bInA && specializes(b, a))) continue;
        clashes.push(`${a.mnemonic} / ${b.mnemonic}`);
      }
    }
    expect(clashes).toEqual([]);
  });

  it('documented specializations are strict special cases', () => {
    for (const e of INSTRUCTIONS) {
      if (e.specializes === undefined) continue;
      const g = INSTRUCTION_BY_MNEMONIC.get(e.specializes);
      expect(g, e.specializes).toBeDefined();
      if (!g) continue;
      expect(((e.match & g.mask) >>> 0), e.mnemonic).toBe(g.match);
      expect(((e.mask & g.mask) >>> 0), e.mnemonic).toBe(g.mask);
      expect(e.mask, e.mnemonic).not.toBe(g.mask);
    }
  });

  it('decodes every entry from its own match, and the specific form wins', () => {
    for (const e of INSTRUCTIONS) {
      // Fill every field with a small nonzero value so general forms are not mistaken for their
      // special cases (c.addi with rd=0/imm=0 is c.nop) or reserved values (c.addi4spn nzuimm=0).
      let word = e.match;
      for (const f of [...e.operands.flatMap((o) => OPERANDS[o].fields), ...e.extraFields]) {
        word = (word | (FIELDS[f].encode(FIELDS[f].min > 0 ? FIELDS[f].min + 1 : FIELDS[f].align) ?? 0)) >>> 0;
      }
      expect(decodeEntry(word >>> 0, e.length)?.mnemonic, `${e.mnemonic} ${hex(word)}`).toBe(e.mnemonic);
    }
    expect(decodeEntry(0x0000, 2)).toBeUndefined(); // c.addi4spn with nzuimm=0: the all-zero illegal instruction
    expect(decodeEntry(0x8002, 2)).toBeUndefined(); // c.jr x0: reserved
    expect(decodeEntry(0xffffffff, 4)).toBeUndefined();
  });

  it('field encoders round-trip', () => {
    for (const f of Object.values(FIELDS)) {
      for (const v of [f.min, f.max, f.min + f.align, f.max - f.align]) {
        const bits = f.encode(v);
        expect(bits, `${f.name} ${v}`).toBeDefined();
        expect(((bits ?? 0) & ~f.bits) >>> 0).toBe(0);
        expect(f.decode(bits ?? 0), f.name).toBe(v);
      }
      expect(f.encode(f.max + f.align), f.name).toBeUndefined();
      if (f.align > 1) expect(f.encode(f.align / 2 + f.align), f.name).toBeUndefined();
    }
  });
});
