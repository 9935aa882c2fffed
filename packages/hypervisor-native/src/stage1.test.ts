import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bootVirt, VirtMachine } from '@vm/machine';
import { NativeHypervisor } from './hypervisor.js';

const root = new URL('../../../', import.meta.url).pathname;
const file = (p: string) => ({ file: p, bytes: readFileSync(root + p) });

function bareRun(kernel: string, append: string): string {
  const out: number[] = [];
  const m = new VirtMachine({ memory: 64 << 20, console: (b) => out.push(b) });
  bootVirt(m, { kernel: file(kernel), append });
  for (let i = 0; i < 400 && m.run(1_000_000).reason === 'budget'; i++);
  return Buffer.from(out).toString('latin1');
}

const results = (text: string) => text.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('RESULT') || l.startsWith('DONE'));

describe('stage 1: M-mode guests in one VM', () => {
  it('runs uart-hello: MMIO emulation on the identity view, poweroff status 0', () => {
    const hv = new NativeHypervisor({ memory: 16 << 20 });
    const vm = hv.createVm({ name: 'hello', memory: 4 << 20, kernel: file('packages/machine/fixtures/uart-hello.elf') });
    const r = hv.run(1_000_000);
    expect(vm.console).toBe('hello from M-mode\n');
    expect(r.reason).toBe('stopped');
    expect(vm.exitStatus).toBe(0);
    expect(vm.stats.exits('mmio')).toBeGreaterThan(0);
    console.log('uart-hello', vm.stats.guestInstructions, vm.stats.events());
  });

  it('runs kernel-m.elf (own PMP, Sv39, U processes, timer) with the bare-metal RESULT lines', () => {
    const append = 'workload=cpu,fork,console';
    const t0 = performance.now();
    const bare = bareRun('guests/images/kernel-m.elf', append);
    const t1 = performance.now();
    const hv = new NativeHypervisor({ memory: 80 << 20 });
    const vm = hv.createVm({ name: 'kernel-m', memory: 64 << 20, kernel: file('guests/images/kernel-m.elf'), append });
    let r = hv.run(50_000_000);
    for (let i = 0; i < 20 && r.reason === 'budget'; i++) r = hv.run(50_000_000);
    const t2 = performance.now();
    console.log(vm.console.slice(-600));
    console.log(vm.describe(), vm.stats.guestInstructions, JSON.stringify(vm.stats.events()), `bare ${(t1 - t0) | 0} ms, hv ${(t2 - t1) | 0} ms`);
    expect(results(vm.console)).toEqual(results(bare));
    expect(results(bare)).toContain('DONE pass');
    expect(vm.exitStatus).toBe(0);
  }, 300_000);
});
