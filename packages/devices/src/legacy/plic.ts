import type { AccessWidth, IrqLine, MmioDevice, Snapshottable, VersionedState } from '@vm/core';
import { ConfigError } from '@vm/core';
import { SnapshotShapeError, checkSnapshotVersion } from './snapshot-version.js';

/*
 * SiFive Platform-Level Interrupt Controller as QEMU's `virt` board configures it (0xc00_0000,
 * 96 sources including the reserved source 0, 7 priority levels, contexts "MS" per hart).
 * References are to the RISC-V PLIC Specification v1.0.0: chapter 3 "Memory Map", 5 "Interrupt
 * Priorities", 6 "Interrupt Pending Bits", 7 "Interrupt Enables", 8 "Priority Thresholds",
 * 9 "Interrupt Claim Process", 10 "Interrupt Completion".
 */

const PRIORITY_BASE = 0x000000; // 4 bytes per source
const PENDING_BASE = 0x001000; // 1 bit per source, read-only
const ENABLE_BASE = 0x002000; // 1 bit per source, per context
const ENABLE_STRIDE = 0x80;
const CONTEXT_BASE = 0x200000; // per-context threshold and claim/complete
const CONTEXT_STRIDE = 0x1000;
const CONTEXT_THRESHOLD = 0x0;
const CONTEXT_CLAIM = 0x4;
/** Size of the PLIC window on the virt board (room for 1024 contexts). */
const WINDOW_SIZE = 0x600000;
/** Priority registers hold 3 bits on the virt board (riscv,ndev = 95, 7 levels); WARL. */
const PRIORITY_MASK = 7;
/** Sources on the virt board, counting source 0 (VIRT_IRQCHIP_NUM_SOURCES in QEMU). */
const DEFAULT_SOURCES = 96;
const MAX_SOURCES = 1024;
const MAX_CONTEXTS = (WINDOW_SIZE - CONTEXT_BASE) / CONTEXT_STRIDE;

export interface PlicOptions {
  /** Number of sources including the reserved source 0 (default 96: riscv,ndev = 95). */
  sources?: number;
  /**
   * One output per context. On the virt board context 2h is hart h's M-mode external interrupt
   * (mip.MEIP) and 2h+1 its S-mode one (mip.SEIP).
   */
  contexts: IrqLine[];
}

export interface PlicState extends VersionedState {
  readonly version: 1;
  readonly priority: number[];
  /** Sources whose gateway has forwarded a request not yet claimed. */
  readonly pending: boolean[];
  /** Sources claimed and not yet completed (the gateway holds further requests back). */
  readonly inFlight: boolean[];
  /** The level each device currently drives on its source line. */
  readonly lineLevel: boolean[];
  /** Enable bits, `words` 32-bit words per context, context-major. */
  readonly enable: number[];
  readonly threshold: number[];
}

/**
 * The PLIC with level-triggered gateways. Devices drive `source(n)`; the PLIC drives each context
 * output whenever its "has a claimable interrupt" state changes (PLIC spec 4: an interrupt is
 * signalled to a context when a pending, enabled source has priority above its threshold).
 */
export class Plic implements MmioDevice, Snapshottable<PlicState> {
  readonly size = WINDOW_SIZE;
  readonly accessWidths: readonly AccessWidth[] = [4];
  /** Number of sources including source 0. */
  readonly sources: number;
  /** Number of contexts (interrupt targets). */
  readonly contexts: number;
  /** Guest accesses to registers this model does not implement (read as 0 / ignored). */
  guestErrors = 0;

  private readonly outputs: IrqLine[];
  private readonly words: number;
  private readonly priority: Uint8Array;
  /** Pending bits, one 32-bit word per 32 sources (the layout of the pending array, spec 6). */
  private readonly pending: Uint32Array;
  private readonly inFlight: Uint8Array;
  private readonly lineLevel: Uint8Array;
  private readonly enable: Uint32Array;
  private readonly threshold: Uint8Array;
  private readonly outputLevel: boolean[];
  private readonly lines: IrqLine[] = [];

  constructor(options: PlicOptions) {
    const sources = options.sources ?? DEFAULT_SOURCES;
    if (!Number.isInteger(sources) || sources < 2 || sources > MAX_SOURCES) {
      throw new ConfigError(`plic: sources must be an integer in 2..${MAX_SOURCES}, got ${sources}`);
    }
    if (options.contexts.length < 1 || options.contexts.length > MAX_CONTEXTS) {
      throw new ConfigError(`plic: need 1..${MAX_CONTEXTS} contexts, got ${options.contexts.length}`);
    }
    this.sources = sources;
    this.contexts = options.contexts.length;
    this.outputs = options.contexts;
    this.words = Math.ceil(sources / 32);
    this.priority = new Uint8Array(sources);
    this.pending = new Uint32Array(this.words);
    this.inFlight = new Uint8Array(sources);
    this.lineLevel = new Uint8Array(sources);
    this.enable = new Uint32Array(this.words * this.contexts);
    this.threshold = new Uint8Array(this.contexts);
    this.outputLevel = new Array<boolean>(this.contexts).fill(false);
    for (let n = 0; n < sources; n++) {
      const id = n;
      this.lines.push({ set: (level) => this.setSource(id, level) });
    }
  }

  /** The interrupt line a device drives for source `n` (1 ≤ n < sources). */
  source(n: number): IrqLine {
    if (!Number.isInteger(n) || n < 1 || n >= this.sources) {
      throw new ConfigError(`plic: source must be in 1..${this.sources - 1}, got ${n}`);
    }
    return this.lines[n]!;
  }

  /** True when source n is pending (waiting to be claimed). */
  isPending(n: number): boolean {
    return this.pendingBit(n);
  }

  /** True when source n has been claimed and not yet completed. */
  isClaimed(n: number): boolean {
    return this.inFlight[n] === 1;
  }

  /** The level the PLIC currently drives on context `ctx`'s output. */
  outputAsserted(ctx: number): boolean {
    return this.outputLevel[ctx] ?? false;
  }

  read(offset: number, _width: AccessWidth): bigint {
    return BigInt(this.read32(offset) >>> 0);
  }

  write(offset: number, _width: AccessWidth, value: bigint): void {
    this.write32(offset, Number(value & 0xffff_ffffn) >>> 0);
  }

  private read32(offset: number): number {
    if (offset % 4 !== 0) return this.guestError();
    if (offset < PENDING_BASE) {
      const src = (offset - PRIORITY_BASE) / 4;
      return src < this.sources ? this.priority[src]! : this.guestError();
    }
    if (offset < ENABLE_BASE) {
      const word = (offset - PENDING_BASE) / 4;
      return word < this.words ? this.pending[word]! : this.guestError();
    }
    if (offset < CONTEXT_BASE) {
      const ctx = Math.floor((offset - ENABLE_BASE) / ENABLE_STRIDE);
      const word = ((offset - ENABLE_BASE) % ENABLE_STRIDE) / 4;
      if (ctx >= this.contexts || word >= this.words) return this.guestError();
      return this.enable[ctx * this.words + word]!;
    }
    const ctx = Math.floor((offset - CONTEXT_BASE) / CONTEXT_STRIDE);
    if (ctx >= this.contexts) return this.guestError();
    switch ((offset - CONTEXT_BASE) % CONTEXT_STRIDE) {
      case CONTEXT_THRESHOLD:
        return this.threshold[ctx]!;
      case CONTEXT_CLAIM:
        return this.claim(ctx);
      default:
        return this.guestError();
    }
  }

  private write32(offset: number, value: number): void {
    if (offset % 4 !== 0) {
      this.guestError();
      return;
    }
    if (offset < PENDING_BASE) {
      const src = (offset - PRIORITY_BASE) / 4;
      // Source 0 does not exist: its priority is hardwired to 0 (PLIC spec 5).
      if (src === 0 || src >= this.sources) {
        this.guestError();
        return;
      }
      this.priority[src] = value & PRIORITY_MASK;
      this.updateOutputs();
      return;
    }
    if (offset < ENABLE_BASE) {
      // PLIC spec 6: pending bits are read-only (QEMU logs such writes as guest errors too).
      this.guestError();
      return;
    }
    if (offset < CONTEXT_BASE) {
      const ctx = Math.floor((offset - ENABLE_BASE) / ENABLE_STRIDE);
      const word = ((offset - ENABLE_BASE) % ENABLE_STRIDE) / 4;
      if (ctx >= this.contexts || word >= this.words) {
        this.guestError();
        return;
      }
      this.enable[ctx * this.words + word] = value & this.validMask(word);
      this.updateOutput(ctx);
      return;
    }
    const ctx = Math.floor((offset - CONTEXT_BASE) / CONTEXT_STRIDE);
    if (ctx >= this.contexts) {
      this.guestError();
      return;
    }
    switch ((offset - CONTEXT_BASE) % CONTEXT_STRIDE) {
      case CONTEXT_THRESHOLD:
        this.threshold[ctx] = value & PRIORITY_MASK;
        this.updateOutput(ctx);
        return;
      case CONTEXT_CLAIM:
        this.complete(ctx, value);
        return;
      default:
        this.guestError();
    }
  }

  /** Bits of enable/pending word `word` that name real sources (bit 0 of word 0 is source 0). */
  private validMask(word: number): number {
    let mask = 0xffff_ffff;
    if (word === 0) mask &= ~1;
    const last = this.sources - word * 32; // sources in this word
    if (last < 32) mask &= (1 << last) - 1;
    return mask >>> 0;
  }

  private pendingBit(src: number): boolean {
    return ((this.pending[src >>> 5]! >>> (src & 31)) & 1) === 1;
  }

  private setPendingBit(src: number, on: boolean): void {
    const bit = 1 << (src & 31);
    const w = src >>> 5;
    this.pending[w] = on ? this.pending[w]! | bit : this.pending[w]! & ~bit;
  }

  private isEnabled(ctx: number, src: number): boolean {
    return ((this.enable[ctx * this.words + (src >>> 5)]! >>> (src & 31)) & 1) === 1;
  }

  /**
   * The source a claim by `ctx` would return: the pending, enabled source with the highest
   * priority above the context's threshold, ties going to the lowest ID (PLIC spec 9). The spec
   * says the threshold does not affect claims; QEMU 7.2 applies it, and QEMU is the reference.
   */
  private best(ctx: number): number {
    let bestId = 0;
    let bestPriority = this.threshold[ctx]!;
    const base = ctx * this.words;
    for (let w = 0; w < this.words; w++) {
      let m = this.pending[w]! & this.enable[base + w]!;
      while (m !== 0) {
        const bit = 31 - Math.clz32(m & -m); // lowest set bit first: ties go to the lowest ID
        m &= m - 1;
        const src = w * 32 + bit;
        const p = this.priority[src]!;
        if (p > bestPriority) {
          bestId = src;
          bestPriority = p;
        }
      }
    }
    return bestId;
  }

  /** PLIC spec 9: claiming clears the pending bit; the gateway holds the source until completion. */
  private claim(ctx: number): number {
    const src = this.best(ctx);
    if (src !== 0) {
      this.setPendingBit(src, false);
      this.inFlight[src] = 1;
      this.updateOutputs();
    }
    return src;
  }

  /**
   * PLIC spec 10: writing the claimed ID to claim/complete tells the gateway the handler is done;
   * an ID not enabled for this context is silently ignored. A level-triggered source whose line
   * is still high becomes pending again.
   */
  private complete(ctx: number, src: number): void {
    if (src === 0 || src >= this.sources || !this.isEnabled(ctx, src)) {
      this.guestError();
      return;
    }
    if (!this.inFlight[src]) return;
    this.inFlight[src] = 0;
    if (this.lineLevel[src]) {
      this.setPendingBit(src, true);
      this.updateOutputs();
    }
  }

  /**
   * Level-triggered gateway: a rising line while the source is not in flight makes it pending; a
   * falling line withdraws a request not yet claimed (as QEMU's level-triggered PLIC does).
   */
  private setSource(src: number, level: boolean): void {
    const old = this.lineLevel[src] === 1;
    if (old === level) return;
    this.lineLevel[src] = level ? 1 : 0;
    const pending = level && !this.inFlight[src];
    if (this.pendingBit(src) !== pending) {
      this.setPendingBit(src, pending);
      this.updateOutputs();
    }
  }

  private updateOutputs(): void {
    for (let ctx = 0; ctx < this.contexts; ctx++) this.updateOutput(ctx);
  }

  private updateOutput(ctx: number, force = false): void {
    const level = this.best(ctx) !== 0;
    if (level !== this.outputLevel[ctx] || force) {
      this.outputLevel[ctx] = level;
      this.outputs[ctx]!.set(level);
    }
  }

  private guestError(): number {
    this.guestErrors++;
    return 0;
  }

  snapshot(): PlicState {
    return {
      version: 1,
      priority: Array.from(this.priority),
      pending: Array.from({ length: this.sources }, (_, s) => this.pendingBit(s)),
      inFlight: Array.from(this.inFlight, (b) => b === 1),
      lineLevel: Array.from(this.lineLevel, (b) => b === 1),
      enable: Array.from(this.enable),
      threshold: Array.from(this.threshold),
    };
  }

  restore(state: PlicState): void {
    checkSnapshotVersion('plic', state, [1]);
    const n = this.sources;
    if (
      state.priority.length !== n ||
      state.pending.length !== n ||
      state.inFlight.length !== n ||
      state.lineLevel.length !== n
    ) {
      throw new SnapshotShapeError('plic', `snapshot has ${state.priority.length} sources, this PLIC has ${n}`);
    }
    if (state.threshold.length !== this.contexts || state.enable.length !== this.contexts * this.words) {
      throw new SnapshotShapeError('plic', `snapshot has ${state.threshold.length} contexts, this PLIC has ${this.contexts}`);
    }
    for (let s = 0; s < n; s++) {
      this.priority[s] = s === 0 ? 0 : state.priority[s]! & PRIORITY_MASK;
      this.setPendingBit(s, s !== 0 && state.pending[s] === true);
      this.inFlight[s] = s !== 0 && state.inFlight[s] ? 1 : 0;
      this.lineLevel[s] = s !== 0 && state.lineLevel[s] ? 1 : 0;
    }
    for (let i = 0; i < this.enable.length; i++) this.enable[i] = state.enable[i]! & this.validMask(i % this.words);
    for (let c = 0; c < this.contexts; c++) this.threshold[c] = state.threshold[c]! & PRIORITY_MASK;
    for (let c = 0; c < this.contexts; c++) this.updateOutput(c, true);
  }
}
