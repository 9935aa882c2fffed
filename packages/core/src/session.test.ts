import { describe, expect, it } from 'vitest';
import { driveSession, nextSlice, type GuestSession, type SessionConsole, type SessionSlice } from './session.js';

/** A guest that takes `msPer100k` of wall time per 100,000 instructions and ends after `total`. */
function slowGuest(total: number, msPer100k: number, anySlice = true): GuestSession & { budgets: number[] } {
  let done = 0;
  const budgets: number[] = [];
  return {
    budgets,
    anySlice,
    run(budget: number): SessionSlice {
      budgets.push(budget);
      const n = Math.min(budget, total - done);
      const until = performance.now() + (n / 100_000) * msPer100k;
      while (performance.now() < until) {
        // the guest's instructions
      }
      done += n;
      return { ran: n, end: done >= total ? 'stopped' : 'budget' };
    },
    input: () => 0,
    inputOpen: false,
    get instructions() {
      return done;
    },
    events: () => ({}),
    exit: () => ({ reason: 'budget' }),
    report: () => undefined,
    snapshot: () => undefined,
    statsLines: () => [],
    close: () => {},
  };
}

const quietConsole = (): SessionConsole => ({ pending: [], quitRequested: false, inputEnded: false, waitForInput: () => Promise.resolve(), flush: () => {} });

describe('nextSlice', () => {
  it('sizes a slice to the instructions that run in about 4 ms at the last slice’s rate', () => {
    expect(nextSlice(2_000_000, 40)).toBe(200_000);
    expect(nextSlice(200_000, 2)).toBe(400_000);
  });
  it('stays within 50,000 and 2,000,000 instructions', () => {
    expect(nextSlice(2_000_000, 1)).toBe(2_000_000);
    expect(nextSlice(100_000, 1000)).toBe(50_000);
    expect(nextSlice(100_000, 0)).toBe(2_000_000);
  });
});

describe('driveSession', () => {
  it('shortens the slices of a slow guest, so that input and output cross sooner', async () => {
    // 2,000,000 instructions take 20 ms here: the next slices aim at a fifth of that or less.
    const g = slowGuest(3_000_000, 1);
    const end = await driveSession(g, quietConsole(), { max: Infinity });
    expect(end).toMatchObject({ end: 'stopped', instructions: 3_000_000 });
    expect(g.budgets[0]).toBe(2_000_000);
    expect(g.budgets[1]).toBeLessThanOrEqual(400_000);
  });
  it('keeps slices of 2,000,000 for a session whose guests would see where they end (anySlice unset)', async () => {
    const g = slowGuest(4_000_000, 1, false);
    await driveSession(g, quietConsole(), { max: Infinity });
    expect(g.budgets).toEqual([2_000_000, 2_000_000]);
  });
  it('keeps a slice given in the options', async () => {
    const g = slowGuest(600_000, 1);
    await driveSession(g, quietConsole(), { max: Infinity, slice: 300_000 });
    expect(g.budgets).toEqual([300_000, 300_000]);
  });
});
