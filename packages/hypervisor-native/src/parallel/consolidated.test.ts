import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { GuestSpec } from '@vm/core';
import { NativeHypervisor } from '../hypervisor.js';
import { runConsolidatedOnThreads } from './consolidated.js';
import { ParallelSession } from './parallel-session.js';
import { RemoteVm } from './remote-vm.js';

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

  it("a slice's budget goes to the VMs as they run: a fast VM is not held to a slow neighbour's pace, and the total stays the budget", async () => {
    // vm0 prints (every byte an MMIO exit to its VMM: a few MIPS), vm1 computes (blocks: hundreds
    // of MIPS). Both run far longer than the test looks. With an equal share each, every slice
    // would end with vm1 waiting for vm0 at the same instruction count.
    const module = new URL(import.meta.url.endsWith('.ts') ? './spec-vm.ts' : './spec-vm.js', import.meta.url).href;
    const specs = [spec('console console.lines=10000000'), spec('cpu cpu.iters=100000000')];
    const vms = await RemoteVm.startAll(specs.map((sp, i) => ({ name: `vm${i}`, source: { module, export: 'createSpecVm', args: { name: `vm${i}`, spec: sp } }, console: () => {} })));
    const session = new ParallelSession(vms, { input: false });
    try {
      for (let i = 0; i < 20; i++) expect(session.run(5_000_000)).toEqual({ ran: 5_000_000, end: 'budget' });
      const before = vms.map((v) => v.status.guestInstructions);
      const slice = session.run(20_000_000);
      const ran = vms.map((v, i) => v.status.guestInstructions - before[i]!);
      expect(slice).toEqual({ ran: 20_000_000, end: 'budget' });
      expect(ran[0]! + ran[1]!).toBe(20_000_000);
      expect(ran[0]).toBeGreaterThan(0);
      expect(ran[1]).toBeGreaterThan(2 * ran[0]!); // equal shares gave exactly 1×
    } finally {
      session.close();
    }
  }, 120_000);
});
