import { ConfigError } from '@vm/core';
import type { BlockBackend } from '@vm/devices';
import { checkVmSnapshot } from '@vm/vcpu';
import type { DiskSnapshot, MachineSnapshot } from '@vm/machine';

const WRITE_CHUNK = 64 << 10;

/**
 * Check that a VMM in `mode` can start from `s` (a snapshot of a native VM, a VMM or a bare virt
 * board): virtual time, the same RAM size, and exactly the VMM's devices (one virtio-blk disk when
 * it has a disk file, none otherwise). A snapshot taken on the hypervisor's SBI (an S-mode kernel
 * without firmware, one vCPU or several) continues in accel mode only: /dev/vmm answers its SBI
 * calls, a soft VMM's interpreted board has no SBI of its own. Returns the snapshot's disk for that
 * virtio-blk.
 */
export function checkVmmSnapshot(s: MachineSnapshot, memory: number, hasDisk: boolean, instructionsPerTick: number, mode: 'accel' | 'soft'): DiskSnapshot | undefined {
  checkVmmHeader(s, mode, instructionsPerTick);
  if (s.config.memory !== memory) throw new ConfigError(`vmm snapshot: guest RAM is ${s.config.memory} bytes in the snapshot, ${memory} here`);
  if (s.config.pioDisk !== null) throw new ConfigError('vmm snapshot: has a PIO disk; the VMM has virtio-blk only');
  const blk = s.config.virtio;
  if (blk.length > 1) throw new ConfigError(`vmm snapshot: has ${blk.length} virtio devices; the VMM has one disk`);
  const v = blk[0];
  if (hasDisk !== (v !== undefined)) throw new ConfigError(`vmm snapshot: ${v === undefined ? 'has no disk, the VMM was given one' : 'has a disk: give the VMM a disk file to hold it'}`);
  if (v === undefined || v.kind !== 'blk') return undefined;
  const d = s.disks[v.disk];
  if (d === undefined) throw new ConfigError(`vmm snapshot: virtio-blk refers to disk ${v.disk}, the snapshot has ${s.disks.length}`);
  if (d.kind === 'file') throw new ConfigError(`vmm snapshot: the disk is the host file ${d.path} of the machine that took it; only memory and overlay-over-memory disks move into a VMM`);
  return d;
}

/**
 * The part of checkVmmSnapshot that needs no VMM: the snapshot's VM header (checkVmSnapshot: its
 * vCPUs, their run states, the VMM's turns, field by field) and whether a VMM in `mode` runs it.
 */
export function checkVmmHeader(s: MachineSnapshot, mode: 'accel' | 'soft', instructionsPerTick?: number): void {
  const info = checkVmSnapshot(s, 'vmm snapshot', instructionsPerTick);
  if (info.sbiMode !== 'firmware' && mode === 'soft') throw new ConfigError("vmm snapshot: taken with the hypervisor's SBI (no firmware in the guest); a soft VMM runs guests with their own firmware only (use --mode accel)");
  if (info.mode === 'hext') throw new ConfigError("vmm snapshot: taken under the H extension; it continues on the native hypervisor's hext mode only");
}

/** Write the disk contents a snapshot recorded into the VMM's disk file (it must be that size). */
export function writeDiskContents(backend: BlockBackend, d: DiskSnapshot): void {
  if (backend.size !== d.size) throw new ConfigError(`vmm snapshot: the disk file is ${backend.size} bytes, the snapshot's disk ${d.size}`);
  const image = imageOf(d);
  for (let at = 0; at < image.length; at += WRITE_CHUNK) backend.write(at, image.subarray(at, Math.min(image.length, at + WRITE_CHUNK)));
  backend.flush();
}

function imageOf(d: DiskSnapshot): Uint8Array {
  if (d.kind === 'file') throw new ConfigError(`vmm snapshot: cannot load host file ${d.path}`);
  const out = d.kind === 'overlay' ? imageOf(d.base) : new Uint8Array(d.size);
  for (const c of d.data.chunks) out.set(c.data, c.index * d.data.chunkSize);
  return out;
}
