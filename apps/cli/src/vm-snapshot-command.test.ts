import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { assemble } from '@vm/isa';
import { readSnapshot, writeSnapshot } from '@vm/machine';
import type { VmSnapshot } from '@vm/vcpu';
import { restoreCommand, snapshotCommand, type CommandIo } from './snapshot-command.js';
import { vmArgs } from './test-support/vm-process.js';

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
    expect(a.err()).toMatch(/vm snapshot: 5000000 guest instructions \(native trap\); wrote .*native\.vmsnap \(\d+ bytes/);
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
    await expect(snapshotCommand(['--hypervisor', 'native', '--mode', 'hvm', ...guest, '-o', file, '--at', '1'], terminal())).rejects.toThrow("vm snapshot: --mode hvm: 'trap' or 'hext'");
    await expect(restoreCommand([join(dir, 'missing.vmsnap'), '--hypervisor', 'native'], terminal())).rejects.toThrow(/missing\.vmsnap/);
  });

  it('-smp 2 under native: both vCPUs started at the snapshot continue to poweroff 0, under native and in a hosted accel VMM', async () => {
    // packages/hypervisor-native/fixtures/smp-print.s: vCPU 0 prints vCPU 1's HSM status 300 times, vCPU 1 a letter per IPI.
    const bin = join(dir, 'smp-print.bin');
    writeFileSync(bin, assemble(readFileSync(join(root, 'packages/hypervisor-native/fixtures/smp-print.s'), 'utf8'), { base: 0x8020_0000n }).bytes);
    const file = join(dir, 'smp.vmsnap');
    const a = terminal();
    expect(await snapshotCommand(['--hypervisor', 'native', '-smp', '2', '-m', '16M', '-bios', 'none', '-kernel', bin, '-o', file, '--at', '400000'], a)).toBe(0);
    expect(a.err()).toMatch(/vm snapshot: \d+ guest instructions \(native trap\)/);
    const b = terminal();
    expect(await restoreCommand([file, '--hypervisor', 'native'], b)).toBe(0);
    expect(b.out()).toMatch(/[a-p]/);
    expect((a.out() + b.out()).replace(/[^0-9]/g, '')).toHaveLength(300);
    // Into a VMM of two vCPUs: the credit scheduler's turns are the native hypervisor's, so the
    // VMM's own turns start at vCPU 0; each vCPU continues in its HSM state.
    const c = terminal();
    expect(await restoreCommand([file, '--hypervisor', 'hosted', '--mode', 'accel'], c)).toBe(0);
    expect((a.out() + c.out()).replace(/[^0-9]/g, '')).toHaveLength(300);
    await expect(restoreCommand([file, '--hypervisor', 'hosted', '--mode', 'soft'], terminal())).rejects.toThrow(`${file}: vmm snapshot: taken with the hypervisor's SBI (no firmware in the guest); a soft VMM runs guests with their own firmware only (use --mode accel)`);
  }, 120_000);

  it('-smp 2 under hosted accel: a snapshot mid-run resumes exactly (the console and instruction count of an uninterrupted run); bad VMM turns are refused', async () => {
    const bin = join(dir, 'smp-print-h.bin');
    writeFileSync(bin, assemble(readFileSync(join(root, 'packages/hypervisor-native/fixtures/smp-print.s'), 'utf8'), { base: 0x8020_0000n }).bytes);
    const smp = ['--hypervisor', 'hosted', '--mode', 'accel', '-smp', '2', '-m', '16M', '-bios', 'none', '-kernel', bin];
    const ref = spawnSync(process.execPath, vmArgs('run', ...smp, '--stats'), { encoding: 'latin1', input: '', cwd: root, timeout: 120_000 });
    expect(ref.status).toBe(0);
    const total = Number(/vm: (\d+) guest instructions in/.exec(ref.stderr)?.[1]);
    const file = join(dir, 'smp-hosted.vmsnap');
    const a = terminal();
    expect(await snapshotCommand([...smp, '-o', file, '--at', '300000'], a)).toBe(0);
    const at = Number(/vm snapshot: (\d+) guest instructions \(hosted accel\)/.exec(a.err())?.[1]);
    expect(at).toBeGreaterThanOrEqual(300_000);
    const b = terminal();
    expect(await restoreCommand([file, '--hypervisor', 'hosted', '--stats'], b)).toBe(0);
    const ran = Number(/vm: (\d+) guest instructions in/.exec(b.err())?.[1]);
    expect(total).toBeGreaterThan(at);
    expect(at + ran).toBe(total);
    expect(a.out() + b.out()).toBe(ref.stdout);
    // Under the native hypervisor too, its credit scheduler taking the turns from there.
    const n = terminal();
    expect(await restoreCommand([file, '--hypervisor', 'native'], n)).toBe(0);
    expect((a.out() + n.out()).replace(/[^0-9]/g, '')).toHaveLength(300);
    // The VMM's turns are checked field by field, before any VMM runs (exit status 2 from the command).
    const snap = readSnapshot(file) as VmSnapshot;
    const bad = join(dir, 'smp-bad.vmsnap');
    const badTurns: VmSnapshot = { ...snap, vm: { ...snap.vm!, turns: { ...snap.vm!.turns!, turn: 5 } } };
    writeSnapshot(bad, badTurns);
    await expect(restoreCommand([bad, '--hypervisor', 'hosted'], terminal())).rejects.toThrow(`${bad}: vmm snapshot: VMM turns: turn 5 (a vCPU 0 to 1 expected)`);
  }, 180_000);

  it('--mode hext: kernel-s snapshotted under the H extension resumes exactly (the console and instruction count of an uninterrupted run)', async () => {
    const sGuest = ['-m', '128M', '-bios', 'none', '-kernel', join(root, 'guests/images/kernel-s.elf'), '-append', 'workload=cpu,fork'];
    const ref = spawnSync(process.execPath, vmArgs('run', '--hypervisor', 'native', '--mode', 'hext', ...sGuest, '--stats'), { encoding: 'latin1', input: '', cwd: root, timeout: 120_000 });
    expect(ref.status).toBe(0);
    const total = Number(/vm: (\d+) guest instructions in/.exec(ref.stderr)?.[1]);
    expect(results(ref.stdout)).toEqual(EXPECTED);
    const file = join(dir, 'hext.vmsnap');
    const a = terminal();
    expect(await snapshotCommand(['--hypervisor', 'native', '--mode', 'hext', ...sGuest, '-o', file, '--at', '5000000'], a)).toBe(0);
    expect(a.err()).toMatch(/vm snapshot: \d+ guest instructions \(native hext\)/);
    // The file says hext: its VM header is version 2 with the guest's VS state.
    const b = terminal();
    expect(await restoreCommand([file, '--hypervisor', 'native', '--stats'], b)).toBe(0);
    expect(b.err()).toMatch(/vm: restored at \d+ instructions under native/);
    // The snapshot run stopped after exactly --at guest instructions (its session's count, the one
    // --stats prints): the restored run retires the rest of the uninterrupted run's, to the one.
    const ran = Number(/vm: (\d+) guest instructions in/.exec(b.err())?.[1]);
    expect(total).toBeGreaterThan(5_000_000);
    expect(5_000_000 + ran).toBe(total);
    expect(a.out() + b.out()).toBe(ref.stdout);
    // The snapshot restores in the mode it was taken in; naming the other one is an error, not ignored.
    await expect(restoreCommand([file, '--hypervisor', 'native', '--mode', 'trap'], terminal())).rejects.toThrow("vm restore: --mode trap: the snapshot is of a 'hext' VM");
  }, 180_000);
});
