import { VmError, driveSession, type DriveOptions, type DriveResult, type GuestSession } from '@vm/core';
import type { HostConsole } from './console.js';
import { quitOnSignals } from './image-write-back.js';
import { InternalFault, faultContext, injectTestFault, whereIs } from './internal-error.js';

/** Where end messages and `--stats` go (process.stderr, or a test's stream). */
export interface ErrStream {
  write(text: string): unknown;
}

export interface InteractiveRun extends Omit<DriveOptions, 'slice'> {
  readonly session: GuestSession;
  readonly console: HostConsole;
  /** Print `--stats` at the end. */
  readonly stats: boolean;
  readonly stderr: ErrStream;
  /** -S, the gdbstub and the monitor: told the guest's poweroff code, closed at the end. */
  readonly control?: DriveOptions['control'] & { exited(code: number): void; close(): void };
  /** Closed at the end, after the run (the monitor, per-VM gdbstubs, a -serial file). */
  readonly cleanup?: () => void;
  /** Stack-specific flushing after each slice (e.g. `vm up`'s prefixed streams), besides the console's. */
  readonly flush?: () => void;
}

export interface InteractiveEnd extends DriveResult {
  /** SIGINT (130), SIGTERM (143) or SIGHUP (129) ended the run, as a shell reports a signalled process. */
  readonly signalled: number | undefined;
}

/**
 * The one driver of every `vm` command that runs guests (`run`, `up`, `restore`, on every stack):
 * the terminal in raw mode, the session driven slice by slice (`driveSession`), SIGINT/SIGTERM
 * (and SIGHUP) ending the run between slices — so the session's disks are still written back — then `--stats`.
 */
export async function runInteractive(o: InteractiveRun): Promise<InteractiveEnd> {
  const con = o.console;
  let signalled: number | undefined;
  const unhook = quitOnSignals((status) => {
    signalled = status;
    con.quit();
  });
  con.start();
  const started = process.hrtime.bigint();
  let end: DriveResult;
  const fault = injectTestFault();
  faultContext(o.session);
  try {
    end = await driveSession(o.session, con, {
      max: o.max,
      nextBudget: o.nextBudget,
      control: o.control,
      stepper: o.stepper,
      afterRun: () => {
        o.flush?.();
        o.afterRun?.();
        fault?.();
      },
    });
    const e = o.session.exit();
    if (end.end === 'stopped' && e.reason === 'poweroff') o.control?.exited(e.code);
  } catch (e) {
    // A bug of ours while the guest ran: note where the guest is before the session closes.
    if (e instanceof VmError) throw e;
    throw new InternalFault(e, whereIs(o.session));
  } finally {
    faultContext(undefined);
    unhook();
    o.control?.close();
    con.flush();
    o.flush?.();
    con.stop();
    o.cleanup?.();
    o.session.close();
  }
  if (o.stats) printStats(o.session, Number(process.hrtime.bigint() - started) / 1e9, o.stderr);
  return { ...end, signalled };
}

/** The one `--stats` printer: instructions, time and speed, then what the stack counts. */
export function printStats(s: GuestSession, seconds: number, stderr: ErrStream): void {
  const n = s.instructions;
  stderr.write(`vm: ${n} guest instructions in ${seconds.toFixed(2)} s (${(n / seconds / 1e6).toFixed(1)} MIPS)\n`);
  for (const line of s.statsLines()) stderr.write(line + '\n');
}

/**
 * The exit status of a one-guest run once the driver ended, with the message that explains it:
 * the signal's status, 0 for Ctrl-A X, 124 at --max-instructions, 1 when the guest waits for input
 * that will never come or its stack stopped it (the stack's report is printed), else the guest's
 * poweroff code (0 for a reset).
 */
export function endStatus(end: InteractiveEnd, s: GuestSession, stderr: ErrStream): number {
  if (end.signalled !== undefined) return end.signalled;
  switch (end.end) {
    case 'quit':
      return 0;
    case 'killed':
      // GDB's kill: QEMU ends the process the same way.
      stderr.write('vm: terminated via GDBstub\n');
      return 0;
    case 'limit':
      stderr.write(`\nvm: ${stoppedAfter(end.instructions, end.trapped)} (--max-instructions)\n`);
      return 124;
    case 'stuck':
      stderr.write('\nvm: the guest waits for input and standard input has ended\n');
      return 1;
    default: {
      const report = s.report();
      const e = s.exit();
      if (report !== undefined) stderr.write(e.reason === 'poweroff' || e.reason === 'reset' ? `${report}\n` : `\n${report}\n`);
      if (e.reason === 'poweroff') return e.code;
      return e.reason === 'reset' ? 0 : 1;
    }
  }
}

/** "stopped after N instructions", and the traps that retired nothing when there were any. */
export function stoppedAfter(instructions: number, trapSteps: number): string {
  const t = trapSteps > 0 ? ` and ${trapSteps} traps that retired no instruction` : '';
  return `stopped after ${instructions} instructions${t}`;
}
