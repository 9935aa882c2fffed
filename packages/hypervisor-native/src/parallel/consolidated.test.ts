import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { GuestSpec } from '@vm/core';
import { NativeHypervisor } from '../hypervisor.js';
import { runConsolidatedOnThreads } from './consolidated.js';

const kernelM = fileURLToPath(new URL('../../../../guests/images/kernel-m.elf', import.meta.url));

function spec(workload: string): GuestSpec {
  return { kernel: { file: kernelM, bytes: readFileSync(kernelM) }, append: `workload=${workload}`, memory: 64 << 20 };
}

/** The same guests on one hypervisor on this thread: the reference. */
function together(specs: readonly GuestSpec[]): { console: string; instructions: number }[] {
  const hv = new NativeHypervisor({ memory: specs.length * (72 << 20) });
  const vms = specs.map((s, i) => hv.createVm({ name: `vm${i}`, memory: s.memory, kernel: s.kernel, append: s.append }));
  while (hv.run(1_000_000).reason === 'budget');
  return vms.map((vm) => ({ console: vm.console, instructions: vm.stats.guestInstructions }));
}

describe('VMs on worker threads', async () => {
  it('two VMs on two workers print what they print on one thread, retire as many instructions, and power off', async () => {
    const specs = [spec('cpu cpu.iters=20'), spec('fork')];
    const threads = await runConsolidatedOnThreads(specs);
    const single = together(specs);
    expect(threads.map((r) => r.exit)).toEqual([{ reason: 'poweroff', code: 0 }, { reason: 'poweroff', code: 0 }]);
    expect(threads.map((r) => r.console)).toEqual(single.map((s) => s.console));
    expect(threads[1]!.console).toContain('DONE pass');
    expect(threads.map((r) => r.guestInstructions)).toEqual(single.map((s) => s.instructions));
  }, 120_000);
});
