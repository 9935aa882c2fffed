import { checkHostMemory } from './memory-limit.js';
import { ConfigError } from '@vm/core';
import type { GuestFile } from '@vm/core';
import { exitsByReason, formatReport, NativeHypervisor, NativeSession, stoppedByHypervisor, summaryLine, type Vm, type VmConfig } from '@vm/hypervisor-native';
import { one, parseArgs } from './args.js';
import { HostConsole } from './console.js';
import { runInteractive } from './session-run.js';
import { vmCpus } from './debug-cpu.js';
import { consoleFlags } from './machine-flags.js';
import type { Monitor } from './monitor.js';
import { attachMonitor, stackMonitorMachine } from './monitor-machines.js';
import { RunControl } from './run-control.js';
import { nativeDebugTargets, StackDebugger } from './stack-debug.js';
import { StackConsoles } from './stack-consoles.js';
import { readDisk } from './native-config.js';
import { UP_OPTIONS } from './options.js';
import { readBootFile } from './run.js';
import { loadStack, type StackSpec, type StackVm } from './stack-file.js';
import { SnapshotPoints } from './up-snapshots.js';

const SHADOW_POOL = 4 << 20;
const SUPERPAGE = 2 << 20;

/** Host memory for the VMs when the stack file gives none: their RAM, shadow pools and slack. */
export function defaultMemory(vms: readonly StackVm[]): number {
  return vms.reduce((n, v) => n + SHADOW_POOL + Math.ceil(v.memory / SUPERPAGE) * SUPERPAGE, 16 << 20);
}

function guestFile(path: string | undefined, what: string): GuestFile | undefined {
  return path === undefined ? undefined : readBootFile(path, what);
}

export function createVms(spec: StackSpec, hv: NativeHypervisor, consoleOf: (name: string) => (b: number) => void): Vm[] {
  return spec.vms.map((v, i) => {
    if (v.restore !== undefined) return restoreVm(spec, hv, v, i, consoleOf(v.name));
    const config: VmConfig = {
      name: v.name,
      memory: v.memory,
      bios: guestFile(v.bios, `${spec.file}: vms[${i}].bios`),
      kernel: guestFile(v.kernel, `${spec.file}: vms[${i}].kernel`),
      initrd: guestFile(v.initrd, `${spec.file}: vms[${i}].initrd`),
      append: v.append,
      sbi: v.sbi,
      vcpus: v.vcpus,
      weight: v.weight,
      cap: v.cap,
      disks: v.drives.map((d, j) => ({ ...readDisk(d.file, d.bus, `${spec.file}: vms[${i}].drives[${j}]`), slot: d.slot })),
      virtioForceLegacy: v.forceLegacy,
      console: consoleOf(v.name),
    };
    try {
      return hv.createVm(config);
    } catch (e) {
      if (e instanceof ConfigError) throw new ConfigError(`${spec.file}: vms[${i}] (${v.name}): ${e.message} (hypervisor.memory ${hv.host.ram.size >> 20}M)`);
      throw e;
    }
  });
}

/** `restore: PATH`: the VM continues the snapshot; weight and cap are the stack's when given, else the snapshot's. */
function restoreVm(spec: StackSpec, hv: NativeHypervisor, v: StackVm, i: number, console: (b: number) => void): Vm {
  const r = v.restore!;
  try {
    return hv.restoreVm(r.snapshot, { name: v.name, console, ...(v.weight === undefined ? {} : { weight: v.weight }), ...(v.cap === undefined ? {} : { cap: v.cap }) });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new ConfigError(`${spec.file}: vms[${i}].restore (${v.name}): ${r.file}: ${message} (hypervisor.memory ${hv.host.ram.size >> 20}M)`);
  }
}

/**
 * `vm up STACK.yaml [--attach NAME]`: run a composed stack of VMs under the native hypervisor.
 * Every VM's console is prefixed `[name] ` line by line; an attached VM gets the terminal. Ends
 * when every VM stopped; status 0 when every VM powered off with status 0, else 1.
 */
export async function upCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, UP_OPTIONS);
  const [file, extra] = args.positional;
  if (file === undefined) throw new ConfigError('vm up: needs a stack file (vm up STACK.yaml)');
  if (extra !== undefined) throw new ConfigError(`vm up: unexpected argument '${extra}'`);
  const maxText = one(args, 'max-instructions');
  const max = maxText === undefined ? Infinity : Number(maxText);
  if (!(max > 0)) throw new ConfigError(`--max-instructions ${maxText}: not a positive number`);
  const spec = loadStack(file);
  const attach = one(args, 'attach');
  if (attach !== undefined && !spec.vms.some((v) => v.name === attach)) {
    throw new ConfigError(`--attach ${attach}: no VM of that name in ${file} (${spec.vms.map((v) => v.name).join(', ')})`);
  }

  if (spec.hypervisor.type === 'hosted' && process.env['VM_ACCEL_THREAD'] === 'multi') throw new ConfigError('-accel tcg,thread=multi: a hosted stack runs on one thread (its VMM processes share the host OS); VMs on threads are for native stacks');
  if (spec.hypervisor.type === 'hosted') return (await import('./hosted-up.js')).upHosted(spec, spec.hypervisor.mode, attach, max, args.flags.has('stats'), args);

  if (process.env['VM_ACCEL_THREAD'] === 'multi' || spec.hypervisor.thread === 'multi') return (await import('./parallel-up.js')).upParallel(spec, args, attach, max);

  const monitorSpec = consoleFlags(args).monitor;
  const con = new HostConsole(process.stdin, process.stdout, { monitorOnly: monitorSpec.kind === 'stdio' });
  const consoles = new StackConsoles(con, attach);
  const consoleOf = consoles.consoleOf;
  const memory = spec.hypervisor.memory ?? defaultMemory(spec.vms);
  checkHostMemory(`${spec.file}: hypervisor.memory: ${Math.floor(memory / 2 ** 20)}M${spec.hypervisor.memory === undefined ? " (the VMs' memory, 4M of shadow page tables each and 16M)" : ''}`, memory);
  const hv = new NativeHypervisor({ memory, quantum: spec.hypervisor.quantum, mode: spec.hypervisor.mode });
  const vms = createVms(spec, hv, consoleOf);
  const starts = vms.map((vm) => vm.board.retired);
  const points = new SnapshotPoints(
    spec.vms.flatMap((v, i) => {
      const vm = vms[i]!;
      return v.snapshot === undefined
        ? []
        : [{ name: v.name, point: v.snapshot, ran: () => vm.board.retired - starts[i]!, live: () => vm.state !== 'stopped', take: () => hv.snapshotVm(vm) }];
    }),
    1,
  );

  const late: { monitor?: Monitor } = {};
  const control = (await RunControl.fromArgs(args, () => vmCpus(hv.host, vms[0]!), (cmd) => late.monitor?.execute(cmd)))!;
  const mon = await attachMonitor(monitorSpec, con, control, stackMonitorMachine(hv, vms));
  late.monitor = mon.monitor;
  let debug: StackDebugger | undefined;
  try {
    debug = await StackDebugger.start(nativeDebugTargets(hv, vms.map((vm, i) => ({ vm, port: spec.vms[i]!.gdb }))), (cmd) => late.monitor?.execute(cmd));
  } catch (e) {
    mon.close();
    throw e;
  }
  const stubs = debug;
  const session = new NativeSession(hv, vms, { input: vms.find((v) => v.name === attach) ?? false });
  const end = await runInteractive({
    session,
    console: con,
    max,
    stats: false,
    stderr: process.stderr,
    flush: () => consoles.flush(),
    control,
    stepper: stubs,
    cleanup: () => {
      stubs?.close();
      mon.close();
    },
    ...(points.active ? { nextBudget: points.nextBudget, afterRun: points.afterRun } : {}),
  });
  consoles.end();
  if (end.end === 'limit') process.stderr.write(`vm: stopped after ${end.instructions} instructions (--max-instructions)\n`);
  if (end.end === 'stuck') process.stderr.write('vm: every running VM waits for input that will not come\n');
  for (const vm of vms) {
    if (stoppedByHypervisor(vm)) process.stderr.write(formatReport(vm));
    process.stderr.write(summaryLine(vm) + '\n');
    if (args.flags.has('stats')) process.stderr.write(`vm: [${vm.name}] exits: ${exitsByReason(vm) || 'none'}\n`);
  }
  const snapshotted = points.finish();
  if (end.signalled !== undefined) return end.signalled;
  if (end.end === 'limit') return 124;
  return snapshotted && vms.every((v) => v.report?.reason === 'poweroff' && v.exitStatus === 0) ? 0 : 1;
}
