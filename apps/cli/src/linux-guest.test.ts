import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { disk as diskIn, expectSmpTranscript, FW_JUMP, IMAGE, IMAGE_SMP, INITRD, QEMU, SMP_BOOT, transcript, vmBoot as vmBootIn } from './test-support/linux-guest.js';

/**
 * Linux 6.1 from Debian's linux-source-6.1 with Debian's busybox as its userland
 * (guests/linux): its init runs a shell transcript (uname, ls /dev, arithmetic, a pipe, a
 * sha256sum of a block written to /dev/vda and read back) and powers off. The transcript must be
 * the same on every stack, and the same as on QEMU.
 */
const BOOT = ['-m', '256M', '-kernel', IMAGE, '-initrd', INITRD, '-append', 'console=ttyS0'];

const dir = mkdtempSync(join(tmpdir(), 'vm-linux-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const disk = (name: string): string => diskIn(dir, name);
const vmBoot = (name: string, boot: string[], ...args: string[]): { status: number | null; transcript: string } => vmBootIn(dir, name, boot, ...args);

function vm(name: string, ...args: string[]): { status: number | null; transcript: string } {
  return vmBoot(name, BOOT, ...args);
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
  it('-smp 4: four CPUs online, atomics exact, the transcript as on QEMU, poweroff status 0', () => {
    const r = vmBoot('smp4', SMP_BOOT, '-smp', '4', '-bios', FW_JUMP);
    expectSmpTranscript(r.transcript, 4);
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
        expectSmpTranscript(r.transcript, n);
        const q = reference(n);
        if (q !== undefined) expect(r.transcript).toBe(q);
        expect(r.status).toBe(0);
      }, 360_000);
    }
  }
});
