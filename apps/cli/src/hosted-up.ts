import { checkHostMemory } from './memory-limit.js';
import { ConfigError, type GuestFile } from '@vm/core';
import { DEFAULT_WEIGHT } from '@vm/hostos';
import { HOST_RESERVE, HostedSession, hostedHost, vmmExits, vmmOutcome, vmmStatus, vmmSyscalls, type HostedGuest, type HostedHost, type VmmMode } from '@vm/hypervisor-hosted';
import { HostConsole } from './console.js';
import type { ParsedArgs } from './args.js';
import { consoleFlags, type MonitorSpec } from './machine-flags.js';
import { hostedGuest } from './hosted-guest.js';
import { StackDebugger, type DebugTarget } from './stack-debug.js';
import type { Monitor } from './monitor.js';
import { attachMonitor, hostedMonitorMachine, type HostedMonitorGuest } from './monitor-machines.js';
import { RunControl } from './run-control.js';
import { ImageWriteBack } from './image-write-back.js';
import { hostedDisk } from './hosted-config.js';
import { runInteractive } from './session-run.js';
import { StackConsoles } from './stack-consoles.js';
import { readBootFile } from './run.js';
import type { StackSpec, StackVm } from './stack-file.js';
import { SnapshotPoints } from './up-snapshots.js';
import { movableIntoVmm, vmmRestoreSpec } from './vm-snapshot-command.js';

/** Stack-file weights are the native hypervisor's (default 256); the host OS's default is DEFAULT_WEIGHT. */
const WEIGHT_SCALE = DEFAULT_WEIGHT / 256;

function guestFile(path: string | undefined, what: string): GuestFile | undefined {
  return path === undefined ? undefined : readBootFile(path, what);
}

/** Host instructions below which a slice of the host OS is not worth running to approach a snapshot point. */
const SNAPSHOT_SLICE_FLOOR = 10_000;

/** `restore: PATH` under the hosted hypervisor: the snapshot as the VMM's starting point, its disk a blank file of the recorded size. */
function restoredGuest(v: StackVm, where: string, mode: VmmMode): Pick<HostedGuest, 'spec' | 'snapshot' | 'weight'> {
  const r = v.restore!;
  let moved;
  try {
    moved = movableIntoVmm(r.snapshot, r.file, mode);
  } catch (e) {
    throw new ConfigError(`${where}.restore (${v.name}): ${e instanceof Error ? e.message : String(e)}`);
  }
  const weight = v.weight ?? r.snapshot.vm?.weight;
  return {
    spec: vmmRestoreSpec(moved),
    snapshot: moved,
    weight: weight === undefined ? undefined : weight * WEIGHT_SCALE,
  };
}

/** One VMM's guest of a hosted stack, as the monitor and a gdbstub reach and hold it. */
interface StackGuest extends HostedMonitorGuest {
  readonly target: DebugTarget;
}

/**
 * The guests of the stack's VMMs. Holding one (the monitor's `vm_pause`, its GDB's stop) blocks
 * that VMM process in the host kernel, as SIGSTOP would: the scheduler runs the others.
 */
function stackGuests(host: HostedHost, spec: StackSpec): StackGuest[] {
  const out: StackGuest[] = [];
  host.vmms.forEach(({ vmm, process: p }, i) => {
    const view = hostedGuest(host, i);
    if (view === undefined) return;
    const held = { on: false };
    const hold = (): void => {
      if (p.state === 'zombie' || held.on) return;
      held.on = true;
      // 'stop', not 'event': input that wakes a VMM asleep until input (HostedSession) must not let a held one run.
      host.kernel.block(p, 'stop');
    };
    const release = (): void => {
      if (!held.on) return;
      held.on = false;
      host.kernel.wake(p);
    };
    const name = spec.vms[i]!.name;
    const t = view.target;
    out.push({
      name,
      view,
      paused: () => held.on,
      pause: hold,
      resume: release,
      target: {
        name,
        port: spec.vms[i]!.gdb,
        cpus: () => view.cpus(),
        hold,
        release,
        kill: () => {
          release();
          if (t.kind === 'soft') t.board.requestExit({ reason: 'halt', message: 'killed from GDB' });
          else t.vm.stop('hook', 'killed from GDB', view.cpus()[0]!.pc);
        },
        progress: view.progress,
        stopped: () => vmm.exit !== undefined || p.state === 'zombie',
        exitStatus: () => (vmm.exit?.reason === 'poweroff' ? vmm.exit.code : undefined),
      },
    });
  });
  return out;
}

/**
 * The stack's monitor (`--monitor`, or Ctrl-A C on a terminal): `stop`/`cont` hold the whole host
 * OS between slices (RunControl, as for a native stack); `vm_pause NAME` holds one VMM process.
 * No monitor: no control, the stack runs as before. (`vm up` has no -S, -gdb or -d: `args` gives
 * RunControl nothing else to arm.)
 */
async function stackMonitor(guests: readonly StackGuest[], args: ParsedArgs, monitorSpec: MonitorSpec, con: HostConsole): Promise<{ control: RunControl | undefined; monitor: Monitor | undefined; close: () => void }> {
  // Every VMM failed to create its guest: their reports end the run.
  if (guests.length === 0) return { control: undefined, monitor: undefined, close: () => undefined };
  const late: { monitor?: Monitor } = {};
  const control = (await RunControl.fromArgs(args, () => guests.flatMap((g) => g.view.cpus()), (cmd) => late.monitor?.execute(cmd)))!;
  const mon = await attachMonitor(monitorSpec, con, control, hostedMonitorMachine(guests));
  late.monitor = mon.monitor;
  return { control, monitor: mon.monitor, close: mon.close };
}

/**
 * `vm up` with `hypervisor: { type: hosted, mode: accel|soft }`: one host OS whose file system
 * holds every VM's images, one VMM process per VM scheduled by weight. Consoles are prefixed
 * `[name] ` line by line (the attached VM gets the terminal and the host console's input).
 */
export async function upHosted(spec: StackSpec, mode: VmmMode, attach: string | undefined, max: number, stats: boolean, args: ParsedArgs): Promise<number> {
  const monitorSpec = consoleFlags(args).monitor;
  const con = new HostConsole(process.stdin, process.stdout, { monitorOnly: monitorSpec.kind === 'stdio' });
  const consoles = new StackConsoles(con, attach);
  const consoleOf = consoles.consoleOf;
  const guests: HostedGuest[] = spec.vms.map((v, i) => {
    const where = `${spec.file}: vms[${i}]`;
    if (v.cap !== undefined) throw new ConfigError(`${where}.cap: the hosted hypervisor's scheduler has weights only (leave cap out)`);
    const common = {
      name: v.name,
      interactive: v.name === attach,
      // The guest's output as its VMM sees it; the VMMs' write(2)s to the host console are not shown.
      console: consoleOf(v.name),
    };
    if (v.restore !== undefined) return { ...common, ...restoredGuest(v, where, mode) };
    return {
      ...common,
      spec: {
        memory: v.memory,
        vcpus: v.vcpus,
        bios: guestFile(v.bios, `${where}.bios`),
        kernel: guestFile(v.kernel, `${where}.kernel`),
        initrd: guestFile(v.initrd, `${where}.initrd`),
        append: v.append,
        sbi: v.sbi,
        virtioForceLegacy: v.forceLegacy,
        disks: v.drives.map((d, j) => ({ ...hostedDisk(d.file, d.bus, `${where}.drives[${j}]`), slot: d.slot })),
      },
      weight: v.weight === undefined ? undefined : v.weight * WEIGHT_SCALE,
    };
  });
  const hostMemory = guests.reduce((n, g) => n + g.spec.memory + HOST_RESERVE, 0);
  checkHostMemory(`${spec.file}: vms[*].memory: ${Math.floor(hostMemory / 2 ** 20)}M in all with the host OS's ${HOST_RESERVE >> 20}M per VMM`, hostMemory);
  const { kernel, vmms } = hostedHost(guests, mode, { quantum: spec.hypervisor.quantum });
  // The VMM counts guest instructions from its start (boot or restore); it is snapshotted between host OS slices, so at or after the point.
  const points = new SnapshotPoints(
    spec.vms.flatMap((v, i) => {
      const { vmm, process: p } = vmms[i]!;
      return v.snapshot === undefined
        ? []
        : [{ name: v.name, point: v.snapshot, ran: () => vmm.guestInstructions, live: () => p.state !== 'zombie' && vmm.exit === undefined, take: () => vmm.snapshot() }];
    }),
    SNAPSHOT_SLICE_FLOOR,
  );

  // Drives with snapshot: false go back to their images as under `vm run --hypervisor hosted`:
  // after each host OS slice in which the VMM wrote, and at exit, SIGINT, SIGTERM and SIGHUP.
  const writeBacks = spec.vms.flatMap((v, i) => {
    const drive = v.drives[0];
    if (drive === undefined || !drive.writeBack) return [];
    const path = `/images/${v.name}/disk.img`;
    const inode = kernel.fs.lookup(path);
    const vmm = vmms[i]!.vmm;
    return inode === undefined ? [] : [new ImageWriteBack(kernel, path, drive.file, () => vmm.diskBytesWritten, kernel.fs.readAll(inode))];
  });
  const session = new HostedSession({ kernel, vmms }, { input: attach !== undefined, closeDisks: () => writeBacks.forEach((w) => w.close()) });
  const monitorOn = monitorSpec.kind === 'stdio' || monitorSpec.kind === 'tcp' || (monitorSpec.kind === 'mux' && con.muxed);
  // A gdbstub's `monitor` command reaches the stack's monitor too (as on a native stack).
  const wanted = monitorOn || spec.vms.some((v) => v.gdb !== undefined);
  const debugged = wanted ? stackGuests({ kernel, vmms }, spec) : [];
  const mon = wanted ? await stackMonitor(debugged, args, monitorSpec, con) : { control: undefined, monitor: undefined, close: () => undefined };
  let stubs: StackDebugger | undefined;
  try {
    stubs = await StackDebugger.start(debugged.map((g) => g.target), (cmd) => mon.monitor?.execute(cmd));
  } catch (e) {
    mon.close();
    session.close();
    throw e;
  }
  const debug = stubs;
  const end = await runInteractive({
    control: mon.control,
    stepper: debug,
    cleanup: () => {
      debug?.close();
      mon.close();
    },
    session,
    console: con,
    max,
    stats: false,
    stderr: process.stderr,
    // The images first: a write the guest reported done is on them before the console shows that.
    flush: () => {
      for (const w of writeBacks) w.sync();
      consoles.flush();
    },
    ...(points.active ? { nextBudget: points.nextBudget, afterRun: points.afterRun } : {}),
  });
  consoles.end();
  if (end.end === 'limit') process.stderr.write(`vm: stopped after ${end.instructions} instructions (--max-instructions)\n`);
  vmms.forEach(({ vmm, process: p }, i) => {
    const name = spec.vms[i]!.name;
    process.stderr.write(`vm: [${name}] ${vmmOutcome(vmm)}, ${vmm.guestInstructions} instructions, VMM pid ${p.pid} (hosted ${mode})\n`);
    if (stats) process.stderr.write(`vm: [${name}] exits: ${vmmExits(vmm) || 'none'}; ${vmmSyscalls(vmm)}\n`);
  });
  if (stats) process.stderr.write(`vm: host OS: ${kernel.vmm.world.entries + kernel.vmm.world.exits} world switches, ${kernel.scheduler.contextSwitches} context switches\n`);
  const snapshotted = points.finish();
  if (end.signalled !== undefined) return end.signalled;
  if (end.end === 'limit') return 124;
  if (end.end === 'quit') return 0;
  return snapshotted && vmms.every(({ vmm }) => vmmStatus(vmm) === 0) ? 0 : 1;
}
