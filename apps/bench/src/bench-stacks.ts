import type { Stack } from '@vm/core';
import { bareStack } from './bare-stack.js';
import type { DiskBus, GuestBoot } from './guest-spec.js';
import { qemuAvailable, qemuStack } from './qemu-stack.js';

/** A stack as the benchmark sees it: the Stack plus how to boot it and what to compare it with. */
export interface BenchStack {
  readonly stack: Stack;
  readonly boot: GuestBoot;
  /** Bare stacks this one's overheads are computed against (bare-m always; bare-sbi for SBI guests). */
  readonly baselines: readonly string[];
  /** False for outside references that report no counts (wall-clock only). */
  readonly counts: boolean;
  readonly diskBuses: readonly DiskBus[];
  readonly note: string;
}

/** A stack that could not be offered on this machine, and why (reported, never fatal). */
export interface UnavailableStack {
  readonly name: string;
  readonly reason: string;
}

type Candidate = { readonly name: string; load(): Promise<BenchStack | string> };

const BOTH_DISKS: readonly DiskBus[] = ['virtio', 'pio'];

/**
 * Every way of running the guest the benchmark knows of. A new stack is one entry here: its
 * loader returns the BenchStack, or a string saying why it is unavailable.
 */
export const STACK_CANDIDATES: readonly Candidate[] = [
  {
    name: 'bare-m',
    load: () => Promise.resolve({ stack: bareStack('bare-m'), boot: 'm', baselines: ['bare-m'], counts: true, diskBuses: BOTH_DISKS, note: 'kernel-m.elf, -bios none, on VirtMachine' }),
  },
  {
    name: 'bare-sbi',
    load: () => Promise.resolve({ stack: bareStack('bare-sbi'), boot: 'sbi', baselines: ['bare-m', 'bare-sbi'], counts: true, diskBuses: BOTH_DISKS, note: 'OpenSBI fw_jump.bin + kernel-s.elf on VirtMachine' }),
  },
  {
    name: 'native-trap',
    load: async () => {
      const s = await hypervisorExport('nativeTrapStack');
      if (typeof s === 'string') return s;
      return { stack: s, boot: 'm', baselines: ['bare-m'], counts: true, diskBuses: BOTH_DISKS, note: '@vm/hypervisor-native: kernel-m under trap-and-emulate, shadow page tables' };
    },
  },
  {
    name: 'native-trap-s',
    load: async () => {
      const m = await import('@vm/hypervisor-native');
      return { stack: m.nativeStack('native-trap-s', { mode: 'trap', pvMmu: false }), boot: 's', baselines: ['bare-m', 'bare-sbi'], counts: true, diskBuses: BOTH_DISKS, note: '@vm/hypervisor-native: kernel-s on the hypervisor\'s SBI, trap-and-emulate, shadow page tables' };
    },
  },
  {
    name: 'native-pv',
    load: async () => {
      const m = await import('@vm/hypervisor-native');
      return { stack: m.nativePvStack, boot: 'pv', baselines: ['bare-m', 'bare-sbi'], counts: true, diskBuses: BOTH_DISKS, note: '@vm/hypervisor-native: kernel-pv on the hypervisor\'s SBI with PV-MMU hypercalls (batched page-table updates)' };
    },
  },
  {
    name: 'native-hext',
    load: async () => {
      const m = await import('@vm/hypervisor-native');
      return { stack: m.nativeHextStack, boot: 's', baselines: ['bare-m', 'bare-sbi'], counts: true, diskBuses: BOTH_DISKS, note: '@vm/hypervisor-native: kernel-s in VS/VU under a G-stage table (H-extension), hypervisor SBI' };
    },
  },
  {
    name: 'hosted-accel',
    load: async () => {
      const { hostedAccelStack } = await import('@vm/hypervisor-hosted');
      return { stack: hostedAccelStack, boot: 'm', baselines: ['bare-m'], counts: true, diskBuses: ['virtio'], note: '@vm/hypervisor-hosted: kernel-m in a VMM process on @vm/hostos, vCPU through /dev/vmm; disk = host file (pread/pwrite)' };
    },
  },
  {
    name: 'hosted-soft',
    load: async () => {
      const { hostedSoftStack } = await import('@vm/hypervisor-hosted');
      return { stack: hostedSoftStack, boot: 'm', baselines: ['bare-m'], counts: true, diskBuses: ['virtio'], note: '@vm/hypervisor-hosted: kernel-m interpreted by a VMM process on @vm/hostos; disk = host file (pread/pwrite)' };
    },
  },
  {
    name: 'qemu',
    load: () =>
      Promise.resolve(
        qemuAvailable()
          ? { stack: qemuStack(), boot: 'm', baselines: ['bare-m'], counts: false, diskBuses: ['virtio'], note: 'qemu-system-riscv64 (TCG), outside reference: wall-clock only, no PIO disk' }
          : 'qemu-system-riscv64 is not installed',
      ),
  },
];

/** Load the named stacks (all when `names` is undefined), in the candidates' order. */
export async function loadStacks(names?: readonly string[]): Promise<{ stacks: BenchStack[]; unavailable: UnavailableStack[] }> {
  const known = STACK_CANDIDATES.map((c) => c.name);
  const unavailable: UnavailableStack[] = [];
  for (const n of names ?? []) if (!known.includes(n)) unavailable.push({ name: n, reason: `unknown stack (${known.join(', ')})` });
  const stacks: BenchStack[] = [];
  for (const c of STACK_CANDIDATES) {
    if (names !== undefined && !names.includes(c.name)) continue;
    try {
      const s = await c.load();
      if (typeof s === 'string') unavailable.push({ name: c.name, reason: s });
      else stacks.push(s);
    } catch (e) {
      unavailable.push({ name: c.name, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  return { stacks, unavailable };
}

/** A named export of @vm/hypervisor-native that has a Stack's shape, or why not. */
async function hypervisorExport(name: string): Promise<Stack | string> {
  const mod = (await import('@vm/hypervisor-native')) as unknown as Record<string, unknown>;
  const s = mod[name];
  if (s === undefined) return `@vm/hypervisor-native does not export ${name} yet`;
  if (!isStack(s)) return `@vm/hypervisor-native's ${name} is not a Stack (needs name and run)`;
  return s;
}

function isStack(x: unknown): x is Stack {
  return typeof x === 'object' && x !== null && typeof (x as { name?: unknown }).name === 'string' && typeof (x as { run?: unknown }).run === 'function';
}
