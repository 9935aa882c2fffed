import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { GuestSpec } from '@vm/core';
import { NativeHypervisor, type Vm } from '@vm/hypervisor-native';
import { decodeSnapshot, encodeSnapshot, type MachineSnapshot } from '@vm/machine';
import { describe, expect, it } from 'vitest';
import { hostedHost, type HostedHost } from './hosted-stack.js';
import type { VmmMode } from './vmm-process.js';

const image = fileURLToPath(new URL('../../../guests/images/kernel-m.elf', import.meta.url));
const APPEND = 'workload=cpu,fork,disk';
const MEMORY = 64 << 20;
const spec = (): GuestSpec => ({ kernel: { file: image, bytes: readFileSync(image) }, append: APPEND, memory: MEMORY, disks: [{ bytes: new Uint8Array(8 << 20), bus: 'virtio' }] });
const results = (text: string): string[] => text.split(/\r?\n/).filter((l) => l.startsWith('RESULT') || l.startsWith('DONE'));

function nativeGuest(): { hv: NativeHypervisor; vm: Vm } {
  const hv = new NativeHypervisor({ memory: 96 << 20 });
  const s = spec();
  const vm = hv.createVm({ name: 'n', memory: MEMORY, kernel: s.kernel, append: APPEND, disks: [{ bytes: new Uint8Array(8 << 20), bus: 'virtio' }] });
  return { hv, vm };
}

function runNative(hv: NativeHypervisor, vm: Vm, until = Number.MAX_SAFE_INTEGER): void {
  while (vm.state !== 'stopped' && vm.vhart.hart.retired < until) if (hv.run(until === Number.MAX_SAFE_INTEGER ? 20_000_000 : 250_000).reason === 'idle') break;
}

function hosted(mode: VmmMode, snapshot?: MachineSnapshot): HostedHost {
  return hostedHost([{ name: 'g', spec: spec(), snapshot }], mode);
}

/** Run the host until its VMM has run `until` guest instructions, or its guest is done. */
function runHosted(h: HostedHost, until = Number.MAX_SAFE_INTEGER): void {
  const { vmm, process: proc } = h.vmms[0]!;
  for (let i = 0; i < 2000 && proc.state !== 'zombie' && vmm.guestInstructions < until; i++) {
    if (h.kernel.run(until === Number.MAX_SAFE_INTEGER ? 5_000_000 : 250_000).reason !== 'budget') break;
  }
}

/** Through .vmsnap bytes, as `vm snapshot` writes and `vm restore` reads. */
function throughFile(s: MachineSnapshot, what: string): MachineSnapshot {
  const t0 = performance.now();
  const bytes = Buffer.concat(encodeSnapshot(s));
  const t1 = performance.now();
  const back = decodeSnapshot(bytes, `${what}.vmsnap`);
  console.log(`${what}: .vmsnap ${bytes.length} bytes, encode ${(t1 - t0).toFixed(1)} ms, decode ${(performance.now() - t1).toFixed(1)} ms`);
  return back;
}

const reference = (() => {
  let ref: { console: string; retired: number } | undefined;
  return () => {
    if (ref === undefined) {
      const { hv, vm } = nativeGuest();
      runNative(hv, vm);
      ref = { console: vm.console, retired: vm.vhart.hart.retired };
    }
    return ref;
  };
})();

describe('migration between the native and the hosted hypervisor, through a snapshot', () => {
  for (const mode of ['accel', 'soft'] as const) {
    it(`native → hosted (${mode}), during disk I/O: same RESULT lines as an uninterrupted run`, () => {
      const ref = reference();
      const { hv, vm } = nativeGuest();
      runNative(hv, vm, 24_500_000);
      expect(vm.console).not.toContain('RESULT disk');
      // Disk I/O under way: virtio-blk has completed requests and the workload has not finished.
      // (An MMIO-exit count is no measure of that: legacy virtio-mmio needs fewer register writes.)
      expect(vm.board.virtio[0]!.transport.queues[0]!.snapshot().usedIdx).toBeGreaterThan(0);
      const s = throughFile(hv.snapshotVm(vm), `native@${vm.vhart.hart.retired}→${mode}`);
      const h = hosted(mode, s);
      runHosted(h);
      const vmm = h.vmms[0]!.vmm;
      const total = vm.vhart.hart.retired + vmm.guestInstructions;
      console.log(`native→${mode}: ${total} guest instructions (uninterrupted native ${ref.retired}); events ${JSON.stringify(vmm.events())}`);
      expect(vmm.exit).toEqual({ reason: 'poweroff', code: 0 });
      expect(results(vm.console + vmm.console)).toEqual(results(ref.console));
      // Guest time continues across the move: no negative interval in the INFO timings.
      expect(vm.console + vmm.console).not.toMatch(/time_us=\d{12,}/);
      expect(Math.abs(total - ref.retired)).toBeLessThan(ref.retired / 100);
    }, 300_000);

    it(`hosted (${mode}) → native: same RESULT lines as an uninterrupted run`, () => {
      const ref = reference();
      const h = hosted(mode);
      runHosted(h, 20_000_000);
      const vmm = h.vmms[0]!.vmm;
      const at = vmm.guestInstructions;
      const s = throughFile(vmm.snapshot(), `${mode}@${at}→native`);
      const hv = new NativeHypervisor({ memory: 96 << 20 });
      const vm = hv.restoreVm(s, { name: 'back' });
      runNative(hv, vm);
      const whole = hosted(mode);
      runHosted(whole);
      const wholeCount = whole.vmms[0]!.vmm.guestInstructions;
      console.log(`${mode}→native: ${vm.vhart.hart.retired} guest instructions (uninterrupted native ${ref.retired}, uninterrupted ${mode} ${wholeCount})`);
      expect(results(whole.vmms[0]!.vmm.console)).toEqual(results(ref.console));
      expect(vm.exitStatus).toBe(0);
      expect(results(vmm.console + vm.console)).toEqual(results(ref.console));
      // The count lies between the two hypervisors' uninterrupted counts (they deliver timer
      // interrupts at slightly different points, so idle loops run a little differently).
      expect(vm.vhart.hart.retired).toBeGreaterThanOrEqual(Math.min(ref.retired, wholeCount) * 0.99);
      expect(vm.vhart.hart.retired).toBeLessThanOrEqual(Math.max(ref.retired, wholeCount) * 1.01);
    }, 300_000);
  }

  it('a VMM refuses a snapshot that does not fit, naming what', () => {
    const { hv, vm } = nativeGuest();
    runNative(hv, vm, 1_000_000);
    const s = hv.snapshotVm(vm);
    const h = hostedHost([{ name: 'g', spec: { ...spec(), memory: 32 << 20 }, snapshot: s }], 'soft');
    runHosted(h);
    expect(h.vmms[0]!.vmm.exit).toEqual({ reason: 'halt', message: `vmm snapshot: guest RAM is ${MEMORY} bytes in the snapshot, ${32 << 20} here` });
    const noDisk = hostedHost([{ name: 'g', spec: { ...spec(), disks: [] }, snapshot: s }], 'accel');
    runHosted(noDisk);
    expect(noDisk.vmms[0]!.vmm.exit).toEqual({ reason: 'halt', message: 'vmm snapshot: has a disk: give the VMM a disk file to hold it' });
  }, 60_000);
});
