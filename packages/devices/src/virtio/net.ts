import { ConfigError, type VersionedState } from '@vm/core';
import { featureBit, hasFeature, VIRTIO_F_VERSION_1, VIRTIO_ID_NET } from './constants.js';
import { checkVersion, guardDriverErrors, readConfigBytes, type ConfigWidth, type VirtioDevice, type VirtioDeviceContext } from './device.js';
import { VirtioDriverError } from './errors.js';
import type { NetBackend } from './net-backend.js';

/** virtio 1.2 §5.1.3 Feature bits (those offered here). */
export const VIRTIO_NET_F_MAC = 5;
export const VIRTIO_NET_F_STATUS = 16;
/** virtio 1.2 §5.1.4 status field. */
export const VIRTIO_NET_S_LINK_UP = 1;

/** virtio 1.2 §5.1.4 struct virtio_net_config: u8 mac[6], le16 status, le16 max_virtqueue_pairs, le16 mtu. */
const CFG_MAC = 0;
const CFG_STATUS = 6;
const CFG_MAX_VIRTQUEUE_PAIRS = 8;
const CONFIG_SIZE = 12;

/** virtio 1.2 §5.1.2 Virtqueues: receiveq1, transmitq1 (no MQ, no control queue). */
export const VIRTIO_NET_RECEIVEQ = 0;
export const VIRTIO_NET_TRANSMITQ = 1;

/**
 * virtio 1.2 §5.1.6 struct virtio_net_hdr with VERSION_1: u8 flags, u8 gso_type, le16 hdr_len,
 * le16 gso_size, le16 csum_start, le16 csum_offset, le16 num_buffers.
 */
export const VIRTIO_NET_HDR_SIZE = 12;
const HDR_NUM_BUFFERS = 10;
/**
 * §5.1.6.1 Legacy Interface: without VIRTIO_F_VERSION_1 (and without VIRTIO_NET_F_MRG_RXBUF,
 * never offered here) the header has no num_buffers field: 10 bytes.
 */
export const VIRTIO_NET_LEGACY_HDR_SIZE = 10;

function headerSize(features: bigint): number {
  return hasFeature(features, VIRTIO_F_VERSION_1) ? VIRTIO_NET_HDR_SIZE : VIRTIO_NET_LEGACY_HDR_SIZE;
}

/** QEMU's default MAC for the first NIC. */
const DEFAULT_MAC = '52:54:00:12:34:56';

export interface VirtioNetOptions {
  readonly backend: NetBackend;
  /** "52:54:00:12:34:56" or 6 bytes (default QEMU's). */
  readonly mac?: string | Uint8Array;
  /** QueueNumMax of both queues (default 256). */
  readonly queueSize?: number;
  /** Frames held while the guest has no receive buffers (default 256). */
  readonly rxQueueLimit?: number;
  /** Which frame to drop when that queue is full (default 'newest': tail drop, as a full NIC ring does). */
  readonly dropPolicy?: 'newest' | 'oldest';
  /** Initial link state reported with VIRTIO_NET_F_STATUS (default up). */
  readonly linkUp?: boolean;
}

export interface VirtioNetStats {
  txFrames: number;
  rxFrames: number;
  /** Received frames dropped: held-queue overflow, link down, or larger than the guest's buffer. */
  rxDropped: number;
}

export interface VirtioNetState extends VersionedState {
  readonly version: 1;
  readonly pendingRx: readonly Uint8Array[];
  readonly linkUp: boolean;
  readonly stats: VirtioNetStats;
}

function parseMac(mac: string | Uint8Array): Uint8Array {
  if (typeof mac !== 'string') {
    if (mac.length !== 6) throw new ConfigError('a MAC address has 6 bytes');
    return mac.slice();
  }
  const parts = mac.split(':');
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) throw new ConfigError(`bad MAC address "${mac}"`);
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}

/**
 * virtio-net (virtio 1.2 §5.1) with one receive/transmit queue pair and no offloads: each buffer
 * carries a 12-byte virtio_net_hdr then one Ethernet frame.
 */
export class VirtioNet implements VirtioDevice {
  readonly deviceId = VIRTIO_ID_NET;
  readonly features = featureBit(VIRTIO_NET_F_MAC) | featureBit(VIRTIO_NET_F_STATUS);
  readonly configSize = CONFIG_SIZE;
  readonly queueMaxSizes: readonly number[];
  readonly mac: Uint8Array;
  readonly stats: VirtioNetStats = { txFrames: 0, rxFrames: 0, rxDropped: 0 };
  private readonly backend: NetBackend;
  private readonly rxLimit: number;
  private readonly dropPolicy: 'newest' | 'oldest';
  private pendingRx: Uint8Array[] = [];
  private up: boolean;
  private context: VirtioDeviceContext | undefined;

  constructor(options: VirtioNetOptions) {
    this.backend = options.backend;
    this.mac = parseMac(options.mac ?? DEFAULT_MAC);
    const q = options.queueSize ?? 256;
    this.queueMaxSizes = [q, q];
    this.rxLimit = options.rxQueueLimit ?? 256;
    this.dropPolicy = options.dropPolicy ?? 'newest';
    this.up = options.linkUp ?? true;
    this.backend.onReceive((frame) => this.receive(frame));
  }

  get linkUp(): boolean {
    return this.up;
  }

  /** Plug or unplug the cable: updates the status field and notifies the driver (§5.1.4). */
  setLinkUp(up: boolean): void {
    if (up === this.up) return;
    this.up = up;
    if (!up) this.pendingRx = [];
    this.context?.configChanged();
  }

  /** Frames received but not yet given to the guest. */
  get pendingFrames(): number {
    return this.pendingRx.length;
  }

  readConfig(offset: number, width: ConfigWidth): number {
    const cfg = new Uint8Array(CONFIG_SIZE);
    const v = new DataView(cfg.buffer);
    cfg.set(this.mac, CFG_MAC);
    v.setUint16(CFG_STATUS, this.up ? VIRTIO_NET_S_LINK_UP : 0, true);
    v.setUint16(CFG_MAX_VIRTQUEUE_PAIRS, 1, true);
    return readConfigBytes(cfg, offset, width);
  }

  /** §5.1.4: the config space is read-only with VERSION_1 (mac writes are a legacy feature). */
  writeConfig(): void {}

  activate(context: VirtioDeviceContext): void {
    this.context = context;
  }

  reset(): void {
    this.context = undefined;
  }

  notify(queueIndex: number): void {
    if (queueIndex === VIRTIO_NET_TRANSMITQ) this.transmit();
    else if (queueIndex === VIRTIO_NET_RECEIVEQ) this.deliver();
  }

  /** A frame from the backend: hold it (bounded) and give it to the guest when it has buffers. */
  private receive(frame: Uint8Array): void {
    if (!this.up) {
      this.stats.rxDropped++;
      return;
    }
    if (this.pendingRx.length >= this.rxLimit) {
      this.stats.rxDropped++;
      if (this.dropPolicy === 'newest') return;
      this.pendingRx.shift();
    }
    this.pendingRx.push(frame);
    this.deliver();
  }

  private transmit(): void {
    const ctx = this.context;
    const queue = ctx?.queues[VIRTIO_NET_TRANSMITQ];
    if (!ctx || !queue) return;
    guardDriverErrors(ctx, () => {
      let pushed = false;
      const hdrSize = headerSize(ctx.features);
      for (let chain = queue.pop(); chain; chain = queue.pop()) {
        if (chain.readableLength < hdrSize) {
          throw new VirtioDriverError(`virtio-net: transmit buffer of ${chain.readableLength} bytes has no virtio_net_hdr`);
        }
        // No offloads are offered, so the header carries nothing we act on (§5.1.6.2).
        const frame = chain.readAll(hdrSize);
        queue.push(chain, 0);
        pushed = true;
        this.stats.txFrames++;
        if (this.up) this.backend.send(frame);
      }
      if (pushed) ctx.signalUsed(queue);
    });
  }

  private deliver(): void {
    const ctx = this.context;
    const queue = ctx?.queues[VIRTIO_NET_RECEIVEQ];
    if (!ctx || !queue || this.pendingRx.length === 0) return;
    guardDriverErrors(ctx, () => {
      let pushed = false;
      const hdrSize = headerSize(ctx.features);
      while (this.pendingRx.length > 0) {
        const chain = queue.pop();
        if (!chain) break;
        const frame = this.pendingRx.shift()!;
        const need = hdrSize + frame.length;
        if (chain.writableLength < need) {
          // Without MRG_RXBUF a frame must fit one buffer (§5.1.6.3.1); drop it, keep the buffer.
          queue.unpop();
          this.stats.rxDropped++;
          continue;
        }
        const hdr = new Uint8Array(hdrSize);
        // §5.1.6.4: num_buffers is 1 when VIRTIO_NET_F_MRG_RXBUF is not negotiated.
        if (hdrSize > HDR_NUM_BUFFERS) new DataView(hdr.buffer).setUint16(HDR_NUM_BUFFERS, 1, true);
        chain.write(0, hdr);
        chain.write(hdrSize, frame);
        queue.push(chain, need);
        pushed = true;
        this.stats.rxFrames++;
      }
      if (pushed) ctx.signalUsed(queue);
    });
  }

  /** True once the driver accepted VIRTIO_NET_F_MAC (it then uses our MAC rather than a random one). */
  get macNegotiated(): boolean {
    return this.context !== undefined && hasFeature(this.context.features, VIRTIO_NET_F_MAC);
  }

  snapshot(): VirtioNetState {
    return { version: 1, pendingRx: this.pendingRx.map((f) => f.slice()), linkUp: this.up, stats: { ...this.stats } };
  }

  restore(state: VirtioNetState): void {
    checkVersion('virtio-net', state, 1);
    this.pendingRx = state.pendingRx.map((f) => f.slice());
    this.up = state.linkUp;
    Object.assign(this.stats, state.stats);
  }
}
