import { afterEach, describe, expect, it } from 'vitest';
import type { VmExit } from '@vm/core';
import { assemble } from '@vm/isa';
import { bootVirt } from '../boot.js';
import { BoardSession } from '../board-session.js';
import { VIRT } from '../memory-map.js';
import { snapshotMachine } from '../snapshot/capture.js';
import { restoreMachine } from '../snapshot/rebuild.js';
import { VirtMachine } from '../virt.js';
import { SharedBoard } from './shared-board.js';
import { ThreadedBoard } from './threaded-board.js';

/*
 * The bare board with each hart on its own worker thread (`-accel tcg,thread=multi`): harts that
 * really run at the same time on shared RAM. The A extension must hold across threads (unpriv spec
 * ch. 8: an AMO is one indivisible read-modify-write, an SC fails when another hart wrote the
 * reserved word), plain stores ordered by FENCE must be seen by the other harts, and the devices
 * on the main thread must reach the harts (CLINT IPIs and timers waking WFI, the test device's poweroff).
 */

const COUNTERS = 0x8010_0000;
const ITERATIONS = 20_000;

/**
 * M-mode, every hart: ITERATIONS times add 1 to shared counters with amoadd.w, amoadd.d, an
 * lr.w/sc.w loop and an lr.d/sc.d loop, and to a plain counter inside a spinlock (amoswap.w.aq to
 * take it, `fence rw,w; sw zero` to release it, as Linux's RISC-V spinlocks do); then amoadd 1 to
 * "done". Hart 0 waits until every hart is done and powers off through the sifive_test device.
 */
function counting(harts: number): Uint8Array {
  return assemble(
    `
  .equ COUNTERS, ${COUNTERS}
  csrr s2, mhartid
  li s0, COUNTERS
  li t0, ${ITERATIONS}
  li t1, 1
loop:
  amoadd.w zero, t1, (s0)
  addi a1, s0, 8
  amoadd.d zero, t1, (a1)
  addi a2, s0, 16
1:
  lr.w t2, (a2)
  addiw t2, t2, 1
  sc.w t3, t2, (a2)
  bnez t3, 1b
  addi a3, s0, 24
2:
  lr.d t2, (a3)
  addi t2, t2, 1
  sc.d t3, t2, (a3)
  bnez t3, 2b
  addi a6, s0, 48
3:
  amoswap.w.aq t2, t1, (a6)
  bnez t2, 3b
  ld t3, 40(s0)
  addi t3, t3, 1
  sd t3, 40(s0)
  fence rw, w
  sw zero, 0(a6)
  addi t0, t0, -1
  bnez t0, loop
  addi a5, s0, 32
  amoadd.w zero, t1, (a5)
  bnez s2, 5f
4:
  lw t2, 32(s0)
  li t3, ${harts}
  bne t2, t3, 4b
  li t4, ${VIRT.test.base}
  li t5, 0x5555
  sw t5, 0(t4)
5:
  wfi
  j 5b
`,
    { base: 0x8000_0000n },
  ).bytes;
}

/**
 * Hart 1 arms its CLINT timer (mtimecmp = mtime + 5000) and waits in WFI with MTIE; when the timer
 * wakes it, it records mtime and waits again with MSIE only. Hart 0 waits for that record, sends
 * hart 1 an IPI (msip[1] = 1), and powers off once hart 1 has seen it. Interrupts stay globally
 * off (mstatus.MIE = 0): WFI still wakes on a pending enabled one (priv spec 3.3.3).
 */
const WAKE = assemble(
  `
  .equ CLINT, ${VIRT.clint.base}
  .equ FLAGS, ${COUNTERS}
  csrr s2, mhartid
  li s0, FLAGS
  li s1, CLINT
  bnez s2, hart1
  # hart 0: wait for hart 1's timer record, then IPI it
1:
  ld t0, 0(s0)
  beqz t0, 1b
  li t1, 1
  sw t1, 4(s1)
2:
  lw t0, 8(s0)
  beqz t0, 2b
  li t4, ${VIRT.test.base}
  li t5, 0x5555
  sw t5, 0(t4)
3:
  wfi
  j 3b
hart1:
  li t0, 0xbff8
  add t0, t0, s1
  ld t1, 0(t0)
  li t2, 5000
  add t1, t1, t2
  li t3, 0x4008
  add t3, t3, s1
  sd t1, 0(t3)
  li t2, 0x80
  csrw mie, t2
4:
  wfi
  csrr t4, mip
  andi t4, t4, 0x80
  beqz t4, 4b
  ld t1, 0(t0)
  sd t1, 0(s0)
  li t2, -1
  sd t2, 0(t3)
  li t2, 0x8
  csrw mie, t2
5:
  wfi
  csrr t4, mip
  andi t4, t4, 0x8
  beqz t4, 5b
  sw zero, 4(s1)
  li t1, 1
  sw t1, 8(s0)
6:
  wfi
  j 6b
`,
  { base: 0x8000_0000n },
).bytes;

/*
 * Page-table A/D updates against another hart's PTE stores (priv spec 4.3.2 step 7). Sv39 tables
 * at TABLES: VA 0x4000_0000 is one 4 KiB leaf (L0[0] at LEAF), and a 1 GiB identity leaf with A
 * and D set maps 0x8000_0000 (code and FLAGS; walks through it never update).
 */
const TABLES = 0x8020_0000;
const LEAF = TABLES + 0x2000;
const FLAGS = 0x8030_0000;
const FIRST_PPN = 0x8_0400;
/** The leaf ends at FIRST_PPN + MOVES: pages 0x8040_0000..0x80bd_0000, below the FDT at the top of 16 MiB. */
const MOVES = 2000;

/** The tables above, written before the harts start. */
function pageTables(m: VirtMachine): void {
  m.ram.write64(TABLES + 1 * 8, (BigInt((TABLES + 0x1000) / 4096) << 10n) | 1n);
  m.ram.write64(TABLES + 2 * 8, (0x8_0000n << 10n) | 0xcfn); // V R W X A D
  m.ram.write64(TABLES + 0x1000, (BigInt(LEAF / 4096) << 10n) | 1n);
  m.ram.write64(LEAF, (BigInt(FIRST_PPN) << 10n) | 0x7n); // V R W, A and D clear
}

/**
 * Hart 1, in S-mode under those tables, flushes its TLB and stores through VA 0x4000_0000 in a
 * loop, so each store walks and, whenever A/D are clear, updates the leaf (and counts its rounds
 * at FLAGS). Hart 0, in M-mode, MOVES times waits for a new round of hart 1 (so the two really
 * run at once, however the host schedules the threads) and moves the leaf one page on, clearing
 * its A and D, in one LR/SC read-modify-write, as a kernel changing a live PTE with cmpxchg does.
 * Every move is atomic, so the leaf must end exactly MOVES pages on, whatever the interleaving: a
 * walk that wrote back the PTE it read before a move (A/D set on the old PPN) would lose one —
 * as the plain read-then-store update did, in most runs. Any exception stores mcause + 1 at FLAGS + 8.
 */
const MOVING_PTE = assemble(
  `
  csrr s2, mhartid
  li s5, ${FLAGS}
  la t0, trap
  csrw mtvec, t0
  bnez s2, walker
  li s0, ${LEAF}
  li t0, ${MOVES}
  li t2, 0x400
  li t3, -193 # ~(A | D)
  li s6, 0
move:
  ld t6, 0(s5)
  beq t6, s6, move
  mv s6, t6
2:
  lr.d t4, (s0)
  add t4, t4, t2
  and t4, t4, t3
  sc.d t5, t4, (s0)
  bnez t5, 2b
  addi t0, t0, -1
  bnez t0, move
  li t4, ${VIRT.test.base}
  li t5, 0x5555
  sw t5, 0(t4)
3:
  wfi
  j 3b
walker:
  li t0, -1
  csrw pmpaddr0, t0
  li t0, 0x1f
  csrw pmpcfg0, t0
  li t0, ${(8n << 60n) | BigInt(TABLES / 4096)}
  csrw satp, t0
  li t0, 0x1800
  csrc mstatus, t0
  li t0, 0x800
  csrs mstatus, t0
  la t0, store
  csrw mepc, t0
  li s3, 0x40000000
  li t1, 1
  mret
store:
  sfence.vma
  sd t1, 0(s3)
  ld t2, 0(s5)
  addi t2, t2, 1
  sd t2, 0(s5)
  j store
trap:
  csrr t0, mcause
  addi t0, t0, 1
  sd t0, 8(s5)
4:
  wfi
  j 4b
`,
  { base: 0x8000_0000n },
).bytes;

let open: ThreadedBoard | undefined;
afterEach(() => {
  open?.close();
  open = undefined;
});

async function boardOnThreads(
  harts: number, kernel: Uint8Array, translateThreshold?: number, prepare?: (m: VirtMachine) => void,
): Promise<{ m: VirtMachine; t: ThreadedBoard }> {
  const m = new VirtMachine({ memory: 16 << 20, harts, threads: new SharedBoard(harts), console: () => {}, translateThreshold });
  bootVirt(m, { kernel: { file: 'test.bin', bytes: kernel } });
  prepare?.(m);
  const t = await ThreadedBoard.start(m);
  open = t;
  return { m, t };
}

/** Harts on threads translate when RAM is a shared arena (not with VM_WASM=0) and the translator is on. */
function translating(m: VirtMachine): boolean {
  return m.ram.store.shared?.arena !== undefined && process.env['VM_TRANSLATE'] !== '0';
}

/** Run to the guest's exit; 200 M instructions at most (a lost update to "done" would spin forever). */
function runToExit(t: ThreadedBoard): VmExit {
  for (let i = 0; i < 200; i++) {
    const exit = t.run(1_000_000);
    if (exit.reason !== 'budget') return exit;
  }
  throw new Error('the harts did not finish');
}

describe('harts on worker threads', () => {
  for (const harts of [2, 4]) {
    it(`${harts} harts: LR/SC, AMOs and a spinlock-protected plain counter give exact totals; poweroff from hart 0`, async () => {
      const { m, t } = await boardOnThreads(harts, counting(harts));
      expect(runToExit(t)).toEqual({ reason: 'poweroff', code: 0 });
      const total = harts * ITERATIONS;
      expect(m.ram.read32(COUNTERS)).toBe(total);
      expect(Number(m.ram.read64(COUNTERS + 8))).toBe(total);
      expect(m.ram.read32(COUNTERS + 16)).toBe(total);
      expect(Number(m.ram.read64(COUNTERS + 24))).toBe(total);
      expect(Number(m.ram.read64(COUNTERS + 40))).toBe(total);
      expect(m.ram.read32(COUNTERS + 32)).toBe(harts);
      // Each hart ran its own share: the board's Hart objects hold the parked harts' states.
      for (const h of m.harts) expect(h.retired).toBeGreaterThan(ITERATIONS * 20);
      // ... and its hot loop as translated blocks on its own thread (AMOs and LR/SC through the
      // hart's Atomics, the spinlock's FENCE an atomic.fence), unless the translator is off.
      if (translating(m)) for (let h = 0; h < harts; h++) expect(t.translatedBlocks(h)).toBeGreaterThan(0);
    }, 60_000);
  }

  it("FENCE.I on a hart's thread drops its blocks of code another thread rewrote (Zifencei across harts)", async () => {
    // Hart 0 calls f until f is a translated block (f returns 1), then lets hart 1 rewrite f's
    // first instruction to return 2, waits for it, executes FENCE.I and calls f again. Hart 1's
    // store goes to shared memory from its own thread: hart 0's translation cache never sees it,
    // so only FENCE.I (TranslationCache.fenceI) can make hart 0 run the new code.
    const FLAGS = COUNTERS;
    const smc = assemble(
      `
  csrr s2, mhartid
  li s0, ${FLAGS}
  bnez s2, hart1
  li s3, 0
  li s4, 5000
1:
  jal ra, f
  addi s3, s3, 1
  blt s3, s4, 1b
  sd a0, 0(s0)
  li t1, 1
  sw t1, 8(s0)
2:
  lw t1, 12(s0)
  beqz t1, 2b
  fence.i
  jal ra, f
  sd a0, 16(s0)
  li t4, ${VIRT.test.base}
  li t5, 0x5555
  sw t5, 0(t4)
3:
  wfi
  j 3b
f:
  .word 0x00100513
  ret
hart1:
  lw t1, 8(s0)
  beqz t1, hart1
  la t2, f
  li t3, 0x00200513
  sw t3, 0(t2)
  fence w, w
  li t1, 1
  sw t1, 12(s0)
4:
  wfi
  j 4b
`,
      { base: 0x8000_0000n },
    ).bytes;
    // A low threshold compiles each block as soon as it is hot (no batching delay), so f is
    // surely a block on hart 0 when hart 1 rewrites it.
    const { m, t } = await boardOnThreads(2, smc, 16);
    expect(runToExit(t)).toEqual({ reason: 'poweroff', code: 0 });
    expect(Number(m.ram.read64(FLAGS))).toBe(1); // `li a0, 1` before the rewrite
    expect(Number(m.ram.read64(FLAGS + 16))).toBe(2); // the rewritten code after FENCE.I
    if (translating(m)) expect(t.translatedBlocks(0)).toBeGreaterThan(0);
  }, 30_000);

  it('a snapshot taken while the harts run on threads (parked at a batch boundary) continues on one thread to the exact totals', async () => {
    const harts = 2;
    const { m, t } = await boardOnThreads(harts, counting(harts));
    expect(t.run(300_000).reason).toBe('budget');
    t.sync();
    const snap = snapshotMachine(m);
    t.close();
    open = undefined;
    // Mid-run: some counting done, not all.
    const partial = m.ram.read32(COUNTERS);
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(harts * ITERATIONS);
    const { machine } = restoreMachine(snap, { console: () => {} });
    let exit: VmExit = { reason: 'budget' };
    for (let i = 0; i < 1000 && exit.reason === 'budget'; i++) exit = machine.run(1_000_000);
    expect(exit).toEqual({ reason: 'poweroff', code: 0 });
    for (const off of [0, 16]) expect(machine.ram.read32(COUNTERS + off)).toBe(harts * ITERATIONS);
    for (const off of [8, 24, 40]) expect(Number(machine.ram.read64(COUNTERS + off))).toBe(harts * ITERATIONS);
  }, 60_000);

  it("a parked hart's mip holds the device wires as they are, not as its thread last read them (a snapshot's timer state is consistent)", async () => {
    // The hart writes mtimecmp = 0 (MTIP high) and mtimecmp = -1 (MTIP low) in turn, interrupts
    // off. A pause parks it right after such a write, inside a batch: its thread applies the wires
    // only between batches, so the state it hands over can hold the level before the write. The
    // board must take the wire, or a snapshot has MTIP set where the CLINT's line is low, and the
    // restored guest takes a timer interrupt that its mtimecmp write can never clear (found as a
    // `vm snapshot -accel tcg,thread=multi` of kernel-m that did not restore).
    const toggling = assemble(
      `
  li s1, ${VIRT.clint.base + 0x4000}
  li t1, -1
1:
  sd zero, 0(s1)
  sd t1, 0(s1)
  j 1b
`,
      { base: 0x8000_0000n },
    ).bytes;
    const { m, t } = await boardOnThreads(1, toggling);
    // Each write is a round trip to the main thread, so rounds are short; each round catches the
    // stale level about half the time (the write before the pause raised or lowered MTIP).
    for (let round = 0; round < 16; round++) {
      expect(t.run(2_000 + round * 77).reason).toBe('budget');
      t.sync();
      const mtime = m.bus.read(VIRT.clint.base + 0xbff8, 8);
      const mtimecmp = m.bus.read(VIRT.clint.base + 0x4000, 8);
      const mtip = (m.harts[0]!.readCsr(0x344) & 0x80n) !== 0n;
      expect(mtip, `round ${round}: MTIP against mtime ${mtime} >= mtimecmp ${mtimecmp}`).toBe(mtime >= mtimecmp);
    }
  }, 30_000);

  it('a guest reset reboots the board with its harts on threads (BoardSession reboot), and time goes on', async () => {
    // Hart 0: the first boot stores 1 and mtime at FLAGS and resets (sifive_test 0x7777); the
    // second finds the 1 (RAM outlives a reset), stores its mtime and powers off. Hart 1 waits.
    const resetTwice = assemble(
      `
  csrr t0, mhartid
  bnez t0, 3f
  li s0, ${COUNTERS}
  li s1, ${VIRT.clint.base + 0xbff8}
  li t4, ${VIRT.test.base}
  ld t1, 0(s0)
  bnez t1, 1f
  li t1, 1
  sd t1, 0(s0)
  ld t2, 0(s1)
  sd t2, 8(s0)
  li t5, 0x7777
  sw t5, 0(t4)
1:
  ld t2, 0(s1)
  sd t2, 16(s0)
  li t5, 0x5555
  sw t5, 0(t4)
3:
  wfi
  j 3b
`,
      { base: 0x8000_0000n },
    ).bytes;
    const { m, t } = await boardOnThreads(2, resetTwice);
    let reboots = 0;
    const session = new BoardSession(m, {
      engine: t,
      reboot: () => {
        reboots++;
        bootVirt(m, { kernel: { file: 'test.bin', bytes: resetTwice } });
      },
    });
    let end = 'budget';
    for (let i = 0; i < 50 && end !== 'stopped'; i++) end = session.run(1_000_000).end;
    expect(session.exit()).toEqual({ reason: 'poweroff', code: 0 });
    expect(reboots).toBe(1);
    // The second boot read a later time than the first (Hart.reset zeroes retired counts; the board keeps time).
    expect(m.ram.read64(COUNTERS + 16)).toBeGreaterThan(m.ram.read64(COUNTERS + 8));
    session.close();
    open = undefined;
  }, 30_000);

  it("a hart's A/D updates never undo another hart's atomic PTE changes (priv spec 4.3.2 step 7)", async () => {
    const { m, t } = await boardOnThreads(2, MOVING_PTE, undefined, pageTables);
    // Hart 0 spins while the host does not run hart 1's thread, so the bound is time, not instructions.
    const until = Date.now() + 45_000;
    let exit: VmExit;
    do exit = t.run(1_000_000);
    while (exit.reason === 'budget' && Date.now() < until);
    expect(exit).toEqual({ reason: 'poweroff', code: 0 });
    expect(m.ram.read64(FLAGS + 8)).toBe(0n); // no exception on either hart
    expect(m.ram.read64(FLAGS)).toBeGreaterThan(0n); // the walker ran
    const pte = m.ram.read64(LEAF);
    expect(pte >> 10n).toBe(BigInt(FIRST_PPN + MOVES));
    expect(pte & 0x3fn).toBe(0x7n);
  }, 60_000);

  it('a CLINT timer wakes a hart in WFI on its thread (time skipped while all wait), and an IPI another', async () => {
    const { m, t } = await boardOnThreads(2, WAKE);
    expect(runToExit(t)).toEqual({ reason: 'poweroff', code: 0 });
    // The timer fired no earlier than its deadline.
    expect(Number(m.ram.read64(COUNTERS))).toBeGreaterThan(5000);
    expect(m.ram.read32(COUNTERS + 8)).toBe(1);
  }, 30_000);
});
