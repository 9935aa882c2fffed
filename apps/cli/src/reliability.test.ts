import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** Issue 16: bad guests, bad input and faults end in a clear message and the documented status. */
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');
const tsx = join(root, 'node_modules/.bin/tsx');
const dir = mkdtempSync(join(tmpdir(), 'vm-rel-'));
/** 4 KiB of zeros: an illegal instruction, and mtvec 0 where nothing is mapped: traps forever. */
const zeros = join(dir, 'zeros.bin');
writeFileSync(zeros, new Uint8Array(4096));

function vm(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(tsx, ['--conditions=@vm/source', join(here, 'main.ts'), ...args], { encoding: 'utf8', input: '', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('item 1: a guest trapping forever on the bare board', () => {
  it('stops at --max-instructions, counting the traps that retire nothing', () => {
    const r = vm('run', '-bios', 'none', '-kernel', zeros, '--max-instructions', '1000');
    expect(r.status).toBe(124);
    expect(r.stderr).toMatch(/stopped after \d+ instructions and 1000 traps that retired no instruction \(--max-instructions\)/);
  });

  it('ends on SIGTERM with status 143', async () => {
    const child = spawn(tsx, ['--conditions=@vm/source', join(here, 'main.ts'), 'run', '--stats', '-bios', 'none', '-kernel', zeros], { stdio: ['ignore', 'pipe', 'pipe'] });
    // The guest prints nothing; send the signal once the process is surely inside its run loop.
    setTimeout(() => child.kill('SIGTERM'), 3000);
    const status = await new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    expect(status).toBe(143);
  });

  it('vm snapshot reports the trap loop instead of spinning', () => {
    const r = vm('snapshot', '-o', join(dir, 'z.vmsnap'), '--at', '100000', '-bios', 'none', '-kernel', zeros);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('a trap loop retiring no instruction: pc 0x0, mcause 1');
  });
});
