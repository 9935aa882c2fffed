import { ConfigError, sessionResult, type GuestRunResult, type GuestSpec, type Stack } from '@vm/core';
import { MAX_VCPUS, sbiModeOf } from '@vm/vcpu';
import { HostedSession } from './hosted-session.js';
import { HostKernel, mkfs, type MkfsFile, type Process } from '@vm/hostos';
import type { MachineSnapshot } from '@vm/machine';
import { VmmProgram, type VmmMode, type VmmOptions } from './vmm-process.js';

const DEFAULT_MAX_INSTRUCTIONS = 400_000_000;
const RUN_CHUNK = 5_000_000;
/** Host RAM beyond the guest's: page tables, shadow pool, the VMM's buffers. */
/** The host OS's own RAM per VMM (kernel, VMM process), added to each guest's. */
export const HOST_RESERVE = 24 << 20;

/** A host OS with the guest's kernel and disk as files, and a VMM process ready to run it. */
export interface HostedSetup {
  readonly kernel: HostKernel;
  readonly vmm: VmmProgram;
  readonly process: Process;
}

/** One guest of a hosted host: its images (GuestSpec) and how its VMM process runs. */
export interface HostedGuest {
  /** A path component: the guest's images go to /images/NAME/ on the host file system. */
  readonly name: string;
  readonly spec: GuestSpec;
  readonly weight?: number;
  readonly interactive?: boolean;
  readonly console?: (byte: number) => void;
  /** Start the guest from this snapshot instead of booting `spec` (its disk image is the disk file's initial contents). */
  readonly snapshot?: MachineSnapshot;
}

export interface HostedHost {
  readonly kernel: HostKernel;
  readonly vmms: readonly { readonly vmm: VmmProgram; readonly process: Process }[];
}

export interface HostedHostOptions {
  /** Bytes the host OS's console (its UART) transmits: the VMMs' write(2)s of guest output. */
  readonly console?: (byte: number) => void;
  readonly quantum?: number;
  /** Guest instructions per turn of a VMM's vCPU when it has several (VmmOptions.vcpuQuantum). */
  readonly vcpuQuantum?: number;
}

/**
 * Why `spec`'s vCPU count cannot run in a VMM of `mode` (undefined: it can). accel: several vCPUs
 * are started by the driver's SBI (HSM), so the kernel must be an S-mode payload on it, as under
 * the native hypervisor; soft: the board's harts are started by its own firmware (e.g. OpenSBI).
 */
export function vcpusProblem(spec: Pick<GuestSpec, 'vcpus' | 'bios' | 'kernel' | 'sbi'>, mode: VmmMode): string | undefined {
  const n = spec.vcpus ?? 1;
  if (!Number.isInteger(n) || n < 1 || n > MAX_VCPUS) return `a hosted VMM has 1 to ${MAX_VCPUS} vCPUs, got ${n}`;
  if (n === 1) return undefined;
  if (mode === 'soft') return spec.bios === undefined ? `${n} harts of the soft VMM's board need a firmware to start them (-bios, e.g. OpenSBI's fw_jump.bin)` : undefined;
  const sbi = sbiModeOf({ name: 'guest', memory: 0, bios: spec.bios, kernel: spec.kernel, sbi: spec.sbi });
  return sbi === 'hypervisor' ? undefined : `${n} vCPUs need the driver's SBI (-bios none -kernel S-payload); a VM firmware runs on one vCPU`;
}

/** Where a guest's images lie on the host file system: the VMM's paths for it. */
export type HostedImages = Pick<VmmOptions, 'biosPath' | 'kernelPath' | 'initrdPath' | 'diskPath' | 'diskSlot'>;

/**
 * A host OS whose file system (mkfs) holds every guest's firmware, kernel and disk image, with RAM
 * for them all, and no process yet: `images[i]` says where guest i's files are (spawnVmm starts its
 * VMM). Several VMMs of the same guests may run on it one after another (the fuzzer reuses it).
 */
export function hostedKernel(guests: readonly HostedGuest[], mode: VmmMode, options: HostedHostOptions = {}): { readonly kernel: HostKernel; readonly images: readonly HostedImages[] } {
  const files: MkfsFile[] = [];
  const images = guests.map((g) => {
    const at = (leaf: string, bytes: Uint8Array | undefined): string | undefined => {
      if (bytes === undefined) return undefined;
      const path = `/images/${g.name}/${leaf}`;
      files.push({ path, bytes });
      return path;
    };
    if (g.spec.kernel === undefined && g.spec.bios === undefined && g.snapshot === undefined) throw new Error(`${g.name}: a hosted guest needs a kernel or a bios`);
    if ((g.spec.disks ?? []).some((d) => d.bus !== 'virtio')) throw new Error(`${g.name}: the hosted VMM has virtio-blk disks only`);
    if ((g.spec.disks ?? []).length > 1) throw new Error(`${g.name}: the hosted VMM has one disk`);
    // A snapshot brings its vCPUs and their SBI; the VMM checks that they fit (checkVmmSnapshot).
    const problem = g.snapshot !== undefined ? undefined : vcpusProblem(g.spec, mode);
    if (problem !== undefined) throw new ConfigError(`${g.name}: ${problem}`);
    return { biosPath: at('bios.bin', g.spec.bios?.bytes), kernelPath: at('kernel.elf', g.spec.kernel?.bytes), initrdPath: at('initrd.img', g.spec.initrd?.bytes), diskPath: at('disk.img', g.spec.disks?.[0]?.bytes), diskSlot: g.spec.disks?.[0]?.slot };
  });
  const size = files.reduce((n, f) => n + f.bytes.length + 4096, 8 << 20);
  const memory = guests.reduce((n, g) => n + g.spec.memory + HOST_RESERVE, 0);
  const kernel = new HostKernel({ disk: mkfs({ size, files }), memory, console: options.console, quantum: options.quantum });
  return { kernel, images };
}

/** Start guest `g`'s VMM process on `kernel`, its images at `images` (hostedKernel). */
export function spawnVmm(kernel: HostKernel, g: HostedGuest, images: HostedImages, mode: VmmMode, options: HostedHostOptions = {}): { readonly vmm: VmmProgram; readonly process: Process } {
  const vmm = new VmmProgram({ mode, ...images, append: g.spec.append, sbi: g.spec.sbi, virtioForceLegacy: g.spec.virtioForceLegacy, memory: g.spec.memory, vcpus: g.spec.vcpus, vcpuQuantum: options.vcpuQuantum, interactive: g.interactive, console: g.console, snapshot: g.snapshot, instructionsPerTick: kernel.machine.instructionsPerTick });
  vmm.accelCounter = () => kernel.vmm.guestInstructions;
  return { vmm, process: kernel.spawnNative(vmm, { weight: g.weight }) };
}

/**
 * A host OS whose file system (mkfs) holds every guest's firmware, kernel and disk image, with one
 * VMM process per guest (spawned in order, pids 1..n).
 */
export function hostedHost(guests: readonly HostedGuest[], mode: VmmMode, options: HostedHostOptions = {}): HostedHost {
  const { kernel, images } = hostedKernel(guests, mode, options);
  return { kernel, vmms: guests.map((g, i) => spawnVmm(kernel, g, images[i]!, mode, options)) };
}

export function hostedSetup(spec: GuestSpec, mode: VmmMode, weight?: number): HostedSetup {
  const { kernel, vmms } = hostedHost([{ name: 'guest', spec, weight }], mode);
  return { kernel, vmm: vmms[0]!.vmm, process: vmms[0]!.process };
}

function hostedStack(mode: VmmMode): Stack {
  return {
    name: `hosted-${mode}`,
    run(spec: GuestSpec): GuestRunResult {
      const started = process.hrtime.bigint();
      const host = hostedHost([{ name: 'guest', spec }], mode);
      const vmm = host.vmms[0]!.vmm;
      return sessionResult(new HostedSession(host, { input: false }), () => vmm.console, { max: spec.maxInstructions ?? DEFAULT_MAX_INSTRUCTIONS, slice: RUN_CHUNK, started });
    },
  };
}

/** The guest through /dev/vmm (trap-and-emulate in the host kernel's driver), VMM in user space. */
export const hostedAccelStack: Stack = hostedStack('accel');
/** The guest interpreted by the VMM process itself: no hardware help. */
export const hostedSoftStack: Stack = hostedStack('soft');
