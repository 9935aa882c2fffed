import { MessageChannel, type Worker } from 'node:worker_threads';
import type { VmExit } from '@vm/core';
import { VIRT } from '../memory-map.js';
import type { VirtMachine } from '../virt.js';
import type { HartReply, HartRequest, HartWorkerInit } from './protocol.js';
import { PAUSE, RUN, STOP, type SharedBoard } from './shared-board.js';
import { spawnWorker } from './spawn-worker.js';
import { DEFER, SyncServer } from './sync-link.js';

/** How a board's harts are run: by the board itself on this thread, or on worker threads (ThreadedBoard). */
export interface BoardEngine {
  run(budget: number): VmExit;
  /** Instructions retired by all harts since power-on. */
  readonly retired: number;
  /** Bring the board's Hart objects up to date (before a snapshot or a report). */
  sync(): void;
  /** The board's harts were reset or restored in place (a reboot): run from their state. */
  reloaded(): void;
  close(): void;
}

interface HartThread {
  readonly worker: Worker;
  readonly server: SyncServer;
  readonly died: () => string | undefined;
  /** Parked: its `park` request is deferred until the board resumes it. */
  parked: boolean;
  /** Hand it the board's Hart state when it resumes (boot, reboot). */
  push: boolean;
  /** Blocks its hart had translated when it last parked. */
  translated: number;
}

/** Instructions a hart on a thread runs between looks at its wires and the run state (the board's quantum). */
const BATCH = 10_000;
/** All harts in WFI with no deadline ahead for this long (wall time): the board is idle. */
const IDLE_MS = 20;

/**
 * The bare board with each hart on its own worker thread (`-accel tcg,thread=multi`), seen from
 * the main thread, which keeps the devices: between waits on its doorbell it answers the harts'
 * MMIO accesses (SyncServer.poll), moves time-driven devices (CLINT, RTC) and HTIF, and, when every
 * hart waits in WFI, skips virtual time to the next deadline as the single-thread board does. The
 * harts run freely between `run` calls; a pause (snapshot, exit, end) parks each at a batch
 * boundary with its state copied into the board's Hart objects, so snapshots are the board's own.
 */
export class ThreadedBoard implements BoardEngine {
  private exit: VmExit | undefined;
  private failure: string | undefined;
  private accounted: number;
  private skippedAt = -1;
  private idleSince: number | undefined;

  private constructor(
    readonly machine: VirtMachine,
    private readonly board: SharedBoard,
    private readonly threads: HartThread[],
  ) {
    this.accounted = machine.retired;
  }

  /** Start a worker per hart of `machine` (built with `threads`) and wait until each is ready. */
  static async start(machine: VirtMachine): Promise<ThreadedBoard> {
    const board = machine.options.threads;
    const shared = machine.ram.store.shared;
    if (board === undefined || shared === undefined) throw new Error('ThreadedBoard: the board was not built with `threads`');
    const here = import.meta.url;
    const entry = new URL(here.endsWith('.ts') ? './hart-worker.ts' : './hart-worker.js', here);
    board.setRun(PAUSE);
    const threads = machine.harts.map((_, h): HartThread => {
      const { port1, port2 } = new MessageChannel();
      const flag = new SharedArrayBuffer(4);
      const init: HartWorkerInit = {
        hartId: h,
        harts: machine.harts.length,
        hExtension: machine.options.hExtension ?? false,
        instructionsPerTick: machine.options.instructionsPerTick ?? 10,
        batch: BATCH,
        ram: { base: machine.ram.base, size: machine.ram.size, shared },
        translate: machine.options.translate,
        translateThreshold: machine.options.translateThreshold,
        rom: { base: VIRT.mrom.base, bytes: machine.rom.bytes },
        board: board.buffers,
        port: port2,
        flag,
      };
      const { worker, died } = spawnWorker(entry, init, [port2]);
      return { worker, server: new SyncServer(port1, flag), died, parked: false, push: true, translated: 0 };
    });
    const t = new ThreadedBoard(machine, board, threads);
    // The workers load their modules through the parent's module hooks, which need this thread's
    // event loop: wait for their first park without blocking it.
    for (;;) {
      t.serve();
      const dead = threads.map((x) => x.died()).find((d) => d !== undefined);
      if (dead !== undefined) {
        t.close();
        throw new Error(`a hart's worker thread failed to start: ${dead}`);
      }
      if (threads.every((x) => x.parked)) break;
      await new Promise((r) => setTimeout(r, 2));
    }
    for (let h = 0; h < threads.length; h++) board.setRetired(h, machine.harts[h]!.retired);
    // Started: the threads no longer keep the process alive by themselves (close ends them).
    for (const x of threads) x.worker.unref();
    return t;
  }

  get retired(): number {
    return this.board.retiredTotal();
  }

  /** Blocks hart `h`'s thread had translated when it last parked (each thread translates for itself). */
  translatedBlocks(h: number): number {
    return this.threads[h]?.translated ?? 0;
  }

  run(budget: number): VmExit {
    if (this.exit !== undefined) return this.exit;
    this.resume();
    const m = this.machine;
    const board = this.board;
    for (;;) {
      const bell = board.doorbell;
      this.serve();
      m.tickDevices();
      const polled = m.htif?.poll();
      const exit = m.takeRequestedExit() ?? (polled?.kind === 'exit' ? { reason: 'poweroff' as const, code: polled.code } : undefined) ?? this.failed();
      if (exit !== undefined) {
        this.pause();
        this.exit = exit.reason === 'reset' ? undefined : exit;
        this.accounted = this.retired;
        return exit;
      }
      const total = this.retired;
      if (total - this.accounted >= budget) {
        this.accounted = total;
        return { reason: 'budget' };
      }
      if (this.allWaiting()) {
        if (!this.skipToDeadline()) {
          const now = Date.now();
          this.idleSince ??= now;
          if (now - this.idleSince >= IDLE_MS) {
            this.idleSince = undefined;
            this.accounted = total;
            return { reason: 'wfi' };
          }
        }
      } else {
        this.idleSince = undefined;
      }
      board.waitDoorbell(bell, 1);
    }
  }

  /** Pause every hart and copy its state into the board (for a snapshot); the next run resumes them. */
  sync(): void {
    this.pause();
  }

  /**
   * After a reboot (bootVirt: images reloaded into the shared RAM, harts reset): each hart starts
   * from the board's state. The workers keep the boot ROM they copied at start, which a reboot
   * rebuilds from the same images and so the same bytes.
   */
  reloaded(): void {
    for (const t of this.threads) t.push = true;
    this.exit = undefined;
    this.failure = undefined;
  }

  /** End every worker (after parking it: its state is the board's). */
  close(): void {
    if (this.threads.every((t) => t.parked)) {
      this.board.setRun(STOP);
      for (const t of this.threads) t.server.reply({ cmd: 'stop' } satisfies HartReply);
    }
    for (const t of this.threads) void t.worker.terminate();
  }

  private failed(): VmExit | undefined {
    if (this.failure !== undefined) return { reason: 'halt', message: this.failure };
    const dead = this.threads.findIndex((t) => t.died() !== undefined);
    return dead < 0 ? undefined : { reason: 'halt', message: `hart ${dead}'s worker thread ended: ${this.threads[dead]!.died()}` };
  }

  private allWaiting(): boolean {
    for (let h = 0; h < this.threads.length; h++) if (!this.board.waiting(h)) return false;
    return true;
  }

  /**
   * Every hart waits in WFI: jump virtual time to the next timer deadline (CLINT mtimecmp, Sstc
   * stimecmp), as VirtMachine.run does. Only once per wake-up: until some hart has woken since the
   * last skip (SharedBoard.activity), the woken one may still be on its way out of Atomics.wait.
   */
  private skipToDeadline(): boolean {
    const m = this.machine;
    if (this.skippedAt === this.board.activity) return false;
    const now = m.clock.now();
    let next = m.devices.nextDeadline();
    for (let h = 0; h < this.threads.length; h++) {
      const d = this.board.sstcDeadline(h);
      if (d !== undefined && d > now && (next === undefined || d < next)) next = d;
    }
    if (next === undefined || next <= now) return false;
    m.clock.skip(Number(next - now));
    this.skippedAt = this.board.activity;
    m.tickDevices();
    for (let h = 0; h < this.threads.length; h++) this.board.poke(h);
    return true;
  }

  /** Answer every queued request of every hart. */
  private serve(): void {
    for (let h = 0; h < this.threads.length; h++) {
      const t = this.threads[h]!;
      t.server.poll((r) => this.handle(h, t, r as HartRequest));
    }
  }

  private handle(h: number, t: HartThread, r: HartRequest): unknown {
    const bus = this.machine.bus;
    switch (r.op) {
      case 'read':
        return { value: bus.read(r.pa, r.width) } satisfies HartReply;
      case 'write': {
        const ok = bus.write(r.pa, r.width, r.value);
        // The write asked the board to stop (a reset or poweroff through the test device): the
        // hart must end its batch at this instruction (hart-worker.ts checks the run state after
        // each write), not go on to MMIO the rest of this poll answers too — a poweroff right
        // after a reset replaced the reset before run() took it (a flaky CI failure under load).
        if (this.machine.exitRequested) this.board.setRun(PAUSE);
        return { ok } satisfies HartReply;
      }
      case 'park':
        t.translated = r.translated;
        if (r.state !== null) {
          const hart = this.machine.harts[h]!;
          hart.mmu.restore(r.mmu);
          hart.setState(r.state);
          // The wires as the devices drive them now, not as the thread last applied them.
          this.board.driveWires(h, hart);
        }
        if (r.error !== undefined) this.failure ??= `hart ${h}: ${r.error}`;
        else if (r.exit !== undefined) this.failure ??= `hart ${h} stopped: ${r.exit.reason}${'message' in r.exit ? `: ${r.exit.message}` : ''}`;
        t.parked = true;
        return DEFER;
    }
  }

  /** Let every parked hart go on (with the board's state where it must start from it). */
  private resume(): void {
    if (this.threads.every((t) => !t.parked)) return;
    const waiting = this.machine.boardState().waiting;
    this.board.setRun(RUN);
    for (let h = 0; h < this.threads.length; h++) {
      const t = this.threads[h]!;
      if (!t.parked) continue;
      t.parked = false;
      if (t.push) {
        const hart = this.machine.harts[h]!;
        this.board.setRetired(h, hart.retired);
        this.board.setWaiting(h, waiting[h] === true);
        t.server.reply({ cmd: 'run', state: hart.getState(), mmu: hart.mmu.snapshot(), waiting: waiting[h] === true } satisfies HartReply);
        t.push = false;
      } else {
        t.server.reply({ cmd: 'run' } satisfies HartReply);
      }
    }
    this.accounted = Math.min(this.accounted, this.retired);
  }

  /** Park every hart (answering the MMIO of those still running meanwhile). */
  private pause(): void {
    if (this.threads.every((t) => t.parked)) return;
    this.board.setRun(PAUSE);
    for (;;) {
      const bell = this.board.doorbell;
      this.serve();
      if (this.threads.every((t) => t.parked)) break;
      if (this.threads.some((t) => t.died() !== undefined)) break;
      this.board.waitDoorbell(bell, 5);
    }
    const waiting = this.threads.map((_, h) => this.board.waiting(h));
    const s = this.machine.boardState();
    this.machine.restoreBoardState({ ...s, waiting });
  }
}
