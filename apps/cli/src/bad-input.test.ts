import { mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { VirtMachine, bootVirt, encodeSnapshot, snapshotMachine } from '@vm/machine';
import { failure, main } from './cli-main.js';

/**
 * Issue 16: the bad-input corpus. Files, flags, sizes, snapshots, stack files and migration peers
 * as a hostile or careless user gives them: every case is one clear line on stderr and status 2,
 * none a stack trace. The commands run in this process through cli-main.ts (what main.ts runs,
 * with the same mapping of errors to a line and a status), so the whole corpus takes seconds.
 */
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');
const dir = mkdtempSync(join(tmpdir(), 'vm-bad-input-'));
const file = (name: string, bytes: Uint8Array | string): string => {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
};
const hello = join(root, 'packages/machine/fixtures/uart-hello.elf');
const K = ['-bios', 'none', '-kernel', hello];
const missing = join(dir, 'no-such-file');
const empty = file('empty.bin', '');
const truncatedElf = file('truncated.elf', readFileSync(hello).subarray(0, 100));
const huge = file('huge.img', '');
truncateSync(huge, 3 * 2 ** 30); // sparse: 3 GiB, beyond what one Node buffer holds
const img = file('disk.img', new Uint8Array(64 << 10));

/** A real snapshot of a small board, then cut short, and one with a crafted header (valid checksums). */
function snapshots(): { truncated: string; crafted: string; ok: Buffer } {
  const m = new VirtMachine({ memory: 4 << 20, console: () => {} });
  bootVirt(m, { kernel: { file: 'hello.elf', bytes: new Uint8Array(readFileSync(hello)) } });
  m.run(100);
  const s = snapshotMachine(m);
  const ok = Buffer.concat(encodeSnapshot(s));
  const crafted = Buffer.concat(encodeSnapshot({ ...s, config: { ...s.config, quantum: 0 } }));
  return { truncated: file('cut.vmsnap', ok.subarray(0, ok.length >> 1)), crafted: file('crafted.vmsnap', crafted), ok };
}
const snaps = snapshots();

const stack = (name: string, text: string): string => file(name, text);

/** Run `vm ARGS` in this process: its status and what it wrote on stderr. */
async function vm(...argv: string[]): Promise<{ status: number; stderr: string }> {
  const out: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array): boolean => {
    out.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }) as typeof process.stderr.write;
  let status: number;
  try {
    status = await main(argv);
  } catch (e) {
    const f = failure(e);
    out.push(f.line);
    status = f.status;
  } finally {
    process.stderr.write = write;
  }
  return { status, stderr: out.join('') };
}

/** A port nobody listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const cases: [string, () => Promise<string[]> | string[], RegExp][] = [
  // files
  ['-kernel a directory', () => ['run', '-bios', 'none', '-kernel', dir], /-kernel '.*': is a directory/],
  ['-kernel a missing file', () => ['run', '-bios', 'none', '-kernel', missing], /-kernel .*no-such-file/],
  ['-kernel a 3 GiB sparse file', () => ['run', '-bios', 'none', '-kernel', huge], /-kernel .*too large/],
  ['-kernel an empty file', () => ['run', '-bios', 'none', '-kernel', empty], /empty\.bin.*file is empty/],
  ['-kernel a truncated ELF', () => ['run', '-bios', 'none', '-kernel', truncatedElf], /truncated\.elf/],
  ['-bios a missing file', () => ['run', '-bios', missing, '-kernel', hello], /-bios .*no-such-file/],
  ['-initrd a missing file', () => ['run', ...K, '-initrd', missing], /-initrd .*no-such-file/],
  ['-drive a missing file', () => ['run', ...K, '-drive', `file=${missing},format=raw,if=virtio`], /no-such-file/],
  ['-drive a directory', () => ['run', ...K, '-drive', `file=${dir},format=raw,if=virtio`], /is a directory/],
  ['vm disasm a missing file', () => ['disasm', missing], /no-such-file/],
  ['vm disasm a truncated ELF', () => ['disasm', truncatedElf], /truncated\.elf/],
  // flags
  ['an unknown flag', () => ['run', ...K, '-frobnicate'], /-frobnicate/],
  ['an unknown command', () => ['frobnicate'], /unknown command 'frobnicate'/],
  ['-m not a size', () => ['run', '-m', 'lots', ...K], /-m lots/],
  ['-m with an unknown suffix', () => ['run', '-m', '12Q', ...K], /-m 12Q/],
  ['readonly=maybe', () => ['run', ...K, '-drive', `file=${img},format=raw,if=virtio,readonly=maybe`], /readonly.*maybe/],
  ['snapshot=perhaps', () => ['run', ...K, '-drive', `file=${img},format=raw,if=virtio,snapshot=perhaps`], /snapshot.*perhaps/],
  ['the same image on two writable drives', () => ['run', ...K, '-drive', `file=${img},format=raw,if=virtio`, '-drive', `file=${img},format=raw,if=virtio`], /disk\.img/],
  ['--max-instructions not a number', () => ['run', ...K, '--max-instructions', 'many'], /--max-instructions/],
  ['--hypervisor unknown', () => ['run', '--hypervisor', 'xen', ...K], /--hypervisor/],
  ['--mode unknown', () => ['run', '--hypervisor', 'native', '--mode', 'fast', ...K], /--mode/],
  ['-accel unknown', () => ['-accel', 'kvm', 'run', ...K], /-accel kvm/],
  // sizes
  ['-m 0', () => ['run', '-m', '0', ...K], /-m 0/],
  ['-m 1T (bare)', () => ['run', '-m', '1T', ...K], /-m 1T/],
  ['-m 1T (native)', () => ['run', '--hypervisor', 'native', '-m', '1T', ...K], /-m 1T/],
  ['-m 1T (hosted)', () => ['run', '--hypervisor', 'hosted', '-m', '1T', ...K], /-m 1T/],
  // vCPUs
  ['-smp 9 (hosted)', () => ['run', '--hypervisor', 'hosted', '-smp', '9', ...K], /-smp 9: a VMM of --hypervisor hosted has 1 to 8 vCPUs/],
  ['-smp 2 (hosted accel, an M-mode program)', () => ['run', '--hypervisor', 'hosted', '-smp', '2', ...K], /-smp 2: 2 vCPUs need the driver's SBI \(-bios none -kernel S-payload\)/],
  ['-smp 2 (hosted soft, no firmware)', () => ['run', '--hypervisor', 'hosted', '--mode', 'soft', '-smp', '2', ...K], /-smp 2: 2 harts of the soft VMM's board need a firmware/],
  // snapshots
  ['vm restore a truncated snapshot', () => ['restore', snaps.truncated], /cut\.vmsnap/],
  ['vm restore a crafted header (quantum 0, checksums valid)', () => ['restore', snaps.crafted], /config\.quantum/],
  ['vm restore a missing file', () => ['restore', missing], /no-such-file/],
  ['vm restore a directory', () => ['restore', dir], /is a directory/],
  ['vm restore an ELF', () => ['restore', hello], /uart-hello\.elf/],
  // stack files
  ['vm up: bad YAML', () => ['up', stack('bad.yaml', 'vms: [ { name: a,\n')], /bad\.yaml/],
  ['vm up: an unknown key', () => ['up', stack('key.yaml', `vms:\n  - { name: a, memory: 4M, kernel: ${hello}, colour: red }\n`)], /colour/],
  ['vm up: a wrong type', () => ['up', stack('type.yaml', `vms:\n  - { name: a, memory: [1], kernel: ${hello} }\n`)], /memory/],
  ['vm up: no VMs', () => ['up', stack('none.yaml', 'vms: []\n')], /vms/],
  ['vm up: a missing stack file', () => ['up', missing], /no-such-file/],
  // migration peers
  ['vm migrate --to a closed port', async () => ['migrate', '--to', `127.0.0.1:${await closedPort()}`, '--after', '100', ...K], /--to 127\.0\.0\.1:\d+: cannot connect \(ECONNREFUSED\)/],
  ['vm migrate --to an unknown host', () => ['migrate', '--to', 'no-such-host.invalid:4444', '--after', '100', ...K], /--to no-such-host\.invalid:4444: cannot connect/],
  ['vm migrate --to without a port', () => ['migrate', '--to', 'somewhere', ...K], /--to somewhere/],
  ['vm migrate --listen not a port', () => ['migrate', '--listen', '99999'], /--listen/],
];

describe('the bad-input corpus: one clear line and status 2, never a stack trace', () => {
  it.each(cases)('%s', async (_name, args, message) => {
    const r = await vm(...(await args()));
    expect(r.stderr, r.stderr).toMatch(/^vm: /);
    expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at |node:internal/);
    expect(r.status, r.stderr).toBe(2);
  }, 30_000);

  it('the snapshot the bad ones were made from restores and runs to its poweroff (the corpus refuses what is bad, not everything)', async () => {
    const r = await vm('restore', file('ok.vmsnap', snaps.ok), '--max-instructions', '1000000');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
