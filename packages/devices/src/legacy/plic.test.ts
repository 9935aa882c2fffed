import { describe, expect, it } from 'vitest';
import { ConfigError } from '@vm/core';
import { Plic } from './plic.js';
import type { PlicState } from './plic.js';
import { SnapshotVersionError } from './snapshot-version.js';
import { ProbeLine } from './test-support/probes.js';

const PRIORITY = 0x0, PENDING = 0x1000, ENABLE = 0x2000, CONTEXT = 0x200000;
const enableReg = (ctx: number, word = 0): number => ENABLE + 0x80 * ctx + 4 * word;
const thresholdReg = (ctx: number): number => CONTEXT + 0x1000 * ctx;
const claimReg = (ctx: number): number => CONTEXT + 0x1000 * ctx + 4;

/** One hart: context 0 = M-mode (MEIP), context 1 = S-mode (SEIP), as on the virt board. */
function setup(contexts = 2) {
  const outs = Array.from({ length: contexts }, () => new ProbeLine());
  const plic = new Plic({ contexts: outs });
  const rd = (off: number): number => Number(plic.read(off, 4));
  const wr = (off: number, v: number): void => plic.write(off, 4, BigInt(v));
  const claim = (ctx: number): number => rd(claimReg(ctx));
  const complete = (ctx: number, src: number): void => wr(claimReg(ctx), src);
  return { plic, outs, rd, wr, claim, complete };
}

describe('Plic', () => {
  it('has the virt geometry and validates its options', () => {
    const { plic } = setup();
    expect(plic.size).toBe(0x600000);
    expect(plic.accessWidths).toEqual([4]);
    expect(plic.sources).toBe(96);
    expect(() => plic.source(0)).toThrow(ConfigError);
    expect(() => plic.source(96)).toThrow(ConfigError);
    expect(() => new Plic({ contexts: [] })).toThrow(ConfigError);
  });

  it('keeps 3-bit WARL priorities; source 0 is hardwired to 0', () => {
    const { rd, wr, plic } = setup();
    wr(PRIORITY + 4 * 10, 0xff);
    expect(rd(PRIORITY + 4 * 10)).toBe(7);
    wr(PRIORITY + 4 * 95, 3);
    expect(rd(PRIORITY + 4 * 95)).toBe(3);
    wr(PRIORITY, 5);
    expect(rd(PRIORITY)).toBe(0);
    wr(thresholdReg(1), 9);
    expect(rd(thresholdReg(1))).toBe(1);
    expect(rd(PRIORITY + 4 * 96)).toBe(0); // beyond the last source
    expect(plic.guestErrors).toBe(2);
  });

  it('masks enable bits of source 0 and of sources that do not exist', () => {
    const { rd, wr } = setup();
    wr(enableReg(1, 0), 0xffff_ffff);
    expect(rd(enableReg(1, 0)) >>> 0).toBe(0xffff_fffe);
    wr(enableReg(1, 2), 0xffff_ffff); // sources 64..95
    expect(rd(enableReg(1, 2)) >>> 0).toBe(0xffff_ffff);
    wr(enableReg(1, 3), 0xffff_ffff); // sources 96.. do not exist
    expect(rd(enableReg(1, 3))).toBe(0);
  });

  it('runs the claim/complete flow of a level-triggered source', () => {
    const { plic, outs, rd, wr, claim, complete } = setup();
    const uart = plic.source(10);
    wr(PRIORITY + 4 * 10, 1);
    wr(enableReg(1), 1 << 10); // S-mode context only
    uart.set(true);
    expect(outs[1]!.level).toBe(true);
    expect(outs[0]!.level).toBe(false);
    expect(rd(PENDING)).toBe(1 << 10);

    expect(claim(1)).toBe(10);
    expect(outs[1]!.level).toBe(false);
    expect(rd(PENDING)).toBe(0);
    expect(plic.isClaimed(10)).toBe(true);
    expect(claim(1)).toBe(0); // nothing else pending

    complete(1, 10); // the line is still high: pending again
    expect(rd(PENDING)).toBe(1 << 10);
    expect(outs[1]!.level).toBe(true);
    expect(claim(1)).toBe(10);
    uart.set(false); // the driver serviced the device
    complete(1, 10);
    expect(rd(PENDING)).toBe(0);
    expect(outs[1]!.level).toBe(false);
  });

  it('does not re-pend a claimed source until completion (gateway)', () => {
    const { plic, outs, rd, wr, claim, complete } = setup();
    const src = plic.source(3);
    wr(PRIORITY + 12, 2);
    wr(enableReg(0), 1 << 3);
    src.set(true);
    expect(claim(0)).toBe(3);
    src.set(false);
    src.set(true);
    expect(rd(PENDING)).toBe(0);
    expect(outs[0]!.level).toBe(false);
    complete(0, 3);
    expect(rd(PENDING)).toBe(1 << 3);
    expect(outs[0]!.level).toBe(true);
  });

  it('withdraws a request whose line drops before it is claimed', () => {
    const { plic, outs, rd, wr } = setup();
    wr(PRIORITY + 4 * 5, 1);
    wr(enableReg(0), 1 << 5);
    plic.source(5).set(true);
    expect(outs[0]!.level).toBe(true);
    plic.source(5).set(false);
    expect(rd(PENDING)).toBe(0);
    expect(outs[0]!.level).toBe(false);
  });

  it('claims by priority, ties going to the lowest source ID', () => {
    const { plic, rd, wr, claim, complete } = setup();
    for (const [src, prio] of [[5, 2], [3, 2], [7, 5], [40, 2]] as const) {
      wr(PRIORITY + 4 * src, prio);
      plic.source(src).set(true);
    }
    wr(enableReg(0, 0), (1 << 3) | (1 << 5) | (1 << 7));
    wr(enableReg(0, 1), 1 << (40 - 32));
    expect(rd(PENDING + 4)).toBe(1 << 8);
    expect([claim(0), claim(0), claim(0), claim(0), claim(0)]).toEqual([7, 3, 5, 40, 0]);
    for (const s of [7, 3, 5, 40]) {
      plic.source(s).set(false);
      complete(0, s);
    }
    expect(rd(PENDING) | rd(PENDING + 4)).toBe(0);
  });

  it('handles the top bit of each enable/pending word and the last source (95)', () => {
    const { plic, rd, wr, claim } = setup();
    for (const src of [31, 63, 95]) {
      wr(PRIORITY + 4 * src, 1);
      plic.source(src).set(true);
      wr(enableReg(0, src >>> 5), 1 << 31);
    }
    expect(rd(PENDING) >>> 0).toBe(0x8000_0000);
    expect(rd(PENDING + 8) >>> 0).toBe(0x8000_0000);
    expect([claim(0), claim(0), claim(0), claim(0)]).toEqual([31, 63, 95, 0]);
  });

  it('only signals and claims sources above the context threshold; priority 0 never interrupts', () => {
    const { plic, outs, wr, claim } = setup();
    wr(enableReg(0), (1 << 1) | (1 << 2));
    plic.source(1).set(true); // priority 0: never
    expect(outs[0]!.level).toBe(false);
    expect(claim(0)).toBe(0);
    wr(PRIORITY + 8, 3);
    plic.source(2).set(true);
    expect(outs[0]!.level).toBe(true);
    wr(thresholdReg(0), 3);
    expect(outs[0]!.level).toBe(false);
    expect(claim(0)).toBe(0);
    wr(thresholdReg(0), 2);
    expect(outs[0]!.level).toBe(true);
    expect(claim(0)).toBe(2);
  });

  it('shares a source between two contexts: the first claim takes it from both', () => {
    const { plic, outs, wr, claim, complete } = setup(4); // two harts
    wr(PRIORITY + 4 * 8, 1);
    wr(enableReg(1), 1 << 8); // hart 0 S-mode
    wr(enableReg(3), 1 << 8); // hart 1 S-mode
    plic.source(8).set(true);
    expect(outs.map((o) => o.level)).toEqual([false, true, false, true]);
    expect(claim(3)).toBe(8);
    expect(outs.map((o) => o.level)).toEqual([false, false, false, false]);
    expect(claim(1)).toBe(0);
    plic.source(8).set(false);
    complete(3, 8);
    expect(plic.isClaimed(8)).toBe(false);
  });

  it('ignores a completion for a source not enabled in that context', () => {
    const { plic, outs, wr, claim, complete } = setup();
    wr(PRIORITY + 4 * 9, 1);
    wr(enableReg(0), 1 << 9);
    plic.source(9).set(true);
    expect(claim(0)).toBe(9);
    complete(1, 9); // context 1 has source 9 disabled
    expect(plic.isClaimed(9)).toBe(true);
    expect(outs[0]!.level).toBe(false);
    complete(0, 9);
    expect(plic.isClaimed(9)).toBe(false);
    expect(outs[0]!.level).toBe(true); // line still high
  });

  it('raises and lowers a context output when enables change', () => {
    const { plic, outs, wr } = setup();
    wr(PRIORITY + 4, 1);
    plic.source(1).set(true);
    expect(outs[0]!.level).toBe(false);
    wr(enableReg(0), 2);
    expect(outs[0]!.level).toBe(true);
    wr(enableReg(0), 0);
    expect(outs[0]!.level).toBe(false);
  });

  it('reads unknown registers as 0 and ignores writes to them and to pending bits', () => {
    const { plic, rd, wr } = setup();
    plic.source(4).set(true);
    wr(PENDING, 0);
    expect(rd(PENDING)).toBe(1 << 4);
    expect(rd(CONTEXT + 8)).toBe(0);
    expect(rd(thresholdReg(2))).toBe(0); // only two contexts
    wr(claimReg(5), 4);
    expect(plic.guestErrors).toBe(4);
  });

  it('round-trips its state and re-drives the context outputs on restore', () => {
    const a = setup();
    a.wr(PRIORITY + 4 * 10, 4);
    a.wr(PRIORITY + 4 * 11, 2);
    a.wr(enableReg(1), (1 << 10) | (1 << 11));
    a.wr(thresholdReg(0), 1);
    a.plic.source(10).set(true);
    a.plic.source(11).set(true);
    expect(a.claim(1)).toBe(10);
    const snap = a.plic.snapshot();
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);

    const b = setup();
    b.plic.restore(snap);
    expect(b.plic.snapshot()).toEqual(snap);
    expect(b.outs[1]!.level).toBe(true); // source 11 still pending
    expect(b.claim(1)).toBe(11);
    b.complete(1, 10);
    expect(b.claim(1)).toBe(10); // line 10 was high in the snapshot
    expect(() => b.plic.restore({ ...snap, version: 0 } as unknown as PlicState)).toThrow(SnapshotVersionError);
  });
});
