import { IRQ_MEI, IRQ_MSI, IRQ_MTI, IRQ_SEI } from '@vm/isa';
/**
 * The memory the threads of a board whose harts run on workers share besides RAM
 * (`-accel tcg,thread=multi`): the run state, the main thread's doorbell, each hart's interrupt
 * wires, WFI flags, retired counts, Sstc deadlines and the time skipped while every hart waited.
 * The main thread creates it; each hart's worker maps the same two buffers (`SharedBoard.of`).
 *
 * Interrupt wires live here, not in the harts: the devices (CLINT, PLIC, UART, virtio) stay on the
 * main thread, and a level they drive (MSIP, MTIP, MEIP, SEIP: priv spec 3.1.9, ACLINT MSWI/MTIMER)
 * is one bit of the hart's word, set with Atomics and notified, so a hart waiting in WFI
 * (Atomics.wait on its word) wakes at once and a running one sees it at its next batch.
 */
/** The wires a device drives, as mip bit numbers (priv spec 3.1.9): MSIP, MTIP, SEIP, MEIP. */
const WIRES = [IRQ_MSI, IRQ_MTI, IRQ_SEI, IRQ_MEI] as const;

export class SharedBoard {
  /** Int32 words: RUN, DOORBELL, ACTIVITY, then `irq` and `waiting` per hart. */
  readonly words: Int32Array;
  /** BigInt64 words: retired per hart, then the skipped ticks, then the Sstc deadline per hart. */
  readonly counts: BigInt64Array;
  /** One word: the virtual clock's skipped ticks (VirtualClock's shared cell). */
  readonly skipCell: BigInt64Array;

  readonly buffers: { readonly words: SharedArrayBuffer; readonly counts: SharedArrayBuffer };

  /** A new board's shared memory; with `buffers`, a worker's view of an existing one. */
  constructor(
    readonly harts: number,
    buffers?: SharedBoard['buffers'],
  ) {
    this.buffers = buffers ?? { words: new SharedArrayBuffer(4 * (WORD_IRQ + 2 * harts)), counts: new SharedArrayBuffer(8 * (2 * harts + 1)) };
    this.words = new Int32Array(this.buffers.words);
    this.counts = new BigInt64Array(this.buffers.counts);
    this.skipCell = new BigInt64Array(this.buffers.counts, 8 * harts, 1);
    if (buffers === undefined) for (let h = 0; h < harts; h++) this.counts[harts + 1 + h] = -1n;
  }

  // -------------------------------------------------------------- run state
  get run(): number {
    return Atomics.load(this.words, WORD_RUN);
  }

  /** Set the run state and wake every hart waiting in WFI so it sees it. */
  setRun(state: number): void {
    Atomics.store(this.words, WORD_RUN, state);
    for (let h = 0; h < this.harts; h++) Atomics.notify(this.words, WORD_IRQ + h);
  }

  // -------------------------------------------------------------- the main thread's doorbell
  /** Ring the main thread (a request posted, a hart went to WFI or woke). */
  ring(): void {
    Atomics.add(this.words, WORD_DOORBELL, 1);
    Atomics.notify(this.words, WORD_DOORBELL);
  }

  get doorbell(): number {
    return Atomics.load(this.words, WORD_DOORBELL);
  }

  /** Sleep until the doorbell moves from `seen` or `ms` pass. */
  waitDoorbell(seen: number, ms: number): void {
    Atomics.wait(this.words, WORD_DOORBELL, seen, ms);
  }

  /** Where SyncLink rings (its `doorbell` option). */
  get doorbellWord(): { readonly words: Int32Array; readonly index: number } {
    return { words: this.words, index: WORD_DOORBELL };
  }

  // -------------------------------------------------------------- interrupt wires
  /** A device drives mip bit `bit` of hart `hart` (main thread). */
  setIrq(hart: number, bit: number, level: boolean): void {
    const i = WORD_IRQ + hart;
    const m = 1 << bit;
    const old = level ? Atomics.or(this.words, i, m) : Atomics.and(this.words, i, ~m);
    if ((old & m) !== (level ? m : 0)) Atomics.notify(this.words, i);
  }

  irq(hart: number): number {
    return Atomics.load(this.words, WORD_IRQ + hart);
  }

  /**
   * Set `target`'s device-driven mip bits to hart `hart`'s wires as they are now, and return the
   * word. A hart's thread does it between batches; the main thread does it when a hart parks,
   * because a device write inside the hart's last batch may have moved a wire since its thread last
   * looked, and the board (snapshots included) must hold the level the device drives: a restored
   * CLINT only drives MTIP again when it changes.
   */
  driveWires(hart: number, target: { setInterruptPending(bit: number, level: boolean): void }): number {
    const w = this.irq(hart);
    for (const bit of WIRES) target.setInterruptPending(bit, ((w >>> bit) & 1) !== 0);
    return w;
  }

  /** Sleep (a hart in WFI) until hart `hart`'s wires move from `seen`, the run state changes or `ms` pass. */
  waitIrq(hart: number, seen: number, ms: number): void {
    Atomics.wait(this.words, WORD_IRQ + hart, seen, ms);
  }

  /** Wake hart `hart` if it waits in WFI (time skipped: its Sstc deadline may have come). */
  poke(hart: number): void {
    Atomics.notify(this.words, WORD_IRQ + hart);
  }

  // -------------------------------------------------------------- WFI
  setWaiting(hart: number, waiting: boolean, sstcDeadline?: bigint): void {
    Atomics.store(this.counts, this.harts + 1 + hart, sstcDeadline ?? -1n);
    Atomics.store(this.words, WORD_IRQ + this.harts + hart, waiting ? 1 : 0);
    if (!waiting) Atomics.add(this.words, WORD_ACTIVITY, 1);
    this.ring();
  }

  waiting(hart: number): boolean {
    return Atomics.load(this.words, WORD_IRQ + this.harts + hart) !== 0;
  }

  /** The Sstc deadline hart `hart` published when it went to WFI, or undefined. */
  sstcDeadline(hart: number): bigint | undefined {
    const d = Atomics.load(this.counts, this.harts + 1 + hart);
    return d < 0n ? undefined : d;
  }

  /** Counts wake-ups from WFI: the main thread skips time again only after some hart ran. */
  get activity(): number {
    return Atomics.load(this.words, WORD_ACTIVITY);
  }

  // -------------------------------------------------------------- instructions and time
  /** Publish hart `hart`'s retired count (after each batch). */
  setRetired(hart: number, retired: number): void {
    Atomics.store(this.counts, hart, BigInt(retired));
  }

  retired(hart: number): number {
    return Number(Atomics.load(this.counts, hart));
  }

  /**
   * Every instruction retired on the board so far, as the harts last published them: virtual time
   * counts these (VirtualClock). Each term only grows, so time read by any hart never runs backwards
   * (priv spec 3.2.1: one `mtime` for all harts).
   */
  retiredTotal(): number {
    let n = 0;
    for (let h = 0; h < this.harts; h++) n += Number(Atomics.load(this.counts, h));
    return n;
  }
}

/** SharedBoard.run states. */
export const RUN = 0;
export const PAUSE = 1;
export const STOP = 2;

const WORD_RUN = 0;
const WORD_DOORBELL = 1;
const WORD_ACTIVITY = 2;
const WORD_IRQ = 3;
