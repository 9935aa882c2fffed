import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assemble } from '@vm/isa';
import { bootVirt, VirtMachine } from '@vm/machine';
import { NativeHypervisor } from './hypervisor.js';
import { nativeTrapStack } from './native-trap-stack.js';

const root = new URL('../../../', import.meta.url).pathname;
const file = (p: string) => ({ file: p, bytes: readFileSync(root + p) });
const results = (text: string) => text.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('RESULT') || l.startsWith('DONE'));
const APPEND = 'workload=cpu,fork,console';

/** A raw M-mode program at 0x8000_0000 (`-bios none -kernel prog.bin`). */
const program = (name: string, source: string) => ({ file: name, bytes: assemble(source, { base: 0x8000_0000n }).bytes });

/** Stores 0xdeadbeef every 4 KiB upwards from RAM's base, past its end, with no trap handler. */
const WILD_WRITER = program('wild.bin', `
  li t0, 0x80000000
  li t1, 0xdeadbeef
  li t2, 4096
1:
  sd t1, 0(t0)
  add t0, t0, t2
  j 1b
`);

/** An ecall whose handler is the ecall itself: traps forever without retiring anything. */
const TRAP_STORM = program('storm.bin', `
  la t0, 1f
  csrw mtvec, t0
1:
  ecall
`);

/** Interrupts off, then spin: only the hypervisor's preemption takes the CPU back. */
const SPINNER = program('spin.bin', `
  csrci mstatus, 8
  csrw mie, zero
1:
  j 1b
`);

function bareResults(): string[] {
  const out: number[] = [];
  const m = new VirtMachine({ memory: 32 << 20, console: (b) => out.push(b) });
  bootVirt(m, { kernel: file('guests/images/kernel-m.elf'), append: APPEND });
  for (let i = 0; i < 400 && m.run(1_000_000).reason === 'budget'; i++);
  return results(Buffer.from(out).toString('latin1'));
}

describe('stage 3: several isolated VMs', () => {
  it('runs kernel-m next to a wild writer, a trap storm and a spinner: its results do not change, the others are reported', () => {
    const expected = bareResults();
    const hv = new NativeHypervisor({ memory: 128 << 20, quantum: 50_000 });
    const good = hv.createVm({ name: 'good', memory: 32 << 20, kernel: file('guests/images/kernel-m.elf'), append: APPEND });
    const good2 = hv.createVm({ name: 'good2', memory: 32 << 20, kernel: file('guests/images/kernel-m.elf'), append: APPEND });
    const wild = hv.createVm({ name: 'wild', memory: 8 << 20, kernel: WILD_WRITER, sbi: 'firmware' });
    const storm = hv.createVm({ name: 'storm', memory: 8 << 20, kernel: TRAP_STORM, sbi: 'firmware' });
    const spin = hv.createVm({ name: 'spin', memory: 8 << 20, kernel: SPINNER, sbi: 'firmware' });
    // Exit-hook example: stop the spinner after it has been preempted 400 times.
    hv.onExit((vm, exit) => (vm === spin && exit.reason === 'timer' && vm.stats.exits('timer') >= 400 ? 'stop' : 'continue'));
    const t0 = performance.now();
    for (let i = 0; i < 100 && (good.state !== 'stopped' || good2.state !== 'stopped'); i++) hv.run(5_000_000);
    const ms = performance.now() - t0;
    for (const vm of hv.vms) console.log(vm.describe(), vm.stats.guestInstructions, JSON.stringify(vm.stats.events()));
    console.log(`wall ${ms | 0} ms, world switches ${hv.worldSwitches}`);
    expect(results(good.console)).toEqual(expected);
    expect(results(good2.console)).toEqual(expected);
    expect(good.exitStatus).toBe(0);
    expect(wild.report?.reason).toBe('trap-storm');
    expect(wild.report?.lastExits.length).toBeGreaterThan(0);
    // The wild writer reached its own RAM's last page and not one byte beyond its window.
    expect(wild.ram.read64(wild.ram.end - 4096)).toBe(0xdeadbeefn);
    expect(hv.host.ram.read64(wild.window.base + wild.window.size)).not.toBe(0xdeadbeefn);
    expect(storm.report?.reason).toBe('trap-storm');
    expect(storm.report?.lastExits.at(-1)?.reason).toBe('ecall');
    expect(spin.report?.reason).toBe('hook');
    expect(hv.worldSwitches).toBeGreaterThan(4);
  }, 300_000);

  it('is a Stack: runs one guest spec and returns its result with events', () => {
    const r = nativeTrapStack.run({ kernel: file('guests/images/kernel-m.elf'), memory: 32 << 20, append: 'workload=cpu' });
    console.log(nativeTrapStack.name, r.exit, r.guestInstructions, r.seconds.toFixed(2), JSON.stringify(r.events));
    expect(r.exit).toEqual({ reason: 'poweroff', code: 0 });
    expect(r.console).toContain('DONE pass');
    expect(r.events['exit.csr']).toBeGreaterThan(0);
  }, 120_000);
});
