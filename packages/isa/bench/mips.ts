/**
 * MIPS benchmark for the hart: a CPU-bound integer loop (ALU ops, shifts, loads/stores, a call and
 * a return, taken branches, a few compressed instructions) in M-mode with bare translation.
 *
 * `--mode`: `blocks` (the default: the translator), `wasm-interp` (the interpreter in the
 * WebAssembly dispatcher: a threshold no head reaches), `js` (the JavaScript interpreter alone).
 *
 *   npx tsx --conditions=@vm/source packages/isa/bench/mips.ts [iterations] [--mode blocks|wasm-interp|js]
 */
import { Mmu, Ram, SystemBus } from '@vm/mmu';
import { Hart } from '../src/hart/hart.js';
import { TRANSLATE_NEVER } from '../src/hart/jit/translation-cache.js';
import * as E from '../src/hart/test-support/encode.js';
import { assembleWords } from '../src/hart/test-support/encode.js';

const RAM_BASE = 0x8000_0000;
const S0 = 8, S1 = 9, T0 = 5, T1 = 6, T2 = 7, T3 = 28, A0 = 10, RA = 1;
const args = process.argv.slice(2);
const modeAt = args.indexOf('--mode');
const mode = modeAt >= 0 ? args.splice(modeAt, 2)[1] : 'blocks';
if (mode !== 'blocks' && mode !== 'wasm-interp' && mode !== 'js') throw new Error(`--mode ${String(mode)}: give blocks, wasm-interp or js`);
const iterations = Number(args[0] ?? 3_000_000);

const loop = [
  E.ldd(T0, S1, 0),
  E.addi(T0, T0, 1),
  E.sd(T0, S1, 0),
  E.add(T1, T1, T0),
  E.xor(T2, T1, S0),
  E.slli(T3, T2, 3),
  E.srli(T3, T3, 1),
  E.sltu(T2, T3, T1),
  { c: 0x0285 }, // c.addi t0, 1
  { c: 0x83aa }, // c.mv t2, a0
  E.jal(RA, 16), // -> func
  E.addi(S0, S0, -1),
  E.bne(S0, 0, -48), // -> loop start
  E.WFI,
];
const func = [E.lw(A0, S1, 8), E.addiw(A0, A0, 3), E.sw(A0, S1, 8), E.jalr(0, RA, 0)];
// lay out: prologue (2 insns) then loop, then func
const prologue = [E.auipc(S1, 1), E.addi(S0, 0, 0)];
const program = [...prologue, ...loop, ...func];
const perIteration = loop.length - 1 + func.length;

const ram = new Ram(RAM_BASE, 1 << 20);
const bus = new SystemBus(ram);
const mmu = new Mmu(bus);
const modeOptions = mode === 'js' ? { translate: false } : mode === 'wasm-interp' ? { translateBackend: 'wasm' as const, translateThreshold: TRANSLATE_NEVER } : {};
const hart: Hart = new Hart({ hartId: 0, bus, mmu, ...modeOptions, clock: { frequency: 10_000_000, now: (): bigint => BigInt(hart.retired) } });
ram.load(RAM_BASE, assembleWords(program));

function once(n: number): number {
  hart.reset(BigInt(RAM_BASE));
  hart.x[S0] = BigInt(n); // loop count (the prologue's addi s0 is overwritten below)
  ram.write32(RAM_BASE + 4, E.NOP);
  const t0 = performance.now();
  for (;;) {
    const exit = hart.run(1_000_000);
    if (exit.reason !== 'budget') break;
  }
  const dt = (performance.now() - t0) / 1000;
  const mips = hart.retired / dt / 1e6;
  return mips;
}

once(20_000); // warm up
const results: number[] = [];
for (let r = 0; r < 5; r++) results.push(once(iterations));
console.log(
  `hart (${mode}): ${perIteration} instructions/iteration, ${iterations} iterations; MIPS: ${results.map((m) => m.toFixed(1)).join(' ')} (best ${Math.max(...results).toFixed(1)}); blocks translated: ${hart.translatedBlocks}`,
);
