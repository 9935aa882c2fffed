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

  it('forks 20 children, waits for each (sum of exit codes), then fork + execve /bin/hello', () => {
    const k = new HostKernel({ disk: testDisk() });
    const p = k.spawn('/bin/forkexec');
    const r = k.run(100_000_000);
    expect(r.reason).toBe('no-processes');
    expect(p.exit).toEqual({ status: 0, message: 'exit_group(0)' });
    expect(k.consoleText).toBe(
      'forkexec: children=20 reaped=20 sum=190 bad=0 shared=7 echild=yes\n' + 'hello from Linux riscv64\n' + 'forkexec: exec child reaped status=0\n',
    );
    expect(k.events.get('fork')).toBe(21);
    expect(k.events.get('exec')).toBe(1);
    expect(k.events.get('reaped')).toBe(21);
    // Copy-on-write: every resident page is shared at fork; only the pages written get copied.
    expect(k.events.get('fork.pages-shared')).toBeGreaterThan(21 * 50);
    expect(k.frames.cowCopies).toBeLessThan(21 * 10);
    expect(k.frames.freeFrames).toBe(k.machine.ram.size / 4096);
    expect(k.syscalls.missing.size).toBe(0);
  });

  it('wait4 blocks the parent (the scheduler skips it) until a child exits; exit status << 8', () => {
    const k = new HostKernel({ disk: testDisk(), quantum: 2_000 });
    const p = k.spawn('/bin/forkexec');
    let sawBlocked = false;
    for (let i = 0; i < 10_000 && p.state !== 'zombie'; i++) {
      k.run(2_000);
      if (p.state === 'blocked' && p.waitingFor === 'child') sawBlocked = true;
    }
    expect(p.exit?.status).toBe(0);
    expect(sawBlocked).toBe(true);
  });

  it('refuses thread-style clones and a bad execve without harming the caller', () => {
    const k = new HostKernel({ disk: testDisk() });
    const p = k.spawn('/bin/hello');
    const clone = k.syscalls.lookup(220)!;
    expect(clone(k, p, [0x100n /* CLONE_VM */ | 17n, 0n, 0n, 0n, 0n])).toBe(-22n);
    expect(clone(k, p, [17n, 0x1000n, 0n, 0n, 0n])).toBe(-22n);
    const execve = k.syscalls.lookup(221)!;
    expect(execve(k, p, [0n, 0n, 0n])).toBe(-14n);
    k.run(50_000_000);
    expect(p.exit?.status).toBe(0);
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
