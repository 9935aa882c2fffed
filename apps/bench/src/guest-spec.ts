import type { GuestSpec } from '@vm/core';
import { guestImagePath, OPENSBI_FW_JUMP, readGuestFile } from './guest-images.js';
import type { Workload } from './workloads.js';

/** How a stack boots our guest kernel (guests/README.md). */
export type GuestBoot =
  /** kernel-m.elf in M-mode with -bios none: the kernel owns the machine. */
  | 'm'
  /** Debian's OpenSBI fw_jump.bin in M-mode, kernel-s.elf as its S-mode payload. */
  | 'sbi'
  /** kernel-s.elf alone, entered in (V)S-mode on a hypervisor's own SBI (QEMU/KVM style). */
  | 's'
  /** kernel-pv.elf alone on a hypervisor's SBI: the paravirtual image (PV-MMU hypercalls). */
  | 'pv';

export type DiskBus = 'virtio' | 'pio';

/** Guest RAM for every run: QEMU's `-m 256M` as guests/run-qemu.sh uses it. */
export const GUEST_MEMORY = 256 << 20;

/**
 * The spec for one run. A disk workload gets one fresh zeroed image on its bus (the guest tests
 * every disk it finds, so every stack that runs the workload does the same work).
 */
export function guestSpec(boot: GuestBoot, w: Workload): GuestSpec {
  const disks = w.bus === undefined ? [] : [{ bus: w.bus, bytes: new Uint8Array(w.diskBytes) }];
  const kernel = readGuestFile(guestImagePath(boot === 'm' ? 'kernel-m.elf' : boot === 'pv' ? 'kernel-pv.elf' : 'kernel-s.elf'));
  const bios = boot === 'sbi' ? readGuestFile(OPENSBI_FW_JUMP) : undefined;
  return { bios, kernel, append: w.append, memory: GUEST_MEMORY, disks };
}
