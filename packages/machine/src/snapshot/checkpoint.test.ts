import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { encodeSnapshot } from './vmsnap-format.js';
import { toPlainJson } from './plain-json.js';
import { restoreMachine } from './rebuild.js';
import { readSnapshot, writeSnapshot } from './vmsnap-file.js';
import { Captured, kernelBoard, resultLines, runUntil, tempDir } from './test-support/kernel-board.js';
import type { MachineSnapshot } from './machine-snapshot.js';

/**
 * issue 9 stage 1 "Show": kernel-m runs cpu, fork and disk on a board with a virtio-blk and a PIO
 * memory disk. Checkpoints taken mid-run (also during disk I/O) are written to .vmsnap files,
 * restored into new boards and run to the end: console output, result lines, exit and the final
 * instruction count equal an uninterrupted run's.
 */
const APPEND = 'workload=cpu,fork,disk';
/** 9M: cpu/fork; 23M: fork; 28M and 31M: disk I/O (the disk phase is ~23.5M..34M). */
const POINTS = [9_000_000, 23_000_000, 28_000_000, 31_000_000];

describe('checkpoint and restore of the virt board', () => {
  it('restored boards finish exactly like an uninterrupted run', { timeout: 300_000 }, () => {
    const refOut = new Captured();
    const ref = kernelBoard(APPEND, refOut);
    const refExit = runUntil(ref);
    expect(resultLines(refOut.text)).toEqual([
      'RESULT cpu iters=200 crc=0x5cc442d2 ok',
      'RESULT fork n=50 crc=0xcac43634 rr=ok ok',
      'RESULT disk pio sectors=256 crc=0xd41ae083 virtio sectors=256 crc=0xd41ae083 ok',
      'DONE pass',
    ]);

    // One board runs through, checkpointing on the way (which must not disturb it).
    const out = new Captured();
    const m = kernelBoard(APPEND, out);
    const dir = tempDir();
    const taken: { at: number; file: string; prefix: string }[] = [];
    for (const at of POINTS) {
      runUntil(m, at);
      const t0 = performance.now();
      const snap = m.snapshot();
      const t1 = performance.now();
      const path = join(dir, `at-${at}.vmsnap`);
      writeSnapshot(path, snap);
      const t2 = performance.now();
      taken.push({ at, file: path, prefix: out.text });
      console.log(`snapshot at ${at}: ${statSync(path).size} bytes, capture ${(t1 - t0).toFixed(0)} ms, write ${(t2 - t1).toFixed(0)} ms`);
    }
    expect(runUntil(m)).toEqual(refExit);
    expect(out.text).toBe(refOut.text);
    expect(m.retired).toBe(ref.retired);

    for (const t of taken) {
      const t0 = performance.now();
      const snap = readSnapshot(t.file);
      const after = new Captured();
      const { machine } = restoreMachine(snap, { console: after.write });
      const t1 = performance.now();
      console.log(`restore from ${t.at}: read + rebuild ${(t1 - t0).toFixed(0)} ms`);
      expect(machine.retired).toBe(t.at);
      expect(runUntil(machine)).toEqual(refExit);
      expect(t.prefix + after.text).toBe(refOut.text);
      expect(machine.retired).toBe(ref.retired);
    }
  });

  it('VirtMachine.restore rewinds a running board in place, RAM and disks included', () => {
    const out = new Captured();
    const m = kernelBoard(APPEND, out);
    runUntil(m, 27_000_000);
    const snap: MachineSnapshot = m.snapshot();
    const prefix = out.text;
    runUntil(m);
    const full = out.text;
    const retired = m.retired;
    out.text = prefix;
    m.restore(snap);
    expect(m.retired).toBe(27_000_000);
    runUntil(m);
    expect(out.text).toBe(full);
    expect(m.retired).toBe(retired);
  });

  it('a refused restore leaves the board as it was', () => {
    const out = new Captured();
    const m = kernelBoard(APPEND, out);
    runUntil(m, 3_000_000);
    const snap = m.snapshot();
    const other = kernelBoard(APPEND, new Captured(), 128 << 20);
    expect(() => other.restore(snap)).toThrow(/memory is 134217728 here, 268435456 in the snapshot/);
    // A device state of an unknown version: refused, and the board rolls back.
    const bad = { ...snap, devices: { ...snap.devices, plic: { ...snap.devices.plic, version: 7 as 1 } } };
    const before = m.snapshot();
    const beforeDigest = digest(before);
    runUntil(m, 3_500_000);
    const mid = m.snapshot();
    expect(() => m.restore(bad)).toThrow(/plic/);
    expect(digest(m.snapshot())).toBe(digest(mid));
    // A snapshot shares nothing with the board: running on and a refused restore leave it as taken.
    expect(digest(before)).toBe(beforeDigest);
  });
});

function digest(s: MachineSnapshot): string {
  const h = createHash('sha256');
  for (const p of encodeSnapshot({ ...s, ram: { ...s.ram, chunks: [] }, disks: [] })) h.update(p);
  h.update(toPlainJson(s.ram.chunks.map((c) => c.index)));
  for (const c of s.ram.chunks) h.update(c.data);
  for (const d of s.disks) h.update(toPlainJson(d));
  return h.digest('hex');
}
