import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { vmArgs } from './test-support/vm-process.js';

/**
 * Linux 6.1 from Debian's linux-source-6.1 with Debian's busybox as its userland
 * (guests/linux): its init runs a shell transcript (uname, ls /dev, arithmetic, a pipe, a
 * sha256sum of a block written to /dev/vda and read back) and powers off. The transcript must be
 * the same on every stack, and the same as on QEMU.
 */
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');
const IMAGE = join(root, 'guests/linux/images/Image');
const INITRD = join(root, 'guests/linux/images/initramfs.cpio.gz');
const IMAGE_SMP = join(root, 'guests/linux/images/Image-smp');
const FW_JUMP = '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin';
const QEMU = '/usr/bin/qemu-system-riscv64';
const BOOT = ['-m', '256M', '-kernel', IMAGE, '-initrd', INITRD, '-append', 'console=ttyS0'];

const dir = mkdtempSync(join(tmpdir(), 'vm-linux-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function disk(name: string): string {
  const f = join(dir, `${name}.img`);
  writeFileSync(f, '');
  truncateSync(f, 8 << 20);
  return f;
}

/** The lines between the transcript's markers. */
function transcript(console: string): string {
  const text = console.replaceAll('\r', '');
  const start = text.indexOf('=== transcript begin ===');
  const end = text.indexOf('=== transcript end ===');
  return start < 0 || end < 0 ? `(no transcript) ${text.slice(-2000)}` : text.slice(start, end);
}

function vm(name: string, ...args: string[]): { status: number | null; transcript: string } {
  return vmBoot(name, BOOT, ...args);
}

function vmBoot(name: string, boot: string[], ...args: string[]): { status: number | null; transcript: string } {
  const r = spawnSync(process.execPath, vmArgs('run', ...args, ...boot, '-drive', `file=${disk(name)},format=raw,if=virtio`), { encoding: 'utf8', input: '', timeout: 170_000, cwd: root });
  return { status: r.status, transcript: transcript(r.stdout) };
}

const STACKS: Record<string, string[]> = {
  bare: ['-bios', FW_JUMP],
  'native trap, OpenSBI as VM firmware': ['--hypervisor', 'native', '-bios', FW_JUMP],
  "native trap, the hypervisor's SBI": ['--hypervisor', 'native', '--mode', 'trap', '-bios', 'none'],
  "native hext, the hypervisor's SBI": ['--hypervisor', 'native', '--mode', 'hext', '-bios', 'none'],
  'hosted accel': ['--hypervisor', 'hosted', '--mode', 'accel', '-bios', 'none'],
  'hosted soft, OpenSBI as VM firmware': ['--hypervisor', 'hosted', '--mode', 'soft', '-bios', FW_JUMP],
};

describe.skipIf(!existsSync(IMAGE) || !existsSync(FW_JUMP))('Linux 6.1 + busybox on every stack', () => {
  // QEMU 7.2 is the reference; without it the transcript is still checked for its content.
  const reference = existsSync(QEMU)
    ? transcript(spawnSync(QEMU, ['-M', 'virt', '-nographic', '-bios', FW_JUMP, ...BOOT, '-drive', `file=${disk('qemu')},if=none,format=raw,id=hd0`, '-device', 'virtio-blk-device,drive=hd0'], { encoding: 'utf8', input: '', timeout: 60_000 }).stdout)
    : undefined;

  for (const [name, flags] of Object.entries(STACKS)) {
    it(`${name}: the shell transcript, poweroff status 0`, () => {
      const r = vm(name.replace(/\W+/g, '-'), ...flags);
      expect(r.transcript).toContain('Linux vm 6.1.192');
      expect(r.transcript).toContain('\n42\n');
      expect(r.transcript).toContain('\n25 16 9\n');
      expect(r.transcript).toContain('disk: match');
      if (reference !== undefined) expect(r.transcript).toBe(reference);
      expect(r.status).toBe(0);
    }, 180_000);
  }
});

/**
 * The SMP kernel (guests/linux/images/Image-smp, CONFIG_SMP) on four harts of the bare board:
 * OpenSBI starts the secondaries (SBI HSM hart_start), every CPU comes online, and /init's
 * /bin/atomics counts from one thread per CPU with amoadd.w/.d and lr/sc loops to exact totals.
 */
describe.skipIf(!existsSync(IMAGE_SMP) || !existsSync(FW_JUMP))('Linux 6.1 SMP on the bare board', () => {
  const SMP_BOOT = ['-m', '256M', '-kernel', IMAGE_SMP, '-initrd', INITRD, '-append', 'console=ttyS0'];

  it('-smp 4: four CPUs online, atomics exact, the transcript as on QEMU, poweroff status 0', () => {
    const r = vmBoot('smp4', SMP_BOOT, '-smp', '4', '-bios', FW_JUMP);
    expect(r.transcript).toContain('\n$ nproc\n4\n');
    expect(r.transcript).toContain('\n$ grep -c ^processor /proc/cpuinfo\n4\n');
    expect(r.transcript).toContain('\n$ cat /sys/devices/system/cpu/online\n0-3\n');
    expect(r.transcript).toContain('\natomics: 4 threads x 20000 increments\n');
    expect(r.transcript).toContain('\nlr.w/sc.w 80000\n');
    expect(r.transcript).toContain('\natomics: exact\n');
    expect(r.transcript).toContain('disk: match');
    if (existsSync(QEMU)) {
      const q = spawnSync(QEMU, ['-M', 'virt', '-smp', '4', '-nographic', '-bios', FW_JUMP, ...SMP_BOOT, '-drive', `file=${disk('qemu-smp4')},if=none,format=raw,id=hd0`, '-device', 'virtio-blk-device,drive=hd0'], { encoding: 'utf8', input: '', timeout: 60_000 });
      expect(r.transcript).toBe(transcript(q.stdout));
    }
    expect(r.status).toBe(0);
  }, 180_000);
});

/**
 * The same SMP kernel in a VM of the native hypervisor with N vCPUs (`-smp N`, `-bios none`: the
 * hypervisor's SBI starts the secondaries with HSM hart_start and carries their IPIs and remote
 * fences), trap-and-emulate and H extension, and in a hosted VMM of N vCPUs (one KVM_CREATE_VCPU
 * each, run in turns by the VMM process; /dev/vmm's SBI does the same): the transcript as on QEMU
 * with -smp N.
 */
describe.skipIf(!existsSync(IMAGE_SMP) || !existsSync(FW_JUMP))('Linux 6.1 SMP in a multi-vCPU VM of the native and the hosted hypervisor', () => {
  const SMP_BOOT = ['-m', '256M', '-kernel', IMAGE_SMP, '-initrd', INITRD, '-append', 'console=ttyS0'];
  const qemu = new Map<number, string>();
  const reference = (n: number): string | undefined => {
    if (!existsSync(QEMU)) return undefined;
    if (!qemu.has(n)) {
      // Under load QEMU's TCG boot of 4 harts can take minutes.
      const q = spawnSync(QEMU, ['-M', 'virt', '-smp', String(n), '-nographic', '-bios', FW_JUMP, ...SMP_BOOT, '-drive', `file=${disk(`qemu-vsmp${n}`)},if=none,format=raw,id=hd0`, '-device', 'virtio-blk-device,drive=hd0'], { encoding: 'utf8', input: '', timeout: 170_000 });
      qemu.set(n, transcript(q.stdout));
    }
    return qemu.get(n);
  };
  for (const [hypervisor, mode] of [['native', 'trap'], ['native', 'hext'], ['hosted', 'accel']] as const) {
    for (const n of [2, 4]) {
      it(`--hypervisor ${hypervisor} --mode ${mode} -smp ${n}: ${n} CPUs online, atomics exact, the transcript as on QEMU, poweroff status 0`, () => {
        const r = vmBoot(`vsmp-${mode}-${n}`, SMP_BOOT, '--hypervisor', hypervisor, '--mode', mode, '-bios', 'none', '-smp', String(n));
        expect(r.transcript).toContain(`\n$ nproc\n${n}\n`);
        expect(r.transcript).toContain(`\n$ grep -c ^processor /proc/cpuinfo\n${n}\n`);
        expect(r.transcript).toContain(`\n$ cat /sys/devices/system/cpu/online\n0-${n - 1}\n`);
        expect(r.transcript).toContain(`\natomics: ${n} threads x 20000 increments\n`);
        expect(r.transcript).toContain(`\nlr.w/sc.w ${n * 20000}\n`);
        expect(r.transcript).toContain('\natomics: exact\n');
        expect(r.transcript).toContain('disk: match');
        const q = reference(n);
        if (q !== undefined) expect(r.transcript).toBe(q);
        expect(r.status).toBe(0);
      }, 360_000);
    }
  }
});
