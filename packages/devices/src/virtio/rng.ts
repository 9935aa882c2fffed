import { randomFillSync } from 'node:crypto';
import type { VersionedState } from '@vm/core';
import { VIRTIO_ID_ENTROPY } from './constants.js';
import { checkVersion, guardDriverErrors, type VirtioDevice, type VirtioDeviceContext } from './device.js';
import { VirtioDriverError } from './errors.js';

export interface VirtioRngOptions {
  /**
   * 'seeded' (default): a deterministic xoshiro128** stream from `seed`, so runs replay exactly;
   * 'crypto': the host's cryptographic random source.
   */
  readonly source?: 'seeded' | 'crypto';
  /** Seed of the deterministic stream (default 0). */
  readonly seed?: number;
  /** QueueNumMax of the request queue (default 8, QEMU's). */
  readonly queueSize?: number;
}

export interface VirtioRngState extends VersionedState {
  readonly version: 1;
  /** xoshiro128** state words. */
  readonly prng: readonly number[];
}

/** xoshiro128** (Blackman & Vigna): small, fast, 2^128-1 period; seeded through splitmix32. */
class Xoshiro128 {
  readonly s = new Uint32Array(4);

  constructor(seed: number) {
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }

  next(): number {
    const s = this.s;
    const r = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return r;
  }

  fill(out: Uint8Array): void {
    for (let i = 0; i < out.length; i += 4) {
      let w = this.next();
      for (let j = i; j < Math.min(i + 4, out.length); j++, w >>>= 8) out[j] = w & 0xff;
    }
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** virtio-rng, the entropy device (virtio 1.2 §5.4): fills every device-writable buffer it is given. */
export class VirtioRng implements VirtioDevice {
  readonly deviceId = VIRTIO_ID_ENTROPY;
  readonly features = 0n;
  readonly configSize = 0;
  readonly queueMaxSizes: readonly number[];
  private readonly source: 'seeded' | 'crypto';
  private readonly seed: number;
  private prng: Xoshiro128;
  private context: VirtioDeviceContext | undefined;

  constructor(options: VirtioRngOptions = {}) {
    this.source = options.source ?? 'seeded';
    this.seed = options.seed ?? 0;
    this.prng = new Xoshiro128(this.seed);
    this.queueMaxSizes = [options.queueSize ?? 8];
  }

  readConfig(): number {
    return 0;
  }
  writeConfig(): void {}

  activate(context: VirtioDeviceContext): void {
    this.context = context;
  }

  /** The stream is not rewound on device reset: a rebooting guest should not see the same bytes again. */
  reset(): void {
    this.context = undefined;
  }

  notify(queueIndex: number): void {
    const ctx = this.context;
    const queue = ctx?.queues[queueIndex];
    if (!ctx || !queue || queueIndex !== 0) return;
    guardDriverErrors(ctx, () => {
      let pushed = false;
      for (let chain = queue.pop(); chain; chain = queue.pop()) {
        // §5.4.6.1: the driver MUST NOT place driver-readable buffers into the queue.
        if (chain.readableLength > 0) throw new VirtioDriverError('virtio-rng: device-readable buffer in requestq');
        for (const view of chain.writableViews(0, chain.writableLength)) this.fill(view);
        queue.push(chain, chain.writableLength);
        pushed = true;
      }
      if (pushed) ctx.signalUsed(queue);
    });
  }

  private fill(view: Uint8Array): void {
    if (this.source === 'crypto') {
      // randomFillSync takes at most 2^31-1 bytes at once; guest buffers are ≤ 4 GiB in total.
      for (let at = 0; at < view.length; at += 1 << 30) randomFillSync(view.subarray(at, at + (1 << 30)));
    } else {
      this.prng.fill(view);
    }
  }

  snapshot(): VirtioRngState {
    return { version: 1, prng: [...this.prng.s] };
  }

  restore(state: VirtioRngState): void {
    checkVersion('virtio-rng', state, 1);
    this.prng = new Xoshiro128(this.seed);
    this.prng.s.set(state.prng);
  }
}
