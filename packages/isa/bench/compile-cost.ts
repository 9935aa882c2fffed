/**
 * What translating a block costs, phase by phase, on real code: blocks are taken from the text of
 * Linux 6.1 (guests/linux/images/Image) at every branch target-like boundary — each place a
 * previous block ended — and compiled in batches of BATCH_BLOCKS as the translator does:
 * compileWasmBlock (our code generator), encodeBlocks (our binary encoder), then V8's
 * WebAssembly.Module (validation + baseline compile) and Instance.
 *
 *   npx tsx --conditions=@vm/source packages/isa/bench/compile-cost.ts [blocks]
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { wasmApi } from '@vm/mmu';
import { fileURLToPath } from 'node:url';
import { compressedTable } from '../src/hart/compressed.js';
import { BATCH_BLOCKS } from '../src/hart/jit/translation-cache.js';
import { compileWasmBlock, encodeBlocks, type WasmBlock } from '../src/hart/jit/wasm/wasm-block-compiler.js';

const want = Number(process.argv[2] ?? 4000);
const image = readFileSync(fileURLToPath(new URL('../../../guests/linux/images/Image', import.meta.url)));
// The text: 64 KiB in, past the head; a memory for imports.
const api = wasmApi!;
const memory = new api.Memory({ initial: 1 << 8 });
const table = new api.Table({ element: 'anyfunc', initial: 16 });
const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
const cexp = compressedTable();
const miss = (): number => -1;
const imports = { env: { mem: memory, table, ldmiss: miss, stmiss: miss } };

const t = { gen: 0, encode: 0, module: 0, instance: 0 };
const hash = createHash('sha256');
let blocks = 0;
let bytes = 0;
let off: number;
const now = (): number => Number(process.hrtime.bigint()) / 1e6;
for (let round = 0; round < 3; round++) {
  const r = { gen: 0, encode: 0, module: 0, instance: 0 };
  let n = 0;
  off = 0x10000;
  while (n < want) {
    const batch: WasmBlock[] = [];
    const t0 = now();
    while (batch.length < BATCH_BLOCKS && off < image.byteLength - 4096) {
      const b = compileWasmBlock(view, cexp, off, { jcBase: 0x10000, pageStore: off & ~0xfff });
      if (b !== undefined) {
        batch.push(b);
        off += b.byteLength;
      } else {
        off += 2;
      }
    }
    const t1 = now();
    const mod = encodeBlocks(batch.map((b) => b.code));
    const t2 = now();
    const m = new api.Module(mod);
    const t3 = now();
    new api.Instance(m, imports);
    const t4 = now();
    r.gen += t1 - t0;
    r.encode += t2 - t1;
    r.module += t3 - t2;
    r.instance += t4 - t3;
    n += batch.length;
    if (round === 2) {
      bytes += mod.length;
      hash.update(mod);
    }
  }
  if (round === 2) {
    Object.assign(t, r);
    blocks = n;
  }
}
const us = (ms: number): string => `${((ms * 1000) / blocks).toFixed(1)} µs`;
console.log(`${blocks} blocks of Linux text, batches of ${BATCH_BLOCKS}, ${(bytes / blocks).toFixed(0)} module bytes a block (third round):`);
console.log(`  modules' SHA-256 ${hash.digest('hex').slice(0, 16)}`);
console.log(`  generate ${us(t.gen)}, encode ${us(t.encode)}, WebAssembly.Module ${us(t.module)}, Instance ${us(t.instance)}; total ${us(t.gen + t.encode + t.module + t.instance)} a block`);
