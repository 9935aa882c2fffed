import { describe, expect, it } from 'vitest';
import { GoldfishRtc } from './goldfish-rtc.js';
import type { GoldfishRtcState } from './goldfish-rtc.js';
import { SnapshotVersionError } from './snapshot-version.js';
import { ManualClock, ProbeLine } from './test-support/probes.js';

const TIME_LOW = 0x00, TIME_HIGH = 0x04, ALARM_LOW = 0x08, ALARM_HIGH = 0x0c, IRQ_ENABLED = 0x10;
const CLEAR_ALARM = 0x14, ALARM_STATUS = 0x18, CLEAR_INTERRUPT = 0x1c;
const EPOCH = 1_700_000_000_000_000_000n; // 2023-11-14T22:13:20Z

function setup(epochNs: bigint = EPOCH) {
  const clock = new ManualClock(10_000_000); // 100 ns per tick
  const irq = new ProbeLine();
  const rtc = new GoldfishRtc({ clock, irq, epochNs });
  const rd = (off: number): bigint => rtc.read(off, 4);
  const wr = (off: number, v: bigint): void => rtc.write(off, 4, v);
  /** What Linux's goldfish_rtc_read_time does: TIME_LOW first, then TIME_HIGH. */
  const readTime = (): bigint => {
    const low = rd(TIME_LOW);
    return (rd(TIME_HIGH) << 32n) | low;
  };
  return { rtc, clock, irq, rd, wr, readTime };
}

describe('GoldfishRtc', () => {
  it('reads nanoseconds from epoch + clock, deterministically', () => {
    const { clock, readTime } = setup();
    expect(readTime()).toBe(EPOCH);
    clock.ticks = 15n;
    expect(readTime()).toBe(EPOCH + 1500n);
    const noEpoch = new GoldfishRtc({ clock: new ManualClock(), irq: new ProbeLine() });
    expect(noEpoch.read(TIME_LOW, 4)).toBe(0n); // epochNs defaults to 0
  });

  it('latches TIME_HIGH when TIME_LOW is read', () => {
    const { rtc, clock, rd } = setup(0n);
    clock.ticks = (0xffff_ffffn - 50n) / 100n; // just below a 2^32 ns carry
    const low = rd(TIME_LOW);
    expect(rd(TIME_HIGH)).toBe(0n);
    clock.ticks += 10n; // the high half carries now ...
    expect(rtc.timeNs >> 32n).toBe(1n);
    expect(rd(TIME_HIGH)).toBe(0n); // ... but TIME_HIGH still shows the latched value
    expect(low).toBe(0xffff_ffffn - 95n);
    rd(TIME_LOW);
    expect(rd(TIME_HIGH)).toBe(1n);
  });

  it('lets the guest set the time through TIME_LOW / TIME_HIGH', () => {
    const { clock, wr, readTime } = setup();
    wr(TIME_HIGH, 0x1234n);
    wr(TIME_LOW, 0x5678n);
    expect(readTime()).toBe(0x1234_0000_5678n);
    clock.ticks += 10n;
    expect(readTime()).toBe(0x1234_0000_5678n + 1000n);
  });

  it('fires the alarm from update() once due, and the interrupt until cleared', () => {
    const { rtc, clock, irq, rd, wr } = setup(0n);
    wr(IRQ_ENABLED, 1n);
    expect(rd(IRQ_ENABLED)).toBe(1n);
    wr(ALARM_HIGH, 0n);
    wr(ALARM_LOW, 5000n); // arms: due at 5000 ns = tick 50
    expect(rd(ALARM_STATUS)).toBe(1n);
    expect(rd(ALARM_LOW)).toBe(5000n);
    expect(rtc.nextDeadline()).toBe(50n);
    clock.ticks = 49n;
    rtc.update();
    expect(irq.level).toBe(false);
    clock.ticks = 50n;
    rtc.update();
    expect(irq.level).toBe(true);
    expect(rd(ALARM_STATUS)).toBe(0n);
    expect(rtc.nextDeadline()).toBeUndefined();
    wr(CLEAR_INTERRUPT, 1n);
    expect(irq.level).toBe(false);
  });

  it('fires an alarm set in the past at once, and masks the line with IRQ_ENABLED', () => {
    const { clock, irq, rd, wr } = setup(0n);
    clock.ticks = 100n;
    wr(ALARM_LOW, 10n);
    expect(rd(ALARM_STATUS)).toBe(0n);
    expect(irq.level).toBe(false); // pending, but interrupts disabled
    wr(IRQ_ENABLED, 1n);
    expect(irq.level).toBe(true);
    wr(IRQ_ENABLED, 0n);
    expect(irq.level).toBe(false);
  });

  it('disarms with CLEAR_ALARM', () => {
    const { rtc, clock, irq, rd, wr } = setup(0n);
    wr(IRQ_ENABLED, 1n);
    wr(ALARM_LOW, 1000n);
    wr(CLEAR_ALARM, 1n);
    expect(rd(ALARM_STATUS)).toBe(0n);
    clock.ticks = 1000n;
    rtc.update();
    expect(irq.level).toBe(false);
    expect(rd(0x20)).toBe(0n);
    expect(rtc.guestErrors).toBe(1);
  });

  it('round-trips its state', () => {
    const a = setup();
    a.wr(TIME_HIGH, 7n);
    a.wr(IRQ_ENABLED, 1n);
    a.wr(ALARM_HIGH, 8n);
    a.wr(ALARM_LOW, 0n);
    a.rd(TIME_LOW);
    const snap = a.rtc.snapshot();
    const b = setup();
    b.rtc.restore(snap);
    expect(b.rtc.snapshot()).toEqual(snap);
    expect(b.readTime()).toBe(a.readTime());
    expect(b.rd(ALARM_STATUS)).toBe(1n);
    expect(() => b.rtc.restore({ ...snap, version: 3 } as unknown as GoldfishRtcState)).toThrow(SnapshotVersionError);
  });
});
