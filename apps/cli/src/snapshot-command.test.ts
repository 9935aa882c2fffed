import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { migrateCommand, restoreCommand, snapshotCommand, type CommandIo } from './snapshot-command.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const kernel = join(root, 'guests/images/kernel-m.elf');

/** Streams standing in for the terminal; `out()` is everything the guest printed. */
function terminal(): CommandIo & { out(): string; err(): string } {
  const stdin = new PassThrough();
  stdin.end();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString('latin1')));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  return {
    stdin: stdin as unknown as NodeJS.ReadStream,
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr,
    out: () => out,
    err: () => err,
  };
}

const results = (text: string): string[] => text.split('\n').map((l) => l.trim()).filter((l) => /^(RESULT|DONE)/.test(l));

describe('vm snapshot / vm restore / vm migrate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vm-snapcli-'));
  const disk = join(dir, 'disk.img');
  writeFileSync(disk, new Uint8Array(8 << 20));
  const board = ['-m', '256M', '-bios', 'none', '-kernel', kernel, '-drive', `file=${disk},format=raw,if=virtio`];

  it('snapshots kernel-m mid-run and a restore finishes it with the guest exit status', async () => {
    const file = join(dir, 'cpu-disk.vmsnap');
    const a = terminal();
    expect(await snapshotCommand([...board, '-append', 'workload=cpu,disk', '-o', file, '--at', '3000000'], a)).toBe(0);
    expect(a.err()).toMatch(/vm snapshot: 3000000 instructions; wrote .*cpu-disk\.vmsnap \(\d+ bytes/);
    const b = terminal();
    expect(await restoreCommand([file, '--stats'], b)).toBe(0);
    expect(results(a.out() + b.out())).toEqual([
      'RESULT cpu iters=200 crc=0x5cc442d2 ok',
      'RESULT disk pio=absent virtio sectors=256 crc=0xd41ae083 ok',
      'DONE pass',
    ]);
    // The disk file changed since the snapshot: restore refuses, naming it.
    writeFileSync(disk, new Uint8Array(8 << 20).fill(1));
    await expect(restoreCommand([file], terminal())).rejects.toThrow(/disk 0: .*disk\.img changed since the snapshot/);
    writeFileSync(disk, new Uint8Array(8 << 20));
  });

  it('restore honours --max-instructions and refuses a broken file', async () => {
    const file = join(dir, 'cpu.vmsnap');
    expect(await snapshotCommand(['-m', '64M', '-bios', 'none', '-kernel', kernel, '-append', 'workload=cpu', '-o', file, '--at', '1000000'], terminal())).toBe(0);
    const t = terminal();
    expect(await restoreCommand([file, '--max-instructions', '500000'], t)).toBe(124);
    expect(t.err()).toMatch(/stopped after 500000 instructions/);
    const bad = join(dir, 'bad.vmsnap');
    writeFileSync(bad, 'not a snapshot at all');
    await expect(restoreCommand([bad], terminal())).rejects.toThrow(/bad\.vmsnap: at offset 0x0 \(magic\): not a vm snapshot/);
  });

  it('migrates a running kernel-m between two vm migrate endpoints on the loopback', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const rx = terminal();
    const tx = terminal();
    const receiving = migrateCommand(['--listen', String(port)], rx);
    await new Promise((r) => setTimeout(r, 100));
    const sent = await migrateCommand(['-m', '64M', '-bios', 'none', '-kernel', kernel, '-append', 'workload=mem mem.mb=16', '--to', `127.0.0.1:${port}`, '--after', '3000000'], tx);
    expect(sent).toBe(0);
    expect(await receiving).toBe(0);
    expect(tx.err()).toMatch(/pre-copy rounds/);
    expect(tx.err()).toMatch(/downtime [\d.]+ ms/);
    expect(rx.err()).toMatch(/received \d+ pages in \d+ rounds/);
    expect(results(tx.out() + rx.out())).toEqual(['RESULT mem mb=16 pages=4096 passes=4 crc=0x784ca6d4 ok', 'DONE pass']);
    process.stderr.write(tx.err() + rx.err());
  });
});
