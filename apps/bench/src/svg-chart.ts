/** Minimal SVG bar charts, written by hand so the HTML report needs no dependency. */

export interface Bar {
  readonly label: string;
  readonly value: number;
  readonly color: string;
}

export interface BarGroup {
  readonly label: string;
  readonly bars: readonly Bar[];
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Grouped horizontal bars around a zero line (values may be negative), labelled with `fmt`. */
export function groupedBars(groups: readonly BarGroup[], fmt: (v: number) => string, title: string): string {
  const barH = 14;
  const gap = 10;
  const labelW = 200;
  const plotW = 520;
  const values = groups.flatMap((g) => g.bars.map((b) => b.value)).filter(Number.isFinite);
  const lo = Math.min(0, ...values);
  const hi = Math.max(0, ...values, 1e-9);
  const x = (v: number): number => labelW + ((v - lo) / (hi - lo)) * plotW;
  let y = 28;
  const parts: string[] = [`<text x="4" y="16" font-weight="bold">${escapeXml(title)}</text>`];
  for (const g of groups) {
    parts.push(`<text x="4" y="${y + barH - 3}" font-weight="bold">${escapeXml(g.label)}</text>`);
    y += barH + 2;
    for (const b of g.bars) {
      const v = Number.isFinite(b.value) ? b.value : 0;
      const x0 = Math.min(x(0), x(v));
      const w = Math.max(Math.abs(x(v) - x(0)), 0.5);
      parts.push(`<text x="14" y="${y + barH - 3}">${escapeXml(b.label)}</text>`);
      parts.push(`<rect x="${x0.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${b.color}"><title>${escapeXml(`${g.label} ${b.label}: ${fmt(b.value)}`)}</title></rect>`);
      parts.push(`<text x="${(Math.max(x(0), x(v)) + 4).toFixed(1)}" y="${y + barH - 3}">${escapeXml(Number.isFinite(b.value) ? fmt(b.value) : '—')}</text>`);
      y += barH + 2;
    }
    y += gap;
  }
  const zero = x(0).toFixed(1);
  parts.push(`<line x1="${zero}" y1="22" x2="${zero}" y2="${y}" stroke="#333"/>`);
  return svg(labelW + plotW + 90, y + 4, parts);
}

/** One horizontal stacked bar per row, each segment a share of the row's total. */
export function stackedBars(rows: readonly { label: string; segments: readonly Bar[] }[], title: string, fmt: (v: number) => string): string {
  const barH = 16;
  const labelW = 200;
  const plotW = 520;
  const max = Math.max(1e-9, ...rows.map((r) => r.segments.reduce((a, s) => a + s.value, 0)));
  const parts: string[] = [`<text x="4" y="16" font-weight="bold">${escapeXml(title)}</text>`];
  let y = 28;
  for (const r of rows) {
    parts.push(`<text x="4" y="${y + barH - 4}">${escapeXml(r.label)}</text>`);
    let x = labelW;
    for (const s of r.segments) {
      const w = (s.value / max) * plotW;
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
