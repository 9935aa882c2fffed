import { ConfigError } from '@vm/core';
import { GdbServer, type RiscvCpu } from '@vm/gdbstub';
import type { NativeHypervisor, Vm } from '@vm/hypervisor-native';
import { vmCpus } from './debug-cpu.js';

/** Guest instructions per slice while a debugger is connected (tens of milliseconds). */
const CONNECTED_SLICE = 100_000;

/**
 * One VM of a stack as its gdbstub sees and holds it: the native hypervisor's VM (held by
 * NativeHypervisor.pause), or a hosted stack's VMM process (held blocked in the host kernel).
 */
export interface DebugTarget {
  readonly name: string;
  readonly port: number | undefined;
  cpus(): readonly RiscvCpu[];
  /** Hold this VM alone; the others run on. */
  hold(): void;
  release(): void;
  /** GDB's kill: end this VM. */
  kill(): void;
  /** Changes whenever the VM's guest executes something (retired count, pc). */
  progress(): string;
  /** The guest has ended, and with what status (undefined: not known). */
  stopped(): boolean;
  exitStatus(): number | undefined;
}

/** A native stack's VMs as debug targets. */
export function nativeDebugTargets(hv: NativeHypervisor, vms: readonly { vm: Vm; port: number | undefined }[]): DebugTarget[] {
  return vms.map(({ vm, port }) => ({
    name: vm.name,
    port,
    cpus: () => vmCpus(hv.host, vm),
    hold: () => hv.pause(vm),
    release: () => hv.resume(vm),
    kill: () => {
      hv.resume(vm);
      vm.stop('hook', 'killed from GDB', vm.vhart.hart.pc);
    },
    progress: () => `${vm.stats.guestInstructions}@${vm.vhart.hart.pc}`,
    stopped: () => vm.state === 'stopped',
    exitStatus: () => vm.exitStatus,
  }));
}

interface VmStub {
  readonly target: DebugTarget;
  readonly gdb: GdbServer;
  reported: boolean;
}

/**
 * The gdbstubs of a stack's VMs (`gdb: PORT` in `vm up`): each debugs its VM's guest, and a stop
 * holds that VM alone (in the native hypervisor, or a hosted VMM process in the host kernel) while
 * the others run on. While a stub has something armed, the stack runs one step at a time and each
 * stub looks at its own VM before the VM's next instruction.
 */
export class StackDebugger {
  private constructor(
    private readonly stubs: readonly VmStub[],
  ) {}

  /** A VM with a stub starts held (as with -S) until its debugger continues it; the others run. */
  static async start(targets: readonly DebugTarget[], monitor?: (command: string) => string | undefined): Promise<StackDebugger | undefined> {
    const stubs: VmStub[] = [];
    for (const target of targets) {
      const port = target.port;
      if (port === undefined) continue;
      try {
        const gdb = await GdbServer.listen(target.cpus(), port, undefined, {
          startPaused: true,
          monitor,
          onStop: () => target.hold(),
          onResume: () => target.release(),
          onKill: () => target.kill(),
        });
        target.hold();
        stubs.push({ target, gdb, reported: false });
      } catch (e) {
        for (const s of stubs) s.gdb.close();
        throw new ConfigError(`${target.name}: gdb: ${port}: cannot listen (${e instanceof Error ? e.message : String(e)})`);
      }
    }
    return stubs.length === 0 ? undefined : new StackDebugger(stubs);
  }

  run<E>(budget: number, exec: (n: number) => E | undefined): E | undefined {
    const armed = this.stubs.filter((s) => s.gdb.armed);
    let exit: E | undefined;
    // While a debugger is connected the other VMs run in short pieces, so that the event loop reads
    // its packets (the connect handshake included) well within GDB's remotetimeout, even under load.
    if (armed.length === 0) exit = exec(this.stubs.some((s) => s.gdb.connected) ? Math.min(budget, CONNECTED_SLICE) : budget);
    else {
      const n = Math.min(budget, 20_000);
      for (let i = 0; i < n; i++) {
        for (const s of armed) s.gdb.checkBeforeStep();
        const before = armed.map((s) => s.target.progress());
        exit = exec(1);
        armed.forEach((s, k) => {
          if (s.target.progress() !== before[k]) s.gdb.stepped(!s.target.stopped());
        });
        if (exit !== undefined || armed.some((s) => !s.gdb.armed)) break;
      }
    }
    for (const s of this.stubs) {
      if (!s.reported && s.target.stopped()) {
        s.reported = true;
        s.gdb.exited(s.target.exitStatus() ?? 1);
      }
    }
    return exit;
  }

  close(): void {
    for (const s of this.stubs) s.gdb.close();
  }
}
