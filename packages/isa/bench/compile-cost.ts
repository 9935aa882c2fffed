/**
 * What translating a block costs, phase by phase, on real code: blocks are taken from the text of
 * Linux 6.1 (guests/linux/images/Image) at every branch target-like boundary — each place a
 * previous block ended — and compiled in batches of BATCH_BLOCKS as the translator does:
 * compileWasmBlock (our code generator), encodeBlocks (our binary encoder), then V8's
 * WebAssembly.Module (validation; V8 compiles each function lazily, at its first call) and Instance.
 * The first round is what a boot pays: the same blocks again (rounds 2 and 3) come from V8's
 * native module cache, keyed by the module's bytes, at a tenth of the cost.
 *
 *   npx tsx --conditions=@vm/source packages/isa/bench/compile-cost.ts [blocks]
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { wasmApi } from '@vm/mmu';
import { fileURLToPath } from 'node:url';
import { compressedTable } from '../src/hart/compressed.js';
import { BATCH_BLOCKS } from '../src/hart/jit/translation-cache.js';
import { compileWasmBlock, installBlockHelpers, encodeBlocks, type WasmBlock } from '../src/hart/jit/wasm/wasm-block-compiler.js';

const want = Number(process.argv[2] ?? 4000);
const image = readFileSync(fileURLToPath(new URL('../../../guests/linux/images/Image', import.meta.url)));
// The text: 64 KiB in, past the head; a memory for imports.
const api = wasmApi!;
const memory = new api.Memory({ initial: 1 << 8 });
const table = new api.Table({ element: 'anyfunc', initial: 16 });
const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
const cexp = compressedTable();
const miss = (): number => -1;
installBlockHelpers({ ldmiss: miss, stmiss: miss, exec: miss, expand: miss }, memory, table);
const imports = { env: { mem: memory, table } };

const rounds: { gen: number; encode: number; module: number; instance: number }[] = [];
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
  rounds.push(r);
  blocks = n;
}
const us = (ms: number): string => `${((ms * 1000) / blocks).toFixed(1)} µs`;
console.log(`${blocks} blocks of Linux text, batches of ${BATCH_BLOCKS}, ${(bytes / blocks).toFixed(0)} module bytes a block:`);
console.log(`  modules' SHA-256 ${hash.digest('hex').slice(0, 16)}`);
rounds.forEach((t, i) => {
  const what = i === 0 ? 'first round (new modules)' : `round ${i + 1} (cached modules)`;
  console.log(`  ${what}: generate ${us(t.gen)}, encode ${us(t.encode)}, WebAssembly.Module ${us(t.module)}, Instance ${us(t.instance)}; total ${us(t.gen + t.encode + t.module + t.instance)} a block`);
});
