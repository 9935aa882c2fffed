import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GuestRunResult, GuestSpec, Stack } from '@vm/core';

export const QEMU_BINARY = 'qemu-system-riscv64';

/** True when qemu-system-riscv64 is on PATH and answers --version. */
export function qemuAvailable(): boolean {
  const r = spawnSync(QEMU_BINARY, ['--version'], { stdio: 'ignore', timeout: 10_000 });
  return r.status === 0;
}

/**
 * QEMU 7.2 TCG as an outside reference: same images and bootargs, wall-clock only. QEMU reports
 * no instruction or event counts, so `guestInstructions` is 0 and `events` empty; its seconds
 * include QEMU's own start-up (tens of ms), which is small against our default workloads.
 * QEMU has no PIO disk: pio disks in the spec are left out (the guest then prints `pio=absent`).
 */
export function qemuStack(timeoutSeconds = 300): Stack {
  return { name: 'qemu', run: (spec) => runQemu(spec, timeoutSeconds) };
}

function runQemu(spec: GuestSpec, timeoutSeconds: number): GuestRunResult {
  const dir = mkdtempSync(join(tmpdir(), 'vm-bench-qemu-'));
  try {
    const args = ['-M', 'virt', '-m', `${Math.ceil(spec.memory / (1 << 20))}M`, '-nographic', '-monitor', 'none', '-serial', 'stdio'];
    if (spec.bios === undefined) args.push('-bios', 'none');
    else args.push('-bios', writeTemp(dir, 'bios.bin', spec.bios.bytes));
    if (spec.kernel !== undefined) args.push('-kernel', writeTemp(dir, 'kernel.elf', spec.kernel.bytes));
    if (spec.append !== undefined) args.push('-append', spec.append);
    // -drive if=virtio would be virtio-blk-pci on virt, which the guest does not drive (guests/README.md).
    const virtio = (spec.disks ?? []).filter((d) => d.bus === 'virtio');
    if (virtio.length > 0) args.push('-global', 'virtio-mmio.force-legacy=false');
    virtio.forEach((d, i) => {
      const file = writeTemp(dir, `disk${i}.img`, d.bytes);
      args.push('-drive', `if=none,id=d${i},file=${file},format=raw`, '-device', `virtio-blk-device,drive=d${i}`);
    });
    const started = process.hrtime.bigint();
    const r = spawnSync(QEMU_BINARY, args, { input: '', timeout: timeoutSeconds * 1000, maxBuffer: 64 << 20 });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const console = (r.stdout?.toString('latin1') ?? '').replace(/\r\n/g, '\n');
    const exit =
      r.error !== undefined || r.status === null
        ? ({ reason: 'halt', message: `qemu: ${r.error?.message ?? `killed by ${r.signal ?? 'a signal'}`}` } as const)
        : ({ reason: 'poweroff', code: r.status } as const);
    return { exit, console, guestInstructions: 0, events: {}, seconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function writeTemp(dir: string, name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}
