import { ConfigError } from '@vm/core';

/** The guest kernel's workloads (guests/README.md "Bootargs"); each prints one RESULT line. */
export const WORKLOAD_NAMES = ['cpu', 'mem', 'fork', 'disk', 'console'] as const;
export type WorkloadName = (typeof WORKLOAD_NAMES)[number];

/** How big a run: `quick` for tests and a first look, `default` for the figures we publish. */
export type BenchSize = 'quick' | 'default';

export interface Workload {
  readonly name: WorkloadName;
  /** The kernel command line (QEMU -append), selecting this workload and its size. */
  readonly append: string;
  /** Bytes of each scratch disk the workload needs (0: none). */
  readonly diskBytes: number;
  /** What the workload stresses, for the report. */
  readonly stresses: string;
}

// Sizes: quick keeps every workload ~1–10 M guest instructions (boot included); default uses 5×
// the kernel's own defaults so that boot (≈1 M instructions for kernel-m, ≈7.5 M with OpenSBI)
// is a small share and each wall-clock sample lasts long enough (≥ 0.3 s) to be stable.
const SIZES: Record<BenchSize, Record<WorkloadName, string>> = {
  quick: { cpu: 'cpu.iters=40', mem: 'mem.mb=2', fork: 'fork.n=10', disk: 'disk.sectors=32', console: 'console.lines=20' },
  default: { cpu: 'cpu.iters=1000', mem: 'mem.mb=40', fork: 'fork.n=250', disk: 'disk.sectors=1280', console: 'console.lines=500' },
};

const STRESSES: Record<WorkloadName, string> = {
  cpu: 'user-mode computation: no privileged instructions, few traps',
  mem: 'page faults on sbrk, page-table walks, TLB misses',
  fork: 'address-space creation, context switches, syscalls (Adams & Agesen forkwait)',
  disk: 'device I/O: virtio-blk (queued) and the legacy PIO disk (one MMIO access per word)',
  console: 'UART register accesses, one MMIO access per byte',
};

/** The disk workload writes and reads [0, 2S) sectors; 8 MiB covers every size we use. */
const DISK_BYTES = 8 << 20;

export function workload(name: WorkloadName, size: BenchSize): Workload {
  return { name, append: `workload=${name} ${SIZES[size][name]}`, diskBytes: name === 'disk' ? DISK_BYTES : 0, stresses: STRESSES[name] };
}

export function parseWorkloads(text: string | undefined): WorkloadName[] {
  if (text === undefined) return [...WORKLOAD_NAMES];
  const names = text.split(',').filter((s) => s !== '');
  for (const n of names) {
    if (!(WORKLOAD_NAMES as readonly string[]).includes(n)) throw new ConfigError(`--workloads: unknown workload '${n}' (${WORKLOAD_NAMES.join(', ')})`);
  }
  return names as WorkloadName[];
}
