import { describe, expect, it } from 'vitest';
import { RamStore } from '@vm/mmu';
import { arenaTailBytes, LANE_BYTES, SLOT_BYTES, SLOTS } from './layout.js';
import { WasmRuntime } from './wasm-runtime.js';

/*
 * A RAM shared by harts on threads: each thread's runtime has its own lane of the shared arena's
 * tail — the lane's hart slot and a jump cache of its own (block indices are per thread).
 */
describe.skipIf(process.env['VM_WASM'] === '0')('WasmRuntime lanes on a shared arena', () => {
  const size = 1 << 20;

  it('gives each lane its own hart slot and refuses a second hart on the lane', () => {
    const shared = RamStore.shared(size, arenaTailBytes(3)).shared!;
    const lanes = [0, 1, 2].map((lane) => new WasmRuntime(RamStore.over(size, shared, lane)));
    expect(lanes.every((rt) => rt.shared)).toBe(true);
    const tail = shared.arena!.tail;
    const harts = lanes.map(() => ({}));
    expect(lanes.map((rt, i) => rt.allocSlot(harts[i]!))).toEqual([0, 1, 2].map((i) => tail + i * SLOT_BYTES));
    expect(lanes[1]!.allocSlot({})).toBe(-1);
    // The tail holds the slots, then one lane per thread (jump cache, heat buckets, expansions).
    expect(shared.arena!.memory.buffer.byteLength).toBeGreaterThanOrEqual(tail + SLOTS * SLOT_BYTES + 3 * LANE_BYTES);
  });

  it('refuses a lane whose jump cache the tail has no room for, naming what the arena needs', () => {
    const shared = RamStore.shared(size, arenaTailBytes(1)).shared!;
    expect(() => new WasmRuntime(RamStore.over(size, shared, 0))).not.toThrow();
    expect(() => new WasmRuntime(RamStore.over(size, shared, 3))).toThrow(/lane 3 has no jump cache.*arenaTailBytes/);
  });
});
