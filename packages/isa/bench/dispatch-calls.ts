/**
 * What one block entry costs the dispatcher, by how many distinct block functions one call site
 * reaches: N functions made by `new Function` (as the translator makes blocks), called in turn
 * from one site (stride 7, so the order is not a simple cycle), against N closures of one
 * function (same code, one SharedFunctionInfo). docs/translator.md has the figures.
 *
 *   npx tsx packages/isa/bench/dispatch-calls.ts
 */
interface Block {
  readonly run: (h: Hart, pl: number, ph: number, budget: number) => number;
  readonly length: number;
}
interface Hart {
  readonly xw: Int32Array;
  pcLo: number;
}

const BODY = 'const xw = h.xw; let l1 = xw[2], l2 = xw[4]; l1 = (l1 + C) | 0; l2 = (l2 ^ l1) | 0; xw[2] = l1; xw[4] = l2; h.pcLo = pl + 4; return 5;';

function distinct(n: number): Block[] {
  // Each its own source text, hence its own function (V8 caches compilations by source).
  return Array.from({ length: n }, (_, i) => ({
    run: new Function(`"use strict"; const C = ${i}; return function block(h, pl, ph, budget) { ${BODY} };`)() as Block['run'],
    length: 5,
  }));
}

function closures(n: number): Block[] {
  const make = new Function('C', `"use strict"; return function block(h, pl, ph, budget) { ${BODY} };`) as (c: number) => Block['run'];
  return Array.from({ length: n }, (_, i) => ({ run: make(i), length: 5 }));
}

const h: Hart = { xw: new Int32Array(64), pcLo: 0 };
function runBlock(b: Block, pl: number, budget: number): number {
  return b.length > budget ? 0 : b.run(h, pl, 0, budget);
}

function nsPerCall(blocks: Block[]): number {
  let best = Infinity;
  for (let rep = 0; rep < 5; rep++) {
    const t0 = process.hrtime.bigint();
    let s = 0;
    const m = 5_000_000;
    for (let i = 0; i < m; i++) s += runBlock(blocks[(i * 7) % blocks.length]!, i, 100);
    if (s !== 5 * m) throw new Error('wrong sum');
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / m);
  }
  return best;
}

for (const n of [1, 2, 8, 40, 400, 4000]) {
  console.log(`${String(n).padStart(5)} targets: distinct functions ${nsPerCall(distinct(n)).toFixed(1).padStart(6)} ns/call, closures of one function ${nsPerCall(closures(n)).toFixed(1).padStart(6)} ns/call`);
}
