import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { vmArgs } from './test-support/vm-process.js';

/**
 * Issue 16: an internal fault (a bug of ours while a guest runs) is exactly one line,
 * `vm: internal error: MESSAGE (pc=0x..., STATE)`, and status 1 — never a Node stack trace —
 * whether it is thrown in the run loop, from a timer (uncaughtException) or as an unhandled
 * rejection. The fault comes from the VM_TEST_FAULT hook (internal-error.ts).
 */
const dir = mkdtempSync(join(tmpdir(), 'vm-fault-'));
/** `j .`: spins for ever on every stack, so the run is still going when a timer fires. */
const spin = join(dir, 'spin.bin');
writeFileSync(spin, new Uint8Array([0x6f, 0, 0, 0]));

function vm(fault: string, ...args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, vmArgs(...args), { encoding: 'utf8', input: '', timeout: 60_000, env: { ...process.env, VM_TEST_FAULT: fault, VM_DEBUG: '' } });
  return { status: r.status, stderr: r.stderr };
}

describe('an internal fault while a guest runs', () => {
  it.each([
    ['slice', 'bare'],
    ['async', 'bare'],
    ['rejection', 'bare'],
    ['slice', 'native'],
    ['async', 'native'],
    ['slice', 'hosted'],
  ] as const)('%s on %s: one report line with the pc and state, status 1', (fault, stack) => {
    const r = vm(fault, 'run', ...(stack === 'bare' ? [] : ['--hypervisor', stack]), '-bios', 'none', '-kernel', spin, '--max-instructions', '50000000', '-nographic');
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^vm: internal error: injected fault \\(VM_TEST_FAULT=${fault}\\) \\(pc=0x[0-9a-f]+, .*(hart 0 in [USM]-mode|VM \\S+ \\w+ in v\\w-mode).*\\d+ guest instructions\\)$`));
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 90_000);
});
