import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileBlockBackend, VirtioBlock } from '@vm/devices';
import { bootVirt } from './boot.js';
import { VirtMachine } from './virt.js';
import { ScriptedConsole } from './test-support/scripted-console.js';
import { FIRMWARE, file, haveFirmware } from './test-support/firmware.js';

const haveMtools = existsSync('/usr/bin/mcopy') && existsSync('/usr/sbin/mkfs.vfat');

/** Boot OpenSBI (fw_jump) + U-Boot S-mode on a 256 MiB board, as `vm run -m 256M -bios fw_jump.bin -kernel u-boot.bin`. */
function bootUbootS(extra?: (m: VirtMachine) => void): { m: VirtMachine; con: ScriptedConsole } {
  const con = new ScriptedConsole();
  const m = new VirtMachine({ memory: 256 << 20, console: con.sink });
  extra?.(m);
  con.attach(m);
  bootVirt(m, { bios: file(FIRMWARE.fwJump), kernel: file(FIRMWARE.ubootS) });
  return { m, con };
}

describe.skipIf(!haveFirmware)('Debian firmware on the virt board', () => {
  it('OpenSBI prints its banner and U-Boot S-mode reaches its prompt and answers `version`', () => {
    const { con } = bootUbootS();
    const banner = con.expect('Hit any key to stop autoboot');
    expect(banner).toContain('OpenSBI v1.1');
    expect(banner).toMatch(/Platform Name\s*: riscv-virtio,qemu/);
    expect(banner).toMatch(/Platform HART Count\s*: 1/);
    expect(banner).toContain('U-Boot 2023.01');
    con.type(' ');
    con.expect('=> ');
    con.line('version');
    const out = con.expect('=> ');
    expect(out).toContain('U-Boot 2023.01');
    expect(out).toMatch(/riscv64-linux-gnu-gcc/);
  });

  it('U-Boot M-mode (no OpenSBI) reaches its prompt', () => {
    const con = new ScriptedConsole();
    const m = new VirtMachine({ memory: 256 << 20, console: con.sink });
    con.attach(m);
    bootVirt(m, { bios: file(FIRMWARE.ubootM) });
    const out = con.expect('Hit any key to stop autoboot');
    expect(out).toContain('U-Boot 2023.01');
    con.type(' ');
    con.expect('=> ');
  });

  describe.skipIf(!haveMtools)('with a FAT image on virtio-blk', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vm-fat-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('scans, lists, loads and writes files; poweroff ends with status 0', () => {
      const img = join(dir, 'disk.img');
      execFileSync('dd', ['if=/dev/zero', `of=${img}`, 'bs=1M', 'count=16', 'status=none']);
      execFileSync('mkfs.vfat', ['-n', 'VMTEST', img], { stdio: 'ignore' });
      const hello = join(dir, 'hello.txt');
      writeFileSync(hello, 'Hello from the host, via virtio-blk!\n');
      execFileSync('mcopy', ['-i', img, hello, '::hello.txt']);
      const backend = new FileBlockBackend(img, { readOnly: false });
      const { con } = bootUbootS((mm) => mm.addVirtio(new VirtioBlock({ backend })));
      con.expect('Hit any key to stop autoboot');
      con.type(' ');
      con.expect('=> ');
      con.line('virtio scan');
      con.expect('=> ');
      con.line('virtio info');
      const info = con.expect('=> ');
      // 16 MiB = 32768 sectors of 512 bytes.
      expect(info).toMatch(/Capacity: 16\.0 MB = 0\.0 GB \(32768 x 512\)/);
      con.line('fatls virtio 0');
      const ls = con.expect('=> ');
      expect(ls).toMatch(/37\s+hello\.txt/);
      con.line('fatload virtio 0 0x84000000 hello.txt');
      expect(con.expect('=> ')).toContain('37 bytes read');
      con.line('md.b 0x84000000 0x10');
      expect(con.expect('=> ')).toContain('84000000: 48 65 6c 6c 6f 20 66 72 6f 6d 20 74 68 65 20 68  Hello from the h');
      con.line('fatwrite virtio 0 0x84000000 copy.txt 0x25');
      expect(con.expect('=> ')).toContain('37 bytes written');
      con.line('poweroff');
      const exit = con.runToExit();
      expect(exit).toEqual({ reason: 'poweroff', code: 0 });
      backend.flush();
      backend.close();
      const copy = execFileSync('mtype', ['-i', img, '::copy.txt']).toString();
      expect(copy).toBe(readFileSync(hello, 'utf8'));
    });
  });
});
