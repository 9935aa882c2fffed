import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { assemble } from '@vm/isa';
import { vmArgs } from './test-support/vm-process.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');

/**
 * An M-mode program that echoes what arrives on the UART; 'q' powers off (sifive_test). It counts
 * down between polls so that, in a VM, UART reads (MMIO exits) are a small part of its work.
 */
const ECHO = assemble(
  'li t0, 0x10000000\n1:\nli t4, 3000\n4: addi t4, t4, -1\nbnez t4, 4b\nlbu t1, 5(t0)\nandi t1, t1, 1\nbeqz t1, 1b\nlbu a0, 0(t0)\nli t2, 113\nbeq a0, t2, 2f\nsb a0, 0(t0)\nj 1b\n' +
    '2:\nli t2, 0x100000\nli t3, 0x5555\nsw t3, 0(t2)\n3: j 3b\n',
  { base: 0x8000_0000n },
).bytes;
const dir = mkdtempSync(join(tmpdir(), 'vm-monitor-'));
const echo = join(dir, 'echo.bin');
writeFileSync(echo, ECHO);
const word = (i: number): string => `0x${new DataView(ECHO.buffer, ECHO.byteOffset + 4 * i, 4).getUint32(0, true).toString(16).padStart(8, '0')}`;

/** A `vm run` whose stdin a test types into, waiting for what it prints (never for a time). */
function session(args: string[]): { type: (s: string) => void; until: (text: string | RegExp) => Promise<string>; exit: Promise<number | null>; out: () => string } {
  const child = spawn(process.execPath, vmArgs('run', ...args), { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let seen = 0;
  let waiters: (() => void)[] = [];
  const grow = (b: Buffer): void => {
    out += b.toString('latin1');
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  child.stdout.on('data', grow);
  child.stderr.on('data', grow);
  const exit = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  const kill = setTimeout(() => child.kill(), 120_000);
  void exit.then(() => clearTimeout(kill));
  return {
    type: (s) => child.stdin.write(s),
    out: () => out,
    exit,
    /** Resolve with the output since the last match once it contains `text`. */
    until: async (text) => {
      for (;;) {
        const rest = out.slice(seen);
        const m = typeof text === 'string' ? (rest.includes(text) ? rest.indexOf(text) + text.length : -1) : ((): number => {
          const r = text.exec(rest);
          return r ? r.index + r[0].length : -1;
        })();
        if (m >= 0) {
          seen += m;
          return rest.slice(0, m);
        }
        if (child.exitCode !== null) throw new Error(`vm exited before printing ${String(text)}:\n${out}`);
        await new Promise<void>((r) => waiters.push(r));
      }
    },
  };
}

describe('the monitor', () => {
  for (const [name, flags] of [
    ['the bare board', []],
    ['a native VM', ['--hypervisor', 'native', '--kernel-mode', 'm']],
  ] as [string, string[]][]) {
    it(`on ${name}, through the console as a person uses it: Ctrl-A C, info status, stop, info registers, xp, cont, back to the guest, quit`, async () => {
      const s = session([...flags, '-nographic', '-m', '64M', '-bios', 'none', '-kernel', echo]);
      s.type('hi');
      await s.until('hi');
      s.type('\x01h');
      await s.until('C-a c    switch between console and monitor');
      s.type('\x01c');
      await s.until('(qemu) ');
      s.type('info status\n');
      await s.until('VM status: running');
      s.type('stop\ninfo status\n');
      await s.until('VM status: paused');
      s.type('info registers\n');
      const regs = await s.until(/x28\/t3 .*\n/);
      expect(regs).toMatch(/\n pc {7}00000000800000[0-3][0-9a-f]\n/);
      expect(regs).toContain(' x5/t0    0000000010000000');
      s.type('xp /4xw 0x80000000\n');
      await s.until(`0000000080000000: ${word(0)} ${word(1)} ${word(2)} ${word(3)}\n`);
      s.type('x /2i 0x80000000\n');
      await s.until(/0x0000000080000000: {2}[0-9a-f]+ +lui +t0,0x10000/);
      if (flags.length > 0) {
        s.type('info vms\n');
        await s.until(/guest: paused, trap, \d+ guest instructions, \d+ exits/);
        s.type('info exits\n');
        await s.until(/mmio \d+/);
      }
      s.type('cont\ninfo status\n');
      await s.until('VM status: running');
      s.type('\x01c');
      s.type('ok');
      await s.until('ok');
      s.type('\x01cquit\n');
      expect(await s.exit).toBe(0);
    });
  }

  it('-monitor stdio with -serial file: the guest writes the file, stdin is the monitor; system_powerdown ends the run', async () => {
    const file = join(dir, 'serial.txt');
    const s = session(['-monitor', 'stdio', '-serial', `file:${file}`, '-bios', 'none', '-kernel', echo]);
    await s.until('(qemu) ');
    s.type('info status\nhelp info\n');
    await s.until('VM status: running');
    await s.until('info registers [-a|vcpu] -- show the cpu registers');
    s.type('system_powerdown\n');
    expect(await s.exit).toBe(0);
  });

  it('-smp 2: info cpus marks the current CPU, cpu N picks the one info registers and x use, as QEMU does', async () => {
    const s = session(['-smp', '2', '-monitor', 'stdio', '-serial', 'null', '-bios', 'none', '-kernel', echo]);
    await s.until('(qemu) ');
    s.type('stop\ninfo cpus\n');
    await s.until(/\* CPU #0: thread_id=\d+\n {2}CPU #1: thread_id=\d+\n/);
    s.type('info registers\n');
    expect(await s.until(/x28\/t3 .*\n/)).toMatch(/CPU#0\n(.*\n)* mhartid {2}0000000000000000\n/);
    s.type('cpu 1\ninfo cpus\n');
    await s.until(/ {2}CPU #0: thread_id=\d+\n\* CPU #1: thread_id=\d+\n/);
    s.type('info registers\n');
    const one = await s.until(/x28\/t3 .*\n/);
    expect(one).toMatch(/CPU#1\n(.*\n)* mhartid {2}0000000000000001\n/);
    expect(one).not.toContain('CPU#0');
    s.type('x /1i $pc\n');
    await s.until(/0x00000000800000[0-9a-f]{2}: /);
    s.type('cpu 2\n');
    await s.until('invalid CPU index');
    s.type('info registers -a\n');
    const all = await s.until(/CPU#1\n(.*\n)*? x28\/t3 .*\n/);
    expect(all).toContain('CPU#0');
    s.type('info registers 0\n');
    expect(await s.until(/x28\/t3 .*\n/)).toMatch(/CPU#0\n/);
    s.type('quit\n');
    expect(await s.exit).toBe(0);
  });

  /**
   * An S-mode payload for a VM of two vCPUs (-bios none, on the hypervisor's SBI): vCPU 0 starts
   * vCPU 1 at `sec` (SBI HSM hart_start, opaque 0x77); each then marks a register (s0 = 0xaaaa on
   * vCPU 0, s1 = 0x5555 on vCPU 1) and spins, so each vCPU's registers say which one they are.
   */
  const SMP = assemble(
    'li a7, 0x48534d\nli a6, 0\nli a0, 1\nla a1, sec\nli a2, 0x77\necall\nli s0, 0xaaaa\nspin0: j spin0\nsec:\nli s1, 0x5555\nspin1: j spin1\n',
    { base: 0x8020_0000n },
  );
  const smp = join(dir, 'smp-spin.bin');
  writeFileSync(smp, SMP.bytes);
  const spin1 = SMP.symbols.get('spin1')!.toString(16).padStart(16, '0');
  for (const [name, flags] of [
    ['a native VM', ['--hypervisor', 'native']],
    ['a native VM under the H extension', ['--hypervisor', 'native', '--mode', 'hext']],
    ['a hosted accel VMM', ['--hypervisor', 'hosted', '--mode', 'accel']],
  ] as const) {
    it(`-smp 2 on ${name}: info cpus lists every vCPU, cpu N picks the vCPU info registers and x show`, async () => {
      // The console multiplexed with the monitor (-nographic, Ctrl-A C): what a hosted VMM has.
      const s = session([...flags, '-smp', '2', '-m', '16M', '-nographic', '-bios', 'none', '-kernel', smp]);
      s.type('\x01c');
      await s.until('(qemu) ');
      // Until vCPU 0 has started vCPU 1 and vCPU 1 has run to its loop (its registers say so).
      for (let i = 0; ; i++) {
        s.type('info registers 1\n');
        if (/ x9\/s1 {4}0000000000005555/.test(await s.until(/x28\/t3 .*\n/))) break;
        expect(i).toBeLessThan(10_000);
      }
      s.type('stop\ninfo cpus\n');
      await s.until(/\* CPU #0: thread_id=\d+\n {2}CPU #1: thread_id=\d+\n/);
      s.type('info registers\n');
      const zero = await s.until(/x28\/t3 .*\n/);
      expect(zero).toMatch(/CPU#0\n/);
      expect(zero).toContain(' x8/s0    000000000000aaaa');
      expect(zero).not.toMatch(/ x9\/s1 {4}0000000000005555/);
      s.type('cpu 1\ninfo cpus\n');
      await s.until(/ {2}CPU #0: thread_id=\d+\n\* CPU #1: thread_id=\d+\n/);
      s.type('info registers\n');
      const one = await s.until(/x28\/t3 .*\n/);
      expect(one).toMatch(/CPU#1\n/);
      expect(one).not.toContain('CPU#0');
      expect(one).toContain(`\n pc       ${spin1}\n`);
      // SBI hart_start: a0 = the hart id, a1 = the opaque value.
      expect(one).toMatch(/ x10\/a0 {3}0000000000000001 x11\/a1 {3}0000000000000077/);
      s.type('x /1i $pc\n');
      await s.until(new RegExp(`0x${spin1}: `));
      s.type('cpu 2\n');
      await s.until('invalid CPU index');
      s.type('info registers -a\n');
      const all = await s.until(/CPU#1\n(.*\n)*? x28\/t3 .*\n/);
      expect(all).toContain('CPU#0');
      s.type('quit\n');
      expect(await s.exit).toBe(0);
    }, 120_000);
  }

  it('savevm writes a .vmsnap that loadvm and vm restore take; system_reset with -no-reboot ends the run', async () => {
    const snap = join(dir, 'm.vmsnap');
    const s = session(['-monitor', 'stdio', '-serial', 'null', '-no-reboot', '-bios', 'none', '-kernel', echo]);
    await s.until('(qemu) ');
    s.type(`stop\nsavevm ${snap}\nloadvm ${snap}\ninfo status\n`);
    await s.until('VM status: paused');
    s.type('system_reset\ncont\n');
    expect(await s.exit).toBe(0);
    const restored = spawn(process.execPath, vmArgs('restore', snap, '--max-instructions', '100000'), { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    expect(await new Promise((res) => restored.on('exit', (c) => res(c)))).toBe(124);
  });

  it('-monitor tcp:HOST:PORT,server: a monitor on every connection', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = createServer();
      srv.listen(0, () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    const s = session(['-monitor', `tcp:127.0.0.1:${port},server,nowait`, '-bios', 'none', '-kernel', echo]);
    let text = '';
    for (;;) {
      const sock = connect(port, '127.0.0.1');
      const ok = await new Promise<boolean>((resolve) => {
        sock.once('connect', () => resolve(true));
        sock.once('error', () => resolve(false));
      });
      if (!ok) {
        await new Promise((r) => setTimeout(r, 300));
        continue;
      }
      sock.on('data', (b: Buffer) => (text += b.toString()));
      sock.write('stop\ninfo status\nquit\n');
      await new Promise<void>((r) => sock.on('close', () => r()));
      break;
    }
    expect(text).toContain('VM status: paused');
    expect(await s.exit).toBe(0);
  });

  it('refuses the -serial and -monitor forms it does not implement, naming them', async () => {
    for (const [flag, value, msg] of [
      ['-serial', 'pty', '-serial pty: only stdio, mon:stdio, file:FILE or null'],
      ['-monitor', 'vc', '-monitor vc: only none, stdio or tcp:HOST:PORT,server'],
      ['-gdb', 'udp::1', '-gdb udp::1: only tcp::PORT or tcp:HOST:PORT'],
    ]) {
      const s = session([flag!, value!, '-bios', 'none', '-kernel', echo]);
      expect(await s.exit).toBe(2);
      expect(s.out()).toContain(msg);
    }
  });
});

describe('the monitor of vm up', () => {
  it('pauses one VM of a stack while the other runs on (visible in info vms), then resumes it', async () => {
    const kernel = join(root, 'guests/images/kernel-m.elf');
    const stack = join(dir, 'stack.yaml');
    writeFileSync(stack, `hypervisor: { type: native, mode: trap }\nvms:\n  - { name: a, memory: 64M, kernel: ${kernel}, append: workload=cpu }\n  - { name: b, memory: 64M, kernel: ${kernel}, append: workload=cpu }\n`);
    const child = spawn(process.execPath, vmArgs('up', stack, '--monitor', 'stdio'), { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    const waiters: (() => void)[] = [];
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      waiters.splice(0).forEach((f) => f());
    });
    const exit = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    const until = async (re: RegExp): Promise<RegExpExecArray> => {
      for (;;) {
        const m = re.exec(out);
        if (m) return m;
        if (child.exitCode !== null) throw new Error(`exited before ${String(re)}:\n${out}`);
        await new Promise<void>((r) => waiters.push(r));
      }
    };
    await until(/\(qemu\) /);
    child.stdin.write('vm_pause b\ninfo vms\n');
    const held = (await until(/b: paused, trap, (\d+) guest instructions/))[1];
    await until(/\[a\] DONE pass/);
    child.stdin.write('info vms\n');
    await until(/a: stopped, trap, \d+ guest instructions[^]*\nb: paused, trap, (\d+) guest instructions/);
    const after = /a: stopped[^]*\nb: paused, trap, (\d+) guest instructions/.exec(out)![1];
    expect(after).toBe(held);
    expect(out).not.toContain('[b] DONE');
    child.stdin.write('info exits b\ninfo shadow a\nvm_resume b\n');
    await until(/shadow fills \d+/);
    await until(/\[b\] DONE pass/);
    expect(await exit).toBe(0);
  });
});
