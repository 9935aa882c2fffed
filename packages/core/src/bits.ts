/** 64-bit helpers shared by the hart, the MMU and devices. */
export const MASK64 = (1n << 64n) - 1n;
export const MASK32 = 0xffff_ffff;

/** Unsigned 64-bit view of any bigint. */
export const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);
/** Signed 64-bit view of any bigint. */
export const s64 = (v: bigint): bigint => BigInt.asIntN(64, v);
/** Sign-extend the low 32 bits of v to 64 bits, as RV64 *W instructions do. */
export const sext32 = (v: bigint): bigint => BigInt.asUintN(64, BigInt.asIntN(32, v));

/** Format as 0x-prefixed hex, zero-padded to `digits`. */
export function hex(v: number | bigint, digits = 0): string {
  const n = typeof v === 'bigint' ? BigInt.asUintN(64, v) : v;
  return '0x' + n.toString(16).padStart(digits, '0');
}

/** Parse a size such as 256M, 1G, 512K or a plain byte count (QEMU's -m convention: bare = MiB). */
export function parseSize(text: string, bareUnit: 'bytes' | 'MiB' = 'bytes'): number | undefined {
  const m = /^(\d+)([KMGkmg]?)(i?B)?$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = (m[2] ?? '').toUpperCase();
  const mult = unit === 'K' ? 1024 : unit === 'M' ? 1 << 20 : unit === 'G' ? 1 << 30 : bareUnit === 'MiB' ? 1 << 20 : 1;
  return n * mult;
}
