/** Argument decoding shared by the system-call handlers. */
export function int(a: bigint | undefined): number {
  return Number(BigInt.asIntN(64, a ?? 0n));
}

export function int32(a: bigint | undefined): number {
  return Number(BigInt.asIntN(32, a ?? 0n));
}

export function addr(a: bigint | undefined): number {
  return Number(BigInt.asUintN(64, a ?? 0n));
}

export function u64le(values: readonly (bigint | number)[]): Uint8Array {
  const b = new Uint8Array(values.length * 8);
  const v = new DataView(b.buffer);
  values.forEach((x, i) => v.setBigUint64(i * 8, BigInt.asUintN(64, BigInt(x)), true));
  return b;
}
