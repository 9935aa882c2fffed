import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryBlockBackend, parseFdt, VirtioBlock, type FdtNode } from '@vm/devices';
import { buildVirtFdt } from './virt-fdt.js';
import { VirtMachine } from './virt.js';

const haveQemu = existsSync('/usr/bin/qemu-system-riscv64');

/** QEMU's own DTB for the same board configuration. */
function qemuDtb(args: string[]): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'vm-dtb-'));
  try {
    const out = join(dir, 'virt.dtb');
    execFileSync('qemu-system-riscv64', ['-M', `virt,dumpdtb=${out}`, '-nographic', '-bios', 'none', ...args], { stdio: 'ignore' });
    return new Uint8Array(readFileSync(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A node's properties as comparable text, phandle values left out (their numbering is arbitrary). */
function props(n: FdtNode | undefined, skip: string[] = []): Record<string, string> {
  const o: Record<string, string> = {};
  for (const p of n?.properties ?? []) {
    if (['phandle', 'interrupt-parent', 'interrupts-extended', ...skip].includes(p.name)) continue;
    o[p.name] = Buffer.from(p.value).toString('hex');
  }
  return o;
}

describe('the board device tree', () => {
  it('describes exactly what is attached', () => {
    const m = new VirtMachine({ memory: 64 << 20, harts: 2 });
    const fdt = parseFdt(buildVirtFdt(m, { bootargs: 'console=ttyS0', initrd: { start: 0x8400_0000, end: 0x8410_0000 } }));
    expect(fdt.find('/memory@80000000')!.prop('reg')!.u64s()).toEqual([0x8000_0000n, 64n << 20n]);
    expect(fdt.find('/cpus/cpu@1')).toBeDefined();
    expect(fdt.find('/cpus/cpu@2')).toBeUndefined();
    expect(fdt.find('/chosen')!.prop('bootargs')!.string()).toBe('console=ttyS0');
    expect(fdt.find('/chosen')!.prop('linux,initrd-start')!.u64()).toBe(0x8400_0000n);
    // All eight virtio-mmio transports exist (empty ones too), listed from the highest address
    // down as QEMU does; the PLIC serves 2 contexts per hart.
    expect([...fdt.root.walk()].filter((n) => n.name.startsWith('virtio_mmio')).map((n) => n.name)).toEqual(
      [8, 7, 6, 5, 4, 3, 2, 1].map((i) => `virtio_mmio@1000${i}000`),
    );
    expect(fdt.find('/soc/virtio_mmio@10001000')!.prop('interrupts')!.u32()).toBe(1);
    expect(fdt.find('/soc/plic@c000000')!.prop('interrupts-extended')!.cells()).toHaveLength(8);
  });

  it.skipIf(!haveQemu)('matches QEMU 7.2 for every node both boards have', () => {
    const m = new VirtMachine({ memory: 256 << 20 });
    m.addVirtio(new VirtioBlock({ backend: new MemoryBlockBackend(1 << 20) }));
    const ours = parseFdt(buildVirtFdt(m));
    const theirs = parseFdt(qemuDtb(['-m', '256M', '-global', 'virtio-mmio.force-legacy=false']));
    for (const path of ['/memory@80000000', '/soc/serial@10000000', '/soc/test@100000', '/soc/rtc@101000', '/soc/clint@2000000', '/soc/plic@c000000', '/poweroff', '/reboot', '/cpus']) {
      expect(props(ours.find(path)), path).toEqual(props(theirs.find(path)));
    }
    // QEMU advertises extensions this hart lacks (H, Zb*): ours lists only what it implements.
    expect(props(ours.find('/cpus/cpu@0'), ['riscv,isa'])).toEqual(props(theirs.find('/cpus/cpu@0'), ['riscv,isa']));
    // All eight virtio-mmio nodes, occupied or not, with QEMU's properties.
    for (let slot = 0; slot < 8; slot++) {
      const path = `/soc/virtio_mmio@${(0x1000_1000 + slot * 0x1000).toString(16)}`;
      expect(props(ours.find(path)), path).toEqual(props(theirs.find(path)));
    }
    // /soc children in QEMU's order (QEMU also has pci@30000000, which this board lacks).
    const names = (f: typeof ours): string[] => f.find('/soc')!.children.map((n) => n.name).filter((n) => !n.startsWith('pci@'));
    expect(names(ours)).toEqual(names(theirs));
  });

  it.skipIf(!haveQemu)('describes RAM beyond 4 GiB as QEMU 7.2 does (-m 8G, -m 16G)', () => {
    for (const gib of [8, 16]) {
      // The board's RAM is committed lazily: building a 16 GiB board and its DTB allocates nothing.
      const m = new VirtMachine({ memory: gib * 2 ** 30 });
      const ours = parseFdt(buildVirtFdt(m));
      const theirs = parseFdt(qemuDtb(['-m', `${gib}G`]));
      expect(ours.find('/memory@80000000')!.prop('reg')!.u64s()).toEqual([0x8000_0000n, BigInt(gib) << 30n]);
      expect(props(ours.find('/memory@80000000'))).toEqual(props(theirs.find('/memory@80000000')));
      expect(m.ram.store.committed).toBe(0);
    }
  });

  it.skipIf(!haveQemu)('matches QEMU 7.2 with its defaults (legacy transports, no devices) and with a disk on virtio-mmio-bus.0', () => {
    const bare = parseFdt(buildVirtFdt(new VirtMachine({ memory: 128 << 20 })));
    const qemuBare = parseFdt(qemuDtb([]));
    const soc = (f: typeof bare): string[] => f.find('/soc')!.children.filter((n) => !n.name.startsWith('pci@')).map((n) => `${n.name} ${JSON.stringify(Object.entries(props(n)).sort())}`);
    expect(soc(bare)).toEqual(soc(qemuBare));

    const m = new VirtMachine({ memory: 128 << 20 });
    m.addVirtio(new VirtioBlock({ backend: new MemoryBlockBackend(1 << 20) }), { slot: 0 });
    const dir = mkdtempSync(join(tmpdir(), 'vm-dtb-img-'));
    try {
      const img = join(dir, 'fs.img');
      writeFileSync(img, new Uint8Array(1 << 20));
      const theirs = parseFdt(qemuDtb(['-drive', `file=${img},if=none,format=raw,id=x0`, '-device', 'virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0']));
      expect(soc(parseFdt(buildVirtFdt(m)))).toEqual(soc(theirs));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
