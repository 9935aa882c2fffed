/**
 * The entry of one hart's worker thread (`-accel tcg,thread=multi` on the bare board; started by
 * threaded-board.ts): the hart runs here on guest RAM shared with every thread, in batches; the
 * devices stay on the main thread.
 *
 * - RAM: the board's shared memory (@vm/mmu RamStore.over), a shared WebAssembly arena when the host
 *   has one, so hot code runs translated on this thread too; loads and stores are plain, LR/SC and
 *   AMOs Atomics (HartOptions.sharedMemory; unpriv spec ch. 8), FENCE a locked operation (an
 *   atomic.fence in blocks).
 * - MMIO: every access outside RAM and the boot ROM is forwarded to the main thread over the
 *   synchronous link (SyncLink: post, ring the doorbell, Atomics.wait for the answer), so devices
 *   see accesses one at a time, in the order the main thread takes them, as on one thread.
 * - Interrupts: the device-driven mip bits (MSIP, MTIP, MEIP, SEIP) come from this hart's shared
 *   word (SharedBoard.irq), applied between batches; WFI sleeps in Atomics.wait on that word.
 * - Time: the virtual clock counts the instructions every hart has published (SharedBoard.retiredTotal).
 */
import { workerData } from 'node:worker_threads';
import type { AccessWidth, VmExit } from '@vm/core';
import { Hart } from '@vm/isa';
import { Mmu, Ram, RamStore, SystemBus } from '@vm/mmu';
import { VirtualClock } from '../clock.js';
import { Rom } from '../rom.js';
import { hasEnabledPending, sstcDeadline } from '../virt.js';
import { SharedBoard, RUN } from './shared-board.js';
import { SyncLink } from './sync-link.js';
import { warmUp } from '../warm-up/warm-up.js';
import type { HartReply, HartRequest, HartWorkerInit, ParkReply } from './protocol.js';

const init = workerData as HartWorkerInit;
// This thread's V8 starts cold: the hart's warm-up program first, as vm run does on its thread.
if (process.env['VM_WARM_UP'] !== '0') warmUp({ translate: init.translate });
const board = new SharedBoard(init.harts, init.board);
const link = new SyncLink(init.port, init.flag, board.doorbellWord);
const id = init.hartId;

function call(request: HartRequest): HartReply {
  return link.call(request) as HartReply;
}

/** The bus of a hart on a thread: RAM and the ROM here, every other address on the main thread. */
class ForwardingBus extends SystemBus {
  constructor(
    ram: Ram,
    private readonly romBase: number,
    private readonly romEnd: number,
  ) {
    super(ram);
  }

  private local(pa: number, width: number): boolean {
    return (pa >= this.ram.base && pa + width <= this.ram.end) || (pa >= this.romBase && pa + width <= this.romEnd);
  }

  override read(pa: number, width: AccessWidth): bigint {
    if (this.local(pa, width)) return super.read(pa, width);
    return (call({ op: 'read', pa, width }) as { value: bigint }).value;
  }

  override write(pa: number, width: AccessWidth, value: bigint): boolean {
    if (this.local(pa, width)) return super.write(pa, width, value);
    const ok = (call({ op: 'write', pa, width, value }) as { ok: boolean }).ok;
    // A write that stopped the board (poweroff through the test device, a snapshot point): end
    // the batch now instead of running on to its end.
    if (board.run !== RUN) hart.requestExit(BATCH_END);
    return ok;
  }
}

const BATCH_END: VmExit = { reason: 'budget' };

const ram = new Ram(init.ram.base, init.ram.size, { store: RamStore.over(init.ram.size, init.ram.shared, id), offset: 0 });
const bus = new ForwardingBus(ram, init.rom.base, init.rom.base + init.rom.bytes.length);
bus.attach('mrom', init.rom.base, new Rom(init.rom.bytes.length, init.rom.bytes));
const clock = new VirtualClock(() => board.retiredTotal(), init.instructionsPerTick, board.skipCell);
// The translator runs here too when RAM is a shared arena: blocks of this thread in its lane of
// the arena (its own jump cache and function table), another thread's stores to code seen at this
// hart's FENCE.I (TranslationCache.fenceI; docs/architecture.md, "Harts on threads").
const hart = new Hart({
  hartId: id, bus, mmu: new Mmu(bus), clock, hExtension: init.hExtension,
  translate: init.translate, translateThreshold: init.translateThreshold, sharedMemory: true,
});

let waiting = false;
let applied = -1;

/** Drive the hart's mip bits from its shared word when it changed. */
function applyWires(): number {
  const w = board.irq(id);
  if (w !== applied) applied = board.driveWires(id, hart);
  return w;
}

/** Hand the state to the main thread and wait for its word; false: stop. */
function park(exit?: VmExit, error?: string): boolean {
  const r = call({ op: 'park', state: started ? hart.getState() : null, mmu: hart.mmu.snapshot(), waiting, translated: hart.translatedBlocks, exit, error }) as ParkReply;
  if (r.cmd === 'stop') return false;
  if (r.state !== undefined) {
    // The MMU first: setState rederives the hart's page caches from both.
    if (r.mmu !== undefined) hart.mmu.restore(r.mmu);
    hart.setState(r.state);
    waiting = r.waiting ?? false;
    applied = -1;
    started = true;
  }
  return true;
}

let started = false;
function loop(): void {
  // Parked until the main thread hands over the booted state.
  if (!park()) return;
  for (;;) {
    if (board.run !== RUN) {
      if (!park()) return;
      continue;
    }
    const w = applyWires();
    if (waiting) {
      // WFI (priv spec 3.3.3): resume once an interrupt is pending and enabled in mie, whatever
      // the global enables; a skip of time may have brought this hart's Sstc deadline.
      hart.updateSstc();
      if (!hasEnabledPending(hart)) {
        board.waitIrq(id, w, 20);
        continue;
      }
      waiting = false;
      board.setWaiting(id, false);
    }
    let exit: VmExit;
    try {
      exit = hart.run(init.batch);
    } catch (e) {
      board.setRetired(id, hart.retired);
      if (!park(undefined, e instanceof Error ? `${e.name}: ${e.message}` : String(e))) return;
      continue;
    }
    board.setRetired(id, hart.retired);
    if (exit.reason === 'wfi') {
      waiting = true;
      board.setWaiting(id, true, sstcDeadline(hart));
    } else if (exit.reason !== 'budget') {
      if (!park(exit)) return;
    }
  }
}

loop();
