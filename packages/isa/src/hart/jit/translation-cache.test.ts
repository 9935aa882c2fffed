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
      // WebAssembly blocks wait for their batch (BATCH_DELAY instructions run from pending heads).
      let b = tc.lookup(0, 0, 0);
      for (let r = 1; b === undefined && r < 100; r++) b = tc.lookup(0, 0, r * 4096);
      expect(b?.length).toBe(3);
      for (let v = 0; v < 100; v++) expect(tc.lookup(0, 0, 1_000_000)).toBe(b);
      expect(tc.stats.translated).toBe(1);
    });
  }

  it('wasm: what the interpreter ran from a head up to the next lookup counts toward its heat', () => {
    const tc = cache(3000, 'wasm');
    // Visits of `head` (offset 0) each followed by 1,000 instructions and a visit of `other`
    // (offset 12): head's heat grows by 1,001 a round, other's by 1.
    let retired = 0;
    for (let round = 1; round <= 3; round++) {
      expect(tc.lookup(0, 0, retired)).toBeUndefined();
      retired += 1000;
      expect(tc.lookup(0, 12, retired)).toBeUndefined();
      expect(tc.stats.translated, `round ${round}`).toBe(0);
    }
    // 3,003 now: the next visit makes the block.
    tc.lookup(0, 0, retired);
    expect(tc.stats.translated).toBe(1);
  });

  it('wasm: a visit credits at most 4,096 instructions', () => {
    const tc = cache(5000, 'wasm');
    expect(tc.lookup(0, 12, 0)).toBeUndefined();
    // 100,000 instructions later: other's heat is 1 + 4,096, not 100,001.
    expect(tc.lookup(0, 0, 100_000)).toBeUndefined();
    expect(tc.lookup(0, 12, 100_000)).toBeUndefined();
    expect(tc.stats.translated).toBe(0);
  });

  it('refuses a threshold heat cannot count to, but for TRANSLATE_NEVER', () => {
    for (const t of [0, 1.5, 65_536, 100_000]) expect(() => cache(t, 'wasm'), String(t)).toThrow(/translateThreshold .*from 1 to 65534, or 65535 for never/);
    expect(cache(65_534, 'wasm').lookup(0, 0, 0)).toBeUndefined();
  });

  it('never translates at TRANSLATE_NEVER, however much heat comes', () => {
    const c = cache(TRANSLATE_NEVER, 'wasm');
    for (let i = 0; i < 100; i++) expect(c.visit(0, 0, 4095)).toBeUndefined();
    for (let i = 0; i < 70_000; i++) c.lookup(0, 0, 0);
    expect(c.stats.translated).toBe(0);
    // One below: the same heat translates it.
    const d = cache(65_534, 'wasm');
    for (let i = 0; i < 100; i++) d.visit(0, 0, 4095);
    expect(d.stats.translated).toBe(1);
  });
});
