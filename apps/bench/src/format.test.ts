import { describe, expect, it } from 'vitest';
import { wallOverhead } from './format.js';
import { relativeSpread, spread } from './statistics.js';

describe('wall-clock overheads against their noise', () => {
  it('says "within noise" instead of a percentage when the difference is no larger than the spread', () => {
    // --quick's "hosted −39% vs bare": runs that varied by more than the difference.
    const bare = spread([0.2, 0.5]);
    const hosted = spread([0.17, 0.257]);
    const noise = relativeSpread(bare) + relativeSpread(hosted);
    const wall = hosted.median / bare.median - 1;
    expect(wall).toBeCloseTo(-0.39, 2);
    expect(wallOverhead({ wall, wallNoise: noise, wallWithinNoise: Math.abs(wall) <= noise })).toBe('within noise (±126%)');
  });

  it('prints the percentage with the noise it stands out from, and marks single runs', () => {
    expect(wallOverhead({ wall: 0.5, wallNoise: 0.1, wallWithinNoise: false })).toBe('+50.0% (±10.0%)');
    expect(wallOverhead({ wall: 0.5, wallNoise: null, wallWithinNoise: null })).toBe('+50.0% (1 run)');
    expect(wallOverhead({ wall: 0, wallNoise: null, wallWithinNoise: null })).toBe('+0.0%');
  });

  it('measures spread relative to the median', () => {
    expect(relativeSpread(spread([1, 1.2, 1.1]))).toBeCloseTo(0.2 / 1.1, 12);
  });
});
