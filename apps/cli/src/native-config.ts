import { checkHostMemory } from './memory-limit.js';
import { readInputFile } from './input-file.js';
import { ConfigError, parseSize } from '@vm/core';
import { sbiModeOf, type VmConfig } from '@vm/hypervisor-native';
import { machineFlags } from './machine-flags.js';
import { one, parseProps, type ParsedArgs } from './args.js';
import { bootSpecOf, openDrive } from './run.js';
import { deviceArgs, ImageClaims, parseGlobals } from './globals.js';

/** Headroom the hypervisor needs beside a VM's RAM: its shadow page-table pool (4 MiB) and slack. */
export const HYPERVISOR_HEADROOM = 64 << 20;

/** 'trap' (trap-and-emulate, shadow page tables; the default) or 'hext' (the H-extension). */
export function checkMode(mode: string | undefined, where: string): 'trap' | 'hext' {
  if (mode === undefined || mode === 'trap') return 'trap';
  if (mode === 'hext') return 'hext';
  throw new ConfigError(`${where} ${mode}: 'trap' or 'hext'`);
}

type Disk = NonNullable<VmConfig['disks']>[number];

/**
 * A disk of a VM: the image is read into memory and the guest's writes stay there (VmConfig.disks
 * takes bytes), so every drive behaves as `snapshot=on`.
 */
export function readDisk(file: string, bus: string, where: string): Disk {
  if (bus !== 'virtio' && bus !== 'pio') throw new ConfigError(`${where}: if=${bus} is not supported under the hypervisor (virtio or pio)`);
  return { bytes: readInputFile(file, where), bus };
}

/**
 * A `vm run` drive of a VM: parsed and opened as on the bare board (`openDrive`): the image file
 * itself, written back on flush and at exit; `snapshot=on` (or -snapshot) puts a copy-on-write
 * overlay in front and leaves the image untouched.
 */
function driveOf(text: string, globalSnapshot: boolean, claims: ImageClaims): { disk: Disk; id: string | undefined; none: boolean } {
  const d = openDrive(text, globalSnapshot, claims);
  return { disk: { backend: d.backend, bus: d.iface === 'pio' ? 'pio' : 'virtio' }, id: d.id, none: d.iface === 'none' };
}

/**
 * `-drive ...,if=none,id=ID` paired with `-device virtio-blk-device,drive=ID[,bus=virtio-mmio-bus.N]`
 * (or `pio-disk,drive=ID`), QEMU's long form, as on the bare board.
 */
function disksOfArgs(args: ParsedArgs): Disk[] {
  const claims = new ImageClaims();
  const drives = (args.values.get('drive') ?? []).map((d) => driveOf(d, args.flags.has('snapshot'), claims));
  const disks: Disk[] = drives.filter((d) => !d.none).map((d) => d.disk);
  for (const d of deviceArgs(args, drives, ['virtio-blk-device', 'pio-disk'], 'under --hypervisor native')) {
    if (d.kind === 'disk') disks.push({ ...d.disk, bus: d.bus, slot: d.slot });
  }
  return disks;
}

/** Write every file-backed disk of a VM config back and close it (at the end of a run). */
export function closeDisks(config: VmConfig): void {
  for (const d of config.disks ?? []) {
    if ('backend' in d) {
      d.backend.flush();
      d.backend.close();
    }
  }
}

export function diskOf(text: string): Disk {
  const props = parseProps(text, '-drive');
  for (const k of props.keys()) {
    if (!['file', 'format', 'if', 'readonly', 'snapshot', 'cache', 'media'].includes(k)) throw new ConfigError(`-drive ${text}: unknown property '${k}' under --hypervisor native`);
  }
  const file = props.get('file');
  if (file === undefined || file === '') throw new ConfigError(`-drive ${text}: needs file=PATH`);
  const format = props.get('format') ?? 'raw';
  if (format !== 'raw') throw new ConfigError(`-drive ${text}: format '${format}' is not supported (raw only)`);
  return readDisk(file, props.get('if') ?? 'virtio', `-drive ${text}`);
}

/** One VM from `vm run` flags (-m -bios -kernel -append -drive), refusing what a VM cannot have. */
export function vmConfigFromArgs(args: ParsedArgs, name: string, console: (b: number) => void): VmConfig {
  machineFlags(args, 'native');
  const cpu = one(args, 'cpu') ?? 'rv64';
  if (cpu.split(',')[0] !== 'rv64') throw new ConfigError(`-cpu ${cpu}: only 'rv64' exists`);
  const smp = one(args, 'smp');
  let vcpus: number | undefined;
  if (smp !== undefined) {
    const n = smp.replace(/^cpus=/, '').split(',')[0]!;
    vcpus = /^[0-9]+$/.test(n) ? Number(n) : NaN;
    if (!(vcpus >= 1 && vcpus <= 8)) throw new ConfigError(`-smp ${smp}: a VM of --hypervisor native has 1 to 8 vCPUs`);
  }
  const clock = one(args, 'clock');
  if (clock !== undefined && clock !== 'virtual') throw new ConfigError(`--clock ${clock}: a VM's time is virtual under --hypervisor native`);
  const mText = one(args, 'm') ?? '128M';
  const memory = parseSize(mText.replace(/^size=/, ''), 'MiB');
  if (memory === undefined || memory < 1 << 20 || memory % 4096 !== 0) throw new ConfigError(`-m ${mText}: not a memory size (e.g. 256M, 1G)`);
  checkHostMemory(`-m ${mText}`, memory, HYPERVISOR_HEADROOM, 'for the hypervisor under --hypervisor native');
  const spec = bootSpecOf(args);
  const disks = disksOfArgs(args);
  const { virtioForceLegacy } = parseGlobals(args);
  const sbi = kernelModeOf(args, spec.bios !== undefined);
  const config: VmConfig = { name, memory, bios: spec.bios, kernel: spec.kernel, initrd: spec.initrd, append: spec.append, disks, console, virtioForceLegacy, sbi, vcpus };
  if ((vcpus ?? 1) > 1 && sbiModeOf(config) !== 'hypervisor') throw new ConfigError(`-smp ${smp}: several vCPUs need the hypervisor's SBI (-bios none -kernel S-payload); a VM firmware runs on one vCPU`);
  return config;
}

/**
 * `--kernel-mode s|m` under a hypervisor: who the `-bios none` kernel is — an S-mode payload on the
 * hypervisor's SBI or an M-mode program (VmConfig.sbi); undefined leaves it to the kernel file.
 */
export function kernelModeOf(args: ParsedArgs, hasBios: boolean): VmConfig['sbi'] {
  const mode = one(args, 'kernel-mode');
  if (mode === undefined) return undefined;
  if (mode !== 's' && mode !== 'm') throw new ConfigError(`--kernel-mode ${mode}: 's' (S-mode payload on the hypervisor's SBI) or 'm' (M-mode program)`);
  if (hasBios) throw new ConfigError(`--kernel-mode ${mode}: only with -bios none (with a firmware the kernel is its S-mode payload)`);
  return mode === 's' ? 'hypervisor' : 'firmware';
}
