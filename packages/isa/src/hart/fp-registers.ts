import type { FpState } from './fp-dispatch.js';

/**
 * A hart's FP state (f0..f31, fflags, frm) where WebAssembly blocks can reach it: in the hart's
 * slot when it translates (jit/wasm/layout.ts ST_F, ST_FFLAGS, ST_FRM), else in arrays of its own.
 * `f` is also seen as doubles and as int32 halves (the FP unit's host fast path), and one more
 * word says whether blocks may run FP instructions inline (`inline`: mstatus.FS, and vsstatus.FS
 * under V=1, are Dirty, so an FP instruction needs neither a trap nor a status change; priv spec
 * 3.1.6.6, 8.2.11).
 */
export class FpRegisters implements FpState {
  readonly d: Float64Array;
  readonly w: Int32Array;

  /** `words`: fflags, frm, inline (three int32). */
  constructor(
    readonly f: BigUint64Array,
    private readonly words: Int32Array,
  ) {
    this.d = new Float64Array(f.buffer, f.byteOffset, 32);
    this.w = new Int32Array(f.buffer, f.byteOffset, 64);
  }

  get fflags(): number {
    return this.words[0]!;
  }

  set fflags(v: number) {
    this.words[0] = v;
  }

  get frm(): number {
    return this.words[1]!;
  }

  set frm(v: number) {
    this.words[1] = v;
  }

  set inline(on: boolean) {
    this.words[2] = on ? 1 : 0;
  }
}
