/**
 * Harts on threads (`-accel tcg,thread=multi`) against the board's one thread: a CPU-bound SMP
 * workload on 1, 2 and 4 harts. Every hart runs the same integer loop (ALU ops, a load and a store
 * to a line of its own, a taken branch: no sharing, so the harts could run fully in parallel), then
 * adds 1 to a shared "done" word with amoadd.w and waits in WFI; the last to finish powers off
 * (no hart spins, so every instruction counted is work). Aggregate
 * MIPS = every hart's retired instructions ÷ wall time from the first run() to the poweroff
 * (workers are started and warm before: ThreadedBoard.start). Modes: one thread or a thread per
 * hart, each with the translator (the default) and interpreting (`--no-translate`). Runs are
 * interleaved and repeated, since the machine is shared.
 *
 *   npx tsx --conditions=@vm/source packages/machine/bench/threads.ts [iterations] [runs] [jit,interp,threads,threads-interp]
 */
import { assemble } from '@vm/isa';
import { bootVirt, SharedBoard, ThreadedBoard, VirtMachine, VIRT } from '../src/index.js';

const iterations = Number(process.argv[2] ?? 1_000_000);
const runs = Number(process.argv[3] ?? 3);
const DATA = 0x8010_0000;

function program(harts: number): Uint8Array {
  return assemble(
    `
  csrr s2, mhartid
  li s0, ${DATA}
  addi t6, s2, 1
  slli t6, t6, 12
  add s1, s0, t6
  li t0, ${iterations}
  li t1, 1
loop:
  ld t2, 0(s1)
  addi t2, t2, 3
  xor t3, t2, t0
  slli t4, t3, 5
  srli t4, t4, 2
  add t5, t4, t2
  sd t5, 0(s1)
  addi t0, t0, -1
  bnez t0, loop
  amoadd.w t2, t1, (s0)
  li t3, ${harts - 1}
  bne t2, t3, 2f
  li t4, ${VIRT.test.base}
  li t5, 0x5555
  sw t5, 0(t4)
2:
  wfi
  j 2b
`,
    { base: 0x8000_0000n },
  ).bytes;
}

type Mode = 'one thread (translator)' | 'one thread (interpreter)' | 'threads (translator)' | 'threads (interpreter)';

async function point(mode: Mode, harts: number): Promise<{ instructions: number; seconds: number }> {
  const threads = mode.startsWith('threads') ? new SharedBoard(harts) : undefined;
  const m = new VirtMachine({ memory: 16 << 20, harts, threads, translate: mode.endsWith('(translator)'), console: () => {} });
  bootVirt(m, { kernel: { file: 'loop.bin', bytes: program(harts) } });
  const engine = threads === undefined ? undefined : await ThreadedBoard.start(m);
  const run = (n: number): string => (engine === undefined ? m.run(n) : engine.run(n)).reason;
  const t0 = performance.now();
  for (;;) {
    const r = run(2_000_000);
    if (r === 'poweroff') break;
    if (r !== 'budget') throw new Error(`${mode}, ${harts} harts: ${r}`);
  }
  const seconds = (performance.now() - t0) / 1000;
  const instructions = engine?.retired ?? m.retired;
  engine?.close();
  return { instructions, seconds };
}

const MODES: Record<string, Mode> = {
  jit: 'one thread (translator)', interp: 'one thread (interpreter)', threads: 'threads (translator)', 'threads-interp': 'threads (interpreter)',
};
// An optional third argument picks modes (e.g. `interp,threads`).
const modes: Mode[] = (process.argv[4] ?? 'jit,interp,threads,threads-interp').split(',').map((k) => MODES[k] ?? (() => { throw new Error(`mode ${k}: jit, interp or threads`); })());
const results = new Map<string, number[]>();
for (let r = 0; r < runs; r++) {
  for (const harts of [1, 2, 4]) {
    for (const mode of modes) {
      const p = await point(mode, harts);
      const mips = p.instructions / p.seconds / 1e6;
      const key = `${mode}|${harts}`;
      results.set(key, [...(results.get(key) ?? []), mips]);
      console.log(`run ${r + 1}: ${mode}, ${harts} harts: ${(p.instructions / 1e6).toFixed(1)} M instructions in ${p.seconds.toFixed(2)} s = ${mips.toFixed(1)} MIPS`);
    }
  }
}
console.log('\n| mode | harts | aggregate MIPS (runs) | median | vs 1 hart |\n|---|---|---|---|---|');
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const mode of modes) {
  const one = median(results.get(`${mode}|1`)!);
  for (const harts of [1, 2, 4]) {
    const xs = results.get(`${mode}|${harts}`)!;
    console.log(`| ${mode} | ${harts} | ${xs.map((x) => x.toFixed(1)).join(' / ')} | ${median(xs).toFixed(1)} | ×${(median(xs) / one).toFixed(2)} |`);
  }
}
process.exit(0);
