import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { assemble, parseElf } from '@vm/isa';
import { vmArgs } from './test-support/vm-process.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');
const kernel = join(root, 'guests/images/kernel-m.elf');
const hasGdb = spawnSync('gdb-multiarch', ['--version']).status === 0;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** `vm run ... -S -gdb tcp::PORT`, then Debian's gdb-multiarch in batch mode against it. */
async function debugSession(runArgs: string[], gdbCommands: string[], elfFile = kernel): Promise<{ gdb: string; vm: { status: number | null; stderr: string } }> {
  const port = await freePort();
  const child = spawn(process.execPath, vmArgs('run', ...runArgs, '-S', '-gdb', `tcp::${port}`), { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const ended = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let out = '';
  // The stub listens once tsx has loaded the CLI: retry until GDB connects.
  for (let attempt = 0; attempt < 60; attempt++) {
    // No ELF (''): a raw binary guest; GDB takes the architecture from the stub's target.xml.
    const file = elfFile === '' ? [] : ['-ex', `file ${elfFile}`];
    const r = spawnSync('gdb-multiarch', ['-nx', '-batch', ...file, '-ex', 'set remotetimeout 60', '-ex', `target remote :${port}`, ...gdbCommands.flatMap((c) => ['-ex', c])], { encoding: 'utf8', timeout: 120_000 });
    out = r.stdout + r.stderr;
    if (!out.includes('Connection refused')) break;
    await new Promise((res) => setTimeout(res, 500));
  }
  const timer = setTimeout(() => child.kill(), 30_000);
  const status = await ended;
  clearTimeout(timer);
  return { gdb: out, vm: { status, stderr } };
}

const elf = parseElf(readFileSync(kernel));
const kmain = elf.symbols.get('kmain')!;
/** The ELF's own bytes at `addr`, as little-endian 32-bit words. */
function elfWords(addr: bigint, n: number, image = elf): string[] {
  const seg = image.segments.find((s) => addr >= s.vaddr && addr + BigInt(4 * n) <= s.vaddr + BigInt(s.data.length))!;
  const o = Number(addr - seg.vaddr);
  const view = new DataView(seg.data.buffer, seg.data.byteOffset + o, 4 * n);
  return Array.from({ length: n }, (_, i) => `0x${view.getUint32(4 * i, true).toString(16).padStart(8, '0')}`);
}

const stacks: [string, string[]][] = [
  ['the bare board', []],
  ['a native VM (trap-and-emulate)', ['--hypervisor', 'native']],
];

describe.skipIf(!hasGdb)('vm run -S -gdb with gdb-multiarch', () => {
  for (const [name, flags] of stacks) {
    it(`on ${name}: reset pc, a breakpoint on a symbol, stepi, memory read and write, watchpoints, kill`, async () => {
      const scratch = elf.symbols.get('boot_stack')!; // the far end of the boot stack: never touched
      const r = await debugSession(
        [...flags, '-m', '128M', '-bios', 'none', '-kernel', kernel],
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
          // A user program's system call: a guest virtual address only its own page tables map.
          'break *0x2000000086',
          'c',
          'x/i $pc',
          'p $priv',
          'p/x $satp',
          'delete',
          'hbreak proc_fork',
          'c',
          'delete',
          'watch *(long*)&curproc',
          'c',
          'kill',
        ],
      );
      const g = r.gdb;
      expect(g).toContain('$1 = 0x1000');
      const hit = /Breakpoint 1, (0x[0-9a-f]+) in kmain \(\)/.exec(g);
      expect(hit).not.toBeNull();
      const at = BigInt(hit![1]!);
      expect(at >= kmain && at < kmain + 64n).toBe(true);
      expect(g).toContain(`$2 = 0x${at.toString(16)}`);
      expect(g).not.toContain(`$3 = 0x${at.toString(16)}\n`);
      expect(g).toMatch(/\$3 = 0x8000[0-9a-f]{4}/);
      const words = elfWords(kmain, 4);
      expect(g).toContain(`<kmain>:\t${words.join('\t')}`);
      expect(g).toContain(`0x${scratch.toString(16)}:\t0x1234abcd`);
      expect(g).toMatch(/\$4 = [0-3]/);
      expect(g).toMatch(/Breakpoint 2, 0x0000002000000086 in \?\? \(\)\n=> 0x2000000086:\s+ecall\n\$5 = 0\n\$6 = 0x80000000000[0-9a-f]{5}\n/);
      expect(g).toContain('Hardware assisted breakpoint 3 at');
      expect(g).toMatch(/Breakpoint 3, 0x[0-9a-f]+ in proc_fork \(\)/);
      expect(g).toMatch(/Hardware watchpoint 4: \*\(long\*\)&curproc\s+Old value = \d+\s+New value = \d+/);
      expect(g).toContain('[Inferior 1 (Remote target) killed]');
      expect(r.vm.stderr).toContain('vm: terminated via GDBstub');
      expect(r.vm.status).toBe(0);
    });
  }

  it('on a native VM under the H extension: the S-mode guest, its registers, memory and a guest virtual address through vsatp', async () => {
    const file = join(root, 'guests/images/kernel-s.elf');
    const image = parseElf(readFileSync(file));
    const entry = image.symbols.get('kmain')!;
    const r = await debugSession(
      ['--hypervisor', 'native', '--mode', 'hext', '-m', '128M', '-bios', 'none', '-kernel', file],
      ['break kmain', 'c', 'stepi', 'x/2xw kmain', 'p $priv', 'break *0x2000000086', 'c', 'x/i $pc', 'p/x $satp', 'kill'],
      file,
    );
    const g = r.gdb;
    expect(g).toMatch(/Breakpoint 1, 0x[0-9a-f]+ in kmain \(\)/);
    expect(g).toContain(`<kmain>:\t${elfWords(entry, 2, image).join('\t')}`);
    expect(g).toContain('$1 = 1');
    expect(g).toMatch(/Breakpoint 2, 0x0000002000000086 in \?\? \(\)\n=> 0x2000000086:\s+ecall\n\$2 = 0x80000000000[0-9a-f]{5}\n/);
    expect(r.vm.status).toBe(0);
  });
});

describe.skipIf(!hasGdb)('vm run -smp 2 -S -gdb with gdb-multiarch: harts are threads', () => {
  it('info threads lists both harts, a breakpoint only hart 1 reaches stops thread 2, thread N switches registers, stepi, memory', async () => {
    const mpark = elf.symbols.get('mpark')!;
    const r = await debugSession(
      ['-smp', '2', '-m', '128M', '-bios', 'none', '-kernel', kernel],
      [
        'info threads',
        'thread 2',
        // The boot ROM hands each hart its id in a0 (and mhartid): hart 1 is thread 2.
        'p $mhartid',
        'break mpark',
        'c',
        'p $mhartid',
        'p/x $pc',
        'thread 1',
        'p $mhartid',
        'delete',
        'break kmain',
        'c',
        'info threads',
        'stepi',
        'p/x $pc',
        'x/2xw kmain',
        'thread 2',
        'p/x $pc',
        'kill',
      ],
    );
    const g = r.gdb;
    expect(g).toMatch(/\* 1 +Thread 1 \(CPU#0 \[running\]\) 0x0000000000001000 in \?\? \(\)\n +2 +Thread 2 \(CPU#1 \[running\]\) 0x0000000000001000 in \?\? \(\)\n/);
    expect(g).toContain('[Switching to thread 2 (Thread 2)]');
    expect(g).toContain('$1 = 1\n');
    expect(g).toMatch(/Thread 2 hit Breakpoint 1, 0x[0-9a-f]+ in mpark \(\)\n\$2 = 1\n/);
    const at = BigInt(/\$3 = (0x[0-9a-f]+)/.exec(g)![1]!);
    expect(at >= mpark && at < mpark + 16n).toBe(true);
    expect(g).toContain('$4 = 0\n');
    expect(g).toMatch(/Thread 1 hit Breakpoint 2, (0x[0-9a-f]+) in kmain \(\)/);
    // Hart 1 parked in WFI: QEMU's "halted" in the thread list.
    expect(g).toMatch(/\* 1 +Thread 1 \(CPU#0 \[running\]\) 0x[0-9a-f]+ in kmain \(\)\n +2 +Thread 2 \(CPU#1 \[halted \]\) 0x[0-9a-f]+ in mpark \(\)\n/);
    const kmainAt = BigInt(/Thread 1 hit Breakpoint 2, (0x[0-9a-f]+)/.exec(g)![1]!);
    expect(g).toMatch(/\$5 = 0x8000[0-9a-f]{4}\n/);
    expect(g).not.toContain(`$5 = 0x${kmainAt.toString(16)}\n`);
    expect(g).toContain(`<kmain>:\t${elfWords(kmain, 2).join('\t')}`);
    const hart1 = BigInt(/\$6 = (0x[0-9a-f]+)/.exec(g)![1]!);
    expect(hart1 >= mpark && hart1 < mpark + 16n).toBe(true);
    expect(g).toContain('[Inferior 1 (Remote target) killed]');
    expect(r.vm.status).toBe(0);
  });
});

describe.skipIf(!hasGdb)('vm run -smp 2 -S -gdb on a VM with gdb-multiarch: vCPUs are threads', () => {
  // packages/hypervisor-native/fixtures/smp-print.s: vCPU 0 starts vCPU 1 at `secondary` (SBI HSM
  // hart_start, opaque 0x77), then both print; vCPU 1 runs only from there.
  const smp = assemble(readFileSync(join(root, 'packages/hypervisor-native/fixtures/smp-print.s'), 'utf8'), { base: 0x8020_0000n });
  const bin = join(mkdtempSync(join(tmpdir(), 'vm-gdb-smp-')), 'smp-print.bin');
  writeFileSync(bin, smp.bytes);
  const secondary = smp.symbols.get('secondary')!;
  for (const [name, flags] of [
    ['a native VM (trap-and-emulate)', ['--hypervisor', 'native']],
    ['a native VM under the H extension', ['--hypervisor', 'native', '--mode', 'hext']],
    ['a hosted accel VMM', ['--hypervisor', 'hosted', '--mode', 'accel']],
  ] as const) {
    it(`on ${name}: info threads lists both vCPUs, a breakpoint only vCPU 1 reaches stops thread 2 with its registers, stepi steps it, thread 1 is vCPU 0`, async () => {
      const r = await debugSession(
        [...flags, '-smp', '2', '-m', '16M', '-bios', 'none', '-kernel', bin],
        ['info threads', `break *0x${secondary.toString(16)}`, 'c', 'p/x $pc', 'p $a0', 'p/x $a1', 'stepi', 'p/x $pc', 'info threads', 'thread 1', 'p/x $pc', 'p/x $s11', 'thread 2', 'p/x $s11', 'set var $t5 = 0x4242', 'thread 1', 'p/x $t5', 'thread 2', 'p/x $t5', 'kill'],
        '',
      );
      const g = r.gdb;
      // vCPU 1 is STOPPED (SBI HSM) until vCPU 0 starts it: QEMU's "halted".
      expect(g).toMatch(/\* 1 +Thread 1 \(CPU#0 \[running\]\) 0x0*80200000 in \?\? \(\)\n +2 +Thread 2 \(CPU#1 \[halted \]\)/);
      expect(g).toMatch(new RegExp(`Thread 2 hit Breakpoint 1, 0x0*${secondary.toString(16)} in \\?\\? \\(\\)`));
      expect(g).toContain(`$1 = 0x${secondary.toString(16)}\n`);
      // SBI hart_start: a0 the hart id, a1 the opaque value.
      expect(g).toContain('$2 = 1\n$3 = 0x77\n');
      const stepped = BigInt(/\$4 = (0x[0-9a-f]+)/.exec(g)![1]!);
      expect(stepped > secondary && stepped <= secondary + 8n).toBe(true);
      expect(g).toMatch(/ +1 +Thread 1 \(CPU#0 \[running\]\) 0x[0-9a-f]+ in \?\? \(\)\n\* 2 +Thread 2 \(CPU#1 \[running\]\)/);
      const vcpu0 = BigInt(/\$5 = (0x[0-9a-f]+)/.exec(g)![1]!);
      expect(vcpu0 >= 0x8020_0000n && vcpu0 < secondary).toBe(true);
      // Each thread its own registers: vCPU 0 set s11 long ago, vCPU 1 is still building it.
      expect(g).toContain('$6 = 0x80300000\n');
      expect(g).toMatch(/\$7 = 0x[0-9a-f]+\n/);
      expect(g).not.toContain('$7 = 0x80300000\n');
      // A register write goes to the selected thread's vCPU only.
      expect(g).toMatch(/\$8 = 0x[0-9a-f]+\n/);
      expect(g).not.toContain('$8 = 0x4242\n');
      expect(g).toContain('$9 = 0x4242\n');
      expect(g).toContain('[Inferior 1 (Remote target) killed]');
      expect(r.vm.status).toBe(0);
    }, 120_000);
  }
});

describe.skipIf(!hasGdb)('vm up with gdb: PORT', () => {
  it('debugs one VM of a stack (held until GDB continues it) while the other runs; GDB sees its exit', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'vm-up-gdb-'));
    const stack = join(dir, 'stack.yaml');
    writeFileSync(stack, `hypervisor: { type: native, mode: trap }\nvms:\n  - { name: a, memory: 64M, kernel: ${kernel}, append: workload=cpu, gdb: ${port} }\n  - { name: b, memory: 64M, kernel: ${kernel}, append: workload=cpu }\n`);
    const child = spawn(process.execPath, vmArgs('up', stack), { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    const ended = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let out = '';
    for (let attempt = 0; attempt < 60; attempt++) {
      const r = spawnSync('gdb-multiarch', ['-nx', '-batch', '-ex', `file ${kernel}`, '-ex', 'set remotetimeout 60', '-ex', `target remote :${port}`, '-ex', 'p/x $pc', '-ex', 'break kmain', '-ex', 'c', '-ex', 'monitor info vms', '-ex', 'x/2xw kmain', '-ex', 'delete', '-ex', 'c'], { encoding: 'utf8', timeout: 120_000 });
      out = r.stdout + r.stderr;
      if (!out.includes('Connection refused')) break;
      await new Promise((res) => setTimeout(res, 500));
    }
    expect(out).toContain('$1 = 0x1000');
    expect(out).toMatch(/Breakpoint 1, 0x[0-9a-f]+ in kmain \(\)/);
    expect(out).toMatch(/a: paused, trap, \d+ guest instructions/);
    expect(out).toContain(`<kmain>:\t${elfWords(kmain, 2).join('\t')}`);
    expect(out).toContain('[Inferior 1 (Remote target) exited normally]');
    expect(await ended).toBe(0);
    expect(stdout).toContain('[a] DONE pass');
    expect(stdout).toContain('[b] DONE pass');
  });

  for (const type of ['native', 'hosted'] as const) {
    it(`${type}: a VM of vcpus: 2 has a thread per vCPU; a breakpoint only vCPU 1 reaches stops thread 2`, async () => {
      // packages/hypervisor-native/fixtures/smp-print.s: vCPU 1 starts at `secondary` (SBI HSM hart_start).
      const smp = assemble(readFileSync(join(root, 'packages/hypervisor-native/fixtures/smp-print.s'), 'utf8'), { base: 0x8020_0000n });
      const dir = mkdtempSync(join(tmpdir(), 'vm-up-gdb-smp-'));
      const bin = join(dir, 'smp-print.bin');
      writeFileSync(bin, smp.bytes);
      const secondary = smp.symbols.get('secondary')!;
      const port = await freePort();
      const stack = join(dir, 'stack.yaml');
      const hv = type === 'native' ? '{ type: native, mode: trap }' : '{ type: hosted, mode: accel }';
      writeFileSync(stack, `hypervisor: ${hv}\nvms:\n  - { name: s, memory: 16M, kernel: ${bin}, vcpus: 2, gdb: ${port} }\n`);
      const child = spawn(process.execPath, vmArgs('up', stack), { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      const ended = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      let out = '';
      for (let attempt = 0; attempt < 60; attempt++) {
        const r = spawnSync('gdb-multiarch', ['-nx', '-batch', '-ex', 'set remotetimeout 60', '-ex', `target remote :${port}`, '-ex', 'info threads', '-ex', `break *0x${secondary.toString(16)}`, '-ex', 'c', '-ex', 'p $a0', '-ex', 'delete', '-ex', 'c'], { encoding: 'utf8', timeout: 120_000 });
        out = r.stdout + r.stderr;
        if (!out.includes('Connection refused')) break;
        await new Promise((res) => setTimeout(res, 500));
      }
      expect(out).toMatch(/\* 1 +Thread 1 \(CPU#0 \[running\]\) 0x0*80200000 in \?\? \(\)\n +2 +Thread 2 \(CPU#1 \[halted \]\)/);
      expect(out).toMatch(new RegExp(`Thread 2 hit Breakpoint 1, 0x0*${secondary.toString(16)} in \\?\\? \\(\\)`));
      expect(out).toContain('$1 = 1\n');
      expect(out).toContain('[Inferior 1 (Remote target) exited normally]');
      expect(await ended).toBe(0);
    }, 120_000);
  }
});

describe.skipIf(!hasGdb)('Ctrl-C from gdb-multiarch', () => {
  it('interrupts a running guest (SIGINT in GDB sends 0x03): GDB reports SIGINT at the pc where it stopped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vm-gdb-int-'));
    const echo = join(dir, 'echo.bin');
    // Echoes UART input forever: a guest that never stops by itself.
    writeFileSync(echo, assemble('li t0, 0x10000000\n1:\nlbu t1, 5(t0)\nandi t1, t1, 1\nbeqz t1, 1b\nlbu a0, 0(t0)\nsb a0, 0(t0)\nj 1b\n', { base: 0x8000_0000n }).bytes);
    const port = await freePort();
    const child = spawn(process.execPath, vmArgs('run', '-bios', 'none', '-kernel', echo, '-S', '-gdb', `tcp::${port}`), { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
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
      gdb = spawn('gdb-multiarch', ['-nx', '-batch', '-ex', 'set remotetimeout 60', '-ex', `target remote :${port}`, '-ex', 'c', '-ex', 'p/x $pc', '-ex', 'kill'], { stdio: ['ignore', 'pipe', 'pipe'] });
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
    expect(out).toContain('[Inferior 1 (Remote target) killed]');
    expect(await ended).toBe(0);
  });
});
