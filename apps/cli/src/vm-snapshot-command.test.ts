import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { assemble } from '@vm/isa';
import { restoreCommand, snapshotCommand, type CommandIo } from './snapshot-command.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const kernel = join(root, 'guests/images/kernel-m.elf');
const guest = ['-m', '128M', '-bios', 'none', '-kernel', kernel, '-append', 'workload=cpu,fork'];

function terminal(): CommandIo & { out(): string; err(): string } {
  const stdin = new PassThrough();
  stdin.end();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString('latin1')));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  return { stdin: stdin as unknown as NodeJS.ReadStream, stdout: stdout as unknown as NodeJS.WriteStream, stderr, out: () => out, err: () => err };
}

const results = (text: string): string[] => text.split(/\r?\n/).map((l) => l.trim()).filter((l) => /^(RESULT|DONE)/.test(l));

/** The RESULT lines of an uninterrupted bare run (`vm run` of the same flags). */
const EXPECTED = ['RESULT cpu iters=200 crc=0x5cc442d2 ok', 'RESULT fork n=50 crc=0xcac43634 rr=ok ok', 'DONE pass'];

describe('vm snapshot / vm restore across hypervisors (issue 9)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vm-snapmig-'));

  it('bare snapshot + bare restore gives the RESULT lines of an uninterrupted bare run', async () => {
    const file = join(dir, 'ref.vmsnap');
    const a = terminal();
    expect(await snapshotCommand([...guest, '-o', file, '--at', '1'], a)).toBe(0);
    const b = terminal();
    expect(await restoreCommand([file], b)).toBe(0);
    expect(results(a.out() + b.out())).toEqual(EXPECTED);
  }, 120_000);

  it('native → hosted accel: same RESULT lines as the bare run, status 0', async () => {
    const file = join(dir, 'native.vmsnap');
    const a = terminal();
    expect(await snapshotCommand(['--hypervisor', 'native', ...guest, '-o', file, '--at', '5000000'], a)).toBe(0);
    expect(a.err()).toMatch(/vm snapshot: 5000000 guest instructions \(native\); wrote .*native\.vmsnap \(\d+ bytes/);
    expect(results(a.out())).not.toContain('DONE pass');
    const b = terminal();
    expect(await restoreCommand([file, '--hypervisor', 'hosted', '--mode', 'accel'], b)).toBe(0);
    expect(results(a.out() + b.out())).toEqual(EXPECTED);
  }, 240_000);

  it('hosted soft → native: same RESULT lines, status 0', async () => {
    const file = join(dir, 'hosted.vmsnap');
    const a = terminal();
    expect(await snapshotCommand(['--hypervisor', 'hosted', '--mode', 'soft', ...guest, '-o', file, '--at', '8000000'], a)).toBe(0);
    expect(a.err()).toMatch(/vm snapshot: \d+ guest instructions \(hosted soft\)/);
    const b = terminal();
    expect(await restoreCommand([file, '--hypervisor', 'native', '--stats'], b)).toBe(0);
    expect(b.err()).toMatch(/restored at \d+ instructions/);
    expect(results(a.out() + b.out())).toEqual(EXPECTED);
  }, 240_000);

  it('a bare snapshot continues under native and under hosted', async () => {
    const file = join(dir, 'bare.vmsnap');
    const a = terminal();
    expect(await snapshotCommand([...guest, '-o', file, '--at', '3000000'], a)).toBe(0);
    const n = terminal();
    expect(await restoreCommand([file, '--hypervisor', 'native'], n)).toBe(0);
    expect(results(a.out() + n.out())).toEqual(EXPECTED);
    const h = terminal();
    expect(await restoreCommand([file, '--hypervisor', 'hosted', '--mode', 'soft'], h)).toBe(0);
    expect(results(a.out() + h.out())).toEqual(EXPECTED);
  }, 240_000);

  it('a disk placed with bus= keeps its slot when a hosted VMM restores it', async () => {
    const img = join(dir, 'slot3.img');
    writeFileSync(img, new Uint8Array(8 << 20));
    const file = join(dir, 'slot3.vmsnap');
    const disk = ['-m', '64M', '-bios', 'none', '-kernel', kernel, '-append', 'workload=disk', '-drive', `file=${img},format=raw,if=none,id=d0`, '-device', 'virtio-blk-device,drive=d0,bus=virtio-mmio-bus.3'];
    const a = terminal();
    expect(await snapshotCommand([...disk, '-o', file, '--at', '3000000'], a)).toBe(0);
    for (const mode of ['accel', 'soft']) {
      const b = terminal();
      expect(await restoreCommand([file, '--hypervisor', 'hosted', '--mode', mode], b)).toBe(0);
      expect(results(a.out() + b.out())).toEqual([expect.stringMatching(/^RESULT disk pio=absent virtio sectors=256 crc=0x[0-9a-f]+ ok$/), 'DONE pass']);
    }
  }, 240_000);

  it('refuses bad flags, naming them', async () => {
    const file = join(dir, 'bare.vmsnap');
    await expect(restoreCommand([file, '--hypervisor', 'kvm'], terminal())).rejects.toThrow("vm restore: --hypervisor kvm: 'none', 'native' or 'hosted'");
    await expect(restoreCommand([file, '--mode', 'soft'], terminal())).rejects.toThrow('vm restore: --mode soft: only with --hypervisor native or hosted');
    await expect(restoreCommand([file, '--hypervisor', 'hosted', '--mode', 'trap'], terminal())).rejects.toThrow("vm restore: --mode trap: 'accel' or 'soft'");
    await expect(snapshotCommand(['--hypervisor', 'native', '--mode', 'hext', ...guest, '-o', file, '--at', '1'], terminal())).rejects.toThrow(/vm snapshot: --mode hext: .*trap mode only/);
    await expect(restoreCommand([join(dir, 'missing.vmsnap'), '--hypervisor', 'native'], terminal())).rejects.toThrow(/missing\.vmsnap/);
  });

  it('-smp 2 under native: both vCPUs started at the snapshot continue to poweroff 0; a hosted VMM refuses the 2 harts', async () => {
    // packages/hypervisor-native/fixtures/smp-print.s: vCPU 0 prints vCPU 1's HSM status 300 times, vCPU 1 a letter per IPI.
    const bin = join(dir, 'smp-print.bin');
    writeFileSync(bin, assemble(readFileSync(join(root, 'packages/hypervisor-native/fixtures/smp-print.s'), 'utf8'), { base: 0x8020_0000n }).bytes);
    const file = join(dir, 'smp.vmsnap');
    const a = terminal();
    expect(await snapshotCommand(['--hypervisor', 'native', '-smp', '2', '-m', '16M', '-bios', 'none', '-kernel', bin, '-o', file, '--at', '400000'], a)).toBe(0);
    expect(a.err()).toMatch(/vm snapshot: \d+ guest instructions \(native\)/);
    const b = terminal();
    expect(await restoreCommand([file, '--hypervisor', 'native'], b)).toBe(0);
    expect(b.out()).toMatch(/[a-p]/);
    expect((a.out() + b.out()).replace(/[^0-9]/g, '')).toHaveLength(300);
    await expect(restoreCommand([file, '--hypervisor', 'hosted'], terminal())).rejects.toThrow(/2 harts; the hosted VMM runs one vCPU/);
  }, 120_000);
});
