import {
  ConfigError,
  GuestMemoryError,
  type AccessWidth,
  type GuestMemory,
  type IrqLine,
  type MmioDevice,
  type Snapshottable,
  type VersionedState,
} from '@vm/core';
import {
  featureBit,
  hasFeature,
  VIRTIO_F_RING_EVENT_IDX,
  VIRTIO_F_RING_INDIRECT_DESC,
  VIRTIO_F_VERSION_1,
  VIRTIO_ID_NONE,
  VIRTIO_STATUS_DEVICE_NEEDS_RESET,
  VIRTIO_STATUS_DRIVER_OK,
  VIRTIO_STATUS_FEATURES_OK,
} from './constants.js';
import { guardDriverErrors, type ConfigWidth, type VirtioDevice, type VirtioDeviceContext } from './device.js';
import { checkSnapshotVersion, SnapshotShapeError } from '../legacy/snapshot-version.js';
import { VirtioDriverError } from './errors.js';
import * as R from './mmio-registers.js';
import { VirtQueue, type VirtQueueState } from './queue.js';

export interface VirtioMmioTransportOptions {
  readonly device: VirtioDevice;
  /** Guest RAM as the device's DMA sees it (rings and buffers). */
  readonly memory: GuestMemory;
  /** The slot's interrupt line (a PLIC source on QEMU virt: 1..8). */
  readonly irq: IrqLine;
  /**
   * The interface the transport presents: 2 modern (§4.2.2, default), 1 legacy (§4.2.4, what
   * QEMU 7.2's virt board gives unless `-global virtio-mmio.force-legacy=false`).
   */
  readonly version?: VirtioMmioVersion;
}

/** virtio-mmio Version register values: 1 legacy, 2 modern. */
export type VirtioMmioVersion = 1 | 2;

export interface VirtioMmioTransportState extends VersionedState {
  /** 2 added the legacy registers (guestPageShift, queueAligns); version 1 states restore as modern. */
  readonly version: 1 | 2;
  readonly status: number;
  readonly deviceFeaturesSel: number;
  readonly driverFeatures: bigint;
  readonly driverFeaturesSel: number;
  readonly queueSel: number;
  readonly shmSel: number;
  readonly interruptStatus: number;
  readonly configGeneration: number;
  readonly configIrqPending: boolean;
  readonly lastError: string | undefined;
  readonly queues: readonly VirtQueueState[];
  readonly device: VersionedState;
  /** Legacy interface: log2 of GuestPageSize, and each queue's QueueAlign. */
  readonly guestPageShift?: number;
  readonly queueAligns?: readonly number[];
}

/** Bytes per descriptor-table entry (§2.7.5), for the legacy layout. */
const LEGACY_DESC_SIZE = 16;

/** Ring features every device gets from the transport and VirtQueue (virtio 1.2 §6). */
const TRANSPORT_FEATURES =
  featureBit(VIRTIO_F_VERSION_1) | featureBit(VIRTIO_F_RING_INDIRECT_DESC) | featureBit(VIRTIO_F_RING_EVENT_IDX);

/** The device of an empty slot: Device ID 0, no queues, no config (QEMU virt's unused virtio-mmio slots). */
class NoDevice implements VirtioDevice {
  readonly deviceId = VIRTIO_ID_NONE;
  readonly features = 0n;
  readonly configSize = 0;
  readonly queueMaxSizes: readonly number[] = [];
  readConfig(): number {
    return 0;
  }
  writeConfig(): void {}
  activate(): void {}
  notify(): void {}
  reset(): void {}
  snapshot(): VersionedState {
    return { version: 1 };
  }
  restore(): void {}
}

const NO_MEMORY: GuestMemory = {
  contains: () => false,
  slice: () => new Uint8Array(0),
  views: () => [],
  read8: () => 0,
  read16: () => 0,
  read32: () => 0,
  read64: () => 0n,
  write8: () => {},
  write16: () => {},
  write32: () => {},
  write64: () => {},
};

/**
 * virtio over MMIO (virtio 1.2 §4.2): one 0x1000-byte window per device, as on QEMU's virt board;
 * the modern interface (Version 2, §4.2.2-4.2.3) or the legacy one (Version 1, §4.2.4), chosen at
 * construction. Owns the queues, feature negotiation, the device status state machine (§2.1, §3.1.1)
 * and the interrupt line; the device model does the rest.
 *
 * Registers below 0x100 take 32-bit accesses only (§4.2.2.2); other widths read 0 and are ignored.
 * The device configuration space from 0x100 takes 8-, 16- and 32-bit accesses.
 */
export class VirtioMmioTransport implements MmioDevice, Snapshottable<VirtioMmioTransportState> {
  readonly size = R.VIRTIO_MMIO_WINDOW_SIZE;
  readonly accessWidths: readonly AccessWidth[] = [1, 2, 4];
  readonly device: VirtioDevice;
  readonly queues: readonly VirtQueue[];
  readonly version: VirtioMmioVersion;
  private readonly memory: GuestMemory;
  private readonly irq: IrqLine;
  /** Legacy: log2 of GuestPageSize, the unit of QueuePFN (§4.2.4). */
  private guestPageShift = 0;
  /** Legacy: QueueAlign of each queue, the used ring's alignment in the §2.7.2 legacy layout. */
  private readonly queueAligns: number[];

  private status = 0;
  private deviceFeaturesSel = 0;
  private driverFeatures = 0n;
  private driverFeaturesSel = 0;
  private queueSel = 0;
  private shmSel = 0;
  private interruptStatus = 0;
  private configGeneration = 0;
  /** A configuration change notification owed to the driver once it sets DRIVER_OK. */
  private configIrqPending = false;
  private context: VirtioDeviceContext | undefined;
  /** Why the device last entered DEVICE_NEEDS_RESET (diagnostics; cleared by reset). */
  lastError: string | undefined;
  /**
   * Guest accesses that were ignored (QEMU's LOG_GUEST_ERROR): bad width, unknown or write-only
   * register, config space past its end, queue programming while ready, features after FEATURES_OK,
   * status bits cleared without a reset.
   */
  guestErrors = 0;

  constructor(options: VirtioMmioTransportOptions) {
    this.device = options.device;
    this.memory = options.memory;
    this.irq = options.irq;
    this.version = options.version ?? R.VIRTIO_MMIO_VERSION_MODERN;
    if (this.version !== R.VIRTIO_MMIO_VERSION_MODERN && this.version !== R.VIRTIO_MMIO_VERSION_LEGACY) {
      throw new ConfigError(`virtio-mmio: version ${String(this.version)} (1 legacy or 2 modern)`);
    }
    this.queues = this.device.queueMaxSizes.map((max, i) => new VirtQueue(this.memory, i, max));
    this.queueAligns = this.queues.map(() => R.VIRTIO_MMIO_LEGACY_DEFAULT_ALIGN);
  }

  /**
   * An unpopulated slot as QEMU's virt board has it: MagicValue, Version and VendorID read as
   * usual, DeviceID 0 and every other register 0; writes are ignored.
   */
  static empty(version: VirtioMmioVersion = R.VIRTIO_MMIO_VERSION_MODERN): VirtioMmioTransport {
    return new VirtioMmioTransport({ device: new NoDevice(), memory: NO_MEMORY, irq: { set: () => {} }, version });
  }

  /** True for the legacy interface (Version 1, §4.2.4). */
  get legacy(): boolean {
    return this.version === R.VIRTIO_MMIO_VERSION_LEGACY;
  }

  get isEmpty(): boolean {
    return this.device.deviceId === VIRTIO_ID_NONE;
  }

  /**
   * All features offered to the driver: the device's plus the transport's. A legacy device has
   * 32 feature bits only and never offers VIRTIO_F_VERSION_1 (§6.1, §4.2.4 HostFeatures).
   */
  get offeredFeatures(): bigint {
    const all = this.device.features | TRANSPORT_FEATURES;
    return this.legacy ? BigInt.asUintN(32, all) : all;
  }

  /** Features the driver accepted (meaningful once FEATURES_OK is set). */
  get negotiatedFeatures(): bigint {
    return this.driverFeatures;
  }

  get deviceStatus(): number {
    return this.status;
  }

  read(offset: number, width: AccessWidth): bigint {
    if (offset >= R.VIRTIO_MMIO_CONFIG) {
      const at = offset - R.VIRTIO_MMIO_CONFIG;
      if (this.isEmpty) return 0n;
      if (width === 8 || at + width > this.device.configSize) {
        this.guestErrors++;
        return 0n;
      }
      return BigInt(this.device.readConfig(at, width as ConfigWidth) >>> 0);
    }
    if (width !== 4 || offset % 4 !== 0) {
      this.guestErrors++;
      return 0n;
    }
    return BigInt(this.readRegister(offset) >>> 0);
  }

  write(offset: number, width: AccessWidth, value: bigint): void {
    if (this.isEmpty) return;
    if (offset >= R.VIRTIO_MMIO_CONFIG) {
      const at = offset - R.VIRTIO_MMIO_CONFIG;
      if (width === 8 || at + width > this.device.configSize) {
        this.guestErrors++;
        return;
      }
      this.device.writeConfig(at, width as ConfigWidth, Number(BigInt.asUintN(width * 8, value)));
      return;
    }
    if (width !== 4 || offset % 4 !== 0) {
      this.guestErrors++;
      return;
    }
    this.writeRegister(offset, Number(BigInt.asUintN(32, value)));
  }

  private get selectedQueue(): VirtQueue | undefined {
    return this.queues[this.queueSel];
  }

  private readRegister(offset: number): number {
    switch (offset) {
      case R.VIRTIO_MMIO_MAGIC_VALUE:
        return R.VIRTIO_MMIO_MAGIC;
      case R.VIRTIO_MMIO_VERSION:
        return this.version;
      case R.VIRTIO_MMIO_VENDOR_ID:
        return R.VIRTIO_MMIO_VENDOR_QEMU;
      case R.VIRTIO_MMIO_DEVICE_ID:
        return this.device.deviceId;
    }
    if (this.isEmpty) return 0;
    if (this.legacy) return this.readLegacyRegister(offset);
    switch (offset) {
      case R.VIRTIO_MMIO_DEVICE_FEATURES:
        if (this.deviceFeaturesSel > 1) return 0;
        return Number(BigInt.asUintN(32, this.offeredFeatures >> BigInt(32 * this.deviceFeaturesSel)));
      case R.VIRTIO_MMIO_QUEUE_NUM_MAX:
        return this.selectedQueue?.maxSize ?? 0;
      case R.VIRTIO_MMIO_QUEUE_READY:
        return this.selectedQueue?.ready ? 1 : 0;
      case R.VIRTIO_MMIO_INTERRUPT_STATUS:
        return this.interruptStatus;
      case R.VIRTIO_MMIO_STATUS:
        return this.status;
      case R.VIRTIO_MMIO_SHM_LEN_LOW:
      case R.VIRTIO_MMIO_SHM_LEN_HIGH:
      case R.VIRTIO_MMIO_SHM_BASE_LOW:
      case R.VIRTIO_MMIO_SHM_BASE_HIGH:
        // §4.2.2: no shared memory regions; a non-existent region has length (and here base) ~0.
        return 0xffff_ffff;
      case R.VIRTIO_MMIO_CONFIG_GENERATION:
        return this.configGeneration;
      case R.VIRTIO_MMIO_QUEUE_RESET:
        return 0; // VIRTIO_F_RING_RESET is not offered
      default:
        // Write-only registers (QueueNum, queue addresses, ...) and holes read 0, as on QEMU.
        this.guestErrors++;
        return 0;
    }
  }

  /**
   * §4.2.4 Table "MMIO Device Legacy Register Layout": HostFeatures has one 32-bit word, QueuePFN
   * replaces the three queue addresses and QueueReady; ConfigGeneration and the shared-memory
   * registers do not exist (they read 0, as on QEMU's legacy transport).
   */
  private readLegacyRegister(offset: number): number {
    switch (offset) {
      case R.VIRTIO_MMIO_DEVICE_FEATURES:
        return this.deviceFeaturesSel === 0 ? Number(this.offeredFeatures) : 0;
      case R.VIRTIO_MMIO_QUEUE_NUM_MAX:
        return this.selectedQueue?.maxSize ?? 0;
      case R.VIRTIO_MMIO_QUEUE_PFN: {
        // "Reading from this register returns the currently used page number of the queue."
        const q = this.selectedQueue;
        return q?.ready ? Math.floor(q.descAddr / 2 ** this.guestPageShift) >>> 0 : 0;
      }
      case R.VIRTIO_MMIO_INTERRUPT_STATUS:
        return this.interruptStatus;
      case R.VIRTIO_MMIO_STATUS:
        return this.status;
      default:
        this.guestErrors++;
        return 0;
    }
  }

  /** Writes to the legacy interface (§4.2.4); registers it lacks are ignored as guest errors. */
  /** The registers legacy and modern transports share (virtio 1.x §4.2.2, §4.2.4); false for any other. */
  private writeSharedRegister(offset: number, value: number): boolean {
    switch (offset) {
      case R.VIRTIO_MMIO_DEVICE_FEATURES_SEL:
        this.deviceFeaturesSel = value;
        return true;
      case R.VIRTIO_MMIO_DRIVER_FEATURES_SEL:
        this.driverFeaturesSel = value;
        return true;
      case R.VIRTIO_MMIO_QUEUE_SEL:
        this.queueSel = value;
        return true;
      case R.VIRTIO_MMIO_QUEUE_NOTIFY:
        this.queueNotify(value & 0xffff);
        return true;
      case R.VIRTIO_MMIO_INTERRUPT_ACK:
        this.interruptStatus &= ~value;
        this.irq.set(this.interruptStatus !== 0);
        return true;
      default:
        return false;
    }
  }

  private writeLegacyRegister(offset: number, value: number): void {
    const q = this.selectedQueue;
    switch (offset) {
      case R.VIRTIO_MMIO_DRIVER_FEATURES:
        // GuestFeatures: 32 bits only; bits the device did not offer are dropped, as QEMU does.
        if (this.driverFeaturesSel !== 0) {
          this.guestErrors++;
          return;
        }
        this.driverFeatures = BigInt(value) & this.offeredFeatures;
        for (const queue of this.queues) queue.setFeatures(this.driverFeatures);
        return;
      case R.VIRTIO_MMIO_GUEST_PAGE_SIZE: {
        // A power of two; QEMU takes its trailing zero count (and 0 for a value of 0).
        const shift = value === 0 ? 0 : 31 - Math.clz32(value & -value);
        this.guestPageShift = shift;
        return;
      }
      case R.VIRTIO_MMIO_QUEUE_NUM:
        if (q && !q.ready) q.size = value;
        else this.guestErrors++;
        return;
      case R.VIRTIO_MMIO_QUEUE_ALIGN:
        if (q && !q.ready && value !== 0 && (value & (value - 1)) === 0) this.queueAligns[q.index] = value;
        else this.guestErrors++;
        return;
      case R.VIRTIO_MMIO_QUEUE_PFN:
        if (q) this.writeQueuePfn(q, value);
        else this.guestErrors++;
        return;
      case R.VIRTIO_MMIO_STATUS:
        this.writeLegacyStatus(value & 0xff);
        return;
      default:
        this.guestErrors++;
        return;
    }
  }

  /**
   * QueuePFN (§4.2.4): the guest page number of the queue's one contiguous area, laid out as
   * §2.7.2 "Legacy Interfaces: A Note on Virtqueue Layout" describes: descriptor table, then the
   * available ring (flags, idx, ring[n], used_event), then — at the next QueueAlign boundary — the
   * used ring. Writing 0 stops the queue ("when the driver stops using the queue it writes zero").
   */
  private writeQueuePfn(q: VirtQueue, pfn: number): void {
    if (pfn === 0) {
      q.disable();
      q.descAddr = q.driverAddr = q.deviceAddr = 0;
      return;
    }
    if (q.ready) q.disable();
    const n = q.size;
    const align = this.queueAligns[q.index]!;
    const desc = pfn * 2 ** this.guestPageShift;
    const avail = desc + LEGACY_DESC_SIZE * n;
    const used = Math.ceil((avail + 2 * (3 + n)) / align) * align;
    q.descAddr = desc;
    q.driverAddr = avail;
    q.deviceAddr = used;
    this.setQueueReady(q, true);
  }

  /**
   * Status on the legacy interface: there is no FEATURES_OK step (§4.2.4, §3.1.1 legacy note), so
   * the features written before DRIVER_OK are the negotiated ones. FEATURES_OK, if a driver sets
   * it, is kept like any other bit (QEMU does the same).
   */
  private writeLegacyStatus(value: number): void {
    if (value === 0) {
      this.reset();
      return;
    }
    const requested = value & ~VIRTIO_STATUS_DEVICE_NEEDS_RESET;
    const current = this.status & ~VIRTIO_STATUS_DEVICE_NEEDS_RESET;
    if ((current & ~requested) !== 0) {
      this.guestErrors++;
      return;
    }
    const added = requested & ~current;
    this.status |= added;
    if (added & VIRTIO_STATUS_DRIVER_OK) {
      for (const q of this.queues) q.setFeatures(this.driverFeatures);
      this.activate();
    }
  }

  private writeRegister(offset: number, value: number): void {
    if (this.writeSharedRegister(offset, value)) return;
    if (this.legacy) {
      this.writeLegacyRegister(offset, value);
      return;
    }
    const q = this.selectedQueue;
    switch (offset) {
      case R.VIRTIO_MMIO_DRIVER_FEATURES:
        // §2.2.2: features are fixed once FEATURES_OK is set.
        if (this.status & VIRTIO_STATUS_FEATURES_OK || this.driverFeaturesSel > 1) {
          this.guestErrors++;
          return;
        }
        {
          const shift = BigInt(32 * this.driverFeaturesSel);
          const mask = 0xffff_ffffn << shift;
          this.driverFeatures = (this.driverFeatures & ~mask) | (BigInt(value) << shift);
        }
        return;
      case R.VIRTIO_MMIO_QUEUE_NUM:
        if (q && !q.ready) q.size = value;
        else this.guestErrors++;
        return;
      case R.VIRTIO_MMIO_QUEUE_READY:
        if (q) this.setQueueReady(q, (value & 1) === 1);
        else this.guestErrors++;
        return;
      case R.VIRTIO_MMIO_STATUS:
        this.writeStatus(value & 0xff);
        return;
      case R.VIRTIO_MMIO_QUEUE_DESC_LOW:
      case R.VIRTIO_MMIO_QUEUE_DESC_HIGH:
      case R.VIRTIO_MMIO_QUEUE_DRIVER_LOW:
      case R.VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
      case R.VIRTIO_MMIO_QUEUE_DEVICE_LOW:
      case R.VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
        // §4.2.3.2: the driver programs these only while QueueReady is 0.
        if (q && !q.ready) this.writeQueueAddress(q, offset, value);
        else this.guestErrors++;
        return;
      case R.VIRTIO_MMIO_SHM_SEL:
        this.shmSel = value;
        return;
      default:
        this.guestErrors++;
        return;
    }
  }

  private writeQueueAddress(q: VirtQueue, offset: number, value: number): void {
    const setLow = (old: number): number => Math.floor(old / 2 ** 32) * 2 ** 32 + value;
    const setHigh = (old: number): number => value * 2 ** 32 + (old % 2 ** 32);
    switch (offset) {
      case R.VIRTIO_MMIO_QUEUE_DESC_LOW:
        q.descAddr = setLow(q.descAddr);
        break;
      case R.VIRTIO_MMIO_QUEUE_DESC_HIGH:
        q.descAddr = setHigh(q.descAddr);
        break;
      case R.VIRTIO_MMIO_QUEUE_DRIVER_LOW:
        q.driverAddr = setLow(q.driverAddr);
        break;
      case R.VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
        q.driverAddr = setHigh(q.driverAddr);
        break;
      case R.VIRTIO_MMIO_QUEUE_DEVICE_LOW:
        q.deviceAddr = setLow(q.deviceAddr);
        break;
      case R.VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
        q.deviceAddr = setHigh(q.deviceAddr);
        break;
    }
  }

  private setQueueReady(q: VirtQueue, ready: boolean): void {
    if (!ready) {
      // §4.2.3.2: writing 0 stops the queue; its configuration may then be rewritten.
      q.disable();
      return;
    }
    if (q.ready) return;
    q.ready = true;
    q.setFeatures(this.driverFeatures);
    try {
      q.checkLayout();
    } catch (e) {
      this.failWith(e);
    }
  }

  private queueNotify(index: number): void {
    // §3.1.1: the device does not consume buffers before DRIVER_OK; nor after it needs a reset.
    if (!(this.status & VIRTIO_STATUS_DRIVER_OK) || this.status & VIRTIO_STATUS_DEVICE_NEEDS_RESET) return;
    const q = this.queues[index];
    if (!q || !q.ready) {
      this.needsReset(`notification for ${q ? 'disabled' : 'non-existent'} queue ${index}`);
      return;
    }
    const ctx = this.context;
    if (ctx) guardDriverErrors(ctx, () => this.device.notify(index));
  }

  private writeStatus(value: number): void {
    if (value === 0) {
      this.reset();
      return;
    }
    // The driver cannot set DEVICE_NEEDS_RESET, and must not clear bits except by writing 0 (§2.1.1).
    const requested = value & ~VIRTIO_STATUS_DEVICE_NEEDS_RESET;
    const current = this.status & ~VIRTIO_STATUS_DEVICE_NEEDS_RESET;
    if ((current & ~requested) !== 0) {
      this.guestErrors++;
      return;
    }
    let added = requested & ~current;
    if (added & VIRTIO_STATUS_FEATURES_OK && !this.featuresAcceptable(current | added)) {
      added &= ~VIRTIO_STATUS_FEATURES_OK;
    }
    if (added & VIRTIO_STATUS_DRIVER_OK && !((current | added) & VIRTIO_STATUS_FEATURES_OK)) {
      added &= ~VIRTIO_STATUS_DRIVER_OK;
    }
    this.status |= added;
    if (added & VIRTIO_STATUS_FEATURES_OK) {
      for (const q of this.queues) q.setFeatures(this.driverFeatures);
    }
    if (added & VIRTIO_STATUS_DRIVER_OK) this.activate();
  }

  /**
   * §3.1.1 step 5 / §6.1: only offered features, VERSION_1 required. The ACKNOWLEDGE/DRIVER order
   * of §3.1.1 binds the driver, not the device: U-Boot 2023.01 resets after ACKNOWLEDGE and sets
   * only DRIVER before FEATURES_OK, and QEMU accepts that, so we do too.
   */
  private featuresAcceptable(_status: number): boolean {
    const f = this.driverFeatures;
    if ((f & ~this.offeredFeatures) !== 0n) return false;
    if (!hasFeature(f, VIRTIO_F_VERSION_1)) return false;
    return this.device.acceptFeatures?.(f) ?? true;
  }

  private activate(): void {
    const ctx = this.makeContext();
    this.context = ctx;
    this.device.activate(ctx);
    if (this.configIrqPending) {
      this.configIrqPending = false;
      this.raise(R.VIRTIO_MMIO_INT_CONFIG);
    }
    // Buffers made available before DRIVER_OK (e.g. receive buffers) are looked at now.
    for (const q of this.queues) {
      if (q.ready && !(this.status & VIRTIO_STATUS_DEVICE_NEEDS_RESET)) {
        guardDriverErrors(ctx, () => this.device.notify(q.index));
      }
    }
  }

  private makeContext(): VirtioDeviceContext {
    return {
      memory: this.memory,
      queues: this.queues,
      features: this.driverFeatures,
      signalUsed: (q) => {
        if (q.needsNotification()) this.raise(R.VIRTIO_MMIO_INT_VRING);
      },
      configChanged: () => {
        this.configGeneration = (this.configGeneration + 1) >>> 0;
        if (this.status & VIRTIO_STATUS_DRIVER_OK) this.raise(R.VIRTIO_MMIO_INT_CONFIG);
      },
      needsReset: (reason) => this.needsReset(reason),
    };
  }

  private failWith(e: unknown): void {
    if (e instanceof VirtioDriverError || e instanceof GuestMemoryError) this.needsReset(e.message);
    else throw e;
  }

  /**
   * §2.1.2: the device has hit an error from which it needs a reset. Queues stop; the driver gets a
   * configuration change notification now if DRIVER_OK is set, else as soon as it sets it.
   */
  needsReset(reason: string): void {
    if (this.isEmpty || this.status & VIRTIO_STATUS_DEVICE_NEEDS_RESET) return;
    this.lastError = reason;
    this.status |= VIRTIO_STATUS_DEVICE_NEEDS_RESET;
    for (const q of this.queues) q.broken = true;
    if (this.status & VIRTIO_STATUS_DRIVER_OK) this.raise(R.VIRTIO_MMIO_INT_CONFIG);
    else this.configIrqPending = true;
  }

  private raise(bits: number): void {
    this.interruptStatus |= bits;
    this.irq.set(true);
  }

  /** Device reset (§2.4): the driver wrote 0 to Status, or the machine resets. */
  reset(): void {
    this.status = 0;
    this.deviceFeaturesSel = this.driverFeaturesSel = this.queueSel = this.shmSel = 0;
    this.driverFeatures = 0n;
    this.interruptStatus = 0;
    this.configIrqPending = false;
    this.context = undefined;
    this.lastError = undefined;
    // GuestPageSize and QueueAlign survive a device reset: a legacy driver (U-Boot) writes
    // GuestPageSize once at probe time, before it resets the device; QEMU keeps it too.
    for (const q of this.queues) q.reset();
    this.device.reset();
    this.irq.set(false);
  }

  snapshot(): VirtioMmioTransportState {
    return {
      version: 2,
      status: this.status,
      deviceFeaturesSel: this.deviceFeaturesSel,
      driverFeatures: this.driverFeatures,
      driverFeaturesSel: this.driverFeaturesSel,
      queueSel: this.queueSel,
      shmSel: this.shmSel,
      interruptStatus: this.interruptStatus,
      configGeneration: this.configGeneration,
      configIrqPending: this.configIrqPending,
      lastError: this.lastError,
      queues: this.queues.map((q) => q.snapshot()),
      device: this.device.snapshot(),
      guestPageShift: this.guestPageShift,
      queueAligns: [...this.queueAligns],
    };
  }

  restore(state: VirtioMmioTransportState): void {
    checkSnapshotVersion('virtio-mmio', state, [1, 2]);
    if (state.queues.length !== this.queues.length) {
      throw new SnapshotShapeError('virtio-mmio', `snapshot has ${state.queues.length} queues, device has ${this.queues.length}`);
    }
    this.status = state.status;
    this.deviceFeaturesSel = state.deviceFeaturesSel;
    this.driverFeatures = state.driverFeatures;
    this.driverFeaturesSel = state.driverFeaturesSel;
    this.queueSel = state.queueSel;
    this.shmSel = state.shmSel;
    this.interruptStatus = state.interruptStatus;
    this.configGeneration = state.configGeneration;
    this.configIrqPending = state.configIrqPending;
    this.lastError = state.lastError;
    this.guestPageShift = state.guestPageShift ?? 0;
    this.queueAligns.fill(R.VIRTIO_MMIO_LEGACY_DEFAULT_ALIGN);
    state.queueAligns?.forEach((a, i) => {
      if (i < this.queueAligns.length) this.queueAligns[i] = a;
    });
    state.queues.forEach((s, i) => this.queues[i]!.restore(s));
    this.device.reset();
    this.device.restore(state.device);
    this.context = undefined;
    if (this.status & VIRTIO_STATUS_DRIVER_OK) {
      this.context = this.makeContext();
      this.device.activate(this.context);
    }
    this.irq.set(this.interruptStatus !== 0);
  }
}
