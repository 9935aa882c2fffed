/** Number formatting shared by the terminal table and the HTML report. */

export function pct(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  const v = x * 100;
  return `${v >= 0 ? '+' : ''}${Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1)}%`;
}

/**
 * A wall-clock overhead as a reader may take it: "within noise (±N%)" when the difference is no
 * larger than the runs' spread (never a false speed-up or slow-down), else the percentage and
 * the noise it stands out from; "(1 run)" when no spread was measured.
 */
export function wallOverhead(o: { readonly wall: number; readonly wallNoise: number | null; readonly wallWithinNoise: boolean | null }): string {
  if (o.wallNoise === null || !Number.isFinite(o.wallNoise)) return Number.isFinite(o.wall) && o.wall !== 0 ? `${pct(o.wall)} (1 run)` : pct(o.wall);
  const noise = `±${(o.wallNoise * 100).toFixed(o.wallNoise >= 1 ? 0 : 1)}%`;
  return o.wallWithinNoise === true ? `within noise (${noise})` : `${pct(o.wall)} (${noise})`;
}

export function fixed(x: number | null | undefined, digits = 2): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits);
}

/** 12345678 → 12.35M */
export function si(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  const a = Math.abs(x);
  if (a >= 1e9) return `${(x / 1e9).toFixed(2)}G`;
  if (a >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (a >= 1e3) return `${(x / 1e3).toFixed(1)}k`;
  return String(Math.round(x));
}
