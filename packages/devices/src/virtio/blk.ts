import { ConfigError, type VersionedState } from '@vm/core';
import { BlockBackendError, type BlockBackend } from '../block/backend.js';
import { featureBit, hasFeature, VIRTIO_ID_BLOCK } from './constants.js';
import type { DescriptorChain } from './chain.js';
import { checkVersion, readConfigBytes, type ConfigWidth, type VirtioDevice, type VirtioDeviceContext } from './device.js';
import { VirtioDriverError } from './errors.js';

/** virtio 1.2 §5.2.3 Feature bits. */
export const VIRTIO_BLK_F_SIZE_MAX = 1;
export const VIRTIO_BLK_F_SEG_MAX = 2;
export const VIRTIO_BLK_F_GEOMETRY = 4;
export const VIRTIO_BLK_F_RO = 5;
export const VIRTIO_BLK_F_BLK_SIZE = 6;
export const VIRTIO_BLK_F_FLUSH = 9;
export const VIRTIO_BLK_F_TOPOLOGY = 10;
export const VIRTIO_BLK_F_CONFIG_WCE = 11;

/** virtio 1.2 §5.2.4 struct virtio_blk_config field offsets. */
const CFG_CAPACITY = 0; // le64
const CFG_SIZE_MAX = 8; // le32
const CFG_SEG_MAX = 12; // le32
const CFG_BLK_SIZE = 20; // le32
const CFG_WRITEBACK = 32; // u8
const CFG_NUM_QUEUES = 34; // le16
/** Through write_zeroes_may_unmap and its padding, as QEMU 7.2 exposes. */
const CONFIG_SIZE = 60;

/** virtio 1.2 §5.2.6 request types and status values. */
export const VIRTIO_BLK_T_IN = 0;
export const VIRTIO_BLK_T_OUT = 1;
export const VIRTIO_BLK_T_FLUSH = 4;
export const VIRTIO_BLK_T_GET_ID = 8;
export const VIRTIO_BLK_S_OK = 0;
export const VIRTIO_BLK_S_IOERR = 1;
export const VIRTIO_BLK_S_UNSUPP = 2;
/** Length of the GET_ID serial string (VIRTIO_BLK_ID_BYTES). */
export const VIRTIO_BLK_ID_BYTES = 20;
/** Size of struct virtio_blk_req's header: le32 type, le32 reserved, le64 sector. */
const REQ_HEADER_SIZE = 16;
/** Sectors are always 512 bytes, whatever blk_size says (§5.2.6). */
export const VIRTIO_BLK_SECTOR_SIZE = 512;

export interface VirtioBlockOptions {
  readonly backend: BlockBackend;
  /** Returned by VIRTIO_BLK_T_GET_ID; at most 20 bytes, NUL-terminated when shorter. Default ''. */
  readonly serial?: string;
  /** QueueNumMax of the request queue (default 256, QEMU's). */
  readonly queueSize?: number;
  /** Initial cache mode: write-back (default true, QEMU's cache=writeback) or write-through. */
  readonly writeCache?: boolean;
}

export interface VirtioBlockState extends VersionedState {
  readonly version: 1;
  readonly writeback: boolean;
}

/**
 * virtio-blk (virtio 1.2 §5.2), one request queue. Requests are served synchronously from the
 * BlockBackend when the driver notifies the queue.
 */
export class VirtioBlock implements VirtioDevice {
  readonly deviceId = VIRTIO_ID_BLOCK;
  readonly features: bigint;
  readonly configSize = CONFIG_SIZE;
  readonly queueMaxSizes: readonly number[];
  readonly backend: BlockBackend;
  private readonly serial: Uint8Array;
  private readonly initialWriteback: boolean;
  private writeback: boolean;
  private context: VirtioDeviceContext | undefined;

  constructor(options: VirtioBlockOptions) {
    this.backend = options.backend;
    const queueSize = options.queueSize ?? 256;
    this.queueMaxSizes = [queueSize];
    const serial = new TextEncoder().encode(options.serial ?? '');
    if (serial.length > VIRTIO_BLK_ID_BYTES) throw new ConfigError(`virtio-blk serial longer than ${VIRTIO_BLK_ID_BYTES} bytes`);
    this.serial = serial;
    this.initialWriteback = this.writeback = options.writeCache ?? true;
    let f =
      featureBit(VIRTIO_BLK_F_SEG_MAX) |
      featureBit(VIRTIO_BLK_F_BLK_SIZE) |
      featureBit(VIRTIO_BLK_F_FLUSH) |
      featureBit(VIRTIO_BLK_F_CONFIG_WCE);
    if (this.backend.readOnly) f |= featureBit(VIRTIO_BLK_F_RO);
    this.features = f;
  }

  /** Capacity in 512-byte sectors. */
  get capacity(): bigint {
    return BigInt(Math.floor(this.backend.size / VIRTIO_BLK_SECTOR_SIZE));
  }

  readConfig(offset: number, width: ConfigWidth): number {
    const cfg = new Uint8Array(CONFIG_SIZE);
    const v = new DataView(cfg.buffer);
    v.setBigUint64(CFG_CAPACITY, this.capacity, true);
    v.setUint32(CFG_SIZE_MAX, 0, true);
    v.setUint32(CFG_SEG_MAX, Math.max(1, this.queueMaxSizes[0]! - 2), true);
    v.setUint32(CFG_BLK_SIZE, VIRTIO_BLK_SECTOR_SIZE, true);
    cfg[CFG_WRITEBACK] = this.writeback ? 1 : 0;
    v.setUint16(CFG_NUM_QUEUES, 1, true);
    return readConfigBytes(cfg, offset, width);
  }

  writeConfig(offset: number, width: ConfigWidth, value: number): void {
    // §5.2.4: only `writeback` is writable, and only with VIRTIO_BLK_F_CONFIG_WCE.
    if (offset !== CFG_WRITEBACK || width !== 1) return;
    if (this.context && !hasFeature(this.context.features, VIRTIO_BLK_F_CONFIG_WCE)) return;
    const wb = (value & 1) === 1;
    if (this.writeback && !wb) this.flushBackend();
    this.writeback = wb;
  }

  activate(context: VirtioDeviceContext): void {
    this.context = context;
  }

  reset(): void {
    this.context = undefined;
    this.writeback = this.initialWriteback;
  }

  notify(queueIndex: number): void {
    const ctx = this.context;
    const queue = ctx?.queues[queueIndex];
    if (!ctx || !queue || queueIndex !== 0) return;
    let pushed = false;
    for (let chain = queue.pop(); chain; chain = queue.pop()) {
      queue.push(chain, this.handle(chain, ctx.features));
      pushed = true;
    }
    if (pushed) ctx.signalUsed(queue);
  }

  /** Serve one request (virtio 1.2 §5.2.6); returns the bytes written into the chain. */
  private handle(chain: DescriptorChain, features: bigint): number {
    if (chain.readableLength < REQ_HEADER_SIZE) {
      throw new VirtioDriverError(`virtio-blk: request header needs ${REQ_HEADER_SIZE} device-readable bytes, got ${chain.readableLength}`);
    }
    if (chain.writableLength < 1) throw new VirtioDriverError('virtio-blk: request has no device-writable status byte');
    const header = new DataView(chain.read(0, REQ_HEADER_SIZE).buffer);
    const type = header.getUint32(0, true);
    const sector = header.getBigUint64(8, true);
    const statusAt = chain.writableLength - 1;
    let status: number;
    let written = 0;
    switch (type) {
      case VIRTIO_BLK_T_IN: {
        const length = statusAt;
        status = this.transfer(sector, length, (offset) => {
          for (const view of chain.writableViews(0, length)) {
            this.backend.read(offset, view);
            offset += view.length;
          }
        });
        if (status === VIRTIO_BLK_S_OK) written = length;
        break;
      }
      case VIRTIO_BLK_T_OUT: {
        const length = chain.readableLength - REQ_HEADER_SIZE;
        if (this.backend.readOnly || hasFeature(features, VIRTIO_BLK_F_RO)) {
          status = VIRTIO_BLK_S_IOERR;
          break;
        }
        status = this.transfer(sector, length, (offset) => {
          for (const view of chain.readableViews(REQ_HEADER_SIZE, length)) {
            this.backend.write(offset, view);
            offset += view.length;
          }
          if (!this.writebackEnabled(features)) this.backend.flush();
        });
        break;
      }
      case VIRTIO_BLK_T_FLUSH:
        status = this.flushBackend() ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
        break;
      case VIRTIO_BLK_T_GET_ID: {
        // As QEMU: the serial plus its NUL when it fits, never more than 20 bytes or the buffer.
        const id = new Uint8Array(VIRTIO_BLK_ID_BYTES);
        id.set(this.serial);
        written = Math.min(this.serial.length + 1, VIRTIO_BLK_ID_BYTES, statusAt);
        chain.write(0, id.subarray(0, written));
        status = VIRTIO_BLK_S_OK;
        break;
      }
      default:
        status = VIRTIO_BLK_S_UNSUPP;
    }
    chain.write(statusAt, Uint8Array.of(status));
    return written + 1;
  }

  /** Range-check a data transfer of `length` bytes at `sector`, then run it; I/O errors become IOERR. */
  private transfer(sector: bigint, length: number, io: (offset: number) => void): number {
    if (length % VIRTIO_BLK_SECTOR_SIZE !== 0) return VIRTIO_BLK_S_IOERR;
    const end = sector * BigInt(VIRTIO_BLK_SECTOR_SIZE) + BigInt(length);
    if (end > this.capacity * BigInt(VIRTIO_BLK_SECTOR_SIZE)) return VIRTIO_BLK_S_IOERR;
    try {
      io(Number(sector) * VIRTIO_BLK_SECTOR_SIZE);
      return VIRTIO_BLK_S_OK;
    } catch (e) {
      if (e instanceof BlockBackendError) return VIRTIO_BLK_S_IOERR;
      throw e;
    }
  }

  /** §5.2.5: write-back when `writeback` is 1 with CONFIG_WCE, else exactly when FLUSH was negotiated. */
  private writebackEnabled(features: bigint): boolean {
    if (hasFeature(features, VIRTIO_BLK_F_CONFIG_WCE)) return this.writeback;
    return hasFeature(features, VIRTIO_BLK_F_FLUSH);
  }

  private flushBackend(): boolean {
    try {
      this.backend.flush();
      return true;
    } catch (e) {
      if (e instanceof BlockBackendError) return false;
      throw e;
    }
  }

  snapshot(): VirtioBlockState {
    return { version: 1, writeback: this.writeback };
  }

  restore(state: VirtioBlockState): void {
    checkVersion('virtio-blk', state, 1);
    this.writeback = state.writeback;
  }
}
