import { describe, expect, it } from 'vitest';
import { hex, parseSize, sext32 } from './bits.js';

describe('64-bit helpers', () => {
  it('sign-extends the low word as RV64 *W results do', () => {
    expect(sext32(0x8000_0000n)).toBe(0xffff_ffff_8000_0000n);
    expect(sext32(0x1_7fff_ffffn)).toBe(0x7fff_ffffn);
  });
  it('parses QEMU-style sizes', () => {
    expect(parseSize('256M')).toBe(256 << 20);
    expect(parseSize('1G')).toBe(1 << 30);
    expect(parseSize('128', 'MiB')).toBe(128 << 20);
    expect(parseSize('12X')).toBeUndefined();
  });
  it('formats negative bigints as their unsigned 64-bit value', () => {
    expect(hex(-1n)).toBe('0xffffffffffffffff');
  });
});
