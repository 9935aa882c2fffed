import { describe, expect, it } from 'vitest';
import type { AccessWidth, MmioDevice, Snapshottable, VersionedState } from '@vm/core';
import { assemble } from '@vm/isa';
import { bootVirt, VirtMachine, type BoardDeviceSpec } from '@vm/machine';
import { NativeHypervisor } from './hypervisor.js';

/*
 * issue 12: a timed, stateful device added through the public API (VirtMachine.addDevice /
 * VmConfig.boardDevices) is in a snapshot taken on the bare board and continues in a VM of the
 * native hypervisor restored from it — no snapshot code names the device.
 */

const BASE = 0x1000_c000;

interface MetronomeState extends VersionedState {
  readonly version: 1;
  readonly armed: boolean;
  readonly beats: number;
}

/** Armed by writing 1 at +0, it counts the board's ticks; +8 reads the count. */
class Metronome implements MmioDevice, Snapshottable<MetronomeState> {
  readonly size = 0x1000;
  readonly accessWidths: readonly AccessWidth[] = [8];
  armed = false;
  beats = 0;
  read(offset: number): bigint {
    return offset === 8 ? BigInt(this.beats) : 0n;
  }
  write(offset: number, _width: AccessWidth, value: bigint): void {
    if (offset === 0) this.armed = (value & 1n) === 1n;
  }
  snapshot(): MetronomeState {
    return { version: 1, armed: this.armed, beats: this.beats };
  }
  restore(s: MetronomeState): void {
    this.armed = s.armed;
    this.beats = s.beats;
  }
}

const spec = (m: Metronome): BoardDeviceSpec => ({ name: 'metronome', base: BASE, device: m, tick: () => void (m.armed && m.beats++) });

/** Arm the metronome, wait for 30 beats, keep the count at 0x8000_1000, power off. */
const PROGRAM = assemble(
  `li s0, ${BASE}
  li t0, 1
  sd t0, 0(s0)
  li t1, 30
1: ld t2, 8(s0)
  blt t2, t1, 1b
  li s1, 0x80001000
  sd t2, 0(s1)
  li s2, 0x100000
  li t3, 0x5555
  sw t3, 0(s2)
2: j 2b
`,
  { base: 0x8000_0000n },
).bytes;

describe('a device added through the public API moves with its VM between stacks', () => {
  it('snapshot on the bare board mid-count, restore as a native VM: the count continues to the end', () => {
    const bare = new VirtMachine({ memory: 16 << 20, console: () => {} });
    const m1 = new Metronome();
    bare.addDevice(spec(m1));
    bootVirt(bare, { kernel: { file: 'metronome.bin', bytes: PROGRAM } });
    expect(bare.run(100_000).reason).toBe('budget');
    expect(m1.armed).toBe(true);
    const mid = m1.beats;
    expect(mid).toBeGreaterThan(0);
    expect(mid).toBeLessThan(30);
    const snap = bare.snapshot();

    const hv = new NativeHypervisor({ memory: 32 << 20 });
    const m2 = new Metronome();
    const vm = hv.restoreVm(snap, { name: 'moved', boardDevices: [spec(m2)] });
    expect(m2.snapshot()).toEqual({ version: 1, armed: true, beats: mid });
    for (let i = 0; i < 100 && vm.state !== 'stopped'; i++) hv.run(1_000_000);
    expect(vm.describe()).toContain('powered off with status 0');
    expect(m2.beats).toBeGreaterThanOrEqual(30);
    expect(vm.ram.read64(vm.ram.base + 0x1000)).toBeGreaterThanOrEqual(30n);

    // Without the device the VM's board refuses the snapshot, naming it.
    expect(() => new NativeHypervisor({ memory: 32 << 20 }).restoreVm(snap, { name: 'bare' })).toThrow(/device 'metronome'/);
  });
});
