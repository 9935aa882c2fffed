import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { assemble, parseElf, type ElfImage } from '@vm/isa';
import { vmArgs } from './test-support/vm-process.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');
const hello = join(root, 'packages/machine/fixtures/uart-hello.elf');
const kernelM = join(root, 'guests/images/kernel-m.elf');
const kernelS = join(root, 'guests/images/kernel-s.elf');
const dir = mkdtempSync(join(tmpdir(), 'vm-hosted-debug-'));
const hasGdb = spawnSync('gdb-multiarch', ['--version']).status === 0;

function vm(input: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, vmArgs(...args), { encoding: 'utf8', input, timeout: 240_000, cwd: root });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** `vm run --hypervisor hosted ... -S -gdb tcp::PORT`, then Debian's gdb-multiarch in batch mode against it (as gdb.test.ts does for bare and native). */
async function debugSession(runArgs: string[], gdbCommands: string[], elfFile: string): Promise<{ gdb: string; vm: { status: number | null; stderr: string } }> {
  const port = await freePort();
  const child = spawn(process.execPath, vmArgs('run', '--hypervisor', 'hosted', ...runArgs, '-S', '-gdb', `tcp::${port}`), { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const ended = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let out = '';
  // The stub listens once the CLI has loaded: retry until GDB connects.
  for (let attempt = 0; attempt < 60; attempt++) {
    const r = spawnSync('gdb-multiarch', ['-nx', '-batch', '-ex', `file ${elfFile}`, '-ex', 'set remotetimeout 60', '-ex', `target remote :${port}`, ...gdbCommands.flatMap((c) => ['-ex', c])], { encoding: 'utf8', timeout: 120_000 });
    out = r.stdout + r.stderr;
    if (!out.includes('Connection refused')) break;
    await new Promise((res) => setTimeout(res, 500));
  }
  const timer = setTimeout(() => child.kill(), 30_000);
  const status = await ended;
  clearTimeout(timer);
  return { gdb: out, vm: { status, stderr } };
}

/** The ELF's own bytes at `addr`, as little-endian 32-bit words. */
function elfWords(image: ElfImage, addr: bigint, n: number): string[] {
  const seg = image.segments.find((s) => addr >= s.vaddr && addr + BigInt(4 * n) <= s.vaddr + BigInt(s.data.length))!;
  const view = new DataView(seg.data.buffer, seg.data.byteOffset + Number(addr - seg.vaddr), 4 * n);
  return Array.from({ length: n }, (_, i) => `0x${view.getUint32(4 * i, true).toString(16).padStart(8, '0')}`);
}

describe.skipIf(!hasGdb)('vm run --hypervisor hosted -S -gdb with gdb-multiarch: the guest of the VMM', () => {
  it('accel (/dev/vmm): the S-mode kernel from its entry, a breakpoint on kmain, stepi, memory read and write, a user address through the guest\'s page tables, kill', async () => {
    const image = parseElf(readFileSync(kernelS));
    const kmain = image.symbols.get('kmain')!;
    const scratch = image.symbols.get('boot_stack')!; // the far end of the boot stack: never touched
    const r = await debugSession(
      ['-m', '128M', '-bios', 'none', '-kernel', kernelS],
      [
        'p/x $pc',
        'break kmain',
        'c',
        'p/x $pc',
        'stepi',
        'p/x $pc',
        'x/4xw kmain',
        `set *(int*)0x${scratch.toString(16)} = 0x1234abcd`,
        `x/1xw 0x${scratch.toString(16)}`,
        'p $priv',
        'delete',
        // A user program's system call: a guest virtual address only the guest's own page tables map.
        'break *0x2000000086',
        'c',
        'x/i $pc',
        'p $priv',
        'p/x $satp',
        'kill',
      ],
      kernelS,
    );
    const g = r.gdb;
    // -bios none: the VM starts in its S-mode payload's entry (the hypervisor is its SBI).
    expect(g).toContain(`$1 = 0x${image.entry.toString(16)}\n`);
    const hit = /Breakpoint 1, (0x[0-9a-f]+) in kmain \(\)/.exec(g);
    expect(hit).not.toBeNull();
    const at = BigInt(hit![1]!);
    expect(at >= kmain && at < kmain + 64n).toBe(true);
    expect(g).toContain(`$2 = 0x${at.toString(16)}\n`);
    expect(g).toMatch(/\$3 = 0x8020[0-9a-f]{4}\n/);
    expect(g).not.toContain(`$3 = 0x${at.toString(16)}\n`);
    expect(g).toContain(`<kmain>:\t${elfWords(image, kmain, 4).join('\t')}`);
    expect(g).toContain(`0x${scratch.toString(16)}:\t0x1234abcd`);
    expect(g).toContain('$4 = 1\n');
    expect(g).toMatch(/Breakpoint 2, 0x0000002000000086 in \?\? \(\)\n=> 0x2000000086:\s+ecall\n\$5 = 0\n\$6 = 0x80000000000[0-9a-f]{5}\n/);
    expect(g).toContain('[Inferior 1 (Remote target) killed]');
    expect(r.vm.stderr).toContain('vm: terminated via GDBstub');
    expect(r.vm.status).toBe(0);
  }, 60_000);

  it('soft (the VMM interprets): reset pc 0x1000, a breakpoint on kmain, stepi, memory equal to the ELF, a watchpoint, kill', async () => {
    const image = parseElf(readFileSync(kernelM));
    const kmain = image.symbols.get('kmain')!;
    const r = await debugSession(
      ['--mode', 'soft', '-m', '128M', '-bios', 'none', '-kernel', kernelM],
      ['p/x $pc', 'break kmain', 'c', 'stepi', 'p/x $pc', 'x/2xw kmain', 'delete', 'watch *(long*)&curproc', 'c', 'kill'],
      kernelM,
    );
    const g = r.gdb;
    expect(g).toContain('$1 = 0x1000\n');
    expect(g).toMatch(/Breakpoint 1, 0x[0-9a-f]+ in kmain \(\)/);
    expect(g).toMatch(/\$2 = 0x8000[0-9a-f]{4}\n/);
    expect(g).toContain(`<kmain>:\t${elfWords(image, kmain, 2).join('\t')}`);
    expect(g).toMatch(/Hardware watchpoint 2: \*\(long\*\)&curproc\s+Old value = \d+\s+New value = \d+/);
    expect(g).toContain('[Inferior 1 (Remote target) killed]');
    expect(r.vm.status).toBe(0);
  }, 60_000);
});

/**
 * An M-mode program that echoes what arrives on the UART; 'q' powers off (sifive_test). It counts
 * down between polls so that UART reads (MMIO exits) are a small part of its work.
 */
const ECHO = assemble(
  'li t0, 0x10000000\n1:\nli t4, 3000\n4: addi t4, t4, -1\nbnez t4, 4b\nlbu t1, 5(t0)\nandi t1, t1, 1\nbeqz t1, 1b\nlbu a0, 0(t0)\nli t2, 113\nbeq a0, t2, 2f\nsb a0, 0(t0)\nj 1b\n' +
    '2:\nli t2, 0x100000\nli t3, 0x5555\nsw t3, 0(t2)\n3: j 3b\n',
  { base: 0x8000_0000n },
).bytes;
const echo = join(dir, 'echo.bin');
writeFileSync(echo, ECHO);
const word = (i: number): string => `0x${new DataView(ECHO.buffer, ECHO.byteOffset + 4 * i, 4).getUint32(0, true).toString(16).padStart(8, '0')}`;

/** A `vm run --hypervisor hosted` whose stdin a test types into, waiting for what it prints (never for a time). */
function session(args: string[], command = ['run', '--hypervisor', 'hosted']): { type: (s: string) => void; until: (text: string | RegExp) => Promise<string>; exit: Promise<number | null> } {
  const child = spawn(process.execPath, vmArgs(...command, ...args), { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
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
  const kill = setTimeout(() => child.kill(), 60_000);
  void exit.then(() => clearTimeout(kill));
  return {
    type: (s) => child.stdin.write(s),
    exit,
    /** Resolve with the output since the last match once it contains `text`. */
    until: async (text) => {
      for (;;) {
        const rest = out.slice(seen);
        const r = typeof text === 'string' ? undefined : text.exec(rest);
        const m = typeof text === 'string' ? (rest.includes(text) ? rest.indexOf(text) + text.length : -1) : r ? r.index + r[0].length : -1;
        if (m >= 0) {
          seen += m;
          return rest.slice(0, m);
        }
        if (child.exitCode !== null) throw new Error(`vm exited before printing ${String(text)}:\n${out}`);
        await new Promise<void>((res) => waiters.push(res));
      }
    },
  };
}

describe('the monitor under --hypervisor hosted', () => {
  for (const mode of ['accel', 'soft']) {
    it(`${mode}: through the console as a person uses it: Ctrl-A C, info status, stop, info registers, xp, x, the VM commands, cont, back to the guest, quit`, async () => {
      const s = session(['--mode', mode, '--kernel-mode', 'm', '-nographic', '-m', '64M', '-bios', 'none', '-kernel', echo]);
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
      s.type('info vms\n');
      await s.until(new RegExp(`guest: paused, hosted ${mode}, \\d+ guest instructions${mode === 'accel' ? ', \\d+ exits' : ''}, pc 0x800000`));
      s.type('info exits\n');
      await s.until(mode === 'accel' ? /mmio \d+\n(.*\n)*KVM_RUN returned to the VMM: .*mmio \d+/ : 'none: the soft VMM interprets its guest');
      s.type('info shadow\n');
      await s.until(mode === 'accel' ? /shadow fills \d+/ : 'no shadow page tables');
      s.type('cont\ninfo status\n');
      await s.until('VM status: running');
      s.type('\x01c');
      s.type('ok');
      await s.until('ok');
      s.type('\x01cquit\n');
      expect(await s.exit).toBe(0);
    }, 60_000);
  }

  it('-monitor stdio: savevm writes a .vmsnap that vm restore --hypervisor hosted continues; system_powerdown ends the run with 0', async () => {
    const snap = join(dir, 'hosted.vmsnap');
    const s = session(['-monitor', 'stdio', '--kernel-mode', 'm', '-bios', 'none', '-kernel', echo]);
    await s.until('(qemu) ');
    s.type(`stop\nsavevm ${snap}\nloadvm ${snap}\n`);
    await s.until('loadvm: a hosted guest is restored by starting it from the file: vm restore FILE --hypervisor hosted');
    s.type('system_powerdown\ncont\n');
    expect(await s.exit).toBe(0);
    expect(existsSync(snap)).toBe(true);
    const r = vm('q', 'restore', snap, '--hypervisor', 'hosted');
    expect(r.status).toBe(0);
  }, 60_000);

  it('system_reset: the VMM ends as on the guest\'s own reset (a VM does not reboot)', async () => {
    const s = session(['-monitor', 'stdio', '--mode', 'soft', '-bios', 'none', '-kernel', echo]);
    await s.until('(qemu) ');
    s.type('system_reset\n');
    await s.until('the guest asked for a reset (a VM does not reboot)');
    expect(await s.exit).toBe(0);
  }, 60_000);
});

describe('-d / -D under --hypervisor hosted', () => {
  it("accel: -d int -D FILE logs the guest's own traps (an M-mode program's ecall, taken in the VM's virtual M-mode)", () => {
    // Each traced step is a KVM_RUN of one instruction (a world switch each): a short program.
    const prog = join(dir, 'ecall.bin');
    writeFileSync(prog, assemble('la t0, 1f\ncsrw mtvec, t0\necall\n1:\nli t2, 0x100000\nli t3, 0x5555\nsw t3, 0(t2)\n2: j 2b\n', { base: 0x8000_0000n }).bytes);
    const log = join(dir, 'int-accel.log');
    const r = vm('', 'run', '--hypervisor', 'hosted', '--kernel-mode', 'm', '-bios', 'none', '-kernel', prog, '-d', 'int', '-D', log);
    expect(r.status).toBe(0);
    expect(readFileSync(log, 'utf8')).toBe('riscv_cpu_do_interrupt: hart:0, async:0, cause:000000000000000b, epc:0x000000008000000c, tval:0x0000000000000000, desc=machine_ecall\n');
  });

  it("soft: -d int,mmu -D FILE logs the guest kernel's user ecalls and its page-table translations", () => {
    const log = join(dir, 'int-soft.log');
    const r = vm('', 'run', '--hypervisor', 'hosted', '--mode', 'soft', '-bios', 'none', '-kernel', kernelM, '--max-instructions', '700000', '-d', 'int,mmu,unimp,guest_errors', '-D', log);
    expect(r.status).toBe(124);
    const t = readFileSync(log, 'utf8');
    expect(t).toMatch(/riscv_cpu_do_interrupt: hart:0, async:0, cause:0000000000000008, epc:0x00000020[0-9a-f]{8}, tval:0x0000000000000000, desc=user_ecall\n/);
    expect(t).toMatch(/satp: 0x0000000000000000 -> 0x8000000000080[0-9a-f]{3}\n/);
    expect(t).toMatch(/riscv_cpu_tlb_fill address=[0-9a-f]+ ret 0 physical 00000000800[0-9a-f]{5} prot [13]\n/);
  }, 60_000);

  it('in_asm,exec,cpu: every instruction of the guest, disassembled, from its first on', () => {
    const log = join(dir, 'hello.log');
    const r = vm('', 'run', '--hypervisor', 'hosted', '-bios', 'none', '-kernel', hello, '-d', 'in_asm,exec,cpu', '-D', log);
    expect(r.stdout).toBe('hello from M-mode\n');
    expect(r.status).toBe(0);
    const t = readFileSync(log, 'utf8');
    expect(t).toMatch(/0x0000000080000000: {2}10000437 +lui +s0,0x10000\n/);
    expect(t).toContain('Trace 0: 0x0 [00000000/0000000080000000/00000000/00000000] \n');
    expect(t).toContain(' pc       0000000080000000\n');
  }, 60_000);
});

describe('what stays refused under --hypervisor hosted', () => {
  it('-serial file: (the guest\'s output is the host OS console\'s): exit 2 and one line naming the flag', () => {
    const f = vm('', 'run', '--hypervisor', 'hosted', '-serial', `file:${join(dir, 's.txt')}`, '-bios', 'none', '-kernel', hello);
    expect(f.status).toBe(2);
    expect(f.stderr).toBe(`vm: -serial file:${join(dir, 's.txt')}: not implemented under --hypervisor hosted (only stdio)\n`);
  });
});

/** A `vm up` whose stdin (here: its monitor) a test types into. */
function upSession(args: string[]): ReturnType<typeof session> {
  return session(args, ['up']);
}

describe('vm up --monitor on a hosted stack', () => {
  it('info vms, vm_pause holds one VMM process while the other runs on, vm_resume, info exits, stop/cont of the whole stack, quit', async () => {
    const stack = join(dir, 'hosted-monitor.yaml');
    writeFileSync(stack, `hypervisor: { type: hosted, mode: accel }\nvms:\n  - { name: a, memory: 64M, kernel: ${echo}, kernel-mode: m }\n  - { name: b, memory: 64M, kernel: ${echo}, kernel-mode: m }\n`);
    const s = upSession([stack, '--monitor', 'stdio']);
    await s.until('(qemu) ');
    s.type('info vms\n');
    await s.until(/a: running, hosted accel, \d+ guest instructions, \d+ exits, pc 0x800000[0-9a-f]+\nb: running, hosted accel/);
    s.type('vm_pause a\ninfo vms\n');
    const before = await s.until(/a: paused, hosted accel, \d+ guest instructions.*\nb: running, hosted accel, \d+ guest instructions/);
    const count = (text: string, vmName: string): number => Number(new RegExp(`${vmName}: \\w+, hosted accel, (\\d+) guest instructions`).exec(text)![1]);
    // Wait until b has run on while a stays where it was.
    let after = before;
    for (let i = 0; i < 200 && count(after, 'b') === count(before, 'b'); i++) {
      s.type('info vms\n');
      after = await s.until(/b: \w+, hosted accel, \d+ guest instructions.*\n/);
    }
    expect(count(after, 'a')).toBe(count(before, 'a'));
    expect(count(after, 'b')).toBeGreaterThan(count(before, 'b'));
    s.type('vm_resume a\ninfo exits a\n');
    await s.until(/mmio \d+\n(.*\n)*KVM_RUN returned to the VMM: .*mmio \d+/);
    s.type('stop\ninfo status\n');
    await s.until('VM status: paused');
    s.type('cont\ninfo status\n');
    await s.until('VM status: running');
    s.type('quit\n');
    expect(await s.exit).toBe(0);
  }, 60_000);
});

describe.skipIf(!hasGdb)('vm run --hypervisor hosted -gdb: Ctrl-C and detach', () => {
  it('accel: GDB interrupts the running guest (SIGINT sends 0x03) at its pc, detach lets it run on, its poweroff ends the run', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, vmArgs('run', '--hypervisor', 'hosted', '--kernel-mode', 'm', '-bios', 'none', '-kernel', echo, '-S', '-gdb', `tcp::${port}`), { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    let vmOut = '';
    child.stdout.on('data', (b: Buffer) => (vmOut += b.toString()));
    const ended = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const waitFor = async (get: () => string, text: string, poke?: () => void): Promise<void> => {
      while (!get().includes(text)) {
        poke?.();
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    let out = '';
    let gdb;
    for (;;) {
      gdb = spawn('gdb-multiarch', ['-nx', '-batch', '-ex', 'set remotetimeout 60', '-ex', `target remote :${port}`, '-ex', 'c', '-ex', 'p/x $pc', '-ex', 'detach'], { stdio: ['ignore', 'pipe', 'pipe'] });
      out = '';
      gdb.stdout.on('data', (b: Buffer) => (out += b.toString()));
      gdb.stderr.on('data', (b: Buffer) => (out += b.toString()));
      const code = await Promise.race([new Promise((r) => gdb!.on('exit', r)), waitFor(() => out, 'in ?? ()').then(() => 'connected')]);
      if (code === 'connected') break;
      await new Promise((r) => setTimeout(r, 300));
    }
    // The guest echoes what it is typed only once GDB's continue let it run.
    await waitFor(() => vmOut, 'z', () => child.stdin.write('z'));
    const gdbEnded = new Promise((r) => gdb.on('exit', r));
    gdb.kill('SIGINT');
    await gdbEnded;
    expect(out).toContain('Program received signal SIGINT, Interrupt.');
    expect(out).toMatch(/\$1 = 0x800000[0-9a-f]{2}\n/);
    expect(out).toContain('[Inferior 1 (Remote target) detached]');
    // Detached: the guest runs on, echoes, and 'q' powers it off.
    await waitFor(() => vmOut, 'y', () => child.stdin.write('y'));
    child.stdin.write('q');
    expect(await ended).toBe(0);
  }, 60_000);
});

describe.skipIf(!hasGdb)('vm up on a hosted stack with gdb: PORT', () => {
  it('debugs one VMM\'s guest (held until GDB continues it) while the other VMM runs; GDB sees its exit', async () => {
    const image = parseElf(readFileSync(kernelM));
    const kmain = image.symbols.get('kmain')!;
    const port = await freePort();
    const stack = join(dir, 'hosted-gdb.yaml');
    writeFileSync(stack, `hypervisor: { type: hosted, mode: accel }\nvms:\n  - { name: a, memory: 64M, kernel: ${kernelM}, append: workload=cpu, gdb: ${port} }\n  - { name: b, memory: 64M, kernel: ${kernelM}, append: workload=cpu }\n`);
    const child = spawn(process.execPath, vmArgs('up', stack), { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    const ended = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let out = '';
    for (let attempt = 0; attempt < 60; attempt++) {
      const r = spawnSync('gdb-multiarch', ['-nx', '-batch', '-ex', `file ${kernelM}`, '-ex', 'set remotetimeout 60', '-ex', `target remote :${port}`, '-ex', 'p/x $pc', '-ex', 'break kmain', '-ex', 'c', '-ex', 'monitor info vms', '-ex', 'x/2xw kmain', '-ex', 'delete', '-ex', 'c'], { encoding: 'utf8', timeout: 120_000 });
      out = r.stdout + r.stderr;
      if (!out.includes('Connection refused')) break;
      await new Promise((res) => setTimeout(res, 500));
    }
    expect(out).toContain('$1 = 0x1000');
    expect(out).toMatch(/Breakpoint 1, 0x[0-9a-f]+ in kmain \(\)/);
    // a is held at its breakpoint in the host kernel while b's VMM has run on: b is still running,
    // or (its guest translated to WebAssembly runs fast) already done, far ahead of a either way.
    const vms = /a: paused, hosted accel, (\d+) guest instructions.*\nb: (running|stopped), hosted accel, (\d+) guest instructions/.exec(out);
    expect(vms, out).not.toBeNull();
    expect(Number(vms![3])).toBeGreaterThan(Number(vms![1]));
    expect(out).toContain(`<kmain>:\t${elfWords(image, kmain, 2).join('\t')}`);
    expect(out).toContain('[Inferior 1 (Remote target) exited normally]');
    expect(await ended).toBe(0);
    expect(stdout).toContain('[a] DONE pass');
    expect(stdout).toContain('[b] DONE pass');
  }, 60_000);
});

