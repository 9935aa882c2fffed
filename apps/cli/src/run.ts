import { checkHostMemory } from './memory-limit.js';
import { existsSync, writeFileSync } from 'node:fs';
import { ConfigError, parseSize } from '@vm/core';
import {
  FileBlockBackend,
  NetLoopback,
  OverlayBlockBackend,
  VirtioBlock,
  VirtioNet,
  VirtioRng,
  type BlockBackend,
} from '@vm/devices';
import { BoardSession, bootVirt, SharedBoard, ThreadedBoard, VirtMachine, type BootFile } from '@vm/machine';
import { machineFlags } from './machine-flags.js';
import { one, parseArgs, parseProps, type ParsedArgs } from './args.js';
import { RUN_OPTIONS } from './options.js';
import { boolProp, deviceArgs, ImageClaims, parseGlobals } from './globals.js';
import { hostConsoleFor } from './console-setup.js';
import { hartCpu } from './debug-cpu.js';
import type { Monitor } from './monitor.js';
import { attachMonitor, bareMonitorMachine } from './monitor-machines.js';
import { RunControl } from './run-control.js';
import { Tracer } from './trace.js';
import { endStatus, runInteractive } from './session-run.js';
import { checkImageFile, readInputFile } from './input-file.js';

/** What `-device` gives on the bare board. */
const BARE_DEVICES = ['virtio-blk-device', 'pio-disk', 'virtio-rng-device', 'virtio-rng', 'virtio-net-device', 'virtio-net'];

/** Debian's OpenSBI, used when -bios is not given (QEMU uses its bundled OpenSBI the same way). */
export const DEFAULT_BIOS = '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin';

export function readBootFile(path: string, what: string): BootFile {
  return { file: path, bytes: readInputFile(path, what) };
}

interface DriveSpec {
  readonly id: string | undefined;
  readonly iface: 'virtio' | 'pio' | 'none';
  readonly backend: BlockBackend;
}

/**
 * `-drive file=F[,format=raw][,if=virtio|pio|none][,id=ID][,readonly=on][,snapshot=on]` as QEMU
 * spells it. `if=none` with `-device virtio-blk-device,drive=ID` is QEMU's long form; `if=pio`
 * is ours (the legacy register-level disk, which QEMU does not have).
 */
export function openDrive(text: string, globalSnapshot: boolean, claims: ImageClaims): DriveSpec {
  const props = parseProps(text, '-drive');
  for (const k of props.keys()) {
    if (!['file', 'format', 'if', 'readonly', 'snapshot', 'id', 'cache', 'media'].includes(k)) throw new ConfigError(`-drive ${text}: unknown property '${k}'`);
  }
  const file = props.get('file');
  if (file === undefined || file === '') throw new ConfigError(`-drive ${text}: needs file=PATH`);
  const format = props.get('format') ?? 'raw';
  if (format !== 'raw') throw new ConfigError(`-drive ${text}: format '${format}' is not supported (raw only)`);
  const iface = props.get('if') ?? 'virtio';
  if (iface !== 'virtio' && iface !== 'pio' && iface !== 'none') throw new ConfigError(`-drive ${text}: if=${iface} is not supported (virtio, pio or none)`);
  checkImageFile(file, `-drive ${text}`);
  const readOnly = boolProp(props, 'readonly', `-drive ${text}`);
  const snapshot = boolProp(props, 'snapshot', `-drive ${text}`, globalSnapshot) || globalSnapshot;
  claims.claim(file, !readOnly && !snapshot, `-drive ${text}`);
  const base = new FileBlockBackend(file, { readOnly: readOnly || snapshot });
  return { id: props.get('id'), iface, backend: snapshot && !readOnly ? new OverlayBlockBackend(base) : base };
}

export async function runCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, RUN_OPTIONS);
  if (args.flags.has('version')) {
    process.stdout.write((await import('./version.js')).VERSION);
    return 0;
  }
  if (one(args, 'd') === 'help') {
    process.stdout.write(Tracer.helpText());
    return 0;
  }
  if (args.positional.length > 0) throw new ConfigError(`unexpected argument '${args.positional[0]}'`);
  const hypervisor = one(args, 'hypervisor') ?? 'none';
  const threaded = process.env['VM_ACCEL_THREAD'] === 'multi';
  if (threaded) {
    if (hypervisor === 'native') return (await import('./parallel-run.js')).runNativeParallel(args, argv);
    if (hypervisor === 'hosted') throw new ConfigError('-accel tcg,thread=multi: the hosted hypervisor runs on one thread (the bare board\'s harts, VMs of --hypervisor native and vm up run on threads)');
    if (hypervisor === 'none') (await import('./parallel-run.js')).refuseSteppers(args, "the board's harts");
  }
  if (hypervisor === 'native') return (await import('./native-run.js')).runNative(args);
  if (hypervisor === 'hosted') return (await import('./hosted-run.js')).runHosted(args);
  if (hypervisor !== 'none') throw new ConfigError(`--hypervisor ${hypervisor}: 'none', 'native' or 'hosted'`);
  if (one(args, 'mode') !== undefined) throw new ConfigError(`--mode ${one(args, 'mode')}: only with --hypervisor native or hosted`);
  if (one(args, 'kernel-mode') !== undefined) throw new ConfigError(`--kernel-mode ${one(args, 'kernel-mode')}: only with --hypervisor native or hosted (on the bare board -bios none -kernel K runs K in M-mode)`);
  const { con: hostConsole, monitor: consoleMonitor, close: closeSerial } = hostConsoleFor(args);
  const { machine, drives, dtb, dumpDtb } = createMachine(args, (b) => hostConsole.write(b), threaded);
  if (dumpDtb !== undefined) {
    // QEMU's -M virt,dumpdtb=FILE: the board's device tree as the guest would get it, then exit.
    writeFileSync(dumpDtb, dtb);
    for (const d of drives) d.backend.close();
    closeSerial();
    process.stderr.write(`vm: dtb dumped to ${dumpDtb}. Exiting.\n`);
    return 0;
  }
  const maxText = one(args, 'max-instructions');
  const max = maxText === undefined ? Infinity : Number(maxText);
  if (!(max > 0)) throw new ConfigError(`--max-instructions ${maxText}: not a positive number`);

  const late: { monitor?: Monitor } = {};
  const guestErrors = (): number => machine.virtio.reduce((n, s) => n + s.transport.guestErrors, 0);
  // With the harts on threads there is no debugger, tracing or monitor (refused above; the
  // console's Ctrl-A C monitor is off), as for VMs on threads.
  const control = threaded ? undefined : (await RunControl.fromArgs(args, () => machine.harts.map((h, i) => hartCpu(h, () => machine.boardState().waiting[i] === true)), (cmd) => late.monitor?.execute(cmd), guestErrors))!;
  const mon = control === undefined ? { close: () => {} } : await attachMonitor(consoleMonitor, hostConsole, control, bareMonitorMachine(machine));
  late.monitor = 'monitor' in mon ? mon.monitor : undefined;
  let engine: ThreadedBoard | undefined;
  try {
    // -accel tcg,thread=multi: each hart on a worker thread, the devices here.
    engine = threaded ? await ThreadedBoard.start(machine) : undefined;
  } catch (e) {
    for (const d of drives) d.backend.close();
    closeSerial();
    throw e;
  }
  const session = new BoardSession(machine, {
    engine,
    reboot: args.flags.has('no-reboot') ? undefined : () => rebootImages(machine, args),
    closeDisks: () => {
      for (const d of drives) {
        d.backend.flush();
        d.backend.close();
      }
    },
  });
  const end = await runInteractive({
    session,
    console: hostConsole,
    max,
    stats: args.flags.has('stats'),
    stderr: process.stderr,
    control,
    cleanup: () => {
      mon.close();
      closeSerial();
    },
  });
  return endStatus(end, session, process.stderr);
}

export function bootSpecOf(args: ParsedArgs): Parameters<typeof bootVirt>[1] {
  const biosArg = one(args, 'bios');
  const kernelArg = one(args, 'kernel');
  let bios: BootFile | undefined;
  if (biosArg === undefined || biosArg === 'default') {
    if (!existsSync(DEFAULT_BIOS)) throw new ConfigError(`no -bios given and the default firmware ${DEFAULT_BIOS} is missing (apt-get install opensbi, or pass -bios none / -bios FILE)`);
    bios = readBootFile(DEFAULT_BIOS, '-bios');
  } else if (biosArg !== 'none') {
    bios = readBootFile(biosArg, '-bios');
  }
  const initrdArg = one(args, 'initrd');
  return {
    bios,
    kernel: kernelArg === undefined ? undefined : readBootFile(kernelArg, '-kernel'),
    initrd: initrdArg === undefined ? undefined : readBootFile(initrdArg, '-initrd'),
    append: one(args, 'append'),
  };
}

function rebootImages(machine: VirtMachine, args: ParsedArgs): void {
  bootVirt(machine, bootSpecOf(args));
}

/** Build the board from `vm run` flags, and boot it. */
export function createMachine(args: ParsedArgs, console: (b: number) => void, threaded = false): { machine: VirtMachine; drives: DriveSpec[]; dtb: Uint8Array; dumpDtb: string | undefined } {
  const { dumpDtb } = machineFlags(args, 'bare');
  const cpu = one(args, 'cpu') ?? 'rv64';
  const cpuProps = parseProps(cpu, '-cpu');
  if (cpuProps.get('') !== 'rv64') throw new ConfigError(`-cpu ${cpu}: only 'rv64' exists`);
  let hExtension = false;
  for (const [k, v] of cpuProps) {
    if (k === '') continue;
    // QEMU's spelling: -cpu rv64,h=true (also h=on / h=false / h=off).
    if (k !== 'h') throw new ConfigError(`-cpu ${cpu}: unknown property '${k}' (only h=true|false)`);
    if (!['true', 'on', 'false', 'off'].includes(v)) throw new ConfigError(`-cpu ${cpu}: h=${v} is not true or false`);
    hExtension = v === 'true' || v === 'on';
  }
  const mText = one(args, 'm') ?? '128M';
  const memory = parseSize(mText.replace(/^size=/, ''), 'MiB');
  if (memory === undefined || memory < 1 << 20) throw new ConfigError(`-m ${mText}: not a memory size (e.g. 256M, 1G)`);
  checkHostMemory(`-m ${mText}`, memory);
  const smpText = one(args, 'smp') ?? '1';
  const harts = Number(smpText.replace(/^cpus=/, '').split(',')[0]);
  if (!Number.isInteger(harts) || harts < 1 || harts > 8) throw new ConfigError(`-smp ${smpText}: 1 to 8 harts`);
  const clock = one(args, 'clock') ?? 'virtual';
  if (clock !== 'virtual' && clock !== 'wall') throw new ConfigError(`--clock ${clock}: 'virtual' or 'wall'`);

  const spec = bootSpecOf(args);
  const { virtioForceLegacy } = parseGlobals(args);
  const machine = new VirtMachine({ memory, harts, clock, console, hExtension, virtioForceLegacy, threads: threaded ? new SharedBoard(harts) : undefined });
  const claims = new ImageClaims();
  const drives = (args.values.get('drive') ?? []).map((d) => openDrive(d, args.flags.has('snapshot'), claims));
  for (const d of drives) {
    if (d.iface === 'virtio') machine.addVirtio(new VirtioBlock({ backend: d.backend }));
    else if (d.iface === 'pio') machine.addPioDisk(d.backend);
  }
  for (const d of deviceArgs(args, drives.map((d) => ({ disk: d.backend, id: d.id, none: d.iface === 'none' })), BARE_DEVICES, 'on the bare board')) {
    if (d.kind === 'virtio-rng') machine.addVirtio(new VirtioRng({}), d);
    else if (d.kind === 'virtio-net') machine.addVirtio(new VirtioNet({ backend: new NetLoopback() }), d);
    else if (d.kind === 'disk' && d.bus === 'pio') machine.addPioDisk(d.disk);
    else if (d.kind === 'disk') machine.addVirtio(new VirtioBlock({ backend: d.disk }), d);
  }
  const boot = bootVirt(machine, spec);
  const dtb = machine.ram.copyOut(boot.fdt, boot.fdtSize);
  return { machine, drives, dtb, dumpDtb };
}
