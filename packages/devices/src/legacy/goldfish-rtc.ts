import type { AccessWidth, Clock, IrqLine, MmioDevice, Snapshottable, VersionedState } from '@vm/core';
import { ConfigError } from '@vm/core';
import { checkSnapshotVersion } from './snapshot-version.js';

/*
 * Goldfish RTC ("google,goldfish-rtc") at 0x10_1000 on the virt board (IRQ 11). Registers are as in
 * the Android emulator's "Goldfish Virtual Hardware Platform" document, section "Goldfish real-time
 * clock", and QEMU's hw/rtc/goldfish_rtc.c: a 64-bit nanosecond counter read as two 32-bit halves
 * (reading TIME_LOW latches TIME_HIGH) and a one-shot alarm.
 *
 * Time comes from the machine Clock, so it is deterministic when the clock is virtual:
 * ns = epochNs + clock.now() * 1e9 / clock.frequency + (offset set by guest writes to TIME_*).
 */

const REG_TIME_LOW = 0x00;
const REG_TIME_HIGH = 0x04;
const REG_ALARM_LOW = 0x08;
const REG_ALARM_HIGH = 0x0c;
const REG_IRQ_ENABLED = 0x10;
const REG_CLEAR_ALARM = 0x14;
const REG_ALARM_STATUS = 0x18;
const REG_CLEAR_INTERRUPT = 0x1c;
const WINDOW_SIZE = 0x1000;

const MASK64 = (1n << 64n) - 1n;
const LOW32 = 0xffff_ffffn;
const HIGH32 = LOW32 << 32n;
const NS_PER_SECOND = 1_000_000_000n;

export interface GoldfishRtcOptions {
  clock: Clock;
  /** The interrupt output; on the virt board it goes to PLIC source 11. */
  irq: IrqLine;
  /** Wall-clock time, in ns since the Unix epoch, at clock.now() = 0 (default 0: 1970-01-01). */
  epochNs?: bigint;
}

export interface GoldfishRtcState extends VersionedState {
  readonly version: 1;
  /** Guest-set adjustment added to epochNs + clock time, in ns (modulo 2^64). */
  readonly offsetNs: bigint;
  readonly timeHigh: number;
  readonly alarmNs: bigint;
  readonly alarmRunning: boolean;
  readonly irqPending: boolean;
  readonly irqEnabled: boolean;
}

/** Goldfish real-time clock with one alarm. The board calls `update()` as time moves. */
export class GoldfishRtc implements MmioDevice, Snapshottable<GoldfishRtcState> {
  readonly size = WINDOW_SIZE;
  readonly accessWidths: readonly AccessWidth[] = [4];
  /** Guest accesses to registers this model does not implement (read as 0 / ignored). */
  guestErrors = 0;

  private readonly clock: Clock;
  private readonly irq: IrqLine;
  private readonly epochNs: bigint;
  private readonly frequency: bigint;
  private offsetNs = 0n;
  /** TIME_HIGH as latched by the last TIME_LOW read. */
  private timeHigh = 0;
  private alarmNs = 0n;
  private alarmRunning = false;
  private irqPending = false;
  private irqEnabled = false;
  private irqLevel = false;

  constructor(options: GoldfishRtcOptions) {
    if (!Number.isInteger(options.clock.frequency) || options.clock.frequency <= 0) {
      throw new ConfigError(`goldfish-rtc: clock frequency must be a positive integer, got ${options.clock.frequency}`);
    }
    this.clock = options.clock;
    this.irq = options.irq;
    this.epochNs = options.epochNs ?? 0n;
    this.frequency = BigInt(options.clock.frequency);
  }

  /** Current RTC time in nanoseconds since the Unix epoch. */
  get timeNs(): bigint {
    return (this.clockNs() + this.offsetNs) & MASK64;
  }

  set timeNs(value: bigint) {
    this.offsetNs = (value - this.clockNs()) & MASK64;
  }

  /** True while an alarm is armed and has not fired (ALARM_STATUS). */
  get alarmArmed(): boolean {
    return this.alarmRunning;
  }

  /**
   * Fire the alarm if it is due. Call between instruction batches (time moves without MMIO).
   */
  update(): void {
    if (this.alarmRunning && this.timeNs >= this.alarmNs) this.raiseAlarm();
  }

  /** The clock time (in `clock.now()` ticks) at which the armed alarm fires, if any. */
  nextDeadline(): bigint | undefined {
    if (!this.alarmRunning) return undefined;
    const clockNs = (this.alarmNs - this.offsetNs - this.epochNs) & MASK64;
    // Round up so that at the returned tick the alarm is really due.
    return (clockNs * this.frequency + NS_PER_SECOND - 1n) / NS_PER_SECOND;
  }

  read(offset: number, _width: AccessWidth): bigint {
    switch (offset) {
      case REG_TIME_LOW: {
        const t = this.timeNs;
        this.timeHigh = Number(t >> 32n);
        return t & LOW32;
      }
      case REG_TIME_HIGH:
        return BigInt(this.timeHigh);
      case REG_ALARM_LOW:
        return this.alarmNs & LOW32;
      case REG_ALARM_HIGH:
        return this.alarmNs >> 32n;
      case REG_IRQ_ENABLED:
        return this.irqEnabled ? 1n : 0n;
      case REG_ALARM_STATUS:
        return this.alarmRunning ? 1n : 0n;
      default:
        this.guestErrors++;
        return 0n;
    }
  }

  write(offset: number, _width: AccessWidth, value: bigint): void {
    const v = value & LOW32;
    switch (offset) {
      case REG_TIME_LOW:
        this.timeNs = (this.timeNs & HIGH32) | v;
        return;
      case REG_TIME_HIGH:
        this.timeNs = (this.timeNs & LOW32) | (v << 32n);
        return;
      case REG_ALARM_LOW:
        // The low half is written last by drivers: it arms the alarm.
        this.alarmNs = (this.alarmNs & HIGH32) | v;
        this.armAlarm();
        return;
      case REG_ALARM_HIGH:
        this.alarmNs = (this.alarmNs & LOW32) | (v << 32n);
        return;
      case REG_IRQ_ENABLED:
        this.irqEnabled = (v & 1n) === 1n;
        this.updateIrq();
        return;
      case REG_CLEAR_ALARM:
        this.alarmRunning = false;
        return;
      case REG_CLEAR_INTERRUPT:
        this.irqPending = false;
        this.updateIrq();
        return;
      default:
        this.guestErrors++;
    }
  }

  private clockNs(): bigint {
    return this.epochNs + (this.clock.now() * NS_PER_SECOND) / this.frequency;
  }

  /** An alarm already in the past fires at once; otherwise it waits for `update()`. */
  private armAlarm(): void {
    if (this.timeNs >= this.alarmNs) this.raiseAlarm();
    else this.alarmRunning = true;
  }

  private raiseAlarm(): void {
    this.alarmRunning = false;
    this.irqPending = true;
    this.updateIrq();
  }

  private updateIrq(force = false): void {
    const level = this.irqPending && this.irqEnabled;
    if (level !== this.irqLevel || force) {
      this.irqLevel = level;
      this.irq.set(level);
    }
  }

  snapshot(): GoldfishRtcState {
    return {
      version: 1,
      offsetNs: this.offsetNs,
      timeHigh: this.timeHigh,
      alarmNs: this.alarmNs,
      alarmRunning: this.alarmRunning,
      irqPending: this.irqPending,
      irqEnabled: this.irqEnabled,
    };
  }

  restore(state: GoldfishRtcState): void {
    checkSnapshotVersion('goldfish-rtc', state, [1]);
    this.offsetNs = BigInt.asUintN(64, state.offsetNs);
    this.timeHigh = state.timeHigh >>> 0;
    this.alarmNs = BigInt.asUintN(64, state.alarmNs);
    this.alarmRunning = state.alarmRunning;
    this.irqPending = state.irqPending;
    this.irqEnabled = state.irqEnabled;
    this.updateIrq(true);
  }
}
