/**
 * When a block head becomes a block (translation-cache.ts): heat by visits and by the instructions
 * the interpreter ran from the head, the threshold, and a head translated once.
 */
import { describe, expect, it } from 'vitest';
import { Mmu, Ram, SystemBus } from '@vm/mmu';
import { assemble } from '../../asm/assemble.js';
import { Hart } from '../hart.js';
import { ManualClock, RAM_BASE } from '../test-support/machine.js';
import { type TranslationCache, TRANSLATE_NEVER } from './translation-cache.js';

const LOOP = `
head:
  addi x5, x5, 1
  addi x6, x6, 2
  bnez x5, head
other:
  addi x7, x7, 1
  j other
`;

function cache(threshold: number, backend: 'wasm' | 'js'): TranslationCache {
  const ram = new Ram(RAM_BASE, 1 << 20);
  const bus = new SystemBus(ram);
  const hart = new Hart({ hartId: 0, bus, mmu: new Mmu(bus), clock: new ManualClock(), translate: true, translateBackend: backend, translateThreshold: threshold });
  ram.load(RAM_BASE, assemble(LOOP, { base: BigInt(RAM_BASE) }).bytes);
  return hart.translations!;
}

describe('heat and the threshold', () => {
  for (const backend of ['wasm', 'js'] as const) {
    it(`${backend}: a head is translated at the visit that reaches the threshold, once`, () => {
      const tc = cache(40, backend);
      // Every visit at the same retired count: heat by visits alone.
      for (let v = 1; v < 40; v++) expect(tc.lookup(0, 0, 0), `visit ${v}`).toBeUndefined();
      expect(tc.stats.translated).toBe(0);
      tc.lookup(0, 0, 0);
      expect(tc.stats.translated).toBe(1);
      expect(tc.isCodePage(0)).toBe(true);
      // WebAssembly blocks wait for their batch (BATCH_DELAY instructions run from pending heads,
      // as the interpreter reports them).
      let b = tc.lookup(0, 0, 0);
      for (let r = 1; b === undefined && r < 100; r++) b = tc.lookup(0, 0, 4096);
      expect(b?.length).toBe(3);
      for (let v = 0; v < 100; v++) expect(tc.lookup(0, 0, 4096)).toBe(b);
      expect(tc.stats.translated).toBe(1);
    });
  }

  it('wasm: the heat the interpreter reports for a head counts toward that head alone', () => {
    const tc = cache(3000, 'wasm');
    // Reports of `head` (offset 0) with 999 gathered add 1,000 each; `other` (offset 12) gets 1.
    for (let round = 1; round <= 2; round++) {
      expect(tc.lookup(0, 0, 999)).toBeUndefined();
      expect(tc.lookup(0, 12)).toBeUndefined();
      expect(tc.stats.translated, `round ${round}`).toBe(0);
    }
    // 3,000 now: this report makes the block; `other` (3) stays cold.
    tc.lookup(0, 0, 999);
    expect(tc.stats.translated).toBe(1);
    tc.lookup(0, 12);
    expect(tc.stats.translated).toBe(1);
  });

  it('refuses a threshold heat cannot count to, but for TRANSLATE_NEVER', () => {
    for (const t of [0, 1.5, 65_536, 100_000]) expect(() => cache(t, 'wasm'), String(t)).toThrow(/translateThreshold .*from 1 to 65534, or 65535 for never/);
    expect(cache(65_534, 'wasm').lookup(0, 0)).toBeUndefined();
  });

  it('never translates at TRANSLATE_NEVER, however much heat comes', () => {
    const c = cache(TRANSLATE_NEVER, 'wasm');
    for (let i = 0; i < 100; i++) expect(c.lookup(0, 0, 4095)).toBeUndefined();
    for (let i = 0; i < 70_000; i++) c.lookup(0, 0);
    expect(c.stats.translated).toBe(0);
    // One below: the same heat translates it.
    const d = cache(65_534, 'wasm');
    for (let i = 0; i < 100; i++) d.lookup(0, 0, 4095);
    expect(d.stats.translated).toBe(1);
  });
});
