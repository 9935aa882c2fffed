import type { VmExit } from './exit.js';

/**
 * One contract for every way of running a guest — bare board, native hypervisor (trap-and-emulate,
 * H-extension, paravirtual), hosted hypervisor — so the CLI and the benchmark treat them alike.
 */

/** A file given to a guest: its name (for errors) and bytes. */
export interface GuestFile {
  readonly file: string;
  readonly bytes: Uint8Array;
}

/** What to run: QEMU's -bios/-kernel/-append/-m, plus disks. */
export interface GuestSpec {
  /** M-mode firmware; undefined = `-bios none`. */
  readonly bios?: GuestFile;
  readonly kernel?: GuestFile;
  /** An initial RAM disk (QEMU's -initrd), loaded as bytes and named in the device tree. */
  readonly initrd?: GuestFile;
  readonly append?: string;
  /**
   * Under a hypervisor with no bios: 'hypervisor' runs the kernel as an S-mode payload on the
   * hypervisor's SBI, 'firmware' as an M-mode program; undefined lets the kernel file decide
   * (QEMU with KVM: a raw image or Linux Image is a payload, an ELF says by its addresses).
   */
  readonly sbi?: 'firmware' | 'hypervisor';
  /** QEMU's `-global virtio-mmio.force-legacy`: version 1 (legacy, QEMU 7.2's default) or 2 (modern) transports. */
  readonly virtioForceLegacy?: boolean;
  /** Guest RAM in bytes. */
  readonly memory: number;
  /** vCPUs of the guest (QEMU's -smp N; default 1): read by the hosted VMM (hostedHost); the bare and native Stack objects run one hart. */
  readonly vcpus?: number;
  /** Raw disk images: on virtio-blk, or on the legacy register-level PIO disk. */
  readonly disks?: readonly { readonly bytes: Uint8Array; readonly bus: 'virtio' | 'pio'; /** virtio-mmio slot 0..7 (QEMU's `bus=virtio-mmio-bus.N`); default the highest free one. */ readonly slot?: number }[];
  /** Stop after this many guest instructions (a guard for benchmarks and tests). */
  readonly maxInstructions?: number;
}

/**
 * Events counted while a guest ran, by name. Names are dotted and stable, e.g. `exit.csr`,
 * `exit.page-fault`, `exit.mmio`, `exit.ecall`, `exit.wfi`, `exit.interrupt`, `shadow.fill`,
 * `shadow.flush`, `walk.pte-read`, `world-switch`, `host.syscall`, `mmio.access`. Counts are
 * measured, never assumed; a cost model turns them into modelled cycles.
 */
export type EventCounts = Record<string, number>;

export interface GuestRunResult {
  /** How the guest ended (normally a poweroff with its status). */
  readonly exit: VmExit;
  /** Everything the guest printed on its console. */
  readonly console: string;
  /** Guest instructions retired (whether run directly on the hart or emulated). */
  readonly guestInstructions: number;
  readonly events: EventCounts;
  /** Wall-clock seconds this run took on the host. */
  readonly seconds: number;
  /**
   * Optional: samples of (wall seconds since the run's start, guest instructions retired so far),
   * taken between the runner's slices — for throughput over a window of the run, e.g. the
   * benchmark's steady-state consolidation figure, which leaves out each VM's warm-up.
   */
  readonly progress?: readonly (readonly [seconds: number, instructions: number])[];
}

/** A way of running one guest. */
export interface Stack {
  /** Stable name, e.g. `bare`, `native-trap`, `native-hext`, `native-pv`, `hosted-accel`. */
  readonly name: string;
  run(spec: GuestSpec): GuestRunResult;
}
