import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { ConfigError, parseSize, type VmExit } from '@vm/core';
import {
  FileBlockBackend,
  NetLoopback,
  OverlayBlockBackend,
  VirtioBlock,
  VirtioNet,
  VirtioRng,
  type BlockBackend,
} from '@vm/devices';
import { bootVirt, VirtMachine, type BootFile } from '@vm/machine';
import { machineFlags } from './machine-flags.js';
import { one, parseArgs, parseProps, type ParsedArgs } from './args.js';
import { RUN_OPTIONS } from './options.js';
import { boolProp, ImageClaims, parseGlobals, virtioBusSlot } from './globals.js';
import type { HostConsole } from './console.js';
import { hostConsoleFor } from './console-setup.js';
import { hartCpu } from './debug-cpu.js';
import type { Monitor } from './monitor.js';
import { attachMonitor, bareMonitorMachine } from './monitor-machines.js';
import { RunControl } from './run-control.js';
import { Tracer } from './trace.js';

/** Debian's OpenSBI, used when -bios is not given (QEMU uses its bundled OpenSBI the same way). */
export const DEFAULT_BIOS = '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin';

export function readBootFile(path: string, what: string): BootFile {
  if (!existsSync(path)) throw new ConfigError(`${what} '${path}': no such file`);
  return { file: path, bytes: new Uint8Array(readFileSync(path)) };
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
  if (!existsSync(file)) throw new ConfigError(`-drive ${text}: '${file}': no such file`);
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
  if (hypervisor === 'native') return (await import('./native-run.js')).runNative(args);
  if (hypervisor === 'hosted') return (await import('./hosted-run.js')).runHosted(args);
  if (hypervisor !== 'none') throw new ConfigError(`--hypervisor ${hypervisor}: 'none', 'native' or 'hosted'`);
  if (one(args, 'mode') !== undefined) throw new ConfigError(`--mode ${one(args, 'mode')}: only with --hypervisor native or hosted`);
  if (one(args, 'kernel-mode') !== undefined) throw new ConfigError(`--kernel-mode ${one(args, 'kernel-mode')}: only with --hypervisor native or hosted (on the bare board -bios none -kernel K runs K in M-mode)`);
  const { con: hostConsole, monitor: monitorSpec, close: closeSerial } = hostConsoleFor(args);
  const { machine, drives, dtb, dumpDtb } = createMachine(args, (b) => hostConsole.write(b));
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
  const control = (await RunControl.fromArgs(args, () => hartCpu(machine.harts[0]!), (cmd) => late.monitor?.execute(cmd), guestErrors))!;
  const mon = await attachMonitor(monitorSpec, hostConsole, control, bareMonitorMachine(machine));
  late.monitor = mon.monitor;
  hostConsole.start();
  const started = process.hrtime.bigint();
  let status: number;
  // SIGINT/SIGTERM end the run between slices, so disks are still written back below.
  let signalled: number | undefined;
  const onSignal = (code: number) => (): void => {
    signalled = code;
    hostConsole.quit();
  };
  const onInt = onSignal(130);
  const onTerm = onSignal(143);
  process.once('SIGINT', onInt);
  process.once('SIGTERM', onTerm);
  try {
    status = await drive(machine, hostConsole, max, args.flags.has('no-reboot'), () => rebootImages(machine, args), control);
    if (signalled !== undefined) status = signalled;
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    control.close();
    mon.close();
    hostConsole.flush();
    hostConsole.stop();
    closeSerial();
    for (const d of drives) {
      d.backend.flush();
      d.backend.close();
    }
  }
  if (args.flags.has('stats')) {
    const secs = Number(process.hrtime.bigint() - started) / 1e9;
    process.stderr.write(`vm: ${machine.retired} instructions in ${secs.toFixed(2)} s (${(machine.retired / secs / 1e6).toFixed(1)} MIPS)\n`);
  }
  return status;
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
export function createMachine(args: ParsedArgs, console: (b: number) => void): { machine: VirtMachine; drives: DriveSpec[]; dtb: Uint8Array; dumpDtb: string | undefined } {
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
  const smpText = one(args, 'smp') ?? '1';
  const harts = Number(smpText.replace(/^cpus=/, '').split(',')[0]);
  if (!Number.isInteger(harts) || harts < 1 || harts > 8) throw new ConfigError(`-smp ${smpText}: 1 to 8 harts`);
  const clock = one(args, 'clock') ?? 'virtual';
  if (clock !== 'virtual' && clock !== 'wall') throw new ConfigError(`--clock ${clock}: 'virtual' or 'wall'`);

  const spec = bootSpecOf(args);
  const { virtioForceLegacy } = parseGlobals(args);
  const machine = new VirtMachine({ memory, harts, clock, console, hExtension, virtioForceLegacy });
  const claims = new ImageClaims();
  const drives = (args.values.get('drive') ?? []).map((d) => openDrive(d, args.flags.has('snapshot'), claims));
  for (const d of drives) {
    if (d.iface === 'virtio') machine.addVirtio(new VirtioBlock({ backend: d.backend }));
    else if (d.iface === 'pio') machine.addPioDisk(d.backend);
  }
  const claimed = new Set<string>();
  for (const dev of args.values.get('device') ?? []) {
    const props = parseProps(dev, '-device');
    const name = props.get('') ?? '';
    for (const k of props.keys()) {
      if (!['', 'drive', 'bus', 'id'].includes(k)) throw new ConfigError(`-device ${dev}: unknown property '${k}' (drive, bus, id)`);
    }
    if (name === 'pio-disk' && props.has('bus')) throw new ConfigError(`-device ${dev}: pio-disk has a fixed place (0x10009000); bus= is for virtio devices`);
    const at = { slot: virtioBusSlot(props.get('bus'), `-device ${dev}`) };
    if (name === 'virtio-rng-device' || name === 'virtio-rng') machine.addVirtio(new VirtioRng({}), at);
    else if (name === 'virtio-net-device' || name === 'virtio-net') machine.addVirtio(new VirtioNet({ backend: new NetLoopback() }), at);
    else if (name === 'virtio-blk-device' || name === 'pio-disk') {
      const id = props.get('drive');
      const d = drives.find((x) => x.id === id && x.iface === 'none');
      if (id === undefined || d === undefined) throw new ConfigError(`-device ${dev}: needs drive=ID naming a -drive if=none,id=ID`);
      if (claimed.has(id)) throw new ConfigError(`-device ${dev}: drive '${id}' is already in use`);
      claimed.add(id);
      if (name === 'pio-disk') machine.addPioDisk(d.backend);
      else machine.addVirtio(new VirtioBlock({ backend: d.backend }), at);
    } else throw new ConfigError(`-device ${dev}: unknown device (virtio-blk-device, virtio-rng-device, virtio-net-device, pio-disk)`);
  }
  const boot = bootVirt(machine, spec);
  const dtb = machine.ram.bytes.slice(boot.fdt - machine.ram.base, boot.fdt - machine.ram.base + boot.fdtSize);
  return { machine, drives, dtb, dumpDtb };
}

/** The main loop: run slices, feed console input, honour exits. Returns the exit status. */
async function drive(machine: VirtMachine, con: HostConsole, max: number, noReboot: boolean, reboot: () => void, control?: RunControl): Promise<number> {
  const slice = 2_000_000;
  let ran = 0;
  for (;;) {
    if (control !== undefined && control.paused) {
      con.flush();
      if (!(await control.waitRunnable())) {
        // GDB's kill: QEMU ends the process the same way.
        process.stderr.write('vm: terminated via GDBstub\n');
        return 0;
      }
      if (con.quitRequested) return 0;
    }
    feedInput(machine, con);
    const budget = Math.min(slice, max - ran);
    if (budget <= 0) {
      process.stderr.write(`\nvm: stopped after ${ran} instructions (--max-instructions)\n`);
      return 124;
    }
    const before = machine.retired;
    const exit = control === undefined ? machine.run(budget) : (control.run(budget, (n) => nonBudget(machine.run(n))) ?? BUDGET);
    ran += Math.max(machine.retired - before, 0);
    con.flush();
    if (con.quitRequested) return 0;
    switch (exit.reason) {
      case 'poweroff':
        if (machine.htif !== undefined && exit.code !== 0) process.stderr.write(`vm: test ${exit.code} failed (HTIF tohost)\n`);
        control?.exited(exit.code);
        return exit.code;
      case 'reset':
        if (noReboot) return 0;
        reboot();
        break;
      case 'halt':
        process.stderr.write(`\nvm: ${exit.message}\n`);
        return 1;
      case 'wfi':
        // Every hart waits for an interrupt that no timer will raise: only input can wake it.
        if (con.inputEnded && con.pending.length === 0) {
          process.stderr.write('\nvm: the guest waits for input and standard input has ended\n');
          return 1;
        }
        await con.waitForInput(50);
        break;
      default:
        // Let the event loop deliver input between slices.
        await new Promise<void>((r) => setImmediate(r));
    }
  }
}

const BUDGET: VmExit = { reason: 'budget' };
const nonBudget = (e: VmExit): VmExit | undefined => (e.reason === 'budget' ? undefined : e);

function feedInput(machine: VirtMachine, con: HostConsole): void {
  const q = con.pending;
  if (q.length === 0) return;
  const taken = machine.uart.receive(q);
  q.splice(0, taken);
}
