import { ConfigError } from '@vm/core';
import { NativeHypervisor, NativeSession } from '@vm/hypervisor-native';
import { one, type ParsedArgs } from './args.js';
import { hostConsoleFor } from './console-setup.js';
import type { Monitor } from './monitor.js';
import { attachMonitor, nativeMonitorMachine } from './monitor-machines.js';
import { vmCpus } from './debug-cpu.js';
import { RunControl } from './run-control.js';
import { checkMode, closeDisks, HYPERVISOR_HEADROOM, vmConfigFromArgs } from './native-config.js';
import { endStatus, runInteractive } from './session-run.js';

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
    control = (await RunControl.fromArgs(args, () => vmCpus(hv.host, vm), (cmd) => monitor?.execute(cmd), guestErrors))!;
    mon = await attachMonitor(monitorSpec, con, control, nativeMonitorMachine(hv, vm, () => control));
    monitor = mon.monitor;
  } catch (e) {
    closeDisks(config);
    throw e;
  }
  const monitorLink = mon;
  const session = new NativeSession(hv, [vm], { closeDisks: () => closeDisks(config) });
  const end = await runInteractive({
    session,
    console: con,
    max,
    stats: args.flags.has('stats'),
    stderr: process.stderr,
    control,
    cleanup: () => {
      monitorLink.close();
      closeSerial();
    },
  });
  return endStatus(end, session, process.stderr);
}
