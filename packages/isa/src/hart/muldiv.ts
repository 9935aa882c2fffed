/**
 * The M extension (unpriv spec chapter 7). Division never traps: x/0 = all ones, x%0 = x, and the
 * signed overflow MIN/-1 gives MIN with remainder 0 (table 7.1).
 */
const MIN64 = -(1n << 63n);

/** OP funct7=1: MUL, MULH, MULHSU, MULHU, DIV, DIVU, REM, REMU (funct3 0..7) on 64-bit operands. */
export function mulDiv64(f3: number, a: bigint, b: bigint): bigint {
  switch (f3) {
    case 0:
      return BigInt.asUintN(64, a * b);
    case 1:
      return BigInt.asUintN(64, (BigInt.asIntN(64, a) * BigInt.asIntN(64, b)) >> 64n);
    case 2:
      return BigInt.asUintN(64, (BigInt.asIntN(64, a) * b) >> 64n);
    case 3:
      return (a * b) >> 64n;
    case 4: {
      if (b === 0n) return (1n << 64n) - 1n;
      const sa = BigInt.asIntN(64, a);
      const sb = BigInt.asIntN(64, b);
      if (sa === MIN64 && sb === -1n) return a;
      return BigInt.asUintN(64, sa / sb);
    }
    case 5:
      return b === 0n ? (1n << 64n) - 1n : a / b;
    case 6: {
      if (b === 0n) return a;
      const sa = BigInt.asIntN(64, a);
      const sb = BigInt.asIntN(64, b);
      if (sa === MIN64 && sb === -1n) return 0n;
      return BigInt.asUintN(64, sa % sb);
    }
    default:
      return b === 0n ? a : a % b;
  }
}

/**
 * OP-32 funct7=1: MULW, DIVW, DIVUW, REMW, REMUW on the low words (int32 in, int32 out; the caller
 * sign-extends). Returns undefined for the reserved funct3 values 1..3.
 */
export function mulDiv32(f3: number, a: number, b: number): number | undefined {
  switch (f3) {
    case 0:
      return Math.imul(a, b);
    case 4:
      if (b === 0) return -1;
      if (a === -0x8000_0000 && b === -1) return a;
      return (a / b) | 0;
    case 5:
      return b === 0 ? -1 : ((a >>> 0) / (b >>> 0)) | 0;
    case 6:
      if (b === 0) return a;
      if (a === -0x8000_0000 && b === -1) return 0;
      return a % b | 0;
    case 7:
      return b === 0 ? a : ((a >>> 0) % (b >>> 0)) | 0;
    default:
      return undefined;
  }
}
