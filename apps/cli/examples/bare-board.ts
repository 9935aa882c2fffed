/**
 * A bare board running a guest: QEMU's `virt` machine (VirtMachine) booting the M-mode test
 * kernel with `-bios none -kernel kernel-m.elf -append workload=cpu`, until it powers off.
 *
 *   npx tsx --conditions=@vm/source apps/cli/examples/bare-board.ts
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bootVirt, VirtMachine } from '@vm/machine';

const kernel = fileURLToPath(new URL('../../../guests/images/kernel-m.elf', import.meta.url));

const machine = new VirtMachine({ memory: 64 << 20, console: (byte) => process.stdout.write(String.fromCharCode(byte)) });
bootVirt(machine, { kernel: { file: kernel, bytes: readFileSync(kernel) }, append: 'workload=cpu' });

// run() returns after a budget of instructions, or at an exit the board cannot handle itself.
let exit = machine.run(10_000_000);
while (exit.reason === 'budget') exit = machine.run(10_000_000);

console.log(`exit: ${exit.reason}${exit.reason === 'poweroff' ? ` status ${exit.code}` : ''}, ${machine.retired} instructions`);
process.exitCode = exit.reason === 'poweroff' ? exit.code : 1;
