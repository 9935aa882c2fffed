import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@vm/core';
import { assemble } from '@vm/isa';
import { loadStack } from './stack-file.js';
import { vmArgs } from './test-support/vm-process.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');
const kernelM = join(root, 'guests/images/kernel-m.elf');

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const dir = mkdtempSync(join(tmpdir(), 'vm-up-snapshot-'));
let stacks = 0;

/** `vm up` on a stack file written into `dir` (so relative snapshot paths land there too). */
function up(text: string): Run {
  const file = join(dir, `stack-${stacks++}.yaml`);
  writeFileSync(file, text);
  const r = spawnSync(process.execPath, vmArgs('up', file), { encoding: 'utf8', input: '', timeout: 240_000, cwd: root });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const results = (stdout: string): string[] => stdout.split('\n').filter((l) => / (RESULT|DONE) /.test(l));

/** kernel-m without firmware (no bios key: virtual M-mode), the cpu and fork workloads. */
const bootStack = (hypervisor: string, file: string): string =>
  `${hypervisor}vms:\n  - name: cf\n    memory: 64M\n    kernel: ${kernelM}\n    append: workload=cpu,fork\n    snapshot: { at: 5000000, file: ${file} }\n`;

describe('vm up with snapshot: and restore:', () => {
  let booted: Run;
  const snap = join(dir, 'cf.vmsnap');

  beforeAll(() => {
    booted = up(bootStack('', 'cf.vmsnap'));
  }, 240_000);

  it('native: writes the snapshot at exactly N instructions, keeps running to DONE pass', () => {
    expect(booted.stderr).toMatch(/\[cf\] snapshot at 5000000 → .*cf\.vmsnap \((\d+) bytes\)/);
    const bytes = Number(/\((\d+) bytes\)/.exec(booted.stderr)![1]);
    expect(statSync(snap).size).toBe(bytes);
    expect(results(booted.stdout)).toEqual(['[cf] RESULT cpu iters=200 crc=0x5cc442d2 ok', '[cf] RESULT fork n=50 crc=0xcac43634 rr=ok ok', '[cf] DONE pass']);
    expect(booted.status).toBe(0);
  });

  it('native → native: restore: continues the snapshot to the same RESULT lines', () => {
    const r = up(`vms:\n  - { name: cf, restore: cf.vmsnap }\n`);
    expect(r.stderr).toMatch(/\[cf\] exit 0, \d+ instructions/);
    expect(results(r.stdout)).toEqual(results(booted.stdout));
    expect(r.status).toBe(0);
  }, 240_000);

  it('native → hosted accel: the snapshot continues in a VMM process', () => {
    const r = up(`hypervisor: { type: hosted, mode: accel }\nvms:\n  - { name: cf, restore: ${snap} }\n`);
    expect(r.stderr).toMatch(/\[cf\] exit 0, \d+ instructions, VMM pid 1 \(hosted accel\)/);
    expect(results(r.stdout)).toEqual(results(booted.stdout));
    expect(r.status).toBe(0);
  }, 240_000);

  it('hosted accel snapshot (at or after N) → native restore, next to a booted VM', () => {
    const h = up(bootStack('hypervisor: { type: hosted, mode: accel }\n', 'hosted.vmsnap'));
    const at = /\[cf\] snapshot at (\d+) → .*hosted\.vmsnap \(\d+ bytes\)/.exec(h.stderr);
    expect(at, h.stderr).not.toBeNull();
    expect(Number(at![1])).toBeGreaterThanOrEqual(5_000_000);
    expect(h.status).toBe(0);
    const r = up(`vms:\n  - { name: cf, restore: hosted.vmsnap }\n  - { name: fresh, memory: 64M, kernel: ${kernelM}, append: workload=cpu }\n`);
    expect(results(r.stdout).filter((l) => l.startsWith('[cf] '))).toEqual(results(booted.stdout));
    expect(r.stdout).toContain('[fresh] DONE pass');
    expect(r.status).toBe(0);
  }, 240_000);

  it('a snapshot point the VM never reaches is reported and makes status 1', () => {
    const r = up(`vms:\n  - { name: cf, restore: cf.vmsnap, snapshot: { at: 900000000, file: never.vmsnap } }\n`);
    expect(r.stdout).toContain('[cf] DONE pass');
    expect(r.stderr).toMatch(/\[cf\] snapshot at 900000000 not taken: the VM stopped after \d+ instructions/);
    expect(existsSync(join(dir, 'never.vmsnap'))).toBe(false);
    expect(r.status).toBe(1);
  }, 240_000);

  it('names the key path of a bad snapshot: or restore:, with status 2', () => {
    const cases: [string, string][] = [
      [`  - { name: a, restore: cf.vmsnap, kernel: ${kernelM} }`, 'vms[0].kernel: not with restore'],
      ['  - { name: a, restore: cf.vmsnap, bios: none }', 'vms[0].bios: not with restore'],
      ['  - { name: a, restore: cf.vmsnap, append: workload=cpu }', 'vms[0].append: not with restore'],
      ['  - { name: a, restore: cf.vmsnap, drives: [] }', 'vms[0].drives: not with restore'],
      ['  - { name: a, restore: cf.vmsnap, memory: 32M }', 'vms[0].memory: 32M, but the snapshot in restore has 64M'],
      ['  - { name: a, restore: cf.vmsnap, vcpus: 2 }', 'vms[0].vcpus: 2, but the snapshot in restore has 1'],
      ['  - { name: a, restore: nowhere.vmsnap }', "vms[0].restore: 'nowhere.vmsnap': no such file"],
      ['  - { name: a, restore: stack-0.yaml }', 'vms[0].restore: not a readable snapshot'],
      ['  - { name: a, memory: 4M }', 'vms[0]: needs a kernel, a bios or restore'],
      [`  - { name: a, memory: 64M, kernel: ${kernelM}, snapshot: { file: x.vmsnap } }`, 'vms[0].snapshot.at: missing'],
      [`  - { name: a, memory: 64M, kernel: ${kernelM}, snapshot: { at: 0, file: x.vmsnap } }`, 'vms[0].snapshot.at: expected an integer from 1'],
      [`  - { name: a, memory: 64M, kernel: ${kernelM}, snapshot: { at: 5 } }`, 'vms[0].snapshot.file: missing'],
      [`  - { name: a, memory: 64M, kernel: ${kernelM}, snapshot: { at: 5, file: /nonexistent/x.vmsnap } }`, "vms[0].snapshot.file: '/nonexistent/x.vmsnap': no directory /nonexistent"],
      [`  - { name: a, memory: 64M, kernel: ${kernelM}, snapshot: { at: 5, file: x, every: 9 } }`, 'vms[0].snapshot.every: unknown key'],
      [`  - { name: a, memory: 64M, kernel: ${kernelM}, snapshot: 5 }`, 'vms[0].snapshot: expected a mapping'],
      [`  - { name: a, restore: cf.vmsnap, snapshot: { at: 5, file: x } }\n  - { name: b, restore: cf.vmsnap, snapshot: { at: 5, file: x } }`, "vms[1].snapshot.file: '" + join(dir, 'x') + "' is already the snapshot file of vms[0]"],
    ];
    // The vm command turns a stack file's error into status 2 and its message on stderr (one
    // spawned `vm up` shows it); the messages themselves are loadStack's, checked in this process
    // (a `vm up` per case cost three seconds of start-up each).
    const [first, ...rest] = cases;
    const bad = up(`vms:\n${first![0]}\n`);
    expect(bad.status, first![1]).toBe(2);
    expect(bad.stderr).toContain(first![1]);
    for (const [vms, message] of rest) {
      const file = join(dir, `stack-${stacks++}.yaml`);
      writeFileSync(file, `vms:\n${vms}\n`);
      expect(() => loadStack(file), message).toThrow(ConfigError);
      expect(() => loadStack(file)).toThrow(message);
    }
  }, 240_000);
});

/**
 * A VM of two vCPUs (packages/hypervisor-native/fixtures/smp-print.s: both print, vCPU 1 waits in
 * WFI and in HSM suspends, with SBI timer ticks) snapshotted by `vm up` mid-run, both vCPUs
 * started, and restored by another `vm up`: the restored console is exactly the rest of the
 * uninterrupted run's, character for character (the interleaving of the two vCPUs' output follows
 * the order they ran in, so it is a check of the scheduler state too).
 */
describe.each(['trap', 'hext'])('vm up: a 2-vCPU VM (%s) snapshotted and restored resumes exactly', (mode) => {
  it('the restored console is the rest of the uninterrupted one, status 0', () => {
    const bin = join(dir, 'smp-print.bin');
    writeFileSync(bin, assemble(readFileSync(join(root, 'packages/hypervisor-native/fixtures/smp-print.s'), 'utf8'), { base: 0x8020_0000n }).bytes);
    const hv = `hypervisor: { mode: ${mode}, quantum: 7000 }\n`;
    const file = `smp-${mode}.vmsnap`;
    const booted = up(`${hv}vms:\n  - { name: smp, memory: 16M, kernel: ${bin}, vcpus: 2, snapshot: { at: 400000, file: ${file} } }\n`);
    expect(booted.stderr).toMatch(new RegExp(`\\[smp\\] snapshot at \\d+ → .*${file}`));
    expect(booted.status, booted.stderr).toBe(0);
    const restored = up(`${hv}vms:\n  - { name: smp, restore: ${file} }\n`);
    expect(restored.status, restored.stderr).toBe(0);
    // The guest's output without the stack's line prefixes and line breaks.
    const stream = (stdout: string): string => stdout.replace(/^\[smp\] /gm, '').replace(/\n/g, '');
    const all = stream(booted.stdout);
    const rest = stream(restored.stdout);
    // vCPU 0 prints vCPU 1's HSM status 300 times; vCPU 1 a letter per IPI and '.' per tick.
    expect(all.replace(/[^0-9]/g, '')).toHaveLength(300);
    expect(rest.length).toBeGreaterThan(all.length / 2);
    expect(rest.length).toBeLessThan(all.length);
    expect(all.endsWith(rest)).toBe(true);
  }, 240_000);
});
