import type { VmExit } from './exit.js';
import type { EventCounts, GuestRunResult } from './stack.js';

/**
 * One contract for driving guests, whatever runs them — the bare board, the native hypervisor's VMs,
 * VMM processes on the hosted hypervisor's host OS — so the CLI (`run`, `up`, `snapshot`, `restore`)
 * and the benchmark share one driver loop (`driveSession` / `runSession`) and one stats printer.
 * The shape is a VMM's main loop over `KVM_RUN`: run a slice, look at why it came back, feed the
 * console, repeat.
 */

/** Why `GuestSession.run` came back. */
export type SliceEnd =
  /** The budget was used up (or a guest wants the loop to look around, e.g. after a reboot). */
  | 'budget'
  /** Every live guest waits for an interrupt that no timer will raise: only console input can wake one. */
  | 'idle'
  /** Every guest has ended. */
  | 'stopped';

export interface SessionSlice {
  /** Guest instructions retired in this slice (all guests together). */
  readonly ran: number;
  readonly end: SliceEnd;
  /** Steps that took a trap and retired nothing (a trap loop); bounded by `max` apart from instructions. */
  readonly trapped?: number;
}

/** A started guest (or set of guests) of one stack. `Snap` is what `snapshot()` captures. */
export interface GuestSession<Snap = unknown> {
  /** Run at most `budget` guest instructions (≥ 1). */
  run(budget: number): SessionSlice;
  /**
   * Where run()'s budgets end changes nothing the guest sees (VirtMachine.run goes on with a turn
   * it cut): the driver may size slices by wall time. Otherwise (a scheduler that picks anew at
   * every call) it keeps slices of 2,000,000, so the same guest and flags give the same counts.
   */
  readonly anySlice?: boolean;
  /** Typed console bytes for the guest that holds the console; returns how many it took (the rest wait). */
  input(bytes: readonly number[]): number;
  /** Whether some live guest holds the console (when none does and all are idle, nothing can wake them). */
  readonly inputOpen: boolean;
  /** Guest instructions retired since the session started. */
  readonly instructions: number;
  /** Events counted so far, by name (`GuestRunResult.events`). */
  events(): EventCounts;
  /** How the (first) guest ended: poweroff/reset/halt, or `budget` while it still runs. */
  exit(): VmExit;
  /** What the stack says about how the guest ended, for stderr (a fault report, a failed HTIF test, a reset it does not follow); undefined when the exit says it all. */
  report(): string | undefined;
  /** The guest's state now, between slices (a `.vmsnap`'s content). */
  snapshot(): Snap;
  /** Lines for `--stats` after the common `N guest instructions in S s (M MIPS)`. */
  statsLines(): readonly string[];
  /** Some live guest is held by the operator (a monitor's pause): an idle session then waits for the monitor, not for input. */
  readonly held?: boolean;
  /** Standard input has ended: no more console input will come (a guest waiting only for it can be stopped). */
  endInput?(): void;
  /** Write disks back and release host files; once, at the end. */
  close(): void;
  /** The (first) guest's pc and state now (`pc=0x80000000, M-mode`), for the one line an internal fault prints. */
  where?(): string;
}

/** Why the driver stopped: every guest ended, the user quit, `max` was reached, nothing can wake the guests, or a debugger killed them. */
export type DriveEnd = 'stopped' | 'quit' | 'limit' | 'stuck' | 'killed';

/** Runs a slice on the driver's behalf: `exec(n)` runs n instructions and returns a value to stop early (a debugger steps it one by one). */
export interface SliceRunner {
  run<E>(budget: number, exec: (n: number) => E | undefined): E | undefined;
}

/** Holds the guests between slices (-S, a gdbstub, the monitor's stop) and runs slices through itself. */
export interface SliceControl extends SliceRunner {
  readonly paused: boolean;
  /** Resolves when the guests may run again; false when the debugger killed them. */
  waitRunnable(): Promise<boolean>;
}

export interface DriveResult {
  readonly end: DriveEnd;
  /** Guest instructions the driver ran. */
  readonly instructions: number;
  /** Steps that took a trap and retired nothing. */
  readonly trapped: number;
}

/** The terminal side of a session: typed bytes waiting, Ctrl-A X, end of input (the CLI's HostConsole). */
export interface SessionConsole {
  readonly pending: number[];
  readonly quitRequested: boolean;
  readonly inputEnded: boolean;
  waitForInput(ms: number): Promise<void>;
  flush(): void;
}

export interface DriveOptions {
  /** Guest instructions in total before stopping (Infinity: no limit). */
  readonly max: number;
  /** Instructions per slice (default 2,000,000): how often input is fed and the event loop runs. */
  readonly slice?: number;
  /** At most this many instructions in the next slice (a snapshot point must not be overshot). */
  readonly nextBudget?: () => number;
  /** Called after each slice (snapshots are taken here, between slices). */
  readonly afterRun?: () => void;
  /** A debugger or monitor holding and stepping the guests (driveSession only). */
  readonly control?: SliceControl;
  /** Per-guest debuggers stepping inside each slice (under `control`, if any). */
  readonly stepper?: SliceRunner;
}

const SLICE = 2_000_000;

/**
 * Wall time a console-driven slice aims at (ms): typed input waits about this long at most before
 * the guest can see it, and the guest's output as long before it reaches the terminal (QEMU's main
 * loop polls both all the time). A guest polling its UART runs 20-80 MIPS, where 2,000,000
 * instructions took 25-55 ms: U-Boot's prompt came 3 slices after its "Hit any key".
 */
const SLICE_MS = 4;

/** The smallest slice the wall-time target may choose: below, the loop's own turn would cost more than a percent. */
const MIN_SLICE = 50_000;

/** The next slice after one of `budget` instructions that took `ms`: what runs in SLICE_MS at that rate, within [MIN_SLICE, SLICE]. */
export function nextSlice(budget: number, ms: number): number {
  if (!(ms > 0)) return SLICE;
  return Math.max(MIN_SLICE, Math.min(SLICE, Math.round((budget * SLICE_MS) / ms)));
}

/** What the loop does after a slice: run another, wait for input, or end. */
type Next = 'run' | 'wait' | DriveEnd;

/** Instructions and trap steps run so far. */
interface Ran {
  readonly instructions: number;
  readonly trapped: number;
}

/** The driver's one step: feed input, run a slice, decide. Both loops below are this and a way to wait. */
function step(s: GuestSession, o: DriveOptions, ran: Ran, con: SessionConsole | undefined, slice = o.slice ?? SLICE): { ran: Ran; next: Next } {
  if (con !== undefined && con.pending.length > 0 && s.inputOpen) con.pending.splice(0, s.input(con.pending));
  if (con !== undefined && con.inputEnded && con.pending.length === 0) s.endInput?.();
  // A trap loop retires nothing, so trap steps are bounded by `max` too, apart.
  const left = Math.min(o.max - ran.instructions, o.max - ran.trapped);
  if (left <= 0) return { ran, next: 'limit' };
  const budget = Math.max(1, Math.min(slice, left, o.nextBudget?.() ?? Infinity));
  const r = o.control === undefined && o.stepper === undefined ? s.run(budget) : runControlled(s, o, budget);
  ran = { instructions: ran.instructions + r.ran, trapped: ran.trapped + (r.trapped ?? 0) };
  o.afterRun?.();
  con?.flush();
  if (con?.quitRequested === true) return { ran, next: 'quit' };
  if (r.end === 'stopped') return { ran, next: 'stopped' };
  if (r.end === 'idle') {
    // Only typed input can wake an idle guest.
    if (s.held !== true && (con === undefined || !s.inputOpen || (con.inputEnded && con.pending.length === 0))) return { ran, next: 'stuck' };
    return { ran, next: 'wait' };
  }
  return { ran, next: 'run' };
}

/** One slice through the debuggers: they may run it in pieces, stopping early at a breakpoint. */
function runControlled(s: GuestSession, o: DriveOptions, budget: number): SessionSlice {
  let ran = 0;
  let trapped = 0;
  const inner = (n: number): SessionSlice | undefined => {
    const x = s.run(n);
    ran += x.ran;
    trapped += x.trapped ?? 0;
    return x.end === 'budget' ? undefined : x;
  };
  const stepper = o.stepper;
  const exec = stepper === undefined ? inner : (n: number): SessionSlice | undefined => stepper.run(n, inner);
  const last = o.control === undefined ? exec(budget) : o.control.run(budget, exec);
  return { ran, trapped, end: last?.end ?? 'budget' };
}

/**
 * Drive a session with a console until it ends, yielding to the event loop between slices (the
 * CLI). Without `o.slice`, a session whose guests cannot see where slices end (`anySlice`) gets
 * slices sized to take about SLICE_MS of wall time (`nextSlice`): that changes only how soon input
 * and output cross.
 */
export async function driveSession(s: GuestSession, con: SessionConsole, o: DriveOptions): Promise<DriveResult> {
  let ran: Ran = { instructions: 0, trapped: 0 };
  let slice = o.slice ?? SLICE;
  for (;;) {
    if (o.control?.paused === true) {
      con.flush();
      if (!(await o.control.waitRunnable())) return { end: 'killed', ...ran };
      if (con.quitRequested) return { end: 'quit', ...ran };
    }
    const t0 = performance.now();
    const r = step(s, o, ran, con, slice);
    if (o.slice === undefined && s.anySlice === true && r.ran.instructions - ran.instructions >= slice) slice = nextSlice(slice, performance.now() - t0);
    ran = r.ran;
    if (r.next === 'wait') await con.waitForInput(50);
    else if (r.next === 'run') await new Promise<void>((resolve) => setImmediate(resolve));
    else return { end: r.next, ...ran };
  }
}

/** Drive a session with no console to its end, synchronously (the benchmark, snapshot points). */
export function runSession(s: GuestSession, o: DriveOptions): DriveResult {
  let ran: Ran = { instructions: 0, trapped: 0 };
  for (;;) {
    const r = step(s, o, ran, undefined);
    ran = r.ran;
    if (r.next !== 'run') return { end: r.next === 'wait' ? 'stuck' : r.next, ...ran };
  }
}

/**
 * A `Stack.run`: drive a session with no console to its end (or `max`) and say how it went.
 * `started` is when the stack began building the guest (`process.hrtime.bigint()`), so set-up counts.
 */
export function sessionResult(s: GuestSession, console: () => string, o: { readonly max: number; readonly slice: number; readonly started: bigint }): GuestRunResult {
  const end = runSession(s, { max: o.max, slice: o.slice });
  const exit = s.exit();
  s.close();
  const seconds = Number(process.hrtime.bigint() - o.started) / 1e9;
  // A guest still running at `max` or waiting for input that will not come ended there.
  const how = exit.reason === 'budget' && end.end === 'stuck' ? ({ reason: 'wfi' } as const) : exit;
  return { exit: how, console: console(), guestInstructions: s.instructions, events: s.events(), seconds };
}
