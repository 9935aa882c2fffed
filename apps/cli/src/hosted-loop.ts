import type { HostKernel, Process } from '@vm/hostos';
import type { VmmProgram } from '@vm/hypervisor-hosted';
import type { HostConsole } from './console.js';

/** Why the loop ended: every VMM process exited, Ctrl-A X, or --max-instructions. */
export type HostedLoopEnd = 'stopped' | 'quit' | 'limit';

export interface HostedLoopOptions {
  readonly kernel: HostKernel;
  readonly vmms: readonly { readonly vmm: VmmProgram; readonly process: Process }[];
  readonly console: HostConsole;
  /** Typed input goes to the host OS's /dev/console, where an interactive VMM reads it. */
  readonly input: boolean;
  readonly flush: () => void;
  /** Guest instructions in total before stopping (Infinity: no limit). */
  readonly max: number;
  /** Optional: at most this many host instructions in the next kernel.run (to stop near a snapshot point). */
  readonly nextBudget?: () => number;
  /** Optional: called after each kernel.run and flush (snapshots are taken here, between runs). */
  readonly afterRun?: () => void;
}

const SLICE = 2_000_000;

/** Run the host OS in slices until every VMM process has exited, yielding to the event loop between slices. */
export async function driveHostOs(o: HostedLoopOptions): Promise<{ end: HostedLoopEnd; instructions: number }> {
  const guestInstructions = (): number => o.vmms.reduce((n, v) => n + v.vmm.guestInstructions, 0);
  for (;;) {
    const q = o.console.pending;
    if (o.input && q.length > 0) o.kernel.console.type(q.splice(0));
    if (o.console.inputEnded && q.length === 0) for (const v of o.vmms) v.vmm.inputEnded = true;
    if (guestInstructions() >= o.max) return { end: 'limit', instructions: guestInstructions() };
    const r = o.kernel.run(Math.min(SLICE, Math.max(1, o.nextBudget?.() ?? Infinity)));
    o.flush();
    o.afterRun?.();
    if (o.console.quitRequested) return { end: 'quit', instructions: guestInstructions() };
    if (r.reason === 'no-processes' || o.vmms.every((v) => v.process.state === 'zombie')) return { end: 'stopped', instructions: guestInstructions() };
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** Exit status of a VMM's guest: its poweroff code; 0 for a reset; 1 when it failed. */
export function vmmStatus(vmm: VmmProgram): number {
  const e = vmm.exit;
  if (e?.reason === 'poweroff') return e.code;
  if (e?.reason === 'reset') return 0;
  return 1;
}

/** `exit 0`, `reset`, `halt: MESSAGE` or `running`. */
export function vmmOutcome(vmm: VmmProgram): string {
  const e = vmm.exit;
  if (e === undefined) return 'running';
  if (e.reason === 'poweroff') return `exit ${e.code}`;
  if (e.reason === 'halt') return `halt: ${e.message}`;
  return e.reason;
}

/** `mmio 3, intr 12, ...`: KVM_RUN exits returned to the VMM, by reason. */
export function vmmExits(vmm: VmmProgram): string {
  return Object.entries(vmm.exits).map(([k, v]) => `${k} ${v}`).join(', ');
}

/** `H host syscalls (disk D, console C)`. */
export function vmmSyscalls(vmm: VmmProgram): string {
  const e = vmm.events();
  return `${e['host.syscall'] ?? 0} host syscalls (disk ${e['host.syscall.disk'] ?? 0}, console ${e['host.syscall.console'] ?? 0})`;
}
