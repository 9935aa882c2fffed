import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');
const fixtures = join(root, 'packages/machine/fixtures');
const tsx = join(root, 'node_modules/.bin/tsx');

/** Run the `vm` command as a user would (`pnpm vm ...`), with stdin closed. */
function vm(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(tsx, ['--conditions=@vm/source', join(here, 'main.ts'), ...args], { encoding: 'utf8', input: '', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('vm run', () => {
  it('runs a bare-metal ELF in M-mode and exits with its poweroff status', () => {
    const ok = vm('run', '-bios', 'none', '-kernel', join(fixtures, 'uart-hello.elf'));
    expect(ok.stdout).toBe('hello from M-mode\n');
    expect(ok.status).toBe(0);
    const fail = vm('run', '-bios', 'none', '-kernel', join(fixtures, 'uart-fail7.elf'));
    expect(fail.status).toBe(7);
  });

  it('exits with the HTIF code of a tohost program and names the failing test', () => {
    expect(vm('run', '-bios', 'none', '-kernel', join(fixtures, 'htif-pass.elf')).status).toBe(0);
    const fail = vm('run', '-bios', 'none', '-kernel', join(fixtures, 'htif-fail3.elf'));
    expect(fail.status).toBe(3);
    expect(fail.stderr).toContain('test 3 failed');
  });

  it('names bad flags and missing or malformed files', () => {
    const unknown = vm('run', '-frobnicate');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("unknown option '-frobnicate'");
    const missing = vm('run', '-bios', 'none', '-kernel', '/nonexistent/k.elf');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("-kernel '/nonexistent/k.elf': no such file");
    const mem = vm('run', '-m', 'lots', '-bios', 'none', '-kernel', join(fixtures, 'htif-pass.elf'));
    expect(mem.status).toBe(2);
    expect(mem.stderr).toContain('-m lots');
    const smp = vm('run', '-smp', '9', '-bios', 'none', '-kernel', join(fixtures, 'htif-pass.elf'));
    expect(smp.stderr).toContain('-smp 9');
  });

  it('refuses a truncated ELF with the field at fault', () => {
    const bad = vm('run', '-bios', 'none', '-kernel', join(fixtures, 'truncated.elf'));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/truncated\.elf: at offset 0x[0-9a-f]+ \(/);
  });
});

describe('vm run -cpu', () => {
  it("takes QEMU's rv64,h=true and names a bad property", () => {
    expect(vm('run', '-cpu', 'rv64,h=true', '-bios', 'none', '-kernel', join(fixtures, 'uart-hello.elf')).status).toBe(0);
    const bad = vm('run', '-cpu', 'rv64,v=true', '-bios', 'none', '-kernel', join(fixtures, 'uart-hello.elf'));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("unknown property 'v'");
  });
});
