// Micro-benchmark: translate() TLB hits per second in Sv39 (and the M-mode / Bare paths for
// comparison). Run from the repository root:
//   npx tsx --conditions=@vm/source packages/mmu/bench/tlb.ts
import { ACCESS_FETCH, ACCESS_LOAD, ACCESS_STORE, Mmu, PRIV_M, PRIV_S, PTE_A, PTE_D, PTE_R, PTE_W, PTE_X, Ram, SystemBus } from '../src/index.js';

const RAM_BASE = 0x8000_0000;
const ram = new Ram(RAM_BASE, 16 << 20);
const bus = new SystemBus(ram);
const mmu = new Mmu(bus);

// PMP: one catch-all entry, as OpenSBI leaves it for S-mode.
mmu.pmp.writeAddr(15, (1n << 54n) - 1n);
mmu.pmp.writeCfg(2, 0x1fn << 56n);

// Sv39: map 64 pages of VA 0x4000_0000 onto RAM at 0x8100_0000 (4 KiB leaves).
const root = RAM_BASE + 0x10_0000;
const l1 = root + 0x1000;
const l0 = root + 0x2000;
const pte = (pa: number, flags: number): bigint => (BigInt(pa / 4096) << 10n) | BigInt(flags | 1);
ram.write64(root + 1 * 8, pte(l1, 0));
ram.write64(l1 + 0 * 8, pte(l0, 0));
for (let i = 0; i < 64; i++) ram.write64(l0 + i * 8, pte(0x8100_0000 + i * 4096, PTE_R | PTE_W | PTE_X | PTE_A | PTE_D));
mmu.satp = (8n << 60n) | BigInt(root / 4096);

const PAGES = 64;
const vas: bigint[] = [];
for (let i = 0; i < 4096; i++) vas.push(0x4000_0000n + BigInt((i % PAGES) * 4096 + ((i * 8) & 0xff8)));

function run(label: string, priv: number, seconds: number): void {
  const accesses = [ACCESS_FETCH, ACCESS_LOAD, ACCESS_STORE] as const;
  let n = 0;
  let sink = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 4096; i++) sink += mmu.translate(vas[i], accesses[i % 3], priv, 4);
    n += 4096;
    if ((n & 0xffff) === 0) now = performance.now();
  }
  const elapsed = (performance.now() - start) / 1000;
  if (sink === 0) console.log('unreachable');
  console.log(`${label}: ${((n / elapsed) / 1e6).toFixed(1)} M translate()/s (${((elapsed * 1e9) / n).toFixed(1)} ns each)`);
}

run('warm-up', PRIV_S, 0.5);
mmu.stats.reset();
run('Sv39 S-mode TLB hits', PRIV_S, 2);
console.log(`  walks ${mmu.stats.walks}, misses ${mmu.stats.tlbMisses}, hits ${mmu.stats.tlbHits}`);
run('M-mode (no translation, no locked PMP)', PRIV_M, 1);
mmu.satp = 0n;
for (let i = 0; i < vas.length; i++) vas[i] = vas[i] + 0x4100_0000n;
run('Bare S-mode (identity via TLB, PMP cached)', PRIV_S, 1);
