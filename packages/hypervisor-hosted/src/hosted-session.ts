import type { EventCounts, GuestSession, SessionSlice, VmExit } from '@vm/core';
import type { MachineSnapshot } from '@vm/machine';
import type { HostedHost } from './hosted-stack.js';
import type { VmmProgram } from './vmm-process.js';

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

export interface HostedSessionOptions {
  /** Typed input goes to the host OS's /dev/console, where an interactive VMM reads it (default true). */
  readonly input?: boolean;
  /** Copy the guest's disk back to the real host; called by `close()`. */
  readonly closeDisks?: () => void;
}

/**
 * A host OS with its VMM processes as a `GuestSession`: `run` is the host kernel's (its scheduler
 * shares the hart among the processes); exit, events and snapshot are the first VMM's guest.
 */
export class HostedSession implements GuestSession<MachineSnapshot> {
  private readonly starts: readonly number[];
  private readonly trapStarts: readonly number[];

  constructor(
    readonly host: HostedHost,
    private readonly o: HostedSessionOptions = {},
  ) {
    if (host.vmms.length === 0) throw new Error('HostedSession: no VMM');
    this.starts = host.vmms.map((v) => v.vmm.guestInstructions);
    this.trapStarts = host.vmms.map((v) => v.vmm.trapSteps);
  }

  private get first(): VmmProgram {
    return this.host.vmms[0]!.vmm;
  }

  get instructions(): number {
    return this.host.vmms.reduce((n, v, i) => n + v.vmm.guestInstructions - this.starts[i]!, 0);
  }

  /** Trap steps of every VMM's guest since the session started (VmmProgram.trapSteps). */
  get trapSteps(): number {
    return this.host.vmms.reduce((n, v, i) => n + v.vmm.trapSteps - this.trapStarts[i]!, 0);
  }

  /**
   * Some VMM process is held from outside (a debugger or the monitor blocked it: 'stop'): a host
   * idle then waits for whoever holds it, not only for input, as a native session with a held VM.
   */
  get held(): boolean {
    return this.host.vmms.some((v) => v.process.state === 'blocked' && v.process.waitingFor === 'stop');
  }

  get inputOpen(): boolean {
    return this.o.input !== false && !this.stopped();
  }

  private stopped(): boolean {
    return this.host.vmms.every((v) => v.process.state === 'zombie');
  }

  run(budget: number): SessionSlice {
    const before = this.instructions;
    const trapsBefore = this.trapSteps;
    const r = this.host.kernel.run(budget);
    const ran = this.instructions - before;
    // Reported apart, as the native session does: the driver bounds them by `max` too.
    const trapped = this.trapSteps - trapsBefore;
    if (r.reason === 'no-processes' || this.stopped()) return { ran, trapped, end: 'stopped' };
    // Every VMM sleeps until input (VmmProgram waits for it there): only typed bytes wake one.
    if (r.reason === 'idle') return { ran, trapped, end: 'idle' };
    return { ran, trapped, end: 'budget' };
  }

  input(bytes: readonly number[]): number {
    if (this.o.input === false) return 0;
    this.host.kernel.console.type(bytes);
    this.wakeVmms();
    return bytes.length;
  }

  endInput(): void {
    // A VMM whose guest waits only for console input can then stop it (a `wfi:` report).
    for (const v of this.host.vmms) v.vmm.inputEnded = true;
    this.wakeVmms();
  }

  /** VMM processes asleep until input (VmmProgram.waitForInput) run again: they read it, or see it has ended. */
  private wakeVmms(): void {
    for (const v of this.host.vmms) if (v.process.state === 'blocked' && v.process.waitingFor === 'event') this.host.kernel.wake(v.process);
  }

  events(): EventCounts {
    const k = this.host.kernel;
    return {
      ...this.first.events(),
      'world-switch': k.vmm.world.entries + k.vmm.world.exits,
      'exit.in-kernel': k.vmm.inKernelExits,
      'context-switch': k.scheduler.contextSwitches,
    };
  }

  exit(): VmExit {
    return this.first.exit ?? { reason: 'budget' };
  }

  report(): string | undefined {
    const e = this.first.exit;
    if (e?.reason === 'halt') return `vm: the VMM stopped the guest: ${e.message}`;
    if (e?.reason === 'reset') return 'vm: the guest asked for a reset (a VM does not reboot): exiting';
    if (e === undefined) return `vm: the VMM process ended without a guest exit (${vmmOutcome(this.first)})`;
    return undefined;
  }

  snapshot(): MachineSnapshot {
    return this.first.snapshot();
  }

  /** Read through the VMM's own snapshot of its guest (rare: only an internal fault asks). */
  where(): string {
    const h = this.first.snapshot().harts[0]!.hart;
    return `pc=0x${h.pc.toString(16)}, guest hart 0 in ${'USHM'[h.priv] ?? h.priv}-mode`;
  }

  statsLines(): readonly string[] {
    const k = this.host.kernel;
    const vmm = this.first;
    return [
      `vm: hosted ${vmm.options.mode}: ${k.vmm.world.entries + k.vmm.world.exits} world switches, ${vmmSyscalls(vmm)}`,
      `vm: exits: ${vmmExits(vmm) || 'none'}; in the driver: ${k.vmm.inKernelExits}`,
    ];
  }

  close(): void {
    this.o.closeDisks?.();
  }
}
