import type { VmExit } from '@vm/core';
import { bootVirt } from '../boot.js';
import { VirtMachine } from '../virt.js';
import { WARM_UP_COUNTS, WARM_UP_IMAGE } from './image.js';

/** What warmUp() did, for tests and logs. */
export interface WarmUpReport {
  /** The program powered off as it should (status 0); false means a hart bug, not a user error. */
  readonly completed: boolean;
  readonly instructions: number;
  /** Traps the program's M-mode handler took, and its S-mode handler (warm-up.S). */
  readonly mTraps: number;
  readonly sTraps: number;
  /** WebAssembly modules it compiled: 1, its closing loop's block (0: interpreter or JavaScript blocks). */
  readonly modules: number;
  readonly milliseconds: number;
}

let report: WarmUpReport | undefined;

/** Instructions between the warm-up's compiles of its pending blocks. */
const WARM_UP_SLICE = 2_000;
/** Heat at which the warm-up's heads become blocks. */
const WARM_UP_THRESHOLD = 3_000;

/**
 * Warm V8 up for the harts of this thread: run the warm-up program (warm-up.S: about 15,000
 * instructions, the integer, M, A, F, D and compressed instructions, loads and stores of every
 * width, MMIO, traps, interrupts and WFI in M, S under Sv39 and U mode, and a loop that becomes a
 * block) once, on a small board of its own that is then dropped. The first call does it; later
 * calls return its report.
 *
 * Why: V8 optimizes the interpreter's loop once it is hot, with the type feedback gathered so
 * far, and throws that code away ("insufficient type feedback") the first time a path runs that
 * had not run before — in a fresh Linux boot about a dozen times over its first second, each
 * time running unoptimized for the 30–100 ms TurboFan takes to compile it again. After the
 * warm-up every common path has feedback before the first optimization. Nothing of the program
 * is visible to the guests that run afterwards (its board, RAM and translation cache are its own).
 * Give `translate` as the boards built after it will have it (default: VM_TRANSLATE, as theirs),
 * so that the warmed-up code has seen harts of their shape. Figures: docs/translator.md, "A
 * warm-up before the first guest" and "A faster start".
 */
export function warmUp(options: { readonly translate?: boolean } = {}): WarmUpReport {
  if (report !== undefined) return report;
  const t0 = performance.now();
  // Its closing loop (about 10,000 instructions) gets hot under a threshold lower than a guest's
  // (HOT_THRESHOLD_WASM).
  const m = new VirtMachine({ memory: 8 << 20, console: () => {}, translate: options.translate, translateThreshold: WARM_UP_THRESHOLD });
  const bytes = Uint8Array.from(atob(WARM_UP_IMAGE), (c) => c.charCodeAt(0));
  bootVirt(m, { kernel: { bytes, file: 'warm-up' } });
  // In slices, each followed by compiling what has become hot: the program's last loop becomes a
  // block within it, where a guest's block waits for its batch (BATCH_DELAY).
  let exit: VmExit;
  do {
    exit = m.run(WARM_UP_SLICE);
    m.harts[0]?.translations?.compilePending();
  } while (exit.reason === 'budget' && m.retired < 1_000_000);
  const counts = new DataView(m.ram.copyOut(WARM_UP_COUNTS, 16).buffer);
  report = {
    completed: exit.reason === 'poweroff' && exit.code === 0,
    instructions: m.retired,
    mTraps: Number(counts.getBigUint64(0, true)),
    sTraps: Number(counts.getBigUint64(8, true)),
    modules: m.harts[0]?.translations?.stats.modules ?? 0,
    milliseconds: performance.now() - t0,
  };
  return report;
}
