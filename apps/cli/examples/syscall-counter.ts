/**
 * Interposition: an exit hook of the native hypervisor that counts a guest's system calls — the
 * ECALLs it makes from virtual U-mode — by number (a7), while kernel-m runs `workload=fork`.
 *
 *   npx tsx --conditions=@vm/source apps/cli/examples/syscall-counter.ts
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NativeHypervisor } from '@vm/hypervisor-native';

const kernel = fileURLToPath(new URL('../../../guests/images/kernel-m.elf', import.meta.url));
const VIRTUAL_U = 0;
const A7 = 17;

const hv = new NativeHypervisor({ memory: 80 << 20 });
const vm = hv.createVm({ name: 'guest', memory: 64 << 20, kernel: { file: kernel, bytes: readFileSync(kernel) }, append: 'workload=fork' });

// Every exit passes the hooks before the hypervisor handles it; the guest's registers are readable.
const bySyscall = new Map<bigint, number>();
let syscalls = 0;
hv.onExit((v, exit) => {
  if (v === vm && exit.reason === 'ecall' && exit.vpriv === VIRTUAL_U) {
    syscalls++;
    const nr = hv.readRegister(v, A7);
    bySyscall.set(nr, (bySyscall.get(nr) ?? 0) + 1);
  }
  return 'continue';
});

while (hv.run(10_000_000).reason === 'budget');

process.stdout.write(vm.console);
console.log(`system calls from virtual U-mode: ${syscalls}`);
for (const [nr, n] of [...bySyscall].sort(([a], [b]) => Number(a - b))) console.log(`  a7=${nr}: ${n}`);
console.log(`${vm.describe()}; ${vm.stats.exits('ecall')} ecall exits in all, ${vm.stats.guestInstructions} guest instructions`);
process.exitCode = vm.exitStatus ?? 1;
