import { ConfigError } from '@vm/core';
import { ParallelSession, RemoteVm } from '@vm/hypervisor-native';
import { one, type ParsedArgs } from './args.js';
import { hostConsoleFor } from './console-setup.js';
import { PARALLEL_VM_MODULE } from './parallel-vm.js';
import { endStatus, runInteractive } from './session-run.js';

/** Whether `-accel tcg,thread=multi` was given (main.ts sets VM_ACCEL_THREAD). */
export function threadMulti(): boolean {
  return process.env['VM_ACCEL_THREAD'] === 'multi';
}

/**
 * The debugger, monitor and tracing step and inspect the guest from the main thread, one
 * instruction at a time: with `-accel tcg,thread=multi` the guest (`what`: the VM, the harts)
 * runs elsewhere, so they are refused by name.
 */
export function refuseSteppers(args: ParsedArgs, what: string): void {
  for (const flag of ['gdb', 'd'] as const) {
    const v = one(args, flag);
    if (v !== undefined) throw new ConfigError(`-${flag} ${v}: not with -accel tcg,thread=multi (it steps ${what} on the main thread); use thread=single`);
  }
  for (const flag of ['s', 'S'] as const) if (args.flags.has(flag)) throw new ConfigError(`-${flag}: not with -accel tcg,thread=multi (the gdbstub steps ${what} on the main thread); use thread=single`);
  const monitor = one(args, 'monitor');
  if (monitor !== undefined && monitor !== 'none') throw new ConfigError(`-monitor ${monitor}: not with -accel tcg,thread=multi (the monitor inspects ${what} on the main thread); use thread=single`);
}

/**
 * `vm run --hypervisor native -accel tcg,thread=multi ...`: the VM runs on a worker thread (its
 * vCPU loop off the main thread, which keeps the terminal, limits, report and exit status).
 * The debugger, monitor and tracing step the VM from the main thread: refused here by name.
 */
export async function runNativeParallel(args: ParsedArgs, argv: readonly string[]): Promise<number> {
  refuseSteppers(args, 'the VM');
  const maxText = one(args, 'max-instructions');
  const max = maxText === undefined ? Infinity : Number(maxText);
  if (!(max > 0)) throw new ConfigError(`--max-instructions ${maxText}: not a positive number`);
  const { con, close } = hostConsoleFor(args);
  let vm: RemoteVm;
  try {
    vm = await RemoteVm.start('guest', { module: PARALLEL_VM_MODULE, export: 'createRunVm', args: { argv: [...argv] } }, (b) => con.write(b));
  } catch (e) {
    close();
    throw e;
  }
  const session = new ParallelSession([vm]);
  const end = await runInteractive({ session, console: con, max, stats: args.flags.has('stats'), stderr: process.stderr, cleanup: close });
  return endStatus(end, session, process.stderr);
}
