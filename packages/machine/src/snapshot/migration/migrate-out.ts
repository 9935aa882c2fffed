import type { Socket } from 'node:net';
import { deflateRawSync } from 'node:zlib';
import { VmError, type VmExit } from '@vm/core';
import type { VirtMachine } from '../../virt.js';
import { snapshotMachine } from '../capture.js';
import { encodeSnapshot } from '../vmsnap-format.js';
import { DirtyPageTracker } from './dirty-pages.js';
import { FRAME, FrameReader, MIGRATION_PROTOCOL_VERSION, PAGE_SIZE, jsonPayload, parseJson, writeFrame } from './frames.js';
import type { MigrationStats } from './migration-stats.js';

export interface MigrateOutOptions {
  /** Pre-copy ends when a round finds at most this many dirty pages (default 256 = 1 MiB). */
  readonly dirtyThreshold?: number;
  /** ... or after this many rounds (default 30). */
  readonly maxRounds?: number;
  /** Guest instructions per slice between socket checks (default 200 000; keep it a multiple of the quantum). */
  readonly slice?: number;
  /** Guest instructions run at least per round, so the guest makes progress while pages flow (default one slice). */
  readonly minInstructionsPerRound?: number;
}

/** The guest stopped (powered off, reset, halted) before the migration completed. */
export class MigrationAbortedError extends VmError {
  override name = 'MigrationAbortedError';
  constructor(readonly exit: VmExit) {
    super(`migration aborted: the guest stopped (${exit.reason}) during pre-copy`);
  }
}

const PAGES_PER_FRAME = 256;

/**
 * Live-migrate a running board over `socket` (iterative pre-copy): send every page, then, while
 * the guest keeps running, the pages it dirtied since the previous round, until few remain or the
 * round limit; then stop the guest, send the last dirty pages and the device/CPU state, and wait
 * until the receiver runs it. The board must not run afterwards. Between rounds the guest runs in
 * `slice` steps; a 'wfi' exit just lets time pass.
 */
export async function migrateOut(m: VirtMachine, socket: Socket, options: MigrateOutOptions = {}): Promise<MigrationStats> {
  const threshold = options.dirtyThreshold ?? 256;
  const maxRounds = options.maxRounds ?? 30;
  const slice = options.slice ?? 200_000;
  const minPerRound = options.minInstructionsPerRound ?? slice;
  const reader = new FrameReader(socket, 'migration receiver');
  const started = performance.now();
  let bytesSent = 0;
  const send = async (type: (typeof FRAME)[keyof typeof FRAME], payload: Uint8Array): Promise<void> => {
    bytesSent += 5 + payload.length;
    await writeFrame(socket, type, payload);
  };
  const tracker = new DirtyPageTracker(m.ram);
  const sendPages = async (pages: readonly number[]): Promise<void> => {
    for (let i = 0; i < pages.length; i += PAGES_PER_FRAME) {
      const batch = pages.slice(i, i + PAGES_PER_FRAME);
      const raw = new Uint8Array(batch.length * (4 + PAGE_SIZE));
      const v = new DataView(raw.buffer);
      batch.forEach((p, k) => {
        v.setUint32(k * (4 + PAGE_SIZE), p, true);
        raw.set(tracker.page(p), k * (4 + PAGE_SIZE) + 4);
      });
      await send(FRAME.pages, deflateRawSync(raw, { level: 1 }));
    }
  };

  await send(FRAME.hello, jsonPayload({ version: MIGRATION_PROTOCOL_VERSION, memory: m.ram.size, pageSize: PAGE_SIZE }));
  const roundPages: number[] = [];
  const startRetired = m.retired;
  let converged: MigrationStats['converged'] = 'round-limit';
  let stopped = 0;
  let final: number[] | undefined;
  for (let round = 0; round < maxRounds; round++) {
    const collectedAt = performance.now();
    const dirty = tracker.collect();
    if (round > 0 && dirty.length <= threshold) {
      // Small enough: the guest stays stopped and these go out with the stop-and-copy.
      converged = 'small-dirty-set';
      stopped = collectedAt;
      final = dirty;
      break;
    }
    roundPages.push(dirty.length);
    const sending = sendPages(dirty).then(() => send(FRAME.round, jsonPayload({ round, pages: dirty.length })));
    // The guest runs while the round's pages drain to the receiver.
    let done = false;
    void sending.then(() => (done = true), () => (done = true));
    const roundStart = m.retired;
    let idle = false;
    while (!done || (!idle && m.retired - roundStart < minPerRound)) {
      const exit = m.run(slice);
      idle = exit.reason === 'wfi';
      if (exit.reason !== 'budget' && exit.reason !== 'wfi') {
        await sending;
        await send(FRAME.failed, jsonPayload({ message: `guest stopped (${exit.reason}) during pre-copy` }));
        throw new MigrationAbortedError(exit);
      }
      await new Promise<void>((r) => setImmediate(r));
    }
    await sending;
  }

  // Stop-and-copy: the guest does not run from here on.
  if (final === undefined) {
    stopped = performance.now();
    final = tracker.collect();
  }
  await sendPages(final);
  const state = encodeSnapshot(snapshotMachine(m, { ram: false }));
  await send(FRAME.state, Buffer.concat(state));
  const reply = await reader.next();
  if (reply.type === FRAME.failed) throw new VmError(`migration failed on the receiver: ${String(parseJson(reply, 'migration receiver').message)}`);
  if (reply.type !== FRAME.resumed) throw new VmError(`migration: unexpected frame ${reply.type} from the receiver`);
  const end = performance.now();
  return {
    roundPages,
    finalPages: final.length,
    instructionsDuringPrecopy: m.retired - startRetired,
    bytesSent,
    downtimeMs: end - stopped,
    totalMs: end - started,
    converged,
  };
}
