import { afterAll, describe, expect, it } from 'vitest';
import { wildProgram } from './guest-generator.js';
import { FAILURES, MODES, runGuest } from './guest-runners.js';
import { FORMATS, MutationFuzzer } from './mutation-fuzz.js';

/**
 * A CI-sized slice of `pnpm fuzz`: the same generator, runners and mutators as a large run, a few
 * seeds each. A large run is `pnpm fuzz --seeds N --mutations M` (see README).
 */
describe('the fuzz engine (CI slice)', () => {
  it('generates the same wild guest for the same seed, and different ones for different seeds', () => {
    expect(wildProgram(7)).toEqual(wildProgram(7));
    expect(wildProgram(7)).not.toEqual(wildProgram(8));
  });

  // Every stack and mode: the bare board, native trap-and-emulate and H extension (whose wild
  // guests all hung in NativeHypervisor.run before trap steps were bounded), hosted accel and soft.
  it.each(MODES)('wild guests on %s end in a reported state, with the neighbour intact', (mode) => {
    for (let seed = 1; seed <= 12; seed++) {
      const r = runGuest(mode, seed, { budget: 20_000 });
      expect(FAILURES, `${mode} seed ${seed}: ${r.outcome} ${r.detail ?? ''}`).not.toContain(r.outcome);
    }
  }, 120_000);

  const fuzzer = new MutationFuzzer();
  afterAll(() => fuzzer.close());
  // Every format, checksum-valid crafted snapshots and migration streams included.
  it.each(FORMATS)('mutated %s inputs are accepted or refused with a clear error', async (format) => {
    for (let seed = 1; seed <= 100; seed++) {
      const r = await fuzzer.run(format, seed);
      expect(r.outcome, `${format} seed ${seed}: ${r.detail ?? ''}`).not.toBe('uncaught');
    }
  }, 120_000);
});
