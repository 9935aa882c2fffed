import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryBlockBackend, VirtioBlock, VirtioRng } from '@vm/devices';
import { bootVirt } from './boot.js';
import { VirtMachine } from './virt.js';
import { probeLine, virtioProbe } from './test-support/virtio-probe.js';

/*
 * issue 13: the eight virtio-mmio transports of QEMU's virt board always exist. A bare-metal probe
 * reads MagicValue, Version and DeviceID of slots 0..7 as xv6 does; empty slots answer like
 * QEMU's (DeviceID 0), the disk answers in its slot, in legacy (Version 1, QEMU 7.2's default)
 * and modern (Version 2) boards alike.
 */

const haveQemu = existsSync('/usr/bin/qemu-system-riscv64');
const PROBE = virtioProbe();

function probeOn(machine: VirtMachine, out: { text: string }): string[] {
  bootVirt(machine, { kernel: { file: 'virtio-probe.bin', bytes: PROBE } });
  const exit = machine.run(1_000_000);
  expect(exit).toEqual({ reason: 'poweroff', code: 0 });
  return out.text.split('\n').filter((l) => l !== '');
}

function board(virtioForceLegacy?: boolean): { machine: VirtMachine; out: { text: string } } {
  const out = { text: '' };
  const machine = new VirtMachine({ memory: 16 << 20, virtioForceLegacy, console: (b) => (out.text += String.fromCharCode(b)) });
  return { machine, out };
}

const disk = (): VirtioBlock => new VirtioBlock({ backend: new MemoryBlockBackend(1 << 20) });

describe('virtio-mmio slots of the virt board', () => {
  it('legacy by default: Version 1 everywhere, empty slots DeviceID 0, the disk in slot 3', () => {
    const { machine, out } = board();
    machine.addVirtio(disk(), { slot: 3 });
    const expected = [0, 1, 2, 3, 4, 5, 6, 7].map((n) => probeLine(n, 1, n === 3 ? 2 : 0));
    expect(probeOn(machine, out)).toEqual(expected);
  });

  it('modern with virtioForceLegacy false: Version 2; devices without a slot fill from slot 7 down', () => {
    const { machine, out } = board(false);
    machine.addVirtio(disk());
    machine.addVirtio(new VirtioRng({}));
    expect(machine.virtio.map((v) => v.slot)).toEqual([7, 6]);
    const expected = [0, 1, 2, 3, 4, 5, 6, 7].map((n) => probeLine(n, 2, n === 7 ? 2 : n === 6 ? 4 : 0));
    expect(probeOn(machine, out)).toEqual(expected);
  });

  it('refuses an occupied slot and slots past 7', () => {
    const { machine } = board();
    machine.addVirtio(disk(), { slot: 0 });
    expect(() => machine.addVirtio(disk(), { slot: 0 })).toThrow(/virtio-mmio-bus\.0 is already in use/);
    expect(() => machine.addVirtio(disk(), { slot: 8 })).toThrow(/virtio-mmio-bus\.8: no such bus/);
  });

  it('reads an empty transport at 0x10001000 over the bus without a fault', () => {
    const { machine } = board();
    expect(machine.bus.read(0x1000_1000, 4)).toBe(0x74726976n);
    expect(machine.bus.read(0x1000_1004, 4)).toBe(1n);
    expect(machine.bus.read(0x1000_100c, 4)).toBe(0x554d4551n);
    expect(machine.bus.write(0x1000_1070, 4, 0xfn)).toBe(true);
    expect(machine.bus.read(0x1000_1070, 4)).toBe(0n);
  });

  it.skipIf(!haveQemu)('prints what the same probe prints on qemu-system-riscv64 7.2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vm-probe-'));
    try {
      const bin = join(dir, 'probe.bin');
      const img = join(dir, 'fs.img');
      writeFileSync(bin, PROBE);
      writeFileSync(img, new Uint8Array(1 << 20));
      const qemu = (args: string[]): string[] =>
        execFileSync('qemu-system-riscv64', ['-M', 'virt', '-m', '16M', '-bios', 'none', '-kernel', bin, '-nographic', ...args], { timeout: 30_000 })
          .toString()
          .split('\n')
          .map((l) => l.replace(/\r$/, ''))
          .filter((l) => l !== '');
      const drive = ['-drive', `file=${img},if=none,format=raw,id=x0`];

      // QEMU's defaults: legacy; a disk without bus= lands in the last slot.
      const legacy = board();
      legacy.machine.addVirtio(disk());
      expect(probeOn(legacy.machine, legacy.out)).toEqual(qemu([...drive, '-device', 'virtio-blk-device,drive=x0']));

      // The teaching-kernel flags: modern, disk on virtio-mmio-bus.0.
      const modern = board(false);
      modern.machine.addVirtio(disk(), { slot: 0 });
      expect(probeOn(modern.machine, modern.out)).toEqual(
        qemu(['-global', 'virtio-mmio.force-legacy=false', ...drive, '-device', 'virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0']),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
