import { createServer, connect, type Socket, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { Captured, kernelBoard, resultLines, runUntil } from '../test-support/kernel-board.js';
import { migrateIn } from './migrate-in.js';
import { migrateOut, type MigrateOutOptions } from './migrate-out.js';
import { formatMigrationStats } from './migration-stats.js';

/**
 * issue 9 stage 3 "Show": a board running kernel-m `workload=mem mem.mb=16` moves between two
 * endpoints in this process over a real TCP connection on 127.0.0.1 (iterative pre-copy, then
 * stop-and-copy) and finishes on the receiver with the output of a run that never moved.
 */
const APPEND = 'workload=mem mem.mb=16';
const MEMORY = 64 << 20;

describe('live migration', () => {
  const refOut = new Captured();
  const ref = kernelBoard(APPEND, refOut, MEMORY);
  const refExit = runUntil(ref);

  const cases: { name: string; at: number; options: MigrateOutOptions }[] = [
    { name: 'default: converges on a small dirty set', at: 4_000_000, options: {} },
    { name: 'tight threshold: several rounds, then the round limit', at: 5_000_000, options: { dirtyThreshold: 4, maxRounds: 6, minInstructionsPerRound: 400_000 } },
  ];
  it.each(cases)('$name — the migrated guest finishes with the same output and instruction count', async ({ at, options }) => {
    expect(resultLines(refOut.text)).toEqual(['RESULT mem mb=16 pages=4096 passes=4 crc=0x784ca6d4 ok', 'DONE pass']);
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const accepted = new Promise<Socket>((r) => server.once('connection', r));

    const senderOut = new Captured();
    const m = kernelBoard(APPEND, senderOut, MEMORY);
    runUntil(m, at);
    const receiverOut = new Captured();
    const toReceiver = connect(port, '127.0.0.1');
    const incoming = accepted.then((s) => migrateIn(s, { console: receiverOut.write }));
    const stats = await migrateOut(m, toReceiver, { slice: 200_000, ...options });
    const { machine, pagesReceived } = await incoming;
    toReceiver.destroy();
    server.close();
    console.log(`migrated at ${at} of ${ref.retired} instructions\n${formatMigrationStats(stats)}`);

    expect(pagesReceived).toBe(stats.roundPages.reduce((a, b) => a + b, 0) + stats.finalPages);
    expect(machine.retired).toBe(m.retired);
    expect(runUntil(machine)).toEqual(refExit);
    expect(resultLines(senderOut.text + receiverOut.text)).toEqual(resultLines(refOut.text));
    expect(senderOut.text + receiverOut.text).toBe(refOut.text);
    expect(machine.retired).toBe(ref.retired);
  });
});
