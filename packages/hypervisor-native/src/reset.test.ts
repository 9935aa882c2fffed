import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NativeHypervisor } from './hypervisor.js';

const root = join(import.meta.dirname, '../../..');
const image = (name: string): { file: string; bytes: Uint8Array } => ({ file: name, bytes: new Uint8Array(readFileSync(join(root, 'guests/images', name))) });
/** An M-mode kernel under trap-and-emulate; under H an S-mode one on the hypervisor's SBI. */
const guests = { trap: { kernel: image('kernel-m.elf') }, hext: { kernel: image('kernel-s.elf'), sbi: 'hypervisor' as const } };

/** Two VMs of our guest kernel run to their end; what a run gives, to compare runs by. */
function runTwo(hv: NativeHypervisor): string {
  const guest = guests[hv.mode];
  const a = hv.createVm({ name: 'a', memory: 16 << 20, ...guest, append: 'workload=cpu' });
  const b = hv.createVm({ name: 'b', memory: 16 << 20, ...guest, append: 'workload=mem' });
  for (let i = 0; i < 400 && (a.state !== 'stopped' || b.state !== 'stopped'); i++) hv.run(1_000_000);
  return JSON.stringify([a.console, a.exitStatus, a.stats.guestInstructions, b.console, b.exitStatus, b.stats.guestInstructions, hv.executed, hv.worldSwitches, String(hv.host.hart.pc)]);
}

describe('NativeHypervisor.reset', () => {
  it.each(['trap', 'hext'] as const)('(%s) gives a reused hypervisor the power-on state: the same run as a new one, host RAM zero again, no watcher left', (mode) => {
    const options = { memory: 48 << 20, quantum: 20_000, mode, shadowPages: 256 };
    const fresh = runTwo(new NativeHypervisor(options));
    expect(fresh).toContain('DONE pass');
    const hv = new NativeHypervisor(options);
    const watchers = hv.host.ram.writeWatchers.length;
    runTwo(hv);
    hv.reset();
    expect(hv.vms).toHaveLength(0);
    expect(hv.host.free).toBe(hv.host.ram.size);
    expect(hv.host.ram.copyOut(hv.host.ram.base, hv.host.ram.size).every((x) => x === 0)).toBe(true);
    // The VMs' RAM windows were retired with them (their translators' watchers gone).
    expect(hv.host.ram.writeWatchers.length).toBe(watchers);
    expect(runTwo(hv)).toBe(fresh);
  }, 120_000);
});
