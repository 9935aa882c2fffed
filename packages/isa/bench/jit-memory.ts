/**
 * Memory of the translation cache: compiles blocks at every instruction of the guest kernel's
 * text and reports heap per block (source, closure, bytecode once run) and the bound at the
 * cache's limits; then the same blocks as WebAssembly, 32 to a module as the cache batches them,
 * reporting resident memory per block (V8 keeps wasm code outside the JS heap). Run with --expose-gc:
 *   node --expose-gc --import tsx/esm --conditions=@vm/source packages/isa/bench/jit-memory.ts
 */
import { readFileSync } from 'node:fs';
import { Mmu, Ram, SystemBus } from '@vm/mmu';
import { parseElf } from '../src/elf/index.js';
import { Hart } from '../src/hart/hart.js';
import { compileBlock } from '../src/hart/jit/block-compiler.js';
import type { CompiledBlock } from '../src/hart/jit/block-compiler.js';
import { compressedTable } from '../src/hart/compressed.js';
import { BATCH_BLOCKS, MAX_BLOCKS, MAX_SOURCE_CHARS } from '../src/hart/jit/translation-cache.js';
import type { Code } from '../src/hart/jit/wasm/encoder.js';
import { compileWasmBlock, encodeBlocks } from '../src/hart/jit/wasm/wasm-block-compiler.js';
import { wasmRuntimeFor } from '../src/hart/jit/wasm/wasm-runtime.js';

const gc = (globalThis as { gc?: () => void }).gc!;
const elf = parseElf(new Uint8Array(readFileSync(new URL('../../../guests/images/kernel-m.elf', import.meta.url))));
const ram = new Ram(0x8000_0000, 4 << 20);
for (const s of elf.segments) if (s.data.length > 0) ram.load(Number(s.paddr), s.data);
const bus = new SystemBus(ram);
const hart = new Hart({ hartId: 0, bus, mmu: new Mmu(bus), clock: { frequency: 1, now: (): bigint => 0n }, translate: false });
gc();
const before = process.memoryUsage().heapUsed;
const blocks: CompiledBlock[] = [];
let chars = 0;
for (let off = 0; off < 256 * 1024 && blocks.length < 4000; off += 2) {
  const b = compileBlock(ram.store.views[ram.pageChunk(0, true)]!, compressedTable(), off);
  if (b === undefined) continue;
  blocks.push(b);
  chars += b.sourceChars;
  // run once with budget 0-pass safety: a block needs budget >= length; exits leave state alone
}
gc();
const per = (process.memoryUsage().heapUsed - before) / blocks.length;
console.log(`${blocks.length} blocks, ${(chars / blocks.length).toFixed(0)} source chars each, ${(per / 1024).toFixed(1)} KiB heap each (compiled, not yet run)`);
console.log(`bound: ${MAX_BLOCKS} blocks -> ~${((per * MAX_BLOCKS) / 2 ** 20).toFixed(0)} MiB; source limit ${MAX_SOURCE_CHARS / 2 ** 20} Mi chars`);

// WebAssembly: the same block heads, compiled and instantiated in batches.
const rt = wasmRuntimeFor(ram.store);
if (rt !== undefined) {
  const view = ram.store.views[ram.pageChunk(0, true)]!;
  const codes: Code[] = [];
  for (let off = 0; off < 256 * 1024 && codes.length < 4000; off += 2) {
    const w = compileWasmBlock(view, compressedTable(), off);
    if (w !== undefined) codes.push(w.code);
  }
  gc();
  const rss0 = process.memoryUsage().rss;
  const heap0 = process.memoryUsage().heapUsed;
  let bytes = 0;
  for (let i = 0; i < codes.length; i += BATCH_BLOCKS) {
    const batch = codes.slice(i, i + BATCH_BLOCKS);
    const module = encodeBlocks(batch);
    bytes += module.length;
    rt.install(module, batch.length);
  }
  gc();
  const rss = (process.memoryUsage().rss - rss0) / codes.length;
  const heap = (process.memoryUsage().heapUsed - heap0) / codes.length;
  console.log(
    `WebAssembly: ${codes.length} blocks, ${(bytes / codes.length).toFixed(0)} module bytes each; ${(rss / 1024).toFixed(1)} KiB resident, ` +
      `${(heap / 1024).toFixed(1)} KiB of it JS heap, each (Liftoff code, before any tier-up); ${MAX_BLOCKS} blocks -> ~${((rss * MAX_BLOCKS) / 2 ** 20).toFixed(0)} MiB`,
  );
}
void hart;
