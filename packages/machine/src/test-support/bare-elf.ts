import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { bootVirt } from '../boot.js';
import { VirtMachine } from '../virt.js';

/** What a bare-metal program printed, how it ended and what it retired. */
export interface BareRun {
  readonly output: string;
  readonly exit: unknown;
  readonly retired: number;
}

/**
 * A bare-metal benchmark ELF (`-bios none -kernel ELF -append ...`: guests/bzip2, guests/fpbench)
 * on a 128 MiB board of its own, to its poweroff (at most 200 M instructions), the translator on
 * or off (blocks after 50 visits, so that short runs use them).
 */
export function runBareElf(elf: string, append: string, translate: boolean): BareRun {
  let output = '';
  const m = new VirtMachine({ memory: 128 << 20, console: (b) => (output += String.fromCharCode(b)), translate, translateThreshold: 50 });
  bootVirt(m, { kernel: { file: elf, bytes: new Uint8Array(readFileSync(elf)) }, append });
  let exit: unknown;
  for (let i = 0; i < 200; i++) {
    exit = m.run(1_000_000);
    if ((exit as { reason: string }).reason !== 'budget') break;
  }
  return { output, exit, retired: m.harts[0]!.retired };
}

export const haveQemu = spawnSync('qemu-system-riscv64', ['--version']).status === 0;

/** The same ELF and -append on QEMU's virt board: its exit status and console. */
export function qemuBareElf(elf: string, append: string): { status: number | null; stdout: string } {
  const q = spawnSync('qemu-system-riscv64', ['-M', 'virt', '-m', '128M', '-nographic', '-bios', 'none', '-kernel', elf, '-append', append], {
    encoding: 'utf8', timeout: 60_000, input: '',
  });
  return { status: q.status, stdout: q.stdout };
}
