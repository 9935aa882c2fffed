import type { FpEnv } from './env.js';
import type { FloatFormat } from './format.js';
import type { FpState } from './state.js';
import { add } from './add.js';
import { classify } from './classify.js';
import { compare } from './compare.js';
import * as d from './decode.js';
import { divide } from './divide.js';
import { convertFormat } from './float-to-float.js';
import { floatToInteger } from './float-to-integer.js';
import { DOUBLE, SINGLE } from './format.js';
import { fusedMultiplyAdd } from './fused-multiply-add.js';
import { hostFastPath } from './host-fast-path.js';
import { INTEGER_FORMATS } from './integer-format.js';
import { integerToFloat } from './integer-to-float.js';
import { minMax } from './min-max.js';
import { multiply } from './multiply.js';
import { nativeDouble } from './native-double.js';
import { boxResult, readOperand } from './nan-boxing.js';
import { resolveRoundingMode } from './rounding-mode.js';
import { signInject } from './sign-injection.js';
import { squareRoot } from './square-root.js';

/*
 * Decoding is fully validated before anything is written: every path below either returns
 * false with no side effect, or computes its result with flags collected in a local FpEnv and
 * then commits register and fflags together.
 */

/** Builds the environment of a rounding instruction, or null when rm is illegal. */
function roundingEnv(insn: number, fp: FpState): FpEnv | null {
  const rm = resolveRoundingMode(d.rmOf(insn), fp.frm);
  return rm < 0 ? null : { rm: rm as FpEnv['rm'], flags: 0 };
}

/** Non-rounding instructions still need an env for flags; their rm field is a selector. */
function flagsOnlyEnv(): FpEnv {
  return { rm: 0, flags: 0 };
}

function commitFloat(fp: FpState, rd: number, format: FloatFormat, bits: bigint, env: FpEnv): true {
  fp.f[rd] = boxResult(format, bits);
  fp.fflags |= env.flags;
  return true;
}

/** Integer results are written as 64-bit two's complement; x0 is hard-wired to zero. */
function commitInteger(x: BigUint64Array, fp: FpState, rd: number, value: bigint, env: FpEnv): true {
  if (rd !== 0) x[rd] = BigInt.asUintN(64, value);
  fp.fflags |= env.flags;
  return true;
}

/**
 * Executes one F/D instruction (major opcode OP-FP, FMADD, FMSUB, FNMSUB or FNMADD).
 * Returns false when the encoding is illegal; nothing is modified in that case.
 */
export function executeFp(insn: number, x: BigUint64Array, fp: FpState): boolean {
  if (hostFastPath(insn, x, fp)) return true;
  const opcode = d.opcodeOf(insn);
  const fmt = d.fmtOf(insn);
  if (fmt !== d.FMT_S && fmt !== d.FMT_D) return false; // H (Zfh) and Q are not implemented
  const format = fmt === d.FMT_S ? SINGLE : DOUBLE;
  const rd = d.rdOf(insn);
  const rs1 = d.rs1Of(insn);
  const rs2 = d.rs2Of(insn);
  const f = fp.f;

  if (opcode === d.OP_FMADD || opcode === d.OP_FMSUB || opcode === d.OP_FNMSUB || opcode === d.OP_FNMADD) {
    const env = roundingEnv(insn, fp);
    if (env === null) return false;
    const negateProduct = opcode === d.OP_FNMSUB || opcode === d.OP_FNMADD;
    const negateAddend = opcode === d.OP_FMSUB || opcode === d.OP_FNMADD;
    const a = readOperand(f, rs1, format);
    const b = readOperand(f, rs2, format);
    const c = readOperand(f, d.rs3Of(insn), format);
    return commitFloat(fp, rd, format, fusedMultiplyAdd(format, a, b, c, negateProduct, negateAddend, env), env);
  }
  if (opcode !== d.OP_FP) return false;

  const funct3 = d.rmOf(insn);
  switch (d.funct5Of(insn)) {
    case d.FUNCT5_FADD:
    case d.FUNCT5_FSUB:
    case d.FUNCT5_FMUL:
    case d.FUNCT5_FDIV: {
      const env = roundingEnv(insn, fp);
      if (env === null) return false;
      const a = readOperand(f, rs1, format);
      const b = readOperand(f, rs2, format);
      const funct5 = d.funct5Of(insn);
      let result = format === DOUBLE ? nativeDouble(funct5, a, b, env) : -1n;
      if (result >= 0n) return commitFloat(fp, rd, format, result, env);
      if (funct5 === d.FUNCT5_FMUL) result = multiply(format, a, b, env);
      else if (funct5 === d.FUNCT5_FDIV) result = divide(format, a, b, env);
      else result = add(format, a, b, funct5 === d.FUNCT5_FSUB, env);
      return commitFloat(fp, rd, format, result, env);
    }
    case d.FUNCT5_FSQRT: {
      if (rs2 !== 0) return false;
      const env = roundingEnv(insn, fp);
      if (env === null) return false;
      return commitFloat(fp, rd, format, squareRoot(format, readOperand(f, rs1, format), env), env);
    }
    case d.FUNCT5_FSGNJ: {
      if (funct3 > 2) return false;
      const result = signInject(format, readOperand(f, rs1, format), readOperand(f, rs2, format), funct3);
      return commitFloat(fp, rd, format, result, flagsOnlyEnv());
    }
    case d.FUNCT5_FMINMAX: {
      if (funct3 > 1) return false; // rm 2/3 would be Zfa FMINM/FMAXM
      const env = flagsOnlyEnv();
      const result = minMax(format, readOperand(f, rs1, format), readOperand(f, rs2, format), funct3 === 1, env);
      return commitFloat(fp, rd, format, result, env);
    }
    case d.FUNCT5_FCMP: {
      if (funct3 > 2) return false; // 0 FLE, 1 FLT, 2 FEQ
      const env = flagsOnlyEnv();
      const result = compare(format, readOperand(f, rs1, format), readOperand(f, rs2, format), funct3, env);
      return commitInteger(x, fp, rd, result ? 1n : 0n, env);
    }
    case d.FUNCT5_FCVT_FMT_FMT: {
      // FCVT.S.D has fmt S and rs2 = 1 (source D); FCVT.D.S has fmt D and rs2 = 0 (source S).
      const source = format === SINGLE ? (rs2 === d.FMT_D ? DOUBLE : null) : rs2 === d.FMT_S ? SINGLE : null;
      if (source === null) return false;
      const env = roundingEnv(insn, fp);
      if (env === null) return false;
      return commitFloat(fp, rd, format, convertFormat(source, format, readOperand(f, rs1, source), env), env);
    }
    case d.FUNCT5_FCVT_INT_FMT: {
      if (rs2 > 3) return false;
      const env = roundingEnv(insn, fp);
      if (env === null) return false;
      const target = INTEGER_FORMATS[rs2];
      const value = floatToInteger(format, readOperand(f, rs1, format), target, env);
      // §11.7: on RV64 the 32-bit results (W and WU alike) are sign-extended.
      return commitInteger(x, fp, rd, target.width === 32 ? BigInt.asIntN(32, value) : value, env);
    }
    case d.FUNCT5_FCVT_FMT_INT: {
      if (rs2 > 3) return false;
      const env = roundingEnv(insn, fp);
      if (env === null) return false;
      const source = INTEGER_FORMATS[rs2];
      const raw = x[rs1];
      const value = source.signed ? BigInt.asIntN(source.width, raw) : BigInt.asUintN(source.width, raw);
      return commitFloat(fp, rd, format, integerToFloat(format, value, env), env);
    }
    case d.FUNCT5_FMV_X_FCLASS: {
      if (rs2 !== 0) return false;
      if (funct3 === 1) {
        const mask = classify(format, readOperand(f, rs1, format));
        return commitInteger(x, fp, rd, BigInt(mask), flagsOnlyEnv());
      }
      if (funct3 !== 0) return false;
      // FMV.X.W / FMV.X.D (§11.7, §12.5): raw bit transfer, no NaN-box check; FMV.X.W
      // sign-extends bits 31..0.
      const raw = f[rs1];
      return commitInteger(x, fp, rd, format === SINGLE ? BigInt.asIntN(32, raw) : raw, flagsOnlyEnv());
    }
    case d.FUNCT5_FMV_FMT_X: {
      if (rs2 !== 0 || funct3 !== 0) return false;
      // FMV.W.X / FMV.D.X: raw bit transfer; FMV.W.X NaN-boxes the low 32 bits of rs1.
      const bits = format === SINGLE ? BigInt.asUintN(32, x[rs1]) : x[rs1];
      return commitFloat(fp, rd, format, bits, flagsOnlyEnv());
    }
    default:
      return false;
  }
}
