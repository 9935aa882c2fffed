import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFdt } from '@vm/devices';
import { vmArgs } from './test-support/vm-process.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');
const fixtures = join(root, 'packages/machine/fixtures');

/** Run the `vm` command as a user would (`pnpm vm ...`), with stdin closed. */
function vm(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, vmArgs(...args), { encoding: 'utf8', input: '', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('vm run', () => {
  it('runs a bare-metal ELF in M-mode and exits with its poweroff status', () => {
    const ok = vm('run', '-bios', 'none', '-kernel', join(fixtures, 'uart-hello.elf'));
    expect(ok.stdout).toBe('hello from M-mode\n');
    expect(ok.status).toBe(0);
    const fail = vm('run', '-bios', 'none', '-kernel', join(fixtures, 'uart-fail7.elf'));
    expect(fail.status).toBe(7);
  });

  it('exits with the HTIF code of a tohost program and names the failing test', () => {
    expect(vm('run', '-bios', 'none', '-kernel', join(fixtures, 'htif-pass.elf')).status).toBe(0);
    const fail = vm('run', '-bios', 'none', '-kernel', join(fixtures, 'htif-fail3.elf'));
    expect(fail.status).toBe(3);
    expect(fail.stderr).toContain('test 3 failed');
  });

  it('names bad flags and missing or malformed files', () => {
    const unknown = vm('run', '-frobnicate');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("unknown option '-frobnicate'");
    const missing = vm('run', '-bios', 'none', '-kernel', '/nonexistent/k.elf');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("-kernel '/nonexistent/k.elf': no such file");
    const mem = vm('run', '-m', 'lots', '-bios', 'none', '-kernel', join(fixtures, 'htif-pass.elf'));
    expect(mem.status).toBe(2);
    expect(mem.stderr).toContain('-m lots');
    const smp = vm('run', '-smp', '9', '-bios', 'none', '-kernel', join(fixtures, 'htif-pass.elf'));
    expect(smp.stderr).toContain('-smp 9');
  });

  it('refuses a truncated ELF with the field at fault', () => {
    const bad = vm('run', '-bios', 'none', '-kernel', join(fixtures, 'truncated.elf'));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/truncated\.elf: at offset 0x[0-9a-f]+ \(/);
  });
});

describe('vm run -cpu', () => {
  it("takes QEMU's rv64,h=true and names a bad property", () => {
    expect(vm('run', '-cpu', 'rv64,h=true', '-bios', 'none', '-kernel', join(fixtures, 'uart-hello.elf')).status).toBe(0);
    const bad = vm('run', '-cpu', 'rv64,v=true', '-bios', 'none', '-kernel', join(fixtures, 'uart-hello.elf'));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("unknown property 'v'");
  });
});

describe('vm run and disk images', () => {
  it('reads -drive booleans as QEMU does: snapshot=yes/y/true leave the image untouched, other words are refused; one writer per image', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vm-bool-'));
    const img = join(dir, 'disk.img');
    writeFileSync(img, new Uint8Array(1 << 20));
    const kernel = ['-m', '64M', '-bios', 'none', '-kernel', join(root, 'guests/images/kernel-m.elf'), '-append', 'workload=disk'];
    for (const stack of [[], ['--hypervisor', 'native'], ['--hypervisor', 'hosted']]) {
      for (const yes of ['yes', 'y', 'true']) {
        const r = vm('run', ...stack, ...kernel, '-drive', `file=${img},format=raw,if=virtio,snapshot=${yes}`);
        expect(r.stdout).toContain('DONE pass');
        expect(readFileSync(img).every((b) => b === 0)).toBe(true);
      }
      const bad = vm('run', ...stack, ...kernel, '-drive', `file=${img},format=raw,if=virtio,snapshot=maybe`);
      expect(bad.status).toBe(2);
      expect(bad.stderr).toContain("snapshot: 'maybe' is not a boolean");
    }
    for (const stack of [[], ['--hypervisor', 'native']]) {
      const ro = vm('run', ...stack, ...kernel, '-drive', `file=${img},format=raw,if=virtio,readonly=maybe`);
      expect(ro.status).toBe(2);
      expect(ro.stderr).toContain("readonly: 'maybe' is not a boolean");
      const twice = vm('run', ...stack, ...kernel, '-drive', `file=${img},format=raw,if=virtio`, '-drive', `file=${img},format=raw,if=pio`);
      expect(twice.status).toBe(2);
      expect(twice.stderr).toContain('is already used by another writable drive');
    }
    expect(readFileSync(img).every((b) => b === 0)).toBe(true);
  }, 240_000);

  it('writes a guest disk back when it is stopped by SIGTERM', async () => {
    const { mkdtempSync, writeFileSync, readFileSync: read, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { spawn } = await import('node:child_process');
    const dir = mkdtempSync(join(tmpdir(), 'vm-sig-'));
    const img = join(dir, 'disk.img');
    writeFileSync(img, new Uint8Array(8 << 20));
    // kernel-m's disk workload writes patterns to virtio-blk (held in the write-back cache), then a
    // long cpu workload keeps the guest running: SIGTERM arrives while it runs.
    const child = spawn(process.execPath, vmArgs('run', '-m', '128M', '-bios', 'none', '-kernel', join(root, 'guests/images/kernel-m.elf'), '-append', 'workload=disk,cpu cpu.iters=1000000', '-drive', `file=${img},format=raw,if=virtio`), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('RESULT disk')) child.kill('SIGTERM');
    });
    const status = await new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    expect(status).toBe(143);
    expect(read(img).some((b) => b !== 0)).toBe(true);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('QEMU front-end flags: done as QEMU does, or refused naming the flag', () => {
  it('-M virt,dumpdtb=FILE writes the board\'s device tree (with the kernel command line) and exits 0', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'vm-dtb-')), 'virt.dtb');
    const r = vm('run', '-M', `virt,dumpdtb=${out}`, '-m', '64M', '-bios', 'none', '-kernel', join(fixtures, 'uart-hello.elf'), '-append', 'console=ttyS0');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`dtb dumped to ${out}`);
    const fdt = parseFdt(new Uint8Array(readFileSync(out)));
    expect(fdt.find('/chosen')!.prop('bootargs')!.string()).toBe('console=ttyS0');
    expect(fdt.find('/memory@80000000')!.prop('reg')!.u64s()).toEqual([0x8000_0000n, 64n << 20n]);
  });

  it('refuses -serial, -display, -monitor and -M properties it does not implement, on every stack', () => {
    const hello = ['-bios', 'none', '-kernel', join(fixtures, 'uart-hello.elf')];
    for (const stack of [[], ['--hypervisor', 'native'], ['--hypervisor', 'hosted']]) {
      const hosted = stack.includes('hosted');
      for (const [flag, value, message] of [
        ['-serial', 'tcp::4444,server', '-serial tcp::4444,server: only stdio, mon:stdio, file:FILE or null'],
        ['-serial', 'pty', '-serial pty: only stdio, mon:stdio, file:FILE or null'],
        ['-display', 'gtk', '-display gtk: only none'],
        ['-monitor', 'vc', '-monitor vc: only none, stdio or tcp:HOST:PORT,server'],
        ['-machine', 'virt,accel=kvm', "-M virt,accel=kvm: property 'accel' is not supported"],
        ...(hosted
          ? ([
              ['-serial', 'file:/tmp/x', '-serial file:/tmp/x: not implemented under --hypervisor hosted'],
            ] as const)
          : []),
      ] as const) {
        const r = vm('run', ...stack, flag, value, ...hello);
        expect(r.status).toBe(2);
        expect(r.stderr).toContain(message);
      }
    }
    expect(vm('run', '-serial', 'mon:stdio', '-display', 'none', '-monitor', 'none', '-nographic', ...hello).stdout).toBe('hello from M-mode\n');
  }, 180_000);
});
