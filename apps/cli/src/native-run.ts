import { ConfigError } from '@vm/core';
import { NativeHypervisor } from '@vm/hypervisor-native';
import { one, type ParsedArgs } from './args.js';
import { hostConsoleFor } from './console-setup.js';
import type { Monitor } from './monitor.js';
import { attachMonitor, nativeMonitorMachine } from './monitor-machines.js';
import { driveHypervisor } from './hv-loop.js';
import { vmCpu } from './debug-cpu.js';
import { RunControl } from './run-control.js';
import { checkMode, closeDisks, HYPERVISOR_HEADROOM, vmConfigFromArgs } from './native-config.js';
import { exitsByReason, nativeEndStatus } from './vm-report.js';

/**
 * `vm run --hypervisor native [--mode trap] ...`: one guest as a VM of the type-1 hypervisor,
 * from the same flags as the bare board. -bios FW runs in virtual M-mode; exit status is the
 * guest's poweroff code, or 1 with the fault report when the hypervisor stopped it.
 */
export async function runNative(args: ParsedArgs): Promise<number> {
  const mode = checkMode(one(args, 'mode'), '--mode');
  const maxText = one(args, 'max-instructions');
  const max = maxText === undefined ? Infinity : Number(maxText);
  if (!(max > 0)) throw new ConfigError(`--max-instructions ${maxText}: not a positive number`);
  const { con, monitor: monitorSpec, close: closeSerial } = hostConsoleFor(args);
  const config = vmConfigFromArgs(args, 'guest', (b) => con.write(b));
  const hv = new NativeHypervisor({ memory: config.memory + HYPERVISOR_HEADROOM, mode });
  let vm;
  try {
    vm = hv.createVm(config);
  } catch (e) {
    closeDisks(config);
    throw e;
  }

  let control: RunControl;
  let monitor: Monitor | undefined;
  let mon;
  try {
    const guestErrors = (): number => vm.board.virtio.reduce((n, s) => n + s.transport.guestErrors, 0);
    control = (await RunControl.fromArgs(args, () => vmCpu(hv, vm), (cmd) => monitor?.execute(cmd), guestErrors))!;
    mon = await attachMonitor(monitorSpec, con, control, nativeMonitorMachine(hv, vm, () => control));
    monitor = mon.monitor;
  } catch (e) {
    closeDisks(config);
    throw e;
  }
  con.start();
  const started = process.hrtime.bigint();
  let end;
  try {
    end = await driveHypervisor({ hv, console: con, input: vm, flush: () => con.flush(), max, control });
    if (end.end === 'stopped' && vm.exitStatus !== undefined) control.exited(vm.exitStatus);
  } finally {
    control.close();
    mon.close();
    con.flush();
    con.stop();
    closeSerial();
    closeDisks(config);
  }
  if (args.flags.has('stats')) {
    const secs = Number(process.hrtime.bigint() - started) / 1e9;
    const n = vm.stats.guestInstructions;
    process.stderr.write(`vm: ${n} guest instructions in ${secs.toFixed(2)} s (${(n / secs / 1e6).toFixed(1)} MIPS), ${hv.worldSwitches} world switches\n`);
    process.stderr.write(`vm: exits: ${exitsByReason(vm) || 'none'}\n`);
  }
  return nativeEndStatus(end, vm, process.stderr);
}
