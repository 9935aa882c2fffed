import { ConfigError } from '@vm/core';
import { ParallelSession, RemoteVm } from '@vm/hypervisor-native';
import { one, type ParsedArgs } from './args.js';
import { HostConsole } from './console.js';
import { PARALLEL_VM_MODULE } from './parallel-vm.js';
import { runInteractive } from './session-run.js';
import { StackConsoles } from './stack-consoles.js';
import type { StackSpec } from './stack-file.js';
import { SnapshotPoints } from './up-snapshots.js';

/**
 * `vm up` with `-accel tcg,thread=multi` (or `hypervisor.thread: multi`): every VM on its own
 * worker thread, with its own hypervisor instance (one host core each). The main thread keeps
 * what `upCommand` does in single-thread mode — consoles (`[name] ` lines, --attach), snapshot
 * points, the summary lines, reports and the exit status — so the same stack gives the same
 * transcript per VM and the same status. The monitor and per-VM gdbstubs inspect a VM on the
 * main thread, so they are refused here.
 */
export async function upParallel(spec: StackSpec, args: ParsedArgs, attach: string | undefined, max: number): Promise<number> {
  const monitor = one(args, 'monitor');
  if (monitor !== undefined && monitor !== 'none') throw new ConfigError(`--monitor ${monitor}: not with thread=multi (the monitor inspects VMs on the main thread); use thread=single`);
  const gdbVm = spec.vms.findIndex((v) => v.gdb !== undefined);
  if (gdbVm >= 0) throw new ConfigError(`${spec.file}: vms[${gdbVm}].gdb: not with thread=multi (the gdbstub steps a VM on the main thread); use thread=single`);
  const con = new HostConsole(process.stdin, process.stdout, { monitorOnly: false });
  const consoles = new StackConsoles(con, attach);
  const vms = await RemoteVm.startAll(spec.vms.map((v, index) => ({ name: v.name, source: { module: PARALLEL_VM_MODULE, export: 'createUpVm', args: { file: spec.file, index } }, console: consoles.consoleOf(v.name) })));
  const starts = vms.map((vm) => vm.status.retired);
  const points = new SnapshotPoints(
    spec.vms.flatMap((v, i) => {
      const vm = vms[i]!;
      // The worker pauses between slices (it answers one request at a time): capture, then it resumes.
      return v.snapshot === undefined ? [] : [{ name: v.name, point: v.snapshot, ran: () => vm.status.retired - starts[i]!, live: () => vm.state !== 'stopped', take: () => vm.snapshot() }];
    }),
    1,
  );
  const session = new ParallelSession(vms, { input: vms.find((v) => v.name === attach) ?? false });
  const end = await runInteractive({
    session,
    console: con,
    max,
    stats: false,
    stderr: process.stderr,
    flush: () => consoles.flush(),
    ...(points.active ? { nextBudget: points.nextBudget, afterRun: points.afterRun } : {}),
  });
  consoles.end();
  if (end.end === 'limit') process.stderr.write(`vm: stopped after ${end.instructions} instructions (--max-instructions)\n`);
  if (end.end === 'stuck') process.stderr.write('vm: every running VM waits for input that will not come\n');
  for (const vm of vms) {
    const info = vm.info();
    if (vm.failure !== undefined || vm.status.stoppedByHypervisor) process.stderr.write(info.formatReport);
    process.stderr.write(info.summaryLine + '\n');
    if (args.flags.has('stats')) process.stderr.write(`vm: [${vm.name}] exits: ${info.exitsByReason || 'none'}\n`);
  }
  const snapshotted = points.finish();
  if (end.signalled !== undefined) return end.signalled;
  if (end.end === 'limit') return 124;
  return snapshotted && vms.every((v) => v.failure === undefined && v.status.reportReason === 'poweroff' && v.status.exitStatus === 0) ? 0 : 1;
}
