import type { MessagePort } from 'node:worker_threads';
import type { AccessWidth, VmExit } from '@vm/core';
import type { HartState } from '@vm/isa';
import type { MmuState, SharedRam } from '@vm/mmu';
import type { SharedBoard } from './shared-board.js';

/** workerData of a hart's worker thread (hart-worker.ts). */
export interface HartWorkerInit {
  readonly hartId: number;
  readonly harts: number;
  readonly hExtension: boolean;
  readonly instructionsPerTick: number;
  /** Instructions per batch: between batches the hart looks at its wires and the run state. */
  readonly batch: number;
  /** Guest RAM: the board's shared memory (the hart translates on it as lane hartId). */
  readonly ram: { readonly base: number; readonly size: number; readonly shared: SharedRam };
  /** VirtMachineOptions.translate (undefined: the default, VM_TRANSLATE). */
  readonly translate: boolean | undefined;
  /** VirtMachineOptions.translateThreshold. */
  readonly translateThreshold: number | undefined;
  /** The boot ROM, copied: read-only, so each thread fetches from its own. */
  readonly rom: { readonly base: number; readonly bytes: Uint8Array };
  readonly board: SharedBoard['buffers'];
  readonly port: MessagePort;
  readonly flag: SharedArrayBuffer;
}

/** What a hart's worker asks the main thread (over its SyncLink). */
export type HartRequest =
  | { readonly op: 'read'; readonly pa: number; readonly width: AccessWidth }
  | { readonly op: 'write'; readonly pa: number; readonly width: AccessWidth; readonly value: bigint }
  /**
   * The hart stops and hands over its state: the board paused it (a snapshot, the end), it left its
   * loop with `exit`, or something threw (`error`). Answered with a ParkReply when it may go on.
   */
  | {
      readonly op: 'park';
      readonly state: HartState | null;
      readonly mmu: MmuState;
      readonly waiting: boolean;
      /** Blocks the hart's thread has translated so far (Hart.translatedBlocks). */
      readonly translated: number;
      readonly exit?: VmExit;
      readonly error?: string;
    };

export type HartReply = { readonly value: bigint } | { readonly ok: boolean } | ParkReply;

/**
 * Go on (from `state` and `mmu` when given: boot, reboot), or end the thread's loop. A hart's
 * architectural state is its HartState plus its MMU's (PMP: priv spec 3.7), kept apart as in snapshots.
 */
export type ParkReply = { readonly cmd: 'run'; readonly state?: HartState; readonly mmu?: MmuState; readonly waiting?: boolean } | { readonly cmd: 'stop' };
