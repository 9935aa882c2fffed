/* eslint-disable @typescript-eslint/no-explicit-any -- these tests edit arbitrary fields of a snapshot, as a crafted file would */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileBlockBackend, VirtioBlock } from '@vm/devices';
import { FormatError } from '@vm/core';
import { bootVirt } from '../boot.js';
import { VirtMachine } from '../virt.js';
import { snapshotMachine } from './capture.js';
import type { MachineSnapshot } from './machine-snapshot.js';
import { restoreMachine } from './rebuild.js';
import { SnapshotRestoreError } from './restore-error.js';
import { decodeSnapshot, encodeSnapshot } from './vmsnap-format.js';

/**
 * Issue 16, item 7: a snapshot whose checksums match but whose writer was not this program.
 * Each edited header is re-encoded (so CRC-32 and SHA-256 are right) and must be refused with the
 * field named — not a trace, a spin, a RangeError or an exit without a message.
 */
const dir = mkdtempSync(join(tmpdir(), 'vmsnap-fields-'));

function snapshotWithDisk(image: string): MachineSnapshot {
  const m = new VirtMachine({ memory: 4 << 20, console: () => {} });
  m.addVirtio(new VirtioBlock({ backend: new FileBlockBackend(image) }));
  // j . : a guest that only spins.
  bootVirt(m, { kernel: { file: 'spin.bin', bytes: new Uint8Array([0x6f, 0, 0, 0]) } });
  m.run(1000);
  return snapshotMachine(m);
}

function reencode(s: MachineSnapshot): Uint8Array {
  return Buffer.concat(encodeSnapshot(s));
}

function refusal(s: unknown): FormatError {
  try {
    decodeSnapshot(reencode(s as MachineSnapshot), 'edited.vmsnap');
  } catch (e) {
    if (e instanceof FormatError) return e;
    throw e;
  }
  throw new Error('the edited snapshot was accepted');
}

describe('snapshot headers are checked field by field', () => {
  const image = join(dir, 'disk.img');
  writeFileSync(image, new Uint8Array(64 << 10));
  const good = snapshotWithDisk(image);
  const edit = (f: (s: Record<string, any>) => void): unknown => {
    const s = structuredClone(good) as unknown as Record<string, any>;
    f(s);
    return s;
  };

  it('accepts the snapshot as written', () => {
    expect(decodeSnapshot(reencode(good), 'good.vmsnap').config.memory).toBe(4 << 20);
  });

  it.each([
    ['config.instructionsPerTick', (s: Record<string, any>): void => void (s.config.instructionsPerTick = 0)],
    ['config.quantum', (s: Record<string, any>): void => void (s.config.quantum = 0)],
    ['config', (s: Record<string, any>): void => void delete s.config],
    ['harts[0].hart.pc', (s: Record<string, any>): void => void (s.harts[0].hart.pc = '0x80000000')],
    ['harts[0].hart.priv', (s: Record<string, any>): void => void (s.harts[0].hart.priv = 7)],
    ['config.memory', (s: Record<string, any>): void => void (s.config.memory = 2 ** 40)],
    ['config.harts', (s: Record<string, any>): void => void (s.config.harts = 0)],
    ['board.current', (s: Record<string, any>): void => void (s.board.current = 5)],
    ['disks[0].path', (s: Record<string, any>): void => void (s.disks[0].path = 42)],
    ['config.virtio[0].disk', (s: Record<string, any>): void => void (s.config.virtio.find((v: { kind: string }) => v.kind === 'blk').disk = 3)],
  ] as const)('%s', (field, f) => {
    const e = refusal(edit(f));
    expect(e.field).toBe(`header field ${field}`);
    expect(e.message).toContain('edited.vmsnap');
  });

  // Component states are checked against the shape this build's own components give, before
  // they load (they threw TypeErrors: a bigint mixed with numbers, BigInt(-0.5), an object).
  it.each([
    ["device 'uart'", 'divisor', (s: Record<string, any>): void => void (s.devices.uart.divisor = 12n)],
    ["device 'uart'", 'lcr', (s: Record<string, any>): void => void (s.devices.uart.lcr = 0.5)],
    ["device 'rtc'", 'offsetNs', (s: Record<string, any>): void => void (s.devices.rtc.offsetNs = { a: 1 })],
    ["device 'clint'", 'mtimecmp', (s: Record<string, any>): void => void (s.devices.clint.mtimecmp = [1n, 2n])],
    ["device 'plic'", 'priority[3]', (s: Record<string, any>): void => void (s.devices.plic.priority[3] = 'x')],
    ['hart 0 mmu', 'pmp.cfg[0]', (s: Record<string, any>): void => void (s.harts[0].mmu.pmp.cfg[0] = -0.5)],
    ['hart 0 mmu', 'pmp.addr', (s: Record<string, any>): void => void (s.harts[0].mmu.pmp.addr = [0])],
  ] as const)('%s state field %s', (component, field, f) => {
    const s = decodeSnapshot(reencode(edit(f) as MachineSnapshot), 'edited.vmsnap');
    let e: unknown;
    try {
      restoreMachine(s, { console: () => {} });
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(SnapshotRestoreError);
    expect((e as Error).message).toMatch(new RegExp(`^cannot restore snapshot: ${component.replace(/'/g, "'")}: ${field.replace(/[[\]]/g, (c) => `\\${c}`)}`));
  });

  it('names a wrong header version plainly', () => {
    const e = refusal(edit((s) => (s.version = 9)));
    expect(e.message).toContain('version: 9: this build reads machine snapshot versions 1 and 2');
  });

  it('never lets disks[].path choose a host file to write: the file is opened read-only under an overlay', () => {
    // Another host file with the recorded size and SHA-256 (what an attacker can compute).
    const victim = join(dir, 'victim.img');
    writeFileSync(victim, readFileSync(image));
    const s = edit((x) => (x.disks[0].path = victim)) as MachineSnapshot;
    const { machine, disks } = restoreMachine(decodeSnapshot(reencode(s), 'edited.vmsnap'), { console: () => {} });
    expect(machine.retired).toBeGreaterThan(0);
    for (const d of disks) {
      expect(d.readOnly).toBe(false);
      d.write(0, new Uint8Array(512).fill(0xee));
      d.flush();
      d.close();
    }
    expect(readFileSync(victim).every((b) => b === 0)).toBe(true);
  });
});
