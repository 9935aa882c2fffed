import { describe, expect, it } from 'vitest';
import type { AccessWidth, MmioDevice, Snapshottable, VersionedState } from '@vm/core';
import { parseFdt } from '@vm/devices';
import { assemble } from '@vm/isa';
import { bootVirt } from './boot.js';
import { buildVirtFdt } from './virt-fdt.js';
import { VirtMachine } from './virt.js';
import { decodeSnapshot, encodeSnapshot } from './snapshot/vmsnap-format.js';
import { restoreMachine } from './snapshot/rebuild.js';
import { SnapshotRestoreError } from './snapshot/restore-error.js';
import type { MachineSnapshot } from './snapshot/machine-snapshot.js';

/*
 * The device registry (issue 12): a device added through VirtMachine.addDevice is mapped, listed
 * in the DTB, ticked between batches and checkpointed, with no edit to the board or snapshot code.
 */

const TICKER_BASE = 0x1000_b000;

interface TickerState extends VersionedState {
  readonly version: 1;
  readonly enabled: boolean;
  readonly count: number;
}

/** A test device: once enabled (write 1 at +0) it counts board ticks; +8 reads the count. */
class TickCounter implements MmioDevice, Snapshottable<TickerState> {
  readonly size = 0x1000;
  readonly accessWidths: readonly AccessWidth[] = [8];
  enabled = false;
  count = 0;
  read(offset: number): bigint {
    return offset === 8 ? BigInt(this.count) : 0n;
  }
  write(offset: number, _width: AccessWidth, value: bigint): void {
    if (offset === 0) this.enabled = (value & 1n) === 1n;
  }
  tick(): void {
    if (this.enabled) this.count++;
  }
  snapshot(): TickerState {
    return { version: 1, enabled: this.enabled, count: this.count };
  }
  restore(s: TickerState): void {
    if (s.version !== 1) throw new Error(`ticker: unknown version ${s.version}`);
    this.enabled = s.enabled;
    this.count = s.count;
  }
}

/** M-mode guest: enable the ticker, spin until it has counted 40 ticks, store the count, power off. */
const PROGRAM = assemble(
  `
  .equ TICKER, 0x1000b000
  .equ TEST, 0x100000
  li s0, TICKER
  li t0, 1
  sd t0, 0(s0)
  li t1, 40
1:
  ld t2, 8(s0)
  blt t2, t1, 1b
  li s1, 0x80001000
  sd t2, 0(s1)
  li s2, TEST
  li t3, 0x5555
  sw t3, 0(s2)
2:
  j 2b
`,
  { base: 0x8000_0000n },
).bytes;

/** The steps of docs/device-model-guide.md: build the device, add it, boot. */
function boardWithTicker(): { machine: VirtMachine; ticker: TickCounter } {
  const machine = new VirtMachine({ memory: 16 << 20, console: () => {} });
  const ticker = new TickCounter();
  machine.addDevice({
    name: 'ticker',
    base: TICKER_BASE,
    device: ticker,
    tick: () => ticker.tick(),
    fdt: (node) => {
      node.string('compatible', 'example,tick-counter').u64s('reg', [TICKER_BASE, 0x1000]);
    },
  });
  return { machine, ticker };
}

function boot(machine: VirtMachine): void {
  bootVirt(machine, { kernel: { file: 'ticker.bin', bytes: PROGRAM } });
}

function runToPoweroff(machine: VirtMachine): number {
  for (let i = 0; i < 100; i++) {
    const exit = machine.run(1_000_000);
    if (exit.reason === 'poweroff') return exit.code;
    if (exit.reason !== 'budget') throw new Error(`unexpected exit ${exit.reason}`);
  }
  throw new Error('guest did not power off');
}

describe('devices added through VirtMachine.addDevice', () => {
  it('are mapped, described in the DTB and ticked between batches', () => {
    const { machine, ticker } = boardWithTicker();
    boot(machine);
    const node = parseFdt(buildVirtFdt(machine)).find('/soc/ticker@1000b000');
    expect(node?.prop('compatible')?.string()).toBe('example,tick-counter');
    expect(runToPoweroff(machine)).toBe(0);
    expect(ticker.count).toBe(40);
    expect(machine.ram.read64(machine.ram.base + 0x1000)).toBe(40n);
  });

  it('continue their state after a .vmsnap round trip into a new board', () => {
    const ref = boardWithTicker();
    boot(ref.machine);
    runToPoweroff(ref.machine);

    const a = boardWithTicker();
    boot(a.machine);
    expect(a.machine.run(200_000).reason).toBe('budget');
    const midCount = a.ticker.count;
    expect(midCount).toBeGreaterThan(0);
    expect(midCount).toBeLessThan(40);
    const snap = a.machine.snapshot();
    expect(snap.devices.ticker).toEqual({ version: 1, enabled: true, count: midCount });
    const file = decodeSnapshot(Buffer.concat(encodeSnapshot(snap)), 'mem.vmsnap');

    // Same steps as when the board was first built, then restore: no snapshot code knows the device.
    const b = boardWithTicker();
    b.machine.restore(file);
    expect(b.ticker.count).toBe(midCount);
    expect(b.ticker.enabled).toBe(true);
    expect(runToPoweroff(b.machine)).toBe(0);
    expect(b.ticker.count).toBe(40);
    expect(b.machine.retired).toBe(ref.machine.retired);

    // restoreMachine builds the board from the snapshot; the host adds the device the config cannot describe.
    let added: TickCounter | undefined;
    const { machine: c } = restoreMachine(file, {
      console: () => {},
      addDevices: (m) => {
        added = new TickCounter();
        const t = added;
        m.addDevice({ name: 'ticker', base: TICKER_BASE, device: t, tick: () => t.tick() });
      },
    });
    expect(added!.count).toBe(midCount);
    expect(runToPoweroff(c)).toBe(0);
    expect(c.retired).toBe(ref.machine.retired);
  });

  it('refuse snapshots that lack them or hold devices the board lacks, naming the id', () => {
    const a = boardWithTicker();
    boot(a.machine);
    a.machine.run(100_000);
    const withTicker = a.machine.snapshot();

    const plain = new VirtMachine({ memory: 16 << 20, console: () => {} });
    expect(() => plain.restore(withTicker)).toThrow(SnapshotRestoreError);
    expect(() => plain.restore(withTicker)).toThrow(/device 'ticker': in the snapshot but not on this board/);
    expect(() => restoreMachine(withTicker, { console: () => {} })).toThrow(/device 'ticker'/);

    const withoutTicker: MachineSnapshot = { ...withTicker, devices: { ...withTicker.devices } };
    delete (withoutTicker.devices as Record<string, VersionedState>).ticker;
    const b = boardWithTicker();
    expect(() => b.machine.restore(withoutTicker)).toThrow(/device 'ticker': on this board but missing from the snapshot/);
  });

  it('reject a second device with the same name or an overlapping window', () => {
    const { machine } = boardWithTicker();
    expect(() => machine.addDevice({ name: 'ticker', base: 0x1000_c000, device: new TickCounter() })).toThrow(/already on the board/);
    expect(() => machine.addDevice({ name: 'other', base: TICKER_BASE, device: new TickCounter() })).toThrow(/overlaps ticker/);
  });
});
