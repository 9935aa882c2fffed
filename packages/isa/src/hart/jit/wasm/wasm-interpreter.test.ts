/**
 * The interpreter in the WebAssembly dispatcher: it runs code without blocks, leaves to the
 * JavaScript interpreter only what it does not run, and reports heads' heat so that hot ones
 * become blocks (differential.test.ts checks its results against the JavaScript interpreter's).
 */
import { describe, expect, it } from 'vitest';
import { Mmu, Ram, SystemBus } from '@vm/mmu';
import { assemble } from '../../../asm/assemble.js';
import { Hart } from '../../hart.js';
import { ManualClock, RAM_BASE } from '../../test-support/machine.js';
import { HOT_THRESHOLD_WASM, TRANSLATE_NEVER } from '../translation-cache.js';

const LOOP = `
  li x5, 20000
loop:
  addi x6, x6, 3
  c.addi x7, 1
  slli x8, x6, 2
  sd x8, 0(x9)
  ld x10, 0(x9)
  add x11, x11, x10
  addi x5, x5, -1
  bnez x5, loop
  wfi
`;

/** A device register that counts: reads return the count of reads so far, writes add to a sum. */
const counter = { reads: 0, writes: 0, sum: 0n };
const COUNTER_BASE = 0x1000_0000;

function board(src: string, threshold?: number): { hart: Hart; jsCalls: () => number; budgets: number[] } {
  const ram = new Ram(RAM_BASE, 1 << 20);
  const bus = new SystemBus(ram);
  Object.assign(counter, { reads: 0, writes: 0, sum: 0n });
  bus.attach('counter', COUNTER_BASE, {
    size: 8,
    accessWidths: [4, 8],
    read: () => BigInt(counter.reads++),
    write: (_o, _w, v) => {
      counter.writes++;
      counter.sum += v;
    },
  });
  const hart = new Hart({ hartId: 0, bus, mmu: new Mmu(bus), clock: new ManualClock(), translate: true, translateBackend: 'wasm', translateThreshold: threshold });
  ram.load(RAM_BASE, assemble(src, { base: BigInt(RAM_BASE) }).bytes);
  hart.reset(BigInt(RAM_BASE));
  hart.x[9] = BigInt(RAM_BASE + 0x8000);
  // Count entries into the JavaScript interpreter (a private method: the test wraps it).
  const h = hart as unknown as { interpret: (budget: number, jit: boolean) => unknown };
  const js = h.interpret.bind(hart);
  let calls = 0;
  const budgets: number[] = [];
  h.interpret = (budget, jit) => {
    calls++;
    budgets.push(budget);
    return js(budget, jit);
  };
  return { hart, jsCalls: () => calls, budgets };
}

describe.skipIf(process.env['VM_WASM'] === '0')('the interpreter in the WebAssembly dispatcher', () => {
  it('runs a loop no head of which gets hot without the JavaScript interpreter (but for WFI)', () => {
    const { hart, jsCalls } = board(LOOP, TRANSLATE_NEVER);
    expect(hart.run(1_000_000).reason).toBe('wfi');
    expect(hart.x[6]).toBe(60000n);
    expect(hart.x[7]).toBe(20000n);
    expect(hart.x[11]).toBe(4n * 3n * ((20000n * 20001n) / 2n));
    expect(hart.retired).toBe(2 + 8 * 20000 + 1); // li is lui + addi
    expect(hart.translations!.stats.translated).toBe(0);
    // Entered once, for the WFI at the end (and once at the very start when the fetch cache is cold).
    expect(jsCalls()).toBeLessThanOrEqual(2);
  });

  it('expands compressed parcels it meets first itself, without the JavaScript interpreter', () => {
    const src = `
  j start
start:
  c.li x10, 1
  c.addi x10, 2
  c.slli x10, 3
  c.mv x11, x10
  c.add x11, x10
  c.srai x11, 1
  wfi
`;
    const { hart, jsCalls } = board(src, TRANSLATE_NEVER);
    expect(hart.run(1000).reason).toBe('wfi');
    expect(hart.x[10]).toBe(24n);
    expect(hart.x[11]).toBe(24n);
    // The first instruction (a cold fetch cache) and the WFI: no parcel went to JavaScript.
    expect(jsCalls()).toBeLessThanOrEqual(2);
  });

  it('reports heat: the loop becomes a block at the default threshold, with the same result', () => {
    const { hart } = board(LOOP);
    expect(hart.run(1_000_000).reason).toBe('wfi');
    expect(hart.x[11]).toBe(4n * 3n * ((20000n * 20001n) / 2n));
    expect(hart.retired).toBe(2 + 8 * 20000 + 1); // li is lui + addi
    // 160,000 instructions from one head: hot once it has gathered HOT_THRESHOLD_WASM.
    expect(HOT_THRESHOLD_WASM).toBeLessThan(160_000);
    expect(hart.translations!.stats.translated).toBeGreaterThan(0);
  });

  it('leaves what it does not run to the JavaScript interpreter and takes over again after it', () => {
    // FENCE.I is the JavaScript interpreter's: one entry per pass, and nothing else.
    const { hart, jsCalls } = board(LOOP.replace('  bnez x5, loop', '  fence.i\n  bnez x5, loop').replace('20000', '200'), TRANSLATE_NEVER);
    expect(hart.run(1_000_000).reason).toBe('wfi');
    expect(hart.x[11]).toBe(4n * 3n * ((200n * 201n) / 2n));
    expect(jsCalls()).toBeGreaterThanOrEqual(200);
    expect(jsCalls()).toBeLessThanOrEqual(202);
  });

  it('runs only the instruction it left there: the JavaScript interpreter gets a budget of one', () => {
    const { hart, budgets } = board(LOOP.replace('  bnez x5, loop', '  fence.i\n  bnez x5, loop').replace('20000', '200'), TRANSLATE_NEVER);
    expect(hart.run(1_000_000).reason).toBe('wfi');
    // Each pass's FENCE.I alone (the first entry, a cold fetch cache, and the last, WFI, aside).
    expect(budgets.filter((b) => b === 1).length).toBeGreaterThanOrEqual(200);
    expect(budgets.filter((b) => b !== 1).length).toBeLessThanOrEqual(2);
  });

  it('runs MMIO loads and stores through the hart, not the JavaScript interpreter, at the same counts', () => {
    // Each pass: read the counter register, add it to x11, write x11 back to the device.
    const src = `
  li x9, ${COUNTER_BASE}
  li x5, 300
loop:
  ld x10, 0(x9)
  add x11, x11, x10
  sd x11, 0(x9)
  addi x5, x5, -1
  bnez x5, loop
  wfi
`;
    const { hart, jsCalls } = board(src, TRANSLATE_NEVER);
    expect(hart.run(1_000_000).reason).toBe('wfi');
    expect(counter.reads).toBe(300);
    expect(counter.writes).toBe(300);
    // x11 after pass i is the sum of 0..i; the device got the running sums.
    expect(hart.x[11]).toBe((299n * 300n) / 2n);
    let expected = 0n;
    for (let i = 0n, run = 0n; i < 300n; i++) expected += run += i;
    expect(counter.sum).toBe(expected);
    expect(hart.retired).toBe(2 + 5 * 300 + 1); // each li is one instruction here
    expect(jsCalls()).toBeLessThanOrEqual(2);
  });
});
