import { describe, expect, it } from 'vitest';
import { assemble } from '@vm/isa';
import { bootVirt } from './boot.js';
import { VirtMachine } from './virt.js';

/*
 * The board's rounds (VirtMachine.run): each hart in turn runs a quantum, then devices are
 * serviced. Which hart runs when must depend on the guest alone — the CLI sizes its budgets by wall
 * time — and a hart another hart wakes in the same round must not be taken for idle.
 */

const LOG = 0x8010_0000;
const ITERATIONS = 400;

/** Where each hart records the iteration its Sstc timer interrupt came in. */
const TAKEN = LOG + 0x8000;
const HARTS = 3;
const QUANTUM = 1000;
/**
 * Each hart's timer, in ticks (10 instructions of the board, all harts) after its first turn began:
 * one round and a tenth of a turn, so it expires inside the hart's own second turn, where only a
 * cut at a budget (not the turn's start) could make the hart see STIP sooner.
 */
const DEADLINE = (HARTS * QUANTUM + QUANTUM / 10) / 10;

/**
 * M-mode, every hart: arm an Sstc timer (stimecmp, menvcfg.STCE) a little ahead, whose handler
 * records the iteration it interrupted; ITERATIONS times take the next log slot with amoadd.d and
 * write (iterations left << 8 | hartid) there, then a busy loop as long as the hart id; then wait
 * in WFI. The log records the harts' interleaving; TAKEN where each timer came in (no `time` read
 * in the loop: reading it re-evaluates STIP, which would hide where the board does).
 */
const LOGGING = assemble(
  `
  csrr s2, mhartid
  li s0, ${LOG}
  la t5, handler
  csrw mtvec, t5
  li t5, 1
  slli t5, t5, 63
  csrw 0x30a, t5
  rdtime t5
  addi t5, t5, ${DEADLINE}
  csrw 0x14d, t5
  li t5, 0x20
  csrw mie, t5
  csrsi mstatus, 8
  li t0, ${ITERATIONS}
  li t1, 1
loop:
  amoadd.d t2, t1, (s0)
  slli t2, t2, 3
  add t2, t2, s0
  slli t3, t0, 8
  or t3, t3, s2
  sd t3, 8(t2)
  addi t4, s2, 3
1:
  addi t4, t4, -1
  bnez t4, 1b
  addi t0, t0, -1
  bnez t0, loop
2:
  wfi
  j 2b
handler:
  li t6, ${TAKEN}
  slli a0, s2, 3
  add t6, t6, a0
  sd t0, 0(t6)
  li t6, -1
  csrw 0x14d, t6
  mret
`,
  { base: 0x8000_0000n },
).bytes;

function board(): VirtMachine {
  const m = new VirtMachine({ memory: 16 << 20, harts: HARTS, quantum: QUANTUM, translate: true, translateThreshold: 2, console: () => {} });
  bootVirt(m, { kernel: { file: 'logging.bin', bytes: LOGGING } });
  return m;
}

/** Run with budgets from `budget()` until every hart waits; each hart's count and the log. */
function runOut(m: VirtMachine, budget: () => number): { retired: number[]; log: string; taken: bigint[] } {
  for (let i = 0; ; i++) {
    if (i > 100_000) throw new Error('the harts did not finish');
    const exit = m.run(budget());
    if (exit.reason === 'wfi') break;
    expect(exit.reason).toBe('budget');
  }
  const log = m.ram.copyOut(LOG, 8 + ITERATIONS * HARTS * 8);
  const taken = m.harts.map((_h, i) => m.ram.read64(TAKEN + 8 * i));
  return { retired: m.harts.map((h) => h.retired), log: Buffer.from(log).toString('hex'), taken };
}

/** A small xorshift generator: budgets that end inside turns at shifting points. */
function budgets(seed: number, max: number): () => number {
  let s = seed;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return 1 + ((s >>> 0) % max);
  };
}

describe('the board runs its harts in rounds', () => {
  const straight = runOut(board(), () => 1_000_000);

  it('gives the same interleaving, timer interrupts and counts whatever the budgets', () => {
    expect(straight.retired.every((n) => n > ITERATIONS * 10)).toBe(true);
    // Every timer came in during the loop.
    expect(straight.taken.every((t) => t > 0n && t < BigInt(ITERATIONS))).toBe(true);
    for (const [seed, max] of [[1, 50], [7, 333], [99, 5000]] as const) {
      expect(runOut(board(), budgets(seed, max))).toEqual(straight);
    }
  });

  it('counts a budget in steps of all harts together: run(1) is one step of one hart', () => {
    const m = board();
    for (let i = 0; i < 3 * QUANTUM + 5; i++) {
      const before = m.harts.map((h) => h.retired);
      expect(m.run(1).reason).toBe('budget');
      expect(m.harts.map((h, k) => h.retired - before[k]!).sort()).toEqual([0, 0, 1]);
    }
  });

  it('a checkpoint taken inside a turn goes on as the run would have', () => {
    const m = board();
    // 250 ends inside hart 0's first turn; 1,000 more inside hart 1's.
    for (const b of [250, 1_000]) expect(m.run(b).reason).toBe('budget');
    const snap = m.snapshot();
    expect(snap.board).toMatchObject({ version: 2 });
    expect(snap.board.used).toBeGreaterThan(0);
    const again = board();
    again.restore(snap);
    expect(runOut(again, () => 1_000_000)).toEqual(straight);
  });
});

describe('a hart woken by a later hart in the same round', () => {
  /*
   * Hart 0 enables MSIE and waits in WFI (mstatus.MIE clear: WFI wakes on a pending enabled
   * interrupt all the same, priv spec 3.3.3), then stores a flag and powers off. Hart 1 counts
   * a while, sets hart 0's CLINT msip and waits in WFI itself: at the end of that round every hart
   * waits, and no timer is set, but hart 0 has an interrupt to wake it.
   */
  const WAKE = assemble(
    `
  csrr t0, mhartid
  bnez t0, other
  li t1, 8
  csrw mie, t1
1:
  wfi
  csrr t1, mip
  andi t1, t1, 8
  beqz t1, 1b
  li t2, 0x100000
  li t3, 0x5555
  sw t3, 0(t2)
2:
  j 2b
other:
  li t1, 500
3:
  addi t1, t1, -1
  bnez t1, 3b
  li t2, 0x2000000
  li t3, 1
  sw t3, 0(t2)
4:
  wfi
  j 4b
`,
    { base: 0x8000_0000n },
  ).bytes;

  it('is run, not taken for idle: the board powers off', () => {
    const m = new VirtMachine({ memory: 16 << 20, harts: 2, quantum: 10_000, console: () => {} });
    bootVirt(m, { kernel: { file: 'wake.bin', bytes: WAKE } });
    expect(m.run(1_000_000)).toEqual({ reason: 'poweroff', code: 0 });
  });
});
