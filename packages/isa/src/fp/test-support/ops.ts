/**
 * One-call wrappers: load operands, execute one encoded instruction, return the result and
 * the flags it raised. Single operands/results are unboxed 32-bit encodings.
 */
import type { BinaryOp, Fmt, FusedOp, IntName } from './encode.js';
import { binary, fcvtFloat, fcvtFromInt, fcvtToInt, fsqrt, fused } from './encode.js';
import { BOX, machine, run } from './machine.js';

export interface Outcome {
  bits: bigint;
  flags: number;
}

function load(fmt: Fmt, bits: bigint): bigint {
  return fmt === 'S' ? BOX | bits : bits;
}

function unload(fmt: Fmt, raw: bigint): bigint {
  if (fmt === 'D') return raw;
  if ((raw & BOX) !== BOX) throw new Error(`single result not NaN-boxed: ${raw.toString(16)}`);
  return raw & 0xffff_ffffn;
}

function exec(insn: number, setup: (m: ReturnType<typeof machine>) => void): ReturnType<typeof machine> {
  const m = machine();
  setup(m);
  if (!run(m, insn)) throw new Error(`illegal instruction ${insn.toString(16)}`);
  return m;
}

export function fpBinary(op: BinaryOp, fmt: Fmt, a: bigint, b: bigint, rm: number): Outcome {
  const m = exec(binary(op, fmt, 3, 1, 2, rm), (s) => {
    s.fp.f[1] = load(fmt, a);
    s.fp.f[2] = load(fmt, b);
  });
  return { bits: unload(fmt, m.fp.f[3]), flags: m.fp.fflags };
}

export function fpSqrt(fmt: Fmt, a: bigint, rm: number): Outcome {
  const m = exec(fsqrt(fmt, 3, 1, rm), (s) => {
    s.fp.f[1] = load(fmt, a);
  });
  return { bits: unload(fmt, m.fp.f[3]), flags: m.fp.fflags };
}

export function fpFused(op: FusedOp, fmt: Fmt, a: bigint, b: bigint, c: bigint, rm: number): Outcome {
  const m = exec(fused(op, fmt, 4, 1, 2, 3, rm), (s) => {
    s.fp.f[1] = load(fmt, a);
    s.fp.f[2] = load(fmt, b);
    s.fp.f[3] = load(fmt, c);
  });
  return { bits: unload(fmt, m.fp.f[4]), flags: m.fp.fflags };
}

/** FCVT.int.fmt; `bits` is the raw 64-bit integer register value. */
export function fpToInt(int: IntName, fmt: Fmt, a: bigint, rm: number): Outcome {
  const m = exec(fcvtToInt(int, fmt, 5, 1, rm), (s) => {
    s.fp.f[1] = load(fmt, a);
  });
  return { bits: m.x[5], flags: m.fp.fflags };
}

/** FCVT.fmt.int from the raw 64-bit integer register value `v`. */
export function fpFromInt(fmt: Fmt, int: IntName, v: bigint, rm: number): Outcome {
  const m = exec(fcvtFromInt(fmt, int, 3, 5, rm), (s) => {
    s.x[5] = BigInt.asUintN(64, v);
  });
  return { bits: unload(fmt, m.fp.f[3]), flags: m.fp.fflags };
}

/** FCVT.S.D (to 'S') or FCVT.D.S (to 'D'). */
export function fpConvert(to: Fmt, a: bigint, rm: number): Outcome {
  const from: Fmt = to === 'S' ? 'D' : 'S';
  const m = exec(fcvtFloat(to, 3, 1, rm), (s) => {
    s.fp.f[1] = load(from, a);
  });
  return { bits: unload(to, m.fp.f[3]), flags: m.fp.fflags };
}
