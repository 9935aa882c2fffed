import { describe, expect, it } from 'vitest';
import { BlockBackendError } from './backend.js';
import { MemoryBlockBackend } from './memory.js';

describe('MemoryBlockBackend', () => {
  it('reads, writes and range-checks', () => {
    const b = new MemoryBlockBackend(1024);
    expect(b.size).toBe(1024);
    b.write(100, Uint8Array.of(1, 2, 3));
    const out = new Uint8Array(5);
    b.read(99, out);
    expect([...out]).toEqual([0, 1, 2, 3, 0]);
    expect(() => b.read(1020, new Uint8Array(8))).toThrow(BlockBackendError);
    expect(() => new MemoryBlockBackend(16, { readOnly: true }).write(0, Uint8Array.of(1))).toThrow(/read-only/);
  });
});

