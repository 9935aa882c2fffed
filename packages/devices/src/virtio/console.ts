import type { VersionedState } from '@vm/core';
import { featureBit, VIRTIO_ID_CONSOLE } from './constants.js';
import { checkVersion, guardDriverErrors, readConfigBytes, type ConfigWidth, type VirtioDevice, type VirtioDeviceContext } from './device.js';
import { VirtioDriverError } from './errors.js';

/** virtio 1.2 §5.3.3 Feature bits. */
export const VIRTIO_CONSOLE_F_SIZE = 0;
export const VIRTIO_CONSOLE_F_MULTIPORT = 1;
export const VIRTIO_CONSOLE_F_EMERG_WRITE = 2;

/** virtio 1.2 §5.3.4 struct virtio_console_config: le16 cols, le16 rows, le32 max_nr_ports, le32 emerg_wr. */
const CFG_COLS = 0;
const CFG_ROWS = 2;
const CFG_MAX_NR_PORTS = 4;
const CFG_EMERG_WR = 8;
const CONFIG_SIZE = 12;

/** virtio 1.2 §5.3.2 Virtqueues (without MULTIPORT): port 0's receiveq and transmitq. */
export const VIRTIO_CONSOLE_RECEIVEQ = 0;
export const VIRTIO_CONSOLE_TRANSMITQ = 1;

export interface VirtioConsoleOptions {
  /** Called with each chunk the guest writes to port 0 (and with emergency writes). */
  readonly output: (bytes: Uint8Array) => void;
  /** Offer VIRTIO_CONSOLE_F_SIZE with this size; omitted: the feature is not offered. */
  readonly size?: { readonly cols: number; readonly rows: number };
  /** QueueNumMax of both queues (default 128). */
  readonly queueSize?: number;
  /** Input bytes held while the guest has no receive buffers; older input beyond this is dropped (default 64 KiB). */
  readonly inputLimit?: number;
}

export interface VirtioConsoleState extends VersionedState {
  readonly version: 1;
  readonly pendingInput: Uint8Array;
  readonly cols: number;
  readonly rows: number;
}

/** virtio-console with a single port (virtio 1.2 §5.3), the guest's `hvc0`. */
export class VirtioConsole implements VirtioDevice {
  readonly deviceId = VIRTIO_ID_CONSOLE;
  readonly features: bigint;
  readonly configSize = CONFIG_SIZE;
  readonly queueMaxSizes: readonly number[];
  /** Input bytes dropped because the buffer limit was reached. */
  droppedInput = 0;
  private readonly output: (bytes: Uint8Array) => void;
  private readonly inputLimit: number;
  private pending: Uint8Array = new Uint8Array(0);
  private cols: number;
  private rows: number;
  private context: VirtioDeviceContext | undefined;

  constructor(options: VirtioConsoleOptions) {
    this.output = options.output;
    const q = options.queueSize ?? 128;
    this.queueMaxSizes = [q, q];
    this.inputLimit = options.inputLimit ?? 64 * 1024;
    this.cols = options.size?.cols ?? 0;
    this.rows = options.size?.rows ?? 0;
    this.features = featureBit(VIRTIO_CONSOLE_F_EMERG_WRITE) | (options.size ? featureBit(VIRTIO_CONSOLE_F_SIZE) : 0n);
  }

  /** Type into the console: bytes reach the guest as soon as it has receive buffers. */
  receive(bytes: Uint8Array): void {
    const joined = new Uint8Array(this.pending.length + bytes.length);
    joined.set(this.pending);
    joined.set(bytes, this.pending.length);
    const excess = Math.max(0, joined.length - this.inputLimit);
    this.droppedInput += excess;
    this.pending = joined.subarray(excess);
    this.deliverInput();
  }

  /** Resize the console (VIRTIO_CONSOLE_F_SIZE); the driver gets a configuration change notification. */
  resize(cols: number, rows: number): void {
    this.cols = cols;
    this.rows = rows;
    this.context?.configChanged();
  }

  readConfig(offset: number, width: ConfigWidth): number {
    const cfg = new Uint8Array(CONFIG_SIZE);
    const v = new DataView(cfg.buffer);
    v.setUint16(CFG_COLS, this.cols, true);
    v.setUint16(CFG_ROWS, this.rows, true);
    v.setUint32(CFG_MAX_NR_PORTS, 1, true);
    // emerg_wr is write-only; reads return 0.
    return readConfigBytes(cfg, offset, width);
  }

  writeConfig(offset: number, _width: ConfigWidth, value: number): void {
    // §5.3.4: a write to emerg_wr outputs one character, even before the queues are set up.
    if (offset === CFG_EMERG_WR) this.output(Uint8Array.of(value & 0xff));
  }

  activate(context: VirtioDeviceContext): void {
    this.context = context;
  }

  reset(): void {
    this.context = undefined;
  }

  notify(queueIndex: number): void {
    if (queueIndex === VIRTIO_CONSOLE_TRANSMITQ) this.transmit();
    else if (queueIndex === VIRTIO_CONSOLE_RECEIVEQ) this.deliverInput();
  }

  private transmit(): void {
    const ctx = this.context;
    const queue = ctx?.queues[VIRTIO_CONSOLE_TRANSMITQ];
    if (!ctx || !queue) return;
    guardDriverErrors(ctx, () => {
      let pushed = false;
      for (let chain = queue.pop(); chain; chain = queue.pop()) {
        const bytes = chain.readAll();
        queue.push(chain, 0);
        pushed = true;
        if (bytes.length > 0) this.output(bytes);
      }
      if (pushed) ctx.signalUsed(queue);
    });
  }

  private deliverInput(): void {
    const ctx = this.context;
    const queue = ctx?.queues[VIRTIO_CONSOLE_RECEIVEQ];
    if (!ctx || !queue || this.pending.length === 0) return;
    guardDriverErrors(ctx, () => {
      let pushed = false;
      while (this.pending.length > 0) {
        const chain = queue.pop();
        if (!chain) break;
        if (chain.writableLength === 0) throw new VirtioDriverError('virtio-console: receive buffer with no device-writable part');
        const n = Math.min(chain.writableLength, this.pending.length);
        chain.write(0, this.pending.subarray(0, n));
        this.pending = this.pending.subarray(n);
        queue.push(chain, n);
        pushed = true;
      }
      if (pushed) ctx.signalUsed(queue);
    });
  }

  snapshot(): VirtioConsoleState {
    return { version: 1, pendingInput: this.pending.slice(), cols: this.cols, rows: this.rows };
  }

  restore(state: VirtioConsoleState): void {
    checkVersion('virtio-console', state, 1);
    this.pending = state.pendingInput.slice();
    this.cols = state.cols;
    this.rows = state.rows;
  }
}
