import { describe, expect, it } from 'vitest';
import { HostKernel } from './kernel.js';
import type { NativeProgram } from './native-program.js';
import { testDisk } from './test-support.js';

describe('@vm/hostos: Linux riscv64 static programs as processes', () => {
  it('runs a static glibc hello', () => {
    const k = new HostKernel({ disk: testDisk() });
    const p = k.spawn('/bin/hello');
    const r = k.run(50_000_000);
    expect(r.reason).toBe('no-processes');
    expect(p.exit).toEqual({ status: 0, message: 'exit_group(0)' });
    expect(k.consoleText).toBe('hello from Linux riscv64\n');
  });

  it('runs a program that writes a file, reads it back and checks it', () => {
    const k = new HostKernel({ disk: testDisk() });
    const p = k.spawn('/bin/files');
    k.run(100_000_000);
    expect(p.exit?.status).toBe(0);
    const expected = Array.from({ length: 200 }, (_, i) => `line ${i} of the file test\n`).join('');
    let h = 2166136261;
    for (const b of Buffer.from(expected)) h = Math.imul(h ^ b, 16777619) >>> 0;
    expect(k.consoleText).toBe(`files: bytes=${expected.length} lines=200 fnv=0x${h.toString(16).padStart(8, '0')}\n`);
    const inode = k.fs.lookup('/tmp/lines.txt')!;
    expect(Buffer.from(k.fs.readAll(inode)).toString()).toBe(expected);
  });

  it('kills a process on a wild access with a report, and the others go on', () => {
    const k = new HostKernel({ disk: testDisk() });
    const bad: NativeProgram = { name: 'bad', step: () => ({ kind: 'exit', used: 1, code: 3 }) };
    const n = k.spawnNative(bad);
    const p = k.spawn('/bin/hello');
    k.run(50_000_000);
    expect(n.exit?.status).toBe(3);
    expect(p.exit?.status).toBe(0);
  });

  it('shares the CPU in proportion to weights (2:1 → 2:1 instructions ±15%)', () => {
    const k = new HostKernel({ disk: testDisk(), quantum: 20_000 });
    const heavy = k.spawn('/bin/spin', { weight: 2048 });
    const light = k.spawn('/bin/spin', { weight: 1024 });
    k.run(6_000_000);
    const ratio = heavy.stats.instructions / light.stats.instructions;
    expect(ratio).toBeGreaterThan(2 * 0.85);
    expect(ratio).toBeLessThan(2 * 1.15);
    expect(k.scheduler.contextSwitches).toBeGreaterThan(100);
    expect(heavy.stats.timerInterrupts).toBeGreaterThan(50);
  });
});
