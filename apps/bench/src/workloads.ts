import { ConfigError } from '@vm/core';
import type { DiskBus } from './guest-spec.js';

/** The guest kernel's workloads (guests/README.md "Bootargs"); each prints one RESULT line. */
export const WORKLOAD_NAMES = ['cpu', 'mem', 'fork', 'disk', 'pio', 'console'] as const;
export type WorkloadName = (typeof WORKLOAD_NAMES)[number];

/** How big a run: `quick` for tests and a first look, `default` for the figures we publish. */
export type BenchSize = 'quick' | 'default';

export interface Workload {
  readonly name: WorkloadName;
  /** The kernel command line (QEMU -append), selecting this workload and its size. */
  readonly append: string;
  /** Bytes of the scratch disk the workload needs (0: none). */
  readonly diskBytes: number;
  /**
   * The bus of that disk. The guest's disk test exercises every disk it finds, so each disk
   * workload gets exactly one, and runs only on stacks that offer its bus: every stack that runs
   * a workload does the same guest work (a stack without the PIO disk used to run half the disk
   * test, and came out "cheaper" than bare metal).
   */
  readonly bus?: DiskBus;
  /** What the workload stresses, for the report. */
  readonly stresses: string;
}

// Sizes: quick keeps every workload ~1–10 M guest instructions (boot included); default uses 5×
// the kernel's own defaults so that boot (≈1 M instructions for kernel-m, ≈7.5 M with OpenSBI)
// is a small share and each wall-clock sample lasts long enough (≥ 0.3 s) to be stable.
const SIZES: Record<BenchSize, Record<WorkloadName, string>> = {
  quick: { cpu: 'cpu.iters=40', mem: 'mem.mb=2', fork: 'fork.n=10', disk: 'disk.sectors=32', pio: 'disk.sectors=32', console: 'console.lines=20' },
  default: { cpu: 'cpu.iters=1000', mem: 'mem.mb=40', fork: 'fork.n=250', disk: 'disk.sectors=1280', pio: 'disk.sectors=1280', console: 'console.lines=500' },
};

const STRESSES: Record<WorkloadName, string> = {
  cpu: 'user-mode computation: no privileged instructions, few traps',
  mem: 'page faults on sbrk, page-table walks, TLB misses',
  fork: 'address-space creation, context switches, syscalls (Adams & Agesen forkwait)',
  disk: 'device I/O through virtio-blk (queued requests, a few MMIO accesses each)',
  pio: 'device I/O through the legacy PIO disk (one MMIO access per data word)',
  console: 'UART register accesses, one MMIO access per byte',
};

/** The disk workload writes and reads [0, 2S) sectors; 8 MiB covers every size we use. */
const DISK_BYTES = 8 << 20;

export function workload(name: WorkloadName, size: BenchSize): Workload {
  // `pio` is the guest's disk workload with the PIO disk as its only disk.
  const guest = name === 'pio' ? 'disk' : name;
  const bus: DiskBus | undefined = name === 'disk' ? 'virtio' : name === 'pio' ? 'pio' : undefined;
  return { name, append: `workload=${guest} ${SIZES[size][name]}`, diskBytes: bus === undefined ? 0 : DISK_BYTES, ...(bus === undefined ? {} : { bus }), stresses: STRESSES[name] };
}

export function parseWorkloads(text: string | undefined): WorkloadName[] {
  if (text === undefined) return [...WORKLOAD_NAMES];
  const names = text.split(',').filter((s) => s !== '');
  for (const n of names) {
    if (!(WORKLOAD_NAMES as readonly string[]).includes(n)) throw new ConfigError(`--workloads: unknown workload '${n}' (${WORKLOAD_NAMES.join(', ')})`);
  }
  return names as WorkloadName[];
}
