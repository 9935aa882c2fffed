/** Minimal SVG bar charts, written by hand so the HTML report needs no dependency. */

export interface Bar {
  readonly label: string;
  readonly value: number;
  readonly color: string;
  /** Shown instead of the formatted value (e.g. "within noise"). */
  readonly text?: string;
}

export interface BarGroup {
  readonly label: string;
  readonly bars: readonly Bar[];
}

/** Ten well-separated hues (Tableau 10), then golden-angle hues: n colours, no two alike. */
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

export function distinctColors(n: number): string[] {
  return Array.from({ length: n }, (_, i) => PALETTE[i] ?? `hsl(${((i - PALETTE.length) * 137.508 + 15) % 360 | 0}, 70%, ${i % 2 === 0 ? 38 : 55}%)`);
}

/** A bar that is ≥ RATIO× the typical (median) bar squeezes the others to slivers on a linear axis. */
const RATIO = 20;

/** True when the largest magnitude is at least RATIO× the median non-zero magnitude. */
export function needsLogScale(values: readonly number[]): boolean {
  const mags = values.filter((v) => Number.isFinite(v) && v !== 0).map(Math.abs).sort((a, b) => a - b);
  if (mags.length < 2) return false;
  const median = mags[(mags.length - 1) >> 1]!;
  return mags[mags.length - 1]! >= RATIO * median;
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * Grouped horizontal bars around a zero line (values may be negative), labelled with `fmt`. When
 * one bar is ≥ 20× the typical one the axis is logarithmic (symmetric about zero: sign(v) ×
 * log10(1 + |v|/unit), unit = the smallest non-zero magnitude), and the title says so. A bar with
 * `text` shows that instead of its value (e.g. "within noise").
 */
export function groupedBars(groups: readonly BarGroup[], fmt: (v: number) => string, title: string): string {
  const barH = 14;
  const gap = 10;
  const labelW = 200;
  const plotW = 520;
  const raw = groups.flatMap((g) => g.bars.map((b) => b.value)).filter(Number.isFinite);
  const log = needsLogScale(raw);
  const unit = Math.min(...raw.filter((v) => v !== 0).map(Math.abs), 1);
  const scale = (v: number): number => (log ? Math.sign(v) * Math.log10(1 + Math.abs(v) / unit) : v);
  const values = raw.map(scale);
  const lo = Math.min(0, ...values);
  const hi = Math.max(0, ...values, 1e-9);
  const x = (v: number): number => labelW + ((scale(v) - lo) / (hi - lo)) * plotW;
  let y = 28;
  const heading = log ? `${title} — log scale: the largest bar is ≥ ${RATIO}× the typical one` : title;
  const parts: string[] = [`<text x="4" y="16" font-weight="bold">${escapeXml(heading)}</text>`];
  for (const g of groups) {
    parts.push(`<text x="4" y="${y + barH - 3}" font-weight="bold">${escapeXml(g.label)}</text>`);
    y += barH + 2;
    for (const b of g.bars) {
      const v = Number.isFinite(b.value) ? b.value : 0;
      const x0 = Math.min(x(0), x(v));
      const w = Math.max(Math.abs(x(v) - x(0)), 0.5);
      parts.push(`<text x="14" y="${y + barH - 3}">${escapeXml(b.label)}</text>`);
      parts.push(`<rect x="${x0.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${b.color}"><title>${escapeXml(`${g.label} ${b.label}: ${fmt(b.value)}`)}</title></rect>`);
      parts.push(`<text x="${(Math.max(x(0), x(v)) + 4).toFixed(1)}" y="${y + barH - 3}">${escapeXml(b.text ?? (Number.isFinite(b.value) ? fmt(b.value) : '—'))}</text>`);
      y += barH + 2;
    }
    y += gap;
  }
  const zero = x(0).toFixed(1);
  parts.push(`<line x1="${zero}" y1="22" x2="${zero}" y2="${y}" stroke="#333"/>`);
  return svg(labelW + plotW + 90, y + 4, parts);
}

/**
 * One horizontal stacked bar per row, each segment a share of the row's total. When one row's
 * total is ≥ 20× the typical row's, a common linear axis would leave the others as slivers: each
 * row is then drawn at full width (its own total = 100%, printed at the end), and the title says so.
 */
export function stackedBars(rows: readonly { label: string; segments: readonly Bar[] }[], title: string, fmt: (v: number) => string): string {
  const barH = 16;
  const labelW = 200;
  const plotW = 520;
  const totals = rows.map((r) => r.segments.reduce((a, s) => a + s.value, 0));
  const own = needsLogScale(totals);
  const max = Math.max(1e-9, ...totals);
  const heading = own ? `${title} — each row scaled to its own total (the largest is ≥ ${RATIO}× the typical one)` : title;
  const parts: string[] = [`<text x="4" y="16" font-weight="bold">${escapeXml(heading)}</text>`];
  let y = 28;
  for (const [i, r] of rows.entries()) {
    parts.push(`<text x="4" y="${y + barH - 4}">${escapeXml(r.label)}</text>`);
    let x = labelW;
    const full = own ? Math.max(totals[i]!, 1e-9) : max;
    for (const s of r.segments) {
      const w = (s.value / full) * plotW;
      if (w <= 0) continue;
      parts.push(`<rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${s.color}"><title>${escapeXml(`${r.label} ${s.label}: ${fmt(s.value)}`)}</title></rect>`);
      x += w;
    }
    parts.push(`<text x="${(x + 4).toFixed(1)}" y="${y + barH - 4}">${escapeXml(fmt(r.segments.reduce((a, s) => a + s.value, 0)))}</text>`);
    y += barH + 4;
  }
  return svg(labelW + plotW + 90, y + 4, parts);
}

/** A colour key for the segments of a chart. */
export function legend(items: readonly { label: string; color: string }[]): string {
  return `<p class="legend">${items.map((i) => `<span><i style="background:${i.color}"></i>${escapeXml(i.label)}</span>`).join(' ')}</p>`;
}

function svg(w: number, h: number, parts: readonly string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="11">${parts.join('')}</svg>`;
}
