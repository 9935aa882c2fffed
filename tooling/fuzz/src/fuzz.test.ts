import { afterAll, describe, expect, it } from 'vitest';
import { wildProgram } from './guest-generator.js';
import { FAILURES, MODES, WILD_RAM, hostedFuzzStack, runGuest, type GuestResult } from './guest-runners.js';
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

  // The bare stack is built once per process and put back to its power-on checkpoint before each
  // seed: a seed's result must not depend on the seeds run before it, so `--start SEED --seeds 1`
  // replays what a long run saw. Seeds run in one process, in both orders, against boards built
  // for each seed alone.
  it('a reused bare stack gives every seed the outcome, instruction count and end state it has alone', () => {
    const seeds = Array.from({ length: 30 }, (_, i) => i + 1);
    const key = (r: GuestResult): string => `${r.seed} ${r.outcome} ${r.instructions} ${r.fingerprint}`;
    const alone = seeds.map((s) => key(runGuest('bare', s, { budget: 2000, fresh: true, fingerprint: true })));
    const forward = seeds.map((s) => key(runGuest('bare', s, { budget: 2000, fingerprint: true })));
    const backward = [...seeds].reverse().map((s) => key(runGuest('bare', s, { budget: 2000, fingerprint: true }))).reverse();
    expect(forward).toEqual(alone);
    expect(backward).toEqual(alone);
    // Not a vacuous comparison: among these seeds some run their whole budget, some trap forever
    // after a few instructions, one waits in WFI.
    expect(new Set(alone.map((k) => k.split(' ')[1])).size).toBeGreaterThanOrEqual(2);
    expect(new Set(alone.map((k) => k.split(' ')[2])).size).toBeGreaterThanOrEqual(4);
  }, 120_000);

  // The native stacks reuse one hypervisor per mode, put back to its power-on state before each
  // guest (NativeHypervisor.reset); the hosted stacks reuse one host OS per mode: each guest's VMMs
  // are killed and reaped after it, the host checked to hold no process, no frame in use and no
  // RAM watcher left. A seed must see the same there as on a stack built for it alone: outcome,
  // instruction count and end state (GuestResult.fingerprint).
  it.each(['native-trap', 'native-hext', 'hosted-accel', 'hosted-soft'] as const)('a reused %s stack gives every seed the outcome, instruction count and end state it has alone', (mode) => {
    // Seed 26 waits in WFI after 11 instructions; the others run to their budget, most of it traps.
    const seeds = Array.from({ length: 12 }, (_, i) => i + 19);
    const key = (r: GuestResult): string => `${r.seed} ${r.outcome} ${r.instructions} ${r.fingerprint}`;
    const alone = seeds.map((s) => key(runGuest(mode, s, { budget: 2000, fresh: true, fingerprint: true })));
    const forward = seeds.map((s) => key(runGuest(mode, s, { budget: 2000, fingerprint: true })));
    const backward = [...seeds].reverse().map((s) => key(runGuest(mode, s, { budget: 2000, fingerprint: true }))).reverse();
    expect(forward).toEqual(alone);
    expect(backward).toEqual(alone);
    // Not vacuous: the seeds end in different ways after different instruction counts.
    expect(new Set(alone.map((k) => k.split(' ')[1])).size).toBeGreaterThanOrEqual(2);
    expect(new Set(alone.map((k) => k.split(' ')[2])).size).toBeGreaterThanOrEqual(4);
  }, 120_000);

  it.each(['accel', 'soft'] as const)('a reused hosted %s host sees a stray store into free host memory as an escape, then starts clean', (mode) => {
    const name = mode === 'accel' ? 'hosted-accel' : 'hosted-soft';
    const clean = runGuest(name, 5, { budget: 2000, fresh: true });
    expect(runGuest(name, 5, { budget: 2000 })).toEqual(clean);
    // What a guest escaping its RAM would do: change a byte of host memory that no one owns.
    const stack = hostedFuzzStack(mode, WILD_RAM, 2000);
    const ram = stack.kernel.machine.ram;
    let pa = ram.base + ram.size - 4096;
    while (!stack.kernel.frames.isFree(pa)) pa -= 4096;
    ram.write8(pa + 100, ram.read8(pa + 100) ^ 0x5a);
    const hit = runGuest(name, 5, { budget: 2000 });
    expect(hit.outcome).toBe('escape');
    expect(hit.detail).toBe(`host byte 0x${(pa + 100).toString(16)} changed`);
    // The failure is not charged to the next seed: the host is rebuilt.
    expect(runGuest(name, 5, { budget: 2000 })).toEqual(clean);
  }, 60_000);

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
