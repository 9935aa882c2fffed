import { checkHostMemory } from './memory-limit.js';
import { readInputFile } from './input-file.js';
import { ConfigError, parseSize, type GuestSpec } from '@vm/core';
import { HOST_RESERVE, vcpusProblem, type VmmMode } from '@vm/hypervisor-hosted';
import { one, parseProps, type ParsedArgs } from './args.js';
import { machineFlags } from './machine-flags.js';
import { kernelModeOf } from './native-config.js';
import { bootSpecOf } from './run.js';
import { boolProp, deviceArgs, parseGlobals, type DriveOf } from './globals.js';

/** `--mode` under --hypervisor hosted: accel (/dev/vmm, the default) or soft (the VMM interprets). */
export function hostedMode(mode: string | undefined, where: string): VmmMode {
  if (mode === undefined || mode === 'accel') return 'accel';
  if (mode === 'soft') return 'soft';
  throw new ConfigError(`${where} ${mode}: 'accel' or 'soft' under the hosted hypervisor`);
}

/** A disk image for a hosted guest: it becomes a file of the host file system while it runs (written back at the end by hosted-run.ts). */
export function hostedDisk(file: string, bus: string, where: string): { bytes: Uint8Array; bus: 'virtio' } {
  if (bus !== 'virtio') throw new ConfigError(`${where}: if=${bus} is not supported under --hypervisor hosted (the VMM has virtio-blk only)`);
  return { bytes: readInputFile(file, where), bus: 'virtio' };
}

type HostedDisk = NonNullable<GuestSpec['disks']>[number];

/** One `-drive` of a hosted guest: `if=virtio` (the default), or `if=none,id=ID` for a `-device` to place. */
function driveOf(text: string): DriveOf<HostedDisk> {
  const props = parseProps(text, '-drive');
  for (const k of props.keys()) {
    if (!['file', 'format', 'if', 'id', 'snapshot', 'cache', 'media'].includes(k)) throw new ConfigError(`-drive ${text}: unknown property '${k}' under --hypervisor hosted`);
  }
  const file = props.get('file');
  if (file === undefined || file === '') throw new ConfigError(`-drive ${text}: needs file=PATH`);
  if ((props.get('format') ?? 'raw') !== 'raw') throw new ConfigError(`-drive ${text}: format '${props.get('format')}' is not supported (raw only)`);
  boolProp(props, 'snapshot', `-drive ${text}`); // a value QEMU would not read is refused before the run, not read as off
  const iface = props.get('if') ?? 'virtio';
  const none = iface === 'none';
  return { disk: hostedDisk(file, none ? 'virtio' : iface, `-drive ${text}`), id: props.get('id'), none };
}

/** One hosted guest from `vm run` flags (-m -smp -bios -kernel -append -drive), refusing what a VMM of `mode` cannot give. */
export function hostedSpecFromArgs(args: ParsedArgs, mode: VmmMode): GuestSpec {
  machineFlags(args, 'hosted');
  const cpu = one(args, 'cpu') ?? 'rv64';
  if (cpu.split(',')[0] !== 'rv64') throw new ConfigError(`-cpu ${cpu}: only 'rv64' exists`);
  const smp = one(args, 'smp');
  let vcpus: number | undefined;
  if (smp !== undefined) {
    const n = smp.replace(/^cpus=/, '').split(',')[0]!;
    vcpus = /^[0-9]+$/.test(n) ? Number(n) : NaN;
    if (!(vcpus >= 1 && vcpus <= 8)) throw new ConfigError(`-smp ${smp}: a VMM of --hypervisor hosted has 1 to 8 vCPUs`);
  }
  const clock = one(args, 'clock');
  if (clock !== undefined && clock !== 'virtual') throw new ConfigError(`--clock ${clock}: a guest's time is virtual under --hypervisor hosted`);
  const { virtioForceLegacy } = parseGlobals(args);
  const mText = one(args, 'm') ?? '128M';
  const memory = parseSize(mText.replace(/^size=/, ''), 'MiB');
  if (memory === undefined || memory < 1 << 20 || memory % 4096 !== 0) throw new ConfigError(`-m ${mText}: not a memory size (e.g. 256M, 1G)`);
  checkHostMemory(`-m ${mText}`, memory, HOST_RESERVE, "for the host OS under --hypervisor hosted");
  const boot = bootSpecOf(args);
  const drives = (args.values.get('drive') ?? []).map(driveOf);
  const disks: HostedDisk[] = drives.filter((d) => !d.none).map((d) => d.disk);
  for (const d of deviceArgs(args, drives, ['virtio-blk-device'], 'under --hypervisor hosted')) {
    if (d.kind === 'disk') disks.push({ ...d.disk, slot: d.slot });
  }
  if (disks.length > 1) throw new ConfigError(`-drive ${args.values.get('drive')![1]}: the hosted VMM has one disk`);
  const spec: GuestSpec = { memory, vcpus, bios: boot.bios, kernel: boot.kernel, initrd: boot.initrd, append: boot.append, sbi: kernelModeOf(args, boot.bios !== undefined), virtioForceLegacy, disks };
  const problem = vcpusProblem(spec, mode);
  if (problem !== undefined) throw new ConfigError(`-smp ${smp}: ${problem}`);
  return spec;
}
