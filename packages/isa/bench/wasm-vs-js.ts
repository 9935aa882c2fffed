/**
 * The prototype behind docs/translator.md's choice: one hot guest loop
 *   loop: xor x28, x7, x5; add x6, x6, x28; addi x5, x5, -1; bnez x5, loop
 * run as (a) the JavaScript block the translator generates (block-compiler.ts: int32 halves,
 * registers in locals, looping inside the function) and (b) a hand-assembled WebAssembly function
 * doing the same with native i64 registers in locals, registers in its linear memory. Measured:
 * throughput inside a long-looping block, and the cost of entering a one-pass block from the
 * dispatcher (what short blocks pay each time).
 *
 *   npx tsx --conditions=@vm/source packages/isa/bench/wasm-vs-js.ts
 */
import { Mmu, Ram, SystemBus } from '@vm/mmu';
import { assemble } from '../src/asm/assemble.js';
import { Hart } from '../src/hart/hart.js';
import { compileBlock } from '../src/hart/jit/block-compiler.js';
import { uleb as encodeUleb } from '../src/hart/jit/wasm/encoder.js';
import { compressedTable } from '../src/hart/compressed.js';

const RAM_BASE = 0x8000_0000;

// ---- (a) JavaScript
const ram = new Ram(RAM_BASE, 1 << 16);
const bus = new SystemBus(ram);
const hart = new Hart({ hartId: 0, bus, mmu: new Mmu(bus), clock: { frequency: 1, now: (): bigint => 0n }, translate: false });
ram.load(RAM_BASE, assemble('loop: xor x28, x7, x5\nadd x6, x6, x28\naddi x5, x5, -1\nbnez x5, loop', { base: BigInt(RAM_BASE) }).bytes);
const block = compileBlock(ram.store.views[ram.pageChunk(0, true)]!, compressedTable(), 0)!;

// ---- (b) WebAssembly, assembled by hand (wasm core spec 5: binary format)
const uleb = (n: number): number[] => {
  const out: number[] = [];
  encodeUleb(out, n);
  return out;
};
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const load = (off: number, local: number): number[] => [0x41, 0, 0x29, 3, ...uleb(off), 0x21, local];
const store = (off: number, local: number): number[] => [0x41, 0, 0x20, local, 0x37, 3, ...uleb(off)];
// params: 0 budget (i32); locals: 1 x5, 2 x6, 3 x7, 4 x28 (i64), 5 k (i32)
const body = [
  2, 4, 0x7e, 1, 0x7f,
  ...load(40, 1), ...load(48, 2), ...load(56, 3),
  0x03, 0x40,
  0x20, 3, 0x20, 1, 0x85, 0x21, 4, // x28 = x7 ^ x5
  0x20, 2, 0x20, 4, 0x7c, 0x21, 2, // x6 += x28
  0x20, 1, 0x42, 1, 0x7d, 0x21, 1, // x5 -= 1
  0x20, 5, 0x41, 4, 0x6a, 0x21, 5, // k += 4
  0x20, 1, 0x42, 0, 0x52, // x5 != 0
  0x20, 5, 0x41, 4, 0x6a, 0x20, 0, 0x4c, // k + 4 <= budget
  0x71, 0x0d, 0, 0x0b,
  ...store(40, 1), ...store(48, 2), ...store(56, 3), ...store(224, 4),
  0x20, 5, 0x0b,
];
const bytes = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
  ...section(1, [1, 0x60, 1, 0x7f, 1, 0x7f]),
  ...section(3, [1, 0]),
  ...section(5, [1, 0, 1]),
  ...section(7, [2, 3, 0x72, 0x75, 0x6e, 0, 0, 3, 0x6d, 0x65, 0x6d, 2, 0]),
  ...section(10, [1, ...uleb(body.length), ...body]),
]);
/** The little of the WebAssembly JS API used here (this package's lib has no WebAssembly types). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: { run: (budget: number) => number; mem: { buffer: ArrayBuffer } } };
}
const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
const inst = new Wasm.Instance(new Wasm.Module(bytes));
const wasmRun = inst.exports.run;
const wasmRegs = new BigUint64Array(inst.exports.mem.buffer, 0, 32);

function jsLoop(x5: bigint, budget: number): number {
  hart.x[5] = x5;
  return block.run!(hart, 0 | RAM_BASE, 0, budget);
}
function wasmLoop(x5: bigint, budget: number): number {
  wasmRegs[5] = x5;
  return wasmRun(budget);
}

function measure(name: string, f: (x5: bigint, budget: number) => number): void {
  // throughput: one call, 4e8 instructions
  let best = 0;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    const k = f(100_000_000n, 400_000_000);
    best = Math.max(best, k / ((performance.now() - t0) / 1000) / 1e6);
  }
  // entry cost: 5e6 one-pass calls (4 instructions each)
  let entry = Infinity;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    let k = 0;
    for (let i = 0; i < 5_000_000; i++) k += f(1_000_000n, 4);
    entry = Math.min(entry, ((performance.now() - t0) * 1e6) / 5_000_000);
    if (k !== 20_000_000) throw new Error('wrong count');
  }
  console.log(`${name}: looping block ${best.toFixed(0)} MIPS; one-pass block entry ${entry.toFixed(1)} ns (incl. 4 instructions)`);
}

measure('JS (new Function, int32 halves)', jsLoop);
measure('WebAssembly (i64)', wasmLoop);
if (hart.x[6] === 0n || wasmRegs[6] === 0n) throw new Error('nothing ran');
