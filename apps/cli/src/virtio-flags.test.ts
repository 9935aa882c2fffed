import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assemble } from '@vm/isa';
import { vmArgs } from './test-support/vm-process.js';

/*
 * issue 13: QEMU's virtio-mmio flags as a teaching kernel's Makefile (xv6) passes them:
 * -global virtio-mmio.force-legacy=..., -drive if=none,id=ID + -device virtio-blk-device,drive=ID,bus=virtio-mmio-bus.N,
 * on the bare board, under the native hypervisor and in `vm up` files.
 */

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');
const kernelM = join(root, 'guests/images/kernel-m.elf');

function vm(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, vmArgs(...args), { encoding: 'utf8', input: '', timeout: 120_000, cwd: root });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The probe's line for a slot (packages/machine/fixtures/virtio-probe.S): MagicValue, Version, DeviceID. */
function line(slot: number, version: number, deviceId: number): string {
  const hex = (v: number): string => v.toString(16).padStart(8, '0');
  return `s${slot} ${hex(0x74726976)} ${hex(version)} ${hex(deviceId)} `;
}
const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

let dir: string;
let probe: string;
let image: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vm-virtio-flags-'));
  probe = join(dir, 'probe.bin');
  const source = readFileSync(join(root, 'packages/machine/fixtures/virtio-probe.S'), 'utf8');
  writeFileSync(probe, assemble(source, { base: 0x8000_0000n }).bytes);
  image = join(dir, 'fs.img');
  writeFileSync(image, new Uint8Array(1 << 20));
});

const teachingFlags = (): string[] => [
  '-global', 'virtio-mmio.force-legacy=false',
  '-drive', `file=${image},if=none,format=raw,id=x0`,
  '-device', 'virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0',
];

describe('vm run with QEMU virtio-mmio flags', () => {
  it('-bios none -kernel K -global virtio-mmio.force-legacy=false -drive if=none,id=x0 -device virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0', () => {
    const r = vm('run', '-bios', 'none', '-kernel', probe, ...teachingFlags());
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((n) => line(n, 2, n === 0 ? 2 : 0)));
    expect(r.status).toBe(0);
  }, 120_000);

  it('defaults to legacy transports (QEMU 7.2) and fills slots from the top; true/yes/on mean legacy too', () => {
    const r = vm('run', '-bios', 'none', '-kernel', probe, '-global', 'virtio-mmio.force-legacy=yes', '-drive', `file=${image},format=raw,if=virtio`);
    expect(lines(r.stdout)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((n) => line(n, 1, n === 7 ? 2 : 0)));
    expect(r.status).toBe(0);
  }, 120_000);

  it('our guest kernel drives the disk on virtio-mmio-bus.0 with the teaching-kernel flags', () => {
    const r = vm('run', '-bios', 'none', '-kernel', kernelM, '-append', 'workload=disk', ...teachingFlags());
    expect(r.stdout).toMatch(/RESULT disk pio=absent virtio sectors=256 crc=0x[0-9a-f]+ ok/);
    expect(r.status).toBe(0);
  }, 120_000);

  it('names a bus that does not exist, an occupied bus and any -global it does not know', () => {
    const base = ['run', '-bios', 'none', '-kernel', probe, '-drive', `file=${image},if=none,format=raw,id=x0`];
    const bus8 = vm(...base, '-device', 'virtio-blk-device,drive=x0,bus=virtio-mmio-bus.8');
    expect(bus8.status).toBe(2);
    expect(bus8.stderr).toContain("bus 'virtio-mmio-bus.8' does not exist");
    const taken = vm(...base, '-device', 'virtio-rng-device,bus=virtio-mmio-bus.2', '-device', 'virtio-blk-device,drive=x0,bus=virtio-mmio-bus.2');
    expect(taken.status).toBe(2);
    expect(taken.stderr).toContain('virtio-mmio-bus.2 is already in use');
    const driver = vm(...base, '-global', 'virtio-pci.disable-legacy=on');
    expect(driver.status).toBe(2);
    expect(driver.stderr).toContain("-global virtio-pci.disable-legacy=on: unknown driver 'virtio-pci'");
    const prop = vm(...base, '-global', 'virtio-mmio.ioeventfd=off');
    expect(prop.status).toBe(2);
    expect(prop.stderr).toContain("virtio-mmio has no property 'ioeventfd'");
    const value = vm(...base, '-global', 'virtio-mmio.force-legacy=maybe');
    expect(value.status).toBe(2);
    expect(value.stderr).toContain("'maybe' is not a boolean");
  }, 240_000);
});

describe('virtio-mmio choices reach VM boards', () => {
  it('vm run --hypervisor native takes -global and -device ...,bus=', () => {
    const r = vm('run', '--hypervisor', 'native', '-m', '16M', '-bios', 'none', '-kernel', probe, ...teachingFlags());
    expect(lines(r.stdout)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((n) => line(n, 2, n === 0 ? 2 : 0)));
    expect(r.status).toBe(0);
  }, 120_000);

  it('on every stack: an empty transport at each free slot (native trap and hext, hosted accel and soft)', () => {
    // The probe is a raw image: under a hypervisor with -bios none it is an S-mode payload (QEMU with KVM).
    const hext = vm('run', '--hypervisor', 'native', '--mode', 'hext', '-m', '16M', '-bios', 'none', '-kernel', probe, ...teachingFlags());
    expect(lines(hext.stdout)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((n) => line(n, 2, n === 0 ? 2 : 0)));
    expect(hext.status).toBe(0);
    const legacy = vm('run', '--hypervisor', 'native', '--kernel-mode', 'm', '-m', '16M', '-bios', 'none', '-kernel', probe, '-drive', `file=${image},format=raw,if=virtio`);
    expect(lines(legacy.stdout)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((n) => line(n, 1, n === 7 ? 2 : 0)));
    for (const mode of ['accel', 'soft']) {
      // Soft mode runs the raw image as the bare board does; legacy by default, modern with the -global.
      const r = vm('run', '--hypervisor', 'hosted', '--mode', mode, '-m', '16M', '-bios', 'none', '-kernel', probe, '-drive', `file=${image},format=raw,if=virtio`);
      expect(lines(r.stdout)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((n) => line(n, 1, n === 7 ? 2 : 0)));
      expect(r.status).toBe(0);
      // The teaching-kernel flags: modern transports, the disk on virtio-mmio-bus.0 by -device ...,bus=.
      const modern = vm('run', '--hypervisor', 'hosted', '--mode', mode, '-m', '16M', '-bios', 'none', '-kernel', probe, ...teachingFlags());
      expect(lines(modern.stdout)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((n) => line(n, 2, n === 0 ? 2 : 0)));
      expect(modern.status).toBe(0);
    }
  }, 240_000);

  it('vm up: force-legacy and a per-disk slot', () => {
    const file = join(dir, 'stack.yaml');
    writeFileSync(
      file,
      `vms:\n  - name: probe\n    memory: 16M\n    kernel: ${probe}\n    force-legacy: false\n    drives:\n      - { file: ${image}, slot: 3 }\n` +
        `  - name: legacy\n    memory: 16M\n    kernel: ${probe}\n    drives:\n      - { file: ${image} }\n`,
    );
    const r = vm('up', file);
    const out = lines(r.stdout);
    expect(out.filter((l) => l.startsWith('[probe] '))).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((n) => `[probe] ${line(n, 2, n === 3 ? 2 : 0)}`));
    expect(out.filter((l) => l.startsWith('[legacy] '))).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((n) => `[legacy] ${line(n, 1, n === 7 ? 2 : 0)}`));
    expect(r.status).toBe(0);

    // The hosted hypervisor places its VMM's disk by slot too.
    writeFileSync(file, `hypervisor: { type: hosted, mode: accel }\nvms:\n  - name: probe\n    memory: 16M\n    kernel: ${probe}\n    drives:\n      - { file: ${image}, slot: 5 }\n`);
    const hosted = vm('up', file);
    expect(lines(hosted.stdout).filter((l) => l.startsWith('[probe] '))).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((n) => `[probe] ${line(n, 1, n === 5 ? 2 : 0)}`));
    expect(hosted.status).toBe(0);

    writeFileSync(file, `vms:\n  - name: bad\n    memory: 16M\n    kernel: ${probe}\n    drives:\n      - { file: ${image}, slot: 9 }\n`);
    const bad = vm('up', file);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('vms[0].drives[0].slot');
  }, 240_000);
});
