/**
 * Hart masks (SBI spec 3.1): hart_mask is a bit vector of hart IDs from hart_mask_base; a base of
 * all ones means "every hart" and the mask is ignored. True when the call names hart `hartId`;
 * `valid` is false when it names a hart that does not exist (SBI_ERR_INVALID_PARAM).
 */
export function hartMaskSelects(mask: bigint, base: bigint, hartId: number, harts: number): { selects: boolean; valid: boolean } {
  if (BigInt.asUintN(64, base) === (1n << 64n) - 1n) return { selects: true, valid: true };
  if (base >= BigInt(harts) && mask !== 0n) return { selects: false, valid: false };
  const shifted = mask >> BigInt(Math.max(0, harts - Number(base)));
  const valid = shifted === 0n;
  const selects = hartId >= Number(base) && ((mask >> BigInt(hartId - Number(base))) & 1n) === 1n;
  return { selects, valid };
}

/** The harts of `harts` a (mask, base) pair names, or undefined when it names one that does not exist. */
export function hartsSelected(mask: bigint, base: bigint, harts: number): number[] | undefined {
  const out: number[] = [];
  for (let h = 0; h < harts; h++) {
    const m = hartMaskSelects(mask, base, h, harts);
    if (!m.valid) return undefined;
    if (m.selects) out.push(h);
  }
  return out;
}
