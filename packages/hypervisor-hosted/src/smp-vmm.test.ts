import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { GuestSpec } from '@vm/core';
import { assemble } from '@vm/isa';
import { buildVirtFdt, decodeSnapshot, encodeSnapshot } from '@vm/machine';
import type { VmmTurnState, VmSnapshot } from '@vm/vcpu';
import { HSM_STATE_STARTED, HSM_STATE_STOPPED } from '@vm/paravirt';
import { HostedSession } from './hosted-session.js';
import { hostedHost, vcpusProblem, type HostedHost } from './hosted-stack.js';
import type { VmmMode } from './vmm-process.js';

/** packages/hypervisor-native/fixtures/smp-hsm.s (the native smp-vm.test's guest): its results at RES. */
const RES = 0x8030_0000;
const GUEST = assemble(readFileSync(new URL('../../hypervisor-native/fixtures/smp-hsm.s', import.meta.url), 'utf8'), { base: 0x8020_0000n });
const FW_JUMP = '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin';
const kernelM = fileURLToPath(new URL('../../../guests/images/kernel-m.elf', import.meta.url));

/**
 * The guest in a VMM of two vCPUs. A small quantum (as the native test's): the vCPUs take turns
 * many times, so vCPU 1's IPI arrives during its busy loop and must survive the VMM's KVM_RUNs of
 * vCPU 0. 64 MiB: OpenSBI's fw_jump puts the device tree at 0x8220_0000.
 */
function smpHost(mode: VmmMode, spec: Partial<GuestSpec> = {}): HostedHost {
  return hostedHost([{ name: 'smp', spec: { memory: 64 << 20, kernel: { file: 'smp-hsm.bin', bytes: GUEST.bytes }, sbi: 'hypervisor', vcpus: 2, ...spec } }], mode, { vcpuQuantum: 2_000 });
}

/** Run the host OS until its VMM's guest stopped (bounded). */
function runToEnd(host: HostedHost): void {
  const session = new HostedSession(host, { input: false });
  for (let i = 0; i < 200 && session.run(1_000_000).end !== 'stopped'; i++);
}

describe('a hosted VMM of two vCPUs (KVM_CREATE_VCPU each, run in turns by the VMM process)', () => {
  it('accel: hart_start/get_status/stop, an IPI latched until cleared, a remote SFENCE.VMA seen by the other vCPU; poweroff 0', () => {
    const host = smpHost('accel');
    const { vmm, process: p } = host.vmms[0]!;
    host.kernel.run(1);
    const vm = host.kernel.vmm.vmOf(p.pid)!;
    expect(vm.vcpus.map((c) => c.index)).toEqual([0, 1]);
    expect(vm.cpuState(1)).toBe('offline');
    // The device tree the guest is given lists both harts (/cpus/cpu@0, cpu@1).
    const fdt = Buffer.from(buildVirtFdt(vm.board)).toString('latin1');
    expect(fdt.match(/cpu@\d/g)).toEqual(['cpu@0', 'cpu@1']);
    runToEnd(host);
    expect(vmm.exit).toEqual({ reason: 'poweroff', code: 0 });
    const r = (o: number): bigint => vm.ram.read64(RES + o);
    expect(r(0)).toBe(BigInt(HSM_STATE_STOPPED));
    expect(r(8)).toBe(0n);
    expect(r(24)).toBe(BigInt(HSM_STATE_STARTED));
    expect([r(48), r(56)]).toEqual([1n, 0x55n]);
    // The IPI stayed pending in vCPU 1 across its turns (sent by vCPU 0 during vCPU 1's busy loop).
    expect(r(104)).toBe(2n);
    // vCPU 1 reads the remapped page only through vCPU 0's RFENCE: the shared shadow entry was shot down.
    expect([r(72), r(96)]).toEqual([0x1111n, 0x2222n]);
    expect(r(40)).toBe(1n);
    expect(r(64)).toBe(0n);
    expect(vm.stats.get('sbi.hsm')).toBeGreaterThanOrEqual(4);
    expect(vm.stats.get('sbi.ipi')).toBe(1);
    expect(vm.stats.get('sbi.rfence')).toBe(1);
    expect(vm.stats.get('shadow.flush')).toBeGreaterThanOrEqual(1);
    expect(vm.cpuState(1)).toBe('offline');
    // Both vCPUs ran: the guest's work is theirs together, and the VMM took exits from both.
    expect(vm.vharts[1]!.hart.retired).toBeGreaterThan(40_000);
    expect(vmm.guestInstructions).toBe(vm.stats.guestInstructions);
  });

  it('accel: the run is deterministic (the same instruction count and exits twice)', () => {
    const counts = [0, 1].map(() => {
      const host = smpHost('accel');
      runToEnd(host);
      const { vmm } = host.vmms[0]!;
      expect(vmm.exit).toEqual({ reason: 'poweroff', code: 0 });
      return { n: vmm.guestInstructions, exits: vmm.exits };
    });
    expect(counts[1]).toEqual(counts[0]);
  });

  it('accel: a snapshot mid-run (vCPU 1 started, a turn half used) restores exactly: the same results, per-vCPU and total instruction counts', () => {
    const reference = smpHost('accel');
    // The VM while its VMM runs (the setup step made it): /dev/vmm forgets it when the VMM exits.
    reference.kernel.run(1);
    const refVm = reference.kernel.vmm.vmOf(reference.vmms[0]!.process.pid)!;
    runToEnd(reference);
    const total = reference.vmms[0]!.vmm.guestInstructions;
    const perVcpu = refVm.vharts.map((v) => v.hart.retired);
    const host = smpHost('accel');
    // The setup step, then a budget that ends inside a turn (quantum 2,000).
    host.kernel.run(1);
    host.kernel.run(31_234);
    const taken = host.vmms[0]!.vmm;
    const at = taken.guestInstructions;
    expect(host.kernel.vmm.vmOf(host.vmms[0]!.process.pid)!.cpuState(1)).not.toBe('offline');
    // Through .vmsnap bytes, as `vm snapshot` writes and `vm restore` reads.
    const snap = decodeSnapshot(Buffer.concat(encodeSnapshot(taken.snapshot())), 'smp.vmsnap') as VmSnapshot;
    expect(snap.config.harts).toBe(2);
    expect(snap.vm?.vcpus?.map((v) => v.state)).toHaveLength(2);
    expect(snap.vm?.schedule).toBeUndefined();
    expect(snap.vm?.turns).toMatchObject({ version: 1, quantum: 2_000 });
    expect(snap.vm?.turns?.used).toBeGreaterThan(0);
    const restored = hostedHost([{ name: 'smp', spec: { memory: 64 << 20 }, snapshot: snap }], 'accel', { vcpuQuantum: 2_000 });
    restored.kernel.run(1);
    const vm = restored.kernel.vmm.vmOf(restored.vmms[0]!.process.pid)!;
    runToEnd(restored);
    const { vmm } = restored.vmms[0]!;
    expect(vmm.exit).toEqual({ reason: 'poweroff', code: 0 });
    expect(at + vmm.guestInstructions).toBe(total);
    expect(vm.vharts.map((v) => v.hart.retired)).toEqual(perVcpu);
    for (let o = 0; o <= 104; o += 8) expect(vm.ram.read64(RES + o)).toBe(refVm.ram.read64(RES + o));
  });

  it('accel: a snapshot whose VMM turns are bad is refused field by field; a soft VMM refuses a snapshot on the SBI of /dev/vmm', () => {
    const host = smpHost('accel');
    host.kernel.run(1);
    host.kernel.run(20_000);
    const snap = host.vmms[0]!.vmm.snapshot() as VmSnapshot;
    const withTurns = (turns: unknown): VmSnapshot => ({ ...snap, vm: { ...snap.vm!, turns: turns as VmmTurnState } });
    const refused = (s: VmSnapshot, mode: VmmMode = 'accel', vcpuQuantum = 2_000): string => {
      const h = hostedHost([{ name: 'smp', spec: { memory: 64 << 20 }, snapshot: s }], mode, { vcpuQuantum });
      runToEnd(h);
      const e = h.vmms[0]!.vmm.exit;
      return e?.reason === 'halt' ? e.message : JSON.stringify(e);
    };
    const t = snap.vm!.turns!;
    expect(refused(withTurns({ ...t, turn: 2 }))).toBe('vmm snapshot: VMM turns: turn 2 (a vCPU 0 to 1 expected)');
    expect(refused(withTurns({ ...t, used: 2_000 }))).toBe('vmm snapshot: VMM turns: used 2000 (0 to 1999 of the quantum expected)');
    expect(refused(withTurns({ ...t, quantum: 0 }))).toBe('vmm snapshot: VMM turns: quantum 0 (a positive integer expected)');
    expect(refused(withTurns({ ...t, version: 2 }))).toBe('vmm snapshot: VMM turns: version 2 (1 expected)');
    expect(refused(withTurns({ ...t, stuck: -1 }))).toBe('vmm snapshot: VMM turns: stuck -1 (0 to 2 expected)');
    expect(refused(withTurns('x'))).toBe('vmm snapshot: VMM turns: x (an object expected)');
    expect(refused({ ...snap, vm: { ...snap.vm!, schedule: { version: 1, period: 1, periodLeft: 1, usedThisPeriod: 0, vcpus: [] } } })).toBe('vmm snapshot: the VM header has both a scheduler state and VMM turns');
    expect(refused(snap, 'accel', 1_000)).toBe('vmm snapshot: its vCPUs took turns of 2000 instructions, the VMM was given 1000');
    expect(refused(snap, 'soft')).toMatch(/^vmm snapshot: taken with the hypervisor's SBI \(no firmware in the guest\); a soft VMM runs guests with their own firmware only/);
  });

  it.skipIf(!existsSync(FW_JUMP))("soft: two harts of the VMM's board under OpenSBI run the same guest (OpenSBI's HSM, IPI and RFENCE)", () => {
    const host = smpHost('soft', { bios: { file: FW_JUMP, bytes: readFileSync(FW_JUMP) }, sbi: undefined });
    runToEnd(host);
    const { vmm } = host.vmms[0]!;
    expect(vmm.exit).toEqual({ reason: 'poweroff', code: 0 });
    const board = vmm.softBoard!;
    expect(board.harts.length).toBe(2);
    const r = (o: number): bigint => board.ram.read64(RES + o);
    expect([r(0), r(8), r(24)]).toEqual([BigInt(HSM_STATE_STOPPED), 0n, BigInt(HSM_STATE_STARTED)]);
    expect([r(48), r(56), r(104)]).toEqual([1n, 0x55n, 2n]);
    expect([r(72), r(96), r(40), r(64)]).toEqual([0x1111n, 0x2222n, 1n, 0n]);
    expect(vmm.guestInstructions).toBe(board.retired);
  });

  it('refuses what a VMM cannot run on several vCPUs, in one line', () => {
    const m = { file: kernelM, bytes: readFileSync(kernelM) };
    expect(vcpusProblem({ vcpus: 2, kernel: m }, 'accel')).toBe("2 vCPUs need the driver's SBI (-bios none -kernel S-payload); a VM firmware runs on one vCPU");
    expect(vcpusProblem({ vcpus: 2, kernel: m }, 'soft')).toMatch(/^2 harts of the soft VMM's board need a firmware/);
    expect(vcpusProblem({ vcpus: 9, kernel: m }, 'accel')).toBe('a hosted VMM has 1 to 8 vCPUs, got 9');
    expect(vcpusProblem({ vcpus: 1, kernel: m }, 'accel')).toBeUndefined();
    expect(() => smpHost('accel', { kernel: m, sbi: undefined })).toThrow("smp: 2 vCPUs need the driver's SBI");
  });
});
