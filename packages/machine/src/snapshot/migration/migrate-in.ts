import type { Socket } from 'node:net';
import { inflateRawSync } from 'node:zlib';
import { FormatError } from '@vm/core';
import { MAX_RAM_BYTES, Ram } from '@vm/mmu';
import { VIRT } from '../../memory-map.js';
import { restoreMachine, type RestoreHost, type RestoredMachine } from '../rebuild.js';
import { decodeSnapshot } from '../vmsnap-format.js';
import { FRAME, FrameReader, MIGRATION_PROTOCOL_VERSION, PAGE_SIZE, jsonPayload, parseJson, writeFrame } from './frames.js';

/** Pages one PAGES frame may carry (migrateOut sends 256). */
const MAX_PAGES_PER_FRAME = 4096;

export interface MigrateInResult extends RestoredMachine {
  /** Pages received in total (a page sent in several rounds counts each time). */
  readonly pagesReceived: number;
  readonly rounds: number;
}

/**
 * Receive a board sent by migrateOut: RAM pages round by round, then the stopped board's state.
 * The board is built and loaded completely before RESUMED goes back; on any error a FAILED frame
 * goes back instead and nothing runs.
 */
export async function migrateIn(socket: Socket, host: Omit<RestoreHost, 'ramContents'> = {}): Promise<MigrateInResult> {
  const peer = `migration from ${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
  const reader = new FrameReader(socket, peer);
  try {
    const hello = await reader.next();
    if (hello.type !== FRAME.hello) throw new FormatError(peer, 0, 'hello', `expected HELLO, got frame ${hello.type}`);
    const h = parseJson(hello, peer);
    if (h.version !== MIGRATION_PROTOCOL_VERSION) throw new FormatError(peer, 0, 'hello', `protocol version ${String(h.version)} is not supported (this build speaks ${MIGRATION_PROTOCOL_VERSION})`);
    const memory = Number(h.memory);
    if (!Number.isSafeInteger(memory) || memory <= 0 || memory % PAGE_SIZE !== 0 || h.pageSize !== PAGE_SIZE) {
      throw new FormatError(peer, 0, 'hello', `bad memory size ${String(h.memory)} or page size ${String(h.pageSize)}`);
    }
    if (memory > MAX_RAM_BYTES) throw new FormatError(peer, 0, 'hello', `memory size ${memory} exceeds this build's ${MAX_RAM_BYTES / 2 ** 20} MiB`);
    // Committed as pages arrive: pages never sent are zero and cost nothing.
    const ram = new Ram(VIRT.dram.base, memory);
    const pageCount = memory / PAGE_SIZE;
    let pagesReceived = 0;
    let rounds = 0;
    for (;;) {
      const f = await reader.next();
      if (f.type === FRAME.pages) {
        // A PAGES frame holds at most the whole RAM once: inflating is capped there, so a small
        // frame cannot make the receiver allocate gigabytes (a deflate bomb), and a corrupt
        // deflate stream is a clear error, not zlib's.
        let raw: Buffer;
        try {
          raw = inflateRawSync(f.payload, { maxOutputLength: Math.min(pageCount, MAX_PAGES_PER_FRAME) * (4 + PAGE_SIZE) });
        } catch (e) {
          throw new FormatError(peer, 0, 'pages', e instanceof RangeError ? `inflates beyond ${MAX_PAGES_PER_FRAME} pages` : `not a deflate stream (${(e as Error).message})`);
        }
        if (raw.length % (4 + PAGE_SIZE) !== 0) throw new FormatError(peer, 0, 'pages', `frame of ${raw.length} bytes is not whole pages`);
        for (let at = 0; at < raw.length; at += 4 + PAGE_SIZE) {
          const page = raw.readUInt32LE(at);
          if (page >= pageCount) throw new FormatError(peer, 0, 'pages', `page ${page} lies beyond the ${memory}-byte RAM`);
          ram.load(ram.base + page * PAGE_SIZE, raw.subarray(at + 4, at + 4 + PAGE_SIZE));
          pagesReceived++;
        }
      } else if (f.type === FRAME.round) {
        rounds++;
      } else if (f.type === FRAME.state) {
        const snapshot = decodeSnapshot(f.payload, peer);
        const restored = restoreMachine(snapshot, { ...host, ramContents: ram });
        await writeFrame(socket, FRAME.resumed, jsonPayload({ retired: restored.machine.retired }));
        return { ...restored, pagesReceived, rounds };
      } else if (f.type === FRAME.failed) {
        throw new FormatError(peer, 0, 'stream', `the sender gave up: ${String(parseJson(f, peer).message)}`);
      } else {
        throw new FormatError(peer, 0, 'stream', `unexpected frame type ${f.type}`);
      }
    }
  } catch (e) {
    if (!socket.destroyed) await writeFrame(socket, FRAME.failed, jsonPayload({ message: e instanceof Error ? e.message : String(e) })).catch(() => undefined);
    throw e;
  }
}
