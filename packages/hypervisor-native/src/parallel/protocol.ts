import type { MessagePort } from 'node:worker_threads';
import type { EventCounts } from '@vm/core';
import type { Vm, VmSnapshot } from '@vm/vcpu';
import type { NativeHypervisor } from '../hypervisor.js';

/**
 * What a worker thread runs: one NativeHypervisor with one VM (a worker is one host CPU, so it
 * owns its real hart, as each host CPU of a real type-1 hypervisor does). `close` writes disks back.
 */
export interface WorkerVm {
  readonly hv: NativeHypervisor;
  readonly vm: Vm;
  close?(): void;
}

/**
 * Builds the worker's VM from `args` (structured-cloneable: a worker gets no closures, no open
 * files); `console` receives every byte the guest prints. Exported by name from a module the
 * worker imports (`WorkerVmSource`), so the CLI and the benchmark each build VMs their own way.
 */
export type WorkerVmFactory = (args: never, console: (byte: number) => void) => WorkerVm | Promise<WorkerVm>;

/** Where the worker finds its factory: a module URL (file: URL of a .ts or .js file) and an export. */
export interface WorkerVmSource {
  readonly module: string;
  readonly export: string;
  readonly args: unknown;
}

/** The VM's state as the main thread mirrors it after each request. */
export interface RemoteStatus {
  readonly state: 'running' | 'waiting' | 'stopped';
  readonly guestInstructions: number;
  /** The guest's retired count, all its vCPUs together (VmBoard.retired): snapshot points count these. */
  readonly retired: number;
  readonly reportReason: string | undefined;
  readonly exitStatus: number | undefined;
  readonly stoppedByHypervisor: boolean;
  readonly worldSwitches: number;
}

/** The texts the main thread prints at the end, as `vm-report.ts` formats them in the worker. */
export interface RemoteInfo {
  readonly formatReport: string;
  readonly summaryLine: string;
  readonly exitsByReason: string;
  readonly events: EventCounts;
  readonly describe: string;
  readonly console: string;
}

/**
 * `run`: up to `budget` guest instructions. With `pool` (ParallelSession), the instructions come
 * out of a budget the session's VMs share — an Int32Array word the worker takes `chunk` at a time
 * from with compare-and-swap (`takeFromPool`), giving back what its VM did not run — so a fast VM
 * goes on while a slow one is still at its first chunk, and the VMs together run `pool` at most.
 */
export type Request =
  | { readonly op: 'run'; readonly budget: number; readonly pool?: SharedArrayBuffer; readonly chunk?: number }
  | { readonly op: 'input'; readonly bytes: readonly number[] }
  | { readonly op: 'snapshot' }
  | { readonly op: 'info' }
  | { readonly op: 'close' };

export interface ErrorReply {
  readonly error: { readonly name: string; readonly message: string; /** A VmError (a refusal the user can act on), not a bug. */ readonly vm: boolean };
}

export type Reply =
  | ErrorReply
  | {
      readonly status: RemoteStatus;
      /** Console bytes printed since the last reply. */
      readonly out: Uint8Array;
      readonly ran?: number;
      readonly reason?: 'budget' | 'idle' | 'stopped';
      readonly taken?: number;
      readonly snapshot?: VmSnapshot;
      readonly info?: RemoteInfo;
    };

/** workerData of a VM worker. */
export interface WorkerInit {
  readonly source: WorkerVmSource;
  readonly port: MessagePort;
  readonly flag: SharedArrayBuffer;
}

/**
 * Take up to `want` instructions from the shared budget in `pool[0]`: what was taken (0 when the
 * pool is empty). Atomic against the other VMs' workers taking from the same pool.
 */
export function takeFromPool(pool: Int32Array, want: number): number {
  for (;;) {
    const left = Atomics.load(pool, 0);
    const take = Math.min(left, want);
    if (take <= 0) return 0;
    if (Atomics.compareExchange(pool, 0, left, left - take) === left) return take;
  }
}
