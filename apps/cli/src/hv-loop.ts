import type { HypervisorRunResult, NativeHypervisor, Vm } from '@vm/hypervisor-native';
import type { HostConsole } from './console.js';
import type { RunControl } from './run-control.js';

/** Why the loop ended: every VM stopped, Ctrl-A X, --max-instructions, or every VM waits on input that will not come. */
export type HvLoopEnd = 'stopped' | 'quit' | 'limit' | 'stuck' | 'killed';

export interface HvLoopOptions {
  readonly hv: NativeHypervisor;
  readonly console: HostConsole;
  /** The VM that typed input goes to (undefined: none; input is ignored). */
  readonly input: Vm | undefined;
  /** Flush console output after each slice. */
  readonly flush: () => void;
  /** Guest instructions in total before stopping (Infinity: no limit). */
  readonly max: number;
  /** Optional: at most this many instructions in the next hv.run (a VM's snapshot point must not be overshot). */
  readonly nextBudget?: () => number;
  /** Optional: called after each hv.run and flush (snapshots are taken here, between runs). */
  readonly afterRun?: () => void;
  /** Optional: -S, the monitor and a gdbstub holding the guest between runs. */
  readonly control?: RunControl;
  /** Optional: per-VM gdbstubs of a stack, stepping the hypervisor while one has something armed. */
  readonly debug?: { run<E>(budget: number, exec: (n: number) => E | undefined): E | undefined };
}

/** Run the hypervisor in slices, feeding console input and yielding to the event loop, until every VM stopped. */
export async function driveHypervisor(o: HvLoopOptions): Promise<{ end: HvLoopEnd; instructions: number }> {
  const slice = 2_000_000;
  let ran = 0;
  const control = o.control;
  for (;;) {
    if (control !== undefined && control.paused) {
      o.flush();
      if (!(await control.waitRunnable())) return { end: 'killed', instructions: ran };
      if (o.console.quitRequested) return { end: 'quit', instructions: ran };
    }
    feed(o);
    const left = o.max - ran;
    if (left <= 0) return { end: 'limit', instructions: ran };
    const budget = Math.min(slice, left, Math.max(1, o.nextBudget?.() ?? Infinity));
    let r: HypervisorRunResult;
    const debug = o.debug;
    if (control === undefined && debug === undefined) r = o.hv.run(budget);
    else {
      let done = 0;
      const inner = (n: number): HypervisorRunResult | undefined => {
        const x = o.hv.run(n);
        done += x.instructions;
        return x.reason === 'budget' ? undefined : x;
      };
      const exec = debug === undefined ? inner : (n: number): HypervisorRunResult | undefined => debug.run(n, inner);
      const last = control === undefined ? exec(budget) : control.run(budget, exec);
      r = { reason: last?.reason ?? 'budget', instructions: done };
    }
    ran += r.instructions;
    o.flush();
    o.afterRun?.();
    if (o.console.quitRequested) return { end: 'quit', instructions: ran };
    if (r.reason === 'stopped') return { end: 'stopped', instructions: ran };
    if (r.reason === 'idle') {
      // Every live VM waits for an interrupt no timer will raise: only input can wake one.
      // A VM the operator holds (monitor vm_pause) waits for the monitor, not for guest input.
      const held = o.hv.vms.some((v) => v.state !== 'stopped' && o.hv.isPaused(v));
      if (!held && (o.input === undefined || o.input.state === 'stopped' || (o.console.inputEnded && o.console.pending.length === 0))) return { end: 'stuck', instructions: ran };
      await o.console.waitForInput(50);
    } else {
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}

function feed(o: HvLoopOptions): void {
  const q = o.console.pending;
  if (q.length === 0 || o.input === undefined || o.input.state === 'stopped') return;
  const taken = o.input.sendInput(Buffer.from(q).toString('latin1'));
  q.splice(0, taken);
}
