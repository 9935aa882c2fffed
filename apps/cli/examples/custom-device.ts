/**
 * A custom device model: a 64-bit xorshift random-number generator (write the seed at +0, read
 * the next number at +8), attached to the virt board at 0x1000_a000 with a device-tree node, and
 * exercised by a small M-mode program assembled here that prints three numbers on the UART and
 * powers off.
 *
 *   npx tsx --conditions=@vm/source apps/cli/examples/custom-device.ts
 */
import type { AccessWidth, MmioDevice } from '@vm/core';
import { assemble } from '@vm/isa';
import { bootVirt, VirtMachine } from '@vm/machine';

const RNG_BASE = 0x1000_a000;

/** The device: it knows nothing of where it is mapped; offsets are relative to its base. */
class XorshiftRng implements MmioDevice {
  readonly size = 0x1000;
  readonly accessWidths: readonly AccessWidth[] = [8];
  private state = 1n;

  read(offset: number): bigint {
    if (offset !== 8) return 0n; // unknown registers read as zero
    let x = this.state;
    x ^= (x << 13n) & 0xffff_ffff_ffff_ffffn;
    x ^= x >> 7n;
    x ^= (x << 17n) & 0xffff_ffff_ffff_ffffn;
    this.state = x;
    return x;
  }

  write(offset: number, _width: AccessWidth, value: bigint): void {
    if (offset === 0) this.state = value === 0n ? 1n : value; // xorshift must not be seeded with 0
  }
}

const program = assemble(
  `
  .equ UART, 0x10000000
  .equ RNG, 0x1000a000
  .equ TEST, 0x100000
  li s0, UART
  li s1, RNG
  li t0, 42
  sd t0, 0(s1)          # seed
  li s2, 3
next:
  ld a0, 8(s1)          # next random number
  jal ra, print_hex
  li t0, 10
  sb t0, 0(s0)          # newline
  addi s2, s2, -1
  bnez s2, next
  li t0, TEST
  li t1, 0x5555         # sifive_test: poweroff, status 0
  sw t1, 0(t0)
1:
  j 1b

print_hex:              # a0 as 16 hex digits on the UART
  li t1, 60
2:
  srl t2, a0, t1
  andi t2, t2, 15
  li t3, 10
  blt t2, t3, 3f
  addi t2, t2, 87       # 'a' - 10
  j 4f
3:
  addi t2, t2, 48       # '0'
4:
  sb t2, 0(s0)
  addi t1, t1, -4
  bgez t1, 2b
  ret
`,
  { base: 0x8000_0000n },
);

const machine = new VirtMachine({ memory: 16 << 20, console: (byte) => process.stdout.write(String.fromCharCode(byte)) });
// Map it and describe it in the device tree (before boot: the DTB is built then).
machine.attachDevice('rng', RNG_BASE, new XorshiftRng(), (node) => {
  node.string('compatible', 'example,xorshift-rng').u64s('reg', [RNG_BASE, 0x1000]);
});
bootVirt(machine, { kernel: { file: 'rng-demo.bin', bytes: program.bytes } });

let exit = machine.run(1_000_000);
while (exit.reason === 'budget') exit = machine.run(1_000_000);
console.log(`exit: ${exit.reason}${exit.reason === 'poweroff' ? ` status ${exit.code}` : ''}, ${machine.retired} instructions`);
process.exitCode = exit.reason === 'poweroff' ? exit.code : 1;
