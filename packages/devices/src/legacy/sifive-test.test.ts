import { describe, expect, it } from 'vitest';
import type { VmExit } from '@vm/core';
import { SifiveTest } from './sifive-test.js';
import type { SifiveTestState } from './sifive-test.js';
import { SnapshotVersionError } from './snapshot-version.js';

function setup() {
  const exits: VmExit[] = [];
  const dev = new SifiveTest({ onExit: (e) => exits.push(e) });
  return { dev, exits };
}

describe('SifiveTest', () => {
  it('powers off with code 0 on PASS (0x5555)', () => {
    const { dev, exits } = setup();
    expect(dev.size).toBe(0x1000);
    expect(dev.accessWidths).toEqual([2, 4]);
    dev.write(0, 4, 0x5555n);
    expect(exits).toEqual([{ reason: 'poweroff', code: 0 }]);
  });

  it('takes the 16-bit status write OpenSBI 1.1 uses for SRST shutdown, through the bus', async () => {
    const { Ram, SystemBus } = await import('@vm/mmu');
    const { dev, exits } = setup();
    const bus = new SystemBus(new Ram(0x8000_0000, 4096));
    bus.attach('test', 0x10_0000, dev);
    expect(bus.write(0x10_0000, 2, 0x5555n)).toBe(true);
    expect(exits).toEqual([{ reason: 'poweroff', code: 0 }]);
    expect(bus.write(0x10_0000, 1, 0x55n)).toBe(false);
  });

  it('powers off with the code in bits 31:16 on FAIL (0x3333)', () => {
    const { dev, exits } = setup();
    dev.write(0, 4, 0x3333n | (3n << 16n));
    dev.write(0, 4, 0x3333n | (0xffffn << 16n));
    expect(exits).toEqual([
      { reason: 'poweroff', code: 3 },
      { reason: 'poweroff', code: 0xffff },
    ]);
  });

  it('requests a reset on 0x7777 and ignores other values and offsets', () => {
    const { dev, exits } = setup();
    dev.write(0, 4, 0x7777n);
    dev.write(0, 4, 0x1234n);
    dev.write(4, 4, 0x5555n);
    expect(exits).toEqual([{ reason: 'reset' }]);
    expect(dev.guestErrors).toBe(2);
    expect(dev.read(0, 4)).toBe(0n);
  });

  it('snapshots as versioned plain data', () => {
    const { dev } = setup();
    expect(dev.snapshot()).toEqual({ version: 1 });
    dev.restore({ version: 1 });
    expect(() => dev.restore({ version: 2 } as unknown as SifiveTestState)).toThrow(SnapshotVersionError);
  });
});
