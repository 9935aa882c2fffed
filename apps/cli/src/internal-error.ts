import type { GuestSession } from '@vm/core';

/**
 * Internal faults (issue 16): a bug in this program while it runs a guest is one line on stderr,
 * `vm: internal error: MESSAGE (pc=0x..., STATE)`, and a non-zero status, never a Node stack
 * trace (VM_DEBUG=1 keeps the trace). The driver names the session it runs, so a fault thrown
 * outside its loop (a timer, a socket callback: uncaughtException, unhandledRejection) still
 * reports where the guest was.
 */
let live: GuestSession | undefined;

/** The session being driven now (undefined once it ended). */
export function faultContext(s: GuestSession | undefined): void {
  live = s;
}

/** A fault thrown while a guest ran, with where the guest was when it was caught. */
export class InternalFault extends Error {
  override name = 'InternalFault';
  constructor(
    readonly fault: unknown,
    readonly where: string | undefined,
  ) {
    super(fault instanceof Error ? fault.message : String(fault));
  }
}

/** Where `s`'s guest is: its pc and state, and the instructions run; never throws. */
export function whereIs(s: GuestSession): string {
  const parts: string[] = [];
  try {
    const w = s.where?.();
    if (w !== undefined) parts.push(w);
  } catch {
    // The state itself may be what is broken: report what can be read.
  }
  try {
    parts.push(`${s.instructions} guest instructions`);
  } catch {
    // as above
  }
  return parts.join(', ');
}

/** The one line for an internal fault. */
export function internalErrorLine(err: unknown): string {
  const where = err instanceof InternalFault ? err.where : live === undefined ? undefined : whereIs(live);
  const fault = err instanceof InternalFault ? err.fault : err;
  const message = (fault instanceof Error ? `${fault.message || fault.name}` : String(fault)).split('\n')[0]!.trim();
  return `vm: internal error: ${message}${where !== undefined && where !== '' ? ` (${where})` : ''}\n`;
}

/**
 * A test hook (VM_TEST_FAULT), to show the report above on a real run: `slice` throws inside the
 * run loop after the first slice, `async` from a timer (an uncaught exception), `rejection` as an
 * unhandled promise rejection. Unset in normal use; read once per run.
 */
export function injectTestFault(): (() => void) | undefined {
  const kind = process.env['VM_TEST_FAULT'];
  if (kind === undefined || kind === '') return undefined;
  const fault = new Error(`injected fault (VM_TEST_FAULT=${kind})`);
  let fired = false;
  return () => {
    if (fired) return;
    fired = true;
    if (kind === 'async') setTimeout(() => {
      throw fault;
    }, 0);
    else if (kind === 'rejection') void Promise.reject(fault);
    else throw fault;
  };
}
