import { describe, expect, it } from 'vitest';
import { distinctColors, groupedBars, needsLogScale, stackedBars } from './svg-chart.js';

describe('charts', () => {
  it('gives every series its own colour, however many there are', () => {
    for (const n of [2, 9, 10, 11, 40]) expect(new Set(distinctColors(n)).size).toBe(n);
  });

  it('switches to a log scale when one bar is 20× the typical one, and says so', () => {
    expect(needsLogScale([0.05, 0.1, 0.08, 2.0])).toBe(true); // 2.0 ≥ 20 × 0.08
    expect(needsLogScale([0.05, 0.1, 0.08, 1.5])).toBe(false);
    expect(needsLogScale([0, 0, 3])).toBe(false); // one non-zero bar: nothing to squeeze
    const bars = (vs: number[]) => [{ label: 'w', bars: vs.map((v, i) => ({ label: `s${i}`, value: v, color: '#000' })) }];
    const widths = (svg: string) => [...svg.matchAll(/<rect [^>]*width="([\d.]+)"/g)].map((m) => Number(m[1]));
    const log = groupedBars(bars([0.05, 0.1, 0.08, 4.0]), String, 'overhead');
    expect(log).toContain('log scale');
    // On the log axis the smallest bar stays readable: > 5% of the largest (linear: 1.25%).
    const [small, , , big] = widths(log);
    expect(small! / big!).toBeGreaterThan(0.05);
    expect(groupedBars(bars([0.05, 0.1, 0.08, 0.5]), String, 'overhead')).not.toContain('log scale');
  });

  it('draws stacked rows to their own totals when one total is 20× the typical one', () => {
    const row = (label: string, v: number) => ({ label, segments: [{ label: 'a', value: v, color: '#111' }] });
    expect(stackedBars([row('x', 1), row('y', 2), row('z', 100)], 'cycles', String)).toContain('each row scaled to its own total');
    expect(stackedBars([row('x', 1), row('y', 2), row('z', 3)], 'cycles', String)).not.toContain('own total');
  });

  it('prints a bar\'s text instead of its value when it has one', () => {
    const svg = groupedBars([{ label: 'cpu', bars: [{ label: 'native-trap', value: -0.05, color: '#000', text: 'within noise (±12.0%)' }] }], String, 't');
    expect(svg).toContain('within noise (±12.0%)');
    expect(svg).not.toContain('>-0.05<');
  });
});
