// A minimal VMM on the vCPU layer, as a KVM user would write one: host memory and a real hart
// (HostBoard), a VM on a window of it, a trap-and-emulate vCPU, and a loop over Vcpu.run()
// exits. Run from the repository root:
//   npx tsx --conditions=@vm/source apps/cli/examples/vcpu-loop.ts
import { readFileSync } from 'node:fs';
import { HostBoard } from '@vm/hypervisor-native';
import { VirtualClock } from '@vm/machine';
import { PAGE_SIZE } from '@vm/mmu';
import { ShadowPageTable, TrapVcpu, Vm, type VcpuExitKind } from '@vm/vcpu';

const kernel = 'guests/images/kernel-s.elf';
let retired = 0;
const host = new HostBoard(96 << 20, new VirtualClock(() => retired, 10));
const pool = host.allocate(1024 * PAGE_SIZE, 'shadow page tables');
const window = host.allocate(64 << 20, 'guest RAM');
const shadow = new ShadowPageTable(host.ram, pool.base, 1024);
// An S-mode ELF and no bios: the vCPU is the guest's SBI (as QEMU with KVM).
const vm = new Vm({ name: 'guest', memory: window.size, kernel: { file: kernel, bytes: readFileSync(kernel) }, append: 'workload=cpu', console: (b) => process.stdout.write(String.fromCharCode(b)) }, window, host.ram, shadow, 10);
const vcpu = new TrapVcpu(vm, host);
vm.attach(vcpu);

const exits = new Map<VcpuExitKind, number>();
vcpu.load();
for (;;) {
  const exit = vcpu.run(1_000_000);
  retired = vm.stats.guestInstructions;
  exits.set(exit.kind, (exits.get(exit.kind) ?? 0) + 1);
  if (exit.kind === 'shutdown' || exit.kind === 'internal-error') break;
  if (exit.kind === 'wfi') {
    // Idle: let the VM's time jump to its next timer deadline, then resume.
    const d = vcpu.deadline();
    if (d !== undefined) vm.board.clock.skip(Math.max(1, Number(d - vm.board.clock.now())));
    vm.board.clint.update();
    if (vcpu.wakeable()) vm.state = 'running';
  }
}
vcpu.save();
console.log(`${vm.describe()}; exits returned to the VMM: ${[...exits].map(([k, n]) => `${k} ${n}`).join(', ')}`);
