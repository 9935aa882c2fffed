import { describe, expect, it } from 'vitest';
import { detectPersonality } from './elf-loader.js';
import { HostKernel } from './kernel.js';
import { fixture, vmkernelDisk } from './test-support.js';
import { VMK_SYS } from './vmkernel-abi.js';

/** The RESULT lines the programs print under our own guest kernel (packages/machine guests.test.ts). */
const UNDER_OUR_KERNEL = {
  cpu: 'RESULT cpu iters=200 crc=0x5cc442d2 ok',
  mem: 'RESULT mem mb=8 pages=2048 passes=4 crc=0xadbecc91 ok',
  console: 'RESULT console lines=100 crc=0xbbed3aef ok',
  fork: 'RESULT fork n=50 crc=0xcac43634 rr=ok ok',
} as const;

function results(text: string): string[] {
  return text.split('\n').filter((l) => l.startsWith('RESULT '));
}

describe('@vm/hostos: the vmkernel personality (our guest kernel\'s user programs)', () => {
  it('detects the personality from the ELF layout', () => {
    for (const n of ['init', 'cpu', 'mem', 'fork', 'disk', 'console']) expect(detectPersonality(fixture(`vmkernel/${n}`))).toBe('vmkernel');
    for (const n of ['hello', 'files', 'spin']) expect(detectPersonality(fixture(n))).toBe('linux');
  });

  for (const name of ['cpu', 'console', 'mem'] as const) {
    it(`runs ${name} with default sizes and prints the same RESULT line as under our kernel`, () => {
      const k = new HostKernel({ disk: vmkernelDisk() });
      const p = k.spawn(`/vmk/${name}`);
      expect(p.personality).toBe('vmkernel');
      const r = k.run(400_000_000);
      expect(r.reason).toBe('no-processes');
      expect(p.exit).toEqual({ status: 0, message: 'exit_group(0)' });
      expect(results(k.consoleText)).toEqual([UNDER_OUR_KERNEL[name]]);
      expect(k.syscalls.missing.size).toBe(0);
      expect(k.vmkernelSyscalls.missing.size).toBe(0);
    });
  }

  it('passes sizes as the guest kernel does: bootargs split into argv', () => {
    const k = new HostKernel({ disk: vmkernelDisk() });
    const cpu = k.spawn('/vmk/cpu', { bootargs: 'workload=cpu cpu.iters=20' });
    const con = k.spawn('/vmk/console', { argv: ['console', 'console.lines=7'] });
    k.run(100_000_000);
    expect(cpu.exit?.status).toBe(0);
    expect(con.exit?.status).toBe(0);
    expect(con.bootargs).toBe('console.lines=7');
    const lines = results(k.consoleText);
    expect(lines).toContainEqual(expect.stringMatching(/^RESULT cpu iters=20 crc=0x[0-9a-f]{8} ok$/));
    expect(lines).toContainEqual(expect.stringMatching(/^RESULT console lines=7 crc=0x[0-9a-f]{8} ok$/));
  });

  it('runs a vmkernel program next to a Linux one, each with its own system calls', () => {
    const k = new HostKernel({ disk: vmkernelDisk() });
    const cpu = k.spawn('/vmk/cpu');
    const hello = k.spawn('/bin/hello');
    k.run(400_000_000);
    expect(hello.exit?.status).toBe(0);
    expect(cpu.exit?.status).toBe(0);
    expect(k.consoleText).toContain('hello from Linux riscv64\n');
    expect(k.consoleText).toContain(`${UNDER_OUR_KERNEL.cpu}\n`);
    expect(cpu.stats.byNumber.get(VMK_SYS.write)).toBeGreaterThan(0);
    expect(k.events.get('syscall.vmkernel')).toBe(cpu.stats.syscalls);
  });

  it('runs init\'s workloads through fork, exec and wait (cpu, fork): the RESULT lines and DONE pass', () => {
    // quantum 1 000 000 instructions = 10 ms of the board clock: the guest kernel's timer tick,
    // which fork's round-robin check (rr=, a gap of at least 5 ms) is written for.
    const k = new HostKernel({ disk: vmkernelDisk(), quantum: 1_000_000 });
    const init = k.spawn('/vmk/init', { bootargs: 'workload=cpu,fork' });
    expect(k.run(400_000_000).reason).toBe('no-processes');
    expect(init.exit?.status).toBe(0);
    expect(results(k.consoleText)).toEqual([UNDER_OUR_KERNEL.cpu, UNDER_OUR_KERNEL.fork]);
    expect(k.consoleText).toMatch(/INFO fork rr max_gap_us=(\d+)/);
    expect(k.consoleText.endsWith('DONE pass\n')).toBe(true);
    expect(k.events.get('fork')).toBe(53); // init: 2, fork: 50 + 1 for rr
    expect(k.events.get('exec')).toBe(2);
    expect(k.events.get('reaped')).toBe(53);
    expect(k.processes).toEqual([init]); // every child reaped
    expect(k.frames.freeFrames).toBe(k.machine.ram.size / 4096); // every frame back
    expect(k.vmkernelSyscalls.missing.size).toBe(0);
  });

  it('with the default 0.5 ms quantum fork\'s rr= check fails (a timing check), the fork loop passes', () => {
    const k = new HostKernel({ disk: vmkernelDisk() });
    const init = k.spawn('/vmk/init', { bootargs: 'workload=fork' });
    k.run(400_000_000);
    expect(init.exit?.status).toBe(1);
    expect(results(k.consoleText)).toEqual(['RESULT fork n=50 crc=0xcac43634 rr=fail fail']);
    expect(k.consoleText.endsWith('DONE fail\n')).toBe(true);
  });

  it('exec of an unknown program fails with -1 in the child, which init reports', () => {
    const k = new HostKernel({ disk: vmkernelDisk() });
    const init = k.spawn('/vmk/init', { bootargs: 'workload=nosuch,cpu' });
    k.run(400_000_000);
    expect(init.exit?.status).toBe(1);
    expect(results(k.consoleText)).toEqual(['RESULT nosuch exec-failed fail', UNDER_OUR_KERNEL.cpu]);
  });

  it('reports no disks (disk_info -1), as the program sees them', () => {
    const k = new HostKernel({ disk: vmkernelDisk() });
    const disk = k.spawn('/vmk/disk');
    k.run(100_000_000);
    expect(disk.exit?.status).toBe(1);
    expect(results(k.consoleText)).toContain('RESULT disk pio=absent virtio=absent fail');
  });

  it('serves the clock in the guest units: time_us and 10 ms ticks agree', () => {
    const k = new HostKernel({ disk: vmkernelDisk() });
    k.spawn('/vmk/cpu');
    k.run(400_000_000);
    const m = /INFO cpu time_us=(\d+) ticks=(\d+)/.exec(k.consoleText);
    expect(m).not.toBeNull();
    const us = Number(m?.[1]);
    const ticks = Number(m?.[2]);
    expect(us).toBeGreaterThan(0);
    expect(Math.abs(ticks - us / 10_000)).toBeLessThanOrEqual(1);
  });
});
