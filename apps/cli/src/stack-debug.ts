import { ConfigError } from '@vm/core';
import { GdbServer } from '@vm/gdbstub';
import type { NativeHypervisor, Vm } from '@vm/hypervisor-native';
import { vmCpu } from './debug-cpu.js';

/** Guest instructions per slice while a debugger is connected (tens of milliseconds). */
const CONNECTED_SLICE = 100_000;

interface VmStub {
  readonly vm: Vm;
  readonly gdb: GdbServer;
  reported: boolean;
}

/**
 * The gdbstubs of a stack's VMs (`gdb: PORT` in `vm up`): each debugs its VM's guest, and a stop
 * holds that VM alone in the hypervisor (NativeHypervisor.pause) while the others run on. While a
 * stub has something armed, the hypervisor runs one guest instruction at a time and each stub looks
 * at its own VM before the VM's next instruction.
 */
export class StackDebugger {
  private constructor(
    private readonly stubs: readonly VmStub[],
  ) {}

  /** A VM with a stub starts held (as with -S) until its debugger continues it; the others run. */
  static async start(hv: NativeHypervisor, vms: readonly { vm: Vm; port: number | undefined }[], monitor?: (command: string) => string | undefined): Promise<StackDebugger | undefined> {
    const stubs: VmStub[] = [];
    for (const { vm, port } of vms) {
      if (port === undefined) continue;
      try {
        const gdb = await GdbServer.listen(vmCpu(hv.host, vm), port, undefined, {
          startPaused: true,
          monitor,
          onStop: () => hv.pause(vm),
          onResume: () => hv.resume(vm),
          onKill: () => {
            hv.resume(vm);
            vm.stop('hook', 'killed from GDB', vm.vhart.hart.pc);
          },
        });
        hv.pause(vm);
        stubs.push({ vm, gdb, reported: false });
      } catch (e) {
        for (const s of stubs) s.gdb.close();
        throw new ConfigError(`${vm.name}: gdb: ${port}: cannot listen (${e instanceof Error ? e.message : String(e)})`);
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
        const before = armed.map((s) => [s.vm.stats.guestInstructions, s.vm.vhart.hart.pc] as const);
        exit = exec(1);
        armed.forEach((s, k) => {
          if (s.vm.stats.guestInstructions !== before[k]![0] || s.vm.vhart.hart.pc !== before[k]![1]) s.gdb.stepped(s.vm.state !== 'stopped');
        });
        if (exit !== undefined || armed.some((s) => !s.gdb.armed)) break;
      }
    }
    for (const s of this.stubs) {
      if (!s.reported && s.vm.state === 'stopped') {
        s.reported = true;
        s.gdb.exited(s.vm.exitStatus ?? 1);
      }
    }
    return exit;
  }

  close(): void {
    for (const s of this.stubs) s.gdb.close();
  }
}
