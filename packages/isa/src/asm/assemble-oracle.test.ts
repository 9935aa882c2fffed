import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIELDS } from '../encoding/fields.js';
import { OPERANDS } from '../encoding/operands.js';
import { INSTRUCTIONS } from '../encoding/table.js';
import { assemble } from './assemble.js';
import { disassemble } from './disassemble.js';
import { AS, hasTool, withTempDir } from './objdump-support.js';

/** Sampled words for every 32-bit table entry (deterministic LCG). */
function samples(): { word: number; hasTarget: boolean }[] {
  let s = 12345;
  const next = (): number => (s = (Math.imul(s, 1103515245) + 12345) >>> 0);
  const out: { word: number; hasTarget: boolean }[] = [];
  for (const e of INSTRUCTIONS) {
    if (e.length !== 4) continue;
    const fields = [...new Set([...e.operands.flatMap((o) => OPERANDS[o].fields), ...e.extraFields])];
    for (let n = 0; n < 40; n++) {
      let w = e.match;
      for (const f of fields) w = (w | ((n % 4 === 0 ? 0 : next()) & FIELDS[f].bits & ~e.mask)) >>> 0;
      out.push({ word: w >>> 0, hasTarget: e.operands.some((o) => OPERANDS[o].cls === 'target') });
    }
  }
  return out;
}

const words = (bytes: Uint8Array): number[] => {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.length >> 2 }, (_, i) => v.getUint32(i * 4, true));
};

describe('assemble(disassemble(w)) round-trips', () => {
  it('for a sample of every 32-bit entry', () => {
    const bad: string[] = [];
    for (const { word } of samples()) {
      const pc = 0x80001000n;
      const d = disassemble(word, pc, 4, { prefixTargets: true });
      const text = `${d.mnemonic} ${d.operands}`;
      // Reserved rounding modes / empty fence sets print as 'unknown', which no assembler accepts.
      if (text.includes('unknown')) continue;
      let got: number | string;
      try {
        got = words(assemble(text, { base: pc }).bytes)[0];
      } catch (e) {
        got = String(e);
      }
      // The disassembly may pick a different but equivalent encoding only for ignored fields.
      if (got !== word) bad.push(`${word.toString(16)} '${text}' -> ${typeof got === 'number' ? got.toString(16) : got}`);
    }
    expect(bad.slice(0, 30)).toEqual([]);
  });
});

describe.skipIf(!hasTool(AS))('assemble matches riscv64-unknown-elf-as', () => {
  const gnu = (src: string): Uint8Array =>
    withTempDir((dir) => {
      writeFileSync(join(dir, 'a.s'), src);
      execFileSync(AS, ['-march=rv64gch', '-o', join(dir, 'a.o'), join(dir, 'a.s')]);
      execFileSync('riscv64-unknown-elf-objcopy', ['-O', 'binary', '-j', '.text', join(dir, 'a.o'), join(dir, 'a.bin')]);
      return new Uint8Array(readFileSync(join(dir, 'a.bin')));
    });
  const texts = samples()
    .filter((s) => !s.hasTarget)
    .map((s) => disassemble(s.word, 0n, 4))
    .filter((d) => !d.mnemonic.startsWith('.') && !d.operands.includes('unknown'))
    .map((d) => `${d.mnemonic} ${d.operands}`);
  const extra = ['li a0, 0x123456789abcdef0', 'li t0, -0x80000001', 'li a5, 0xfff', 'li s1, 0x7ffff800', 'li a0, 1 << 40', 'nop', 'ret', 'fence', 'csrwi mstatus, 3', 'fadd.d ft0, ft1, ft2, rtz', 'amoadd.w.aqrl a0, a1, (a2)'];
  for (const rvc of [false, true]) {
    it(`encodes ${texts.length + extra.length} instructions identically (${rvc ? '.option rvc' : '.option norvc'})`, () => {
      const src = `.option ${rvc ? 'rvc' : 'norvc'}\n${[...texts, ...extra].join('\n')}\n`;
      const want = gnu(src);
      const got = assemble(src).bytes;
      if (got.length !== want.length || got.some((b, i) => b !== want[i])) {
        // Find the first differing statement for a useful message.
        const lines = [...texts, ...extra];
        for (const line of lines) {
          const one = `.option ${rvc ? 'rvc' : 'norvc'}\n${line}\n`;
          const a = assemble(one).bytes;
          const b = gnu(one);
          expect(Array.from(a), line).toEqual(Array.from(b));
        }
      }
      expect(got.length).toBe(want.length);
    });
  }
});
