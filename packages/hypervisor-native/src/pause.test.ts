import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NativeHypervisor } from './hypervisor.js';

const root = join(import.meta.dirname, '../../..');
const kernel = { file: 'kernel-m.elf', bytes: new Uint8Array(readFileSync(join(root, 'guests/images/kernel-m.elf'))) };

describe('NativeHypervisor.pause', () => {
  it('holds one VM (not scheduled, its clock stands still) while the other runs to its end; resume lets it finish', () => {
    const hv = new NativeHypervisor({ memory: 192 << 20 });
    const a = hv.createVm({ name: 'a', memory: 64 << 20, kernel, append: 'workload=cpu' });
    const b = hv.createVm({ name: 'b', memory: 64 << 20, kernel, append: 'workload=cpu' });
    hv.run(1_000_000);
    hv.pause(b);
    expect(hv.isPaused(b)).toBe(true);
    const held = b.stats.guestInstructions;
    const clock = b.board.clock.now();
    for (let i = 0; i < 200 && a.state !== 'stopped'; i++) hv.run(2_000_000);
    expect(a.console).toContain('DONE pass');
    expect(b.stats.guestInstructions).toBe(held);
    expect(b.board.clock.now()).toBe(clock);
    // Only the held VM is left: the hypervisor is idle, not stopped.
    expect(hv.run(1000).reason).toBe('idle');
    hv.resume(b);
    for (let i = 0; i < 200 && b.state !== 'stopped'; i++) hv.run(2_000_000);
    expect(b.console).toContain('DONE pass');
    expect(b.exitStatus).toBe(0);
  });
});
