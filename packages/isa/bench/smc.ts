/**
 * Self-modifying-code micro-benchmark: a loop that rewrites the immediate of one of its own
 * instructions every pass (then fence.i), against the same loop storing to a data page instead.
 * Prints MIPS for both, translator on and off, and the SMC cost as a ratio.
 *
 *   npx tsx --conditions=@vm/source packages/isa/bench/smc.ts [passes]
 */
import { Mmu, Ram, SystemBus } from '@vm/mmu';
import { assemble } from '../src/asm/assemble.js';
import { Hart } from '../src/hart/hart.js';

const RAM_BASE = 0x8000_0000;
const passes = Number(process.argv[2] ?? 300_000);

function source(smc: boolean): string {
  return `
  li x8, 0x00030313
  la x9, ${smc ? 'target' : 'data'}
loop:
target:
  addi x6, x6, 1
  andi x7, x5, 0x7ff
  slli x7, x7, 20
  or x7, x7, x8
  add x11, x11, x7
  xor x12, x12, x11
  sw x7, 0(x9)
  fence.i
  addi x5, x5, -1
  bnez x5, loop
  wfi
  .balign 4096
data:
  .word 0
`;
}

function mips(smc: boolean, translate: boolean): number {
  const ram = new Ram(RAM_BASE, 1 << 20);
  const bus = new SystemBus(ram);
  const hart: Hart = new Hart({ hartId: 0, bus, mmu: new Mmu(bus), clock: { frequency: 10_000_000, now: (): bigint => BigInt(hart.retired) }, translate });
  ram.load(RAM_BASE, assemble(source(smc), { base: BigInt(RAM_BASE) }).bytes);
  let best = 0;
  for (let r = 0; r < 3; r++) {
    hart.reset(BigInt(RAM_BASE));
    hart.x[5] = BigInt(passes);
    const t0 = performance.now();
    while (hart.run(1_000_000).reason === 'budget');
    best = Math.max(best, hart.retired / ((performance.now() - t0) / 1000) / 1e6);
  }
  return best;
}

for (const translate of [true, false]) {
  const straight = mips(false, translate);
  const smc = mips(true, translate);
  console.log(
    `translator ${translate ? 'on ' : 'off'}: straight ${straight.toFixed(1)} MIPS, self-modifying ${smc.toFixed(1)} MIPS ` +
      `(SMC costs ${(straight / smc).toFixed(1)}x)`,
  );
}
