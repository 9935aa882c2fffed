import { VirtioBlock, MemoryBlockBackend } from '@vm/devices';
import { bootVirt, decodeSnapshot, encodeSnapshot, VirtMachine, type MachineSnapshot } from '@vm/machine';
import { NativeHypervisor } from '../hypervisor.js';
import type { Vm } from '@vm/vcpu';
import type { VmSnapshot } from '@vm/vcpu';
import { file } from './guest-runs.js';

export const APPEND = 'workload=cpu,fork,disk';
export const MEMORY = 64 << 20;
export const DISK_BYTES = 8 << 20;
export const HOST_MEMORY = 96 << 20;

/** kernel-m with workload=cpu,fork,disk and an 8 MiB memory virtio-blk disk, on a fresh hypervisor. */
export function nativeGuest(name = 'a'): { hv: NativeHypervisor; vm: Vm } {
  const hv = new NativeHypervisor({ memory: HOST_MEMORY });
  const vm = hv.createVm({ name, memory: MEMORY, kernel: file('guests/images/kernel-m.elf'), append: APPEND, disks: [{ bytes: new Uint8Array(DISK_BYTES), bus: 'virtio' }] });
  return { hv, vm };
}

/** The same guest on a bare virt board. */
export function bareGuest(): { m: VirtMachine; out: number[] } {
  const out: number[] = [];
  const m = new VirtMachine({ memory: MEMORY, console: (b) => out.push(b) });
  m.addVirtio(new VirtioBlock({ backend: new MemoryBlockBackend(new Uint8Array(DISK_BYTES)) }));
  bootVirt(m, { kernel: file('guests/images/kernel-m.elf'), append: APPEND });
  return { m, out };
}

/** Run until the VM's virtual hart has retired `at` instructions (or it stops). */
export function runNativeUntil(hv: NativeHypervisor, vm: Vm, at: number, step = 250_000): void {
  while (vm.state !== 'stopped' && vm.vhart.hart.retired < at) if (hv.run(step).reason === 'idle') break;
}

export function runNativeToEnd(hv: NativeHypervisor, vm: Vm): void {
  runNativeUntil(hv, vm, Number.MAX_SAFE_INTEGER, 20_000_000);
}

export interface Encoded {
  readonly snapshot: VmSnapshot;
  readonly bytes: number;
  readonly encodeMs: number;
  readonly decodeMs: number;
}

/** Through the .vmsnap format and back, as `vm snapshot` / `vm restore` would. */
export function throughFile(s: MachineSnapshot): Encoded {
  const t0 = performance.now();
  const bytes = Buffer.concat(encodeSnapshot(s));
  const t1 = performance.now();
  const snapshot = decodeSnapshot(bytes, 'test.vmsnap');
  const t2 = performance.now();
  return { snapshot, bytes: bytes.length, encodeMs: t1 - t0, decodeMs: t2 - t1 };
}

export const S_APPEND = 'workload=cpu,fork';

/** kernel-s.elf with workload=cpu,fork on the hypervisor's own SBI, in `mode`, on a fresh hypervisor. */
export function sbiGuest(mode: 'trap' | 'hext', name = 's'): { hv: NativeHypervisor; vm: Vm } {
  const hv = new NativeHypervisor({ memory: HOST_MEMORY, mode });
  const vm = hv.createVm({ name, memory: MEMORY, kernel: file('guests/images/kernel-s.elf'), append: S_APPEND, sbi: 'hypervisor' });
  return { hv, vm };
}
