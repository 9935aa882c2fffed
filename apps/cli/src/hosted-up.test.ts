import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assemble } from '@vm/isa';
import { vmArgs } from './test-support/vm-process.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');
const kernelM = join(root, 'guests/images/kernel-m.elf');

function up(text: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const file = join(mkdtempSync(join(tmpdir(), 'vm-up-hosted-')), 'stack.yaml');
  writeFileSync(file, text);
  const r = spawnSync(process.execPath, vmArgs('up', file, ...args), { encoding: 'utf8', input: '', timeout: 240_000, cwd: root });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('vm up with hypervisor: { type: hosted }', () => {
  for (const mode of ['accel', 'soft']) {
    it(`${mode}: two kernel-m VMs as two VMM processes on one host OS, consoles prefixed`, () => {
      const r = up(`hypervisor: { type: hosted, mode: ${mode} }\nvms:\n  - { name: cpu, memory: 64M, kernel: ${kernelM}, append: workload=cpu }\n  - { name: fork, memory: 64M, kernel: ${kernelM}, append: workload=fork, weight: 512 }\n`, '--stats');
      expect(r.stdout).toContain('[cpu] RESULT cpu iters=200 crc=0x5cc442d2 ok');
      expect(r.stdout).toContain('[fork] DONE pass');
      expect(r.stdout.split('\n').filter((l) => l !== '').every((l) => /^\[(cpu|fork)\] /.test(l))).toBe(true);
      expect(r.stderr).toMatch(/\[cpu\] exit 0, \d+ instructions, VMM pid 1/);
      expect(r.stderr).toMatch(/\[fork\] exit 0, \d+ instructions, VMM pid 2/);
      expect(r.status).toBe(0);
    }, 240_000);
  }

  it('vcpus: 2 (accel): both vCPUs of smp-print.s print and the guest powers off 0; vcpus refused where a VMM cannot have them', () => {
    // packages/hypervisor-native/fixtures/smp-print.s: vCPU 0 prints vCPU 1's HSM status ('0' / '4') 300 times, vCPU 1 a letter per IPI.
    const bin = join(mkdtempSync(join(tmpdir(), 'vm-up-hosted-smp-')), 'smp-print.bin');
    writeFileSync(bin, assemble(readFileSync(join(root, 'packages/hypervisor-native/fixtures/smp-print.s'), 'utf8'), { base: 0x8020_0000n }).bytes);
    const r = up(`hypervisor: { type: hosted, mode: accel }\nvms:\n  - { name: smp, memory: 16M, kernel: ${bin}, vcpus: 2 }\n`);
    const text = r.stdout.replaceAll('[smp] ', '');
    expect(text.replace(/[^0-9]/g, '')).toHaveLength(300);
    expect(text).toMatch(/[a-p]/);
    expect(r.stderr).toMatch(/\[smp\] exit 0/);
    expect(r.status).toBe(0);
    const firmware = up(`hypervisor: { type: hosted, mode: accel }\nvms:\n  - { name: m, memory: 64M, kernel: ${kernelM}, vcpus: 2 }\n`);
    expect(firmware.stderr).toContain("m: 2 vCPUs need the driver's SBI (-bios none -kernel S-payload)");
    expect(firmware.status).toBe(2);
  }, 240_000);

  it('vcpus: 2 (accel) with snapshot: and restore: continues exactly (the uninterrupted console and instruction count)', () => {
    const d = mkdtempSync(join(tmpdir(), 'vm-up-hosted-smpsnap-'));
    const bin = join(d, 'smp-print.bin');
    writeFileSync(bin, assemble(readFileSync(join(root, 'packages/hypervisor-native/fixtures/smp-print.s'), 'utf8'), { base: 0x8020_0000n }).bytes);
    const snapFile = join(d, 's.vmsnap');
    const stack = (vm: string): string => `hypervisor: { type: hosted, mode: accel }\nvms:\n  - { name: s, ${vm} }\n`;
    const count = (stderr: string): number => Number(/\[s\] exit 0, (\d+) instructions/.exec(stderr)?.[1]);
    // The uninterrupted run: `snapshot:` writes the file at (or just after) the point and keeps running.
    const whole = up(stack(`memory: 16M, kernel: ${bin}, vcpus: 2, snapshot: { at: 250000, file: ${snapFile} }`));
    expect(whole.status).toBe(0);
    const at = Number(/\[s\] snapshot at (\d+) →/.exec(whole.stderr)?.[1]);
    expect(at).toBeGreaterThanOrEqual(250_000);
    const rest = up(stack(`restore: ${snapFile}, vcpus: 2`));
    expect(rest.status).toBe(0);
    expect(at + count(rest.stderr)).toBe(count(whole.stderr));
    // The restored VM prints the uninterrupted run's console from the snapshot point on.
    const text = (r: { stdout: string }): string => r.stdout.replaceAll('[s] ', '');
    expect(text(rest).replace(/[^0-9]/g, '').length).toBeGreaterThan(0);
    expect(text(whole).endsWith(text(rest))).toBe(true);
  }, 240_000);

  it('names the key of a bad hosted stack file', () => {
    const bad = up(`hypervisor: { type: hosted, mode: trap }\nvms:\n  - { name: a, memory: 64M, kernel: ${kernelM} }\n`);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("hypervisor.mode: 'trap': 'accel' or 'soft'");
  });
});

/** A zeroed 8 MiB image and a hosted stack whose VM runs kernel-m's disk workload (then `then`) on it. */
function diskStack(mode: string, snapshot: boolean, then = ''): { file: string; img: string } {
  const d = mkdtempSync(join(tmpdir(), 'vm-up-hosted-disk-'));
  const img = join(d, 'disk.img');
  writeFileSync(img, new Uint8Array(8 << 20));
  const file = join(d, 'stack.yaml');
  writeFileSync(file, `hypervisor: { type: hosted, mode: ${mode} }\nvms:\n  - { name: d, memory: 64M, kernel: ${kernelM}, append: "workload=disk${then}", drives: [ { file: ${img}, snapshot: ${snapshot} } ] }\n`);
  return { file, img };
}

describe('vm up hosted: disk images written back (snapshot: false), as vm run --hypervisor hosted', () => {
  it('at exit; snapshot: true (the default) leaves the image alone; a native stack refuses snapshot: false', () => {
    const back = diskStack('accel', false);
    const r = spawnSync(process.execPath, vmArgs('up', back.file), { encoding: 'utf8', input: '', timeout: 240_000, cwd: root });
    expect(r.stdout).toMatch(/\[d\] RESULT disk .* ok/);
    expect(r.status).toBe(0);
    expect(readFileSync(back.img).some((b) => b !== 0)).toBe(true);
    const copy = diskStack('accel', true);
    expect(spawnSync(process.execPath, vmArgs('up', copy.file), { encoding: 'utf8', input: '', timeout: 240_000, cwd: root }).status).toBe(0);
    expect(readFileSync(copy.img).every((b) => b === 0)).toBe(true);
    const native = up(`vms:\n  - { name: a, memory: 64M, kernel: ${kernelM}, drives: [ { file: ${back.img}, snapshot: false } ] }\n`);
    expect(native.stderr).toContain("vms[0].drives[0].snapshot: a native VM's disk is an in-memory copy");
    expect(native.status).toBe(2);
  }, 240_000);

  for (const [signal, status] of [['SIGTERM', 143], ['SIGINT', 130], ['SIGHUP', 129]] as const) {
    it(`on ${signal} (status ${status}), sent once the guest reported its disk writes`, async () => {
      const { file, img } = diskStack(signal === 'SIGTERM' ? 'soft' : 'accel', false, ',cpu cpu.iters=1000000');
      // Node itself with tsx's loader, not the tsx wrapper: the wrapper relays SIGINT and SIGTERM only.
      const child = spawn(process.execPath, vmArgs('up', file), { stdio: ['ignore', 'pipe', 'pipe'], cwd: root });
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('RESULT disk')) child.kill(signal);
      });
      const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
      expect(out).toMatch(/RESULT disk .* ok/);
      expect(code).toBe(status);
      expect(readFileSync(img).some((b) => b !== 0)).toBe(true);
    }, 240_000);
  }
});
