// Micro-benchmark: page-table walks per second (TLB misses): Sv39 and two-stage (Sv39 over
// Sv39x4). Every access touches a different page of a working set larger than the TLB, so each
// translate() walks. Run from the repository root:
//   npx tsx --conditions=@vm/source packages/mmu/bench/walk.ts
import { ACCESS_LOAD, Mmu, PRIV_S, PTE_A, PTE_D, PTE_R, PTE_U, PTE_W, PTE_X, Ram, SystemBus } from '../src/index.js';

const RAM_BASE = 0x8000_0000;
const ram = new Ram(RAM_BASE, 32 << 20);
const bus = new SystemBus(ram);
const mmu = new Mmu(bus, { tlbEntries: 1024 });
mmu.pmp.writeAddr(15, (1n << 54n) - 1n);
mmu.pmp.writeCfg(2, 0x1fn << 56n);

const PAGES = 8192;
const pte = (pa: number, flags: number): bigint => (BigInt(pa / 4096) << 10n) | BigInt(flags | 1);
const RWXAD = PTE_R | PTE_W | PTE_X | PTE_A | PTE_D;

// Sv39 tables: VA 0x4000_0000 + i * 4 KiB -> RAM 0x8100_0000 + (i % 1024) * 4 KiB.
const root = RAM_BASE + 0x10_0000;
const l1 = root + 0x1000;
ram.write64(root + 1 * 8, pte(l1, 0));
for (let t = 0; t < PAGES / 512; t++) {
  const l0 = root + 0x2000 + t * 0x1000;
  ram.write64(l1 + t * 8, pte(l0, 0));
  for (let i = 0; i < 512; i++) ram.write64(l0 + i * 8, pte(0x8100_0000 + ((t * 512 + i) % 1024) * 4096, RWXAD));
}
// G-stage (Sv39x4, 16 KiB root): GPA 0x8000_0000.. identity in 2 MiB leaves (U=1).
const groot = RAM_BASE + 0x20_0000;
const gl1 = groot + 0x4000;
ram.write64(groot + 2 * 8, pte(gl1, 0));
for (let i = 0; i < 512; i++) ram.write64(gl1 + i * 8, pte(RAM_BASE + i * 0x20_0000, RWXAD | PTE_U));

const vas: bigint[] = [];
for (let i = 0; i < PAGES; i++) vas.push(0x4000_0000n + BigInt(((i * 2654435761) % PAGES) * 4096 + 8));

function run(label: string, guest: boolean, seconds: number): number {
  let n = 0;
  let sink = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  let now = start;
  while (now < end) {
    for (let i = 0; i < PAGES; i++) {
      sink += guest ? mmu.translateGuest(vas[i], ACCESS_LOAD, PRIV_S, 8, false) : mmu.translate(vas[i], ACCESS_LOAD, PRIV_S, 8);
    }
    n += PAGES;
    now = performance.now();
  }
  const elapsed = (performance.now() - start) / 1000;
  if (sink === 0) console.log('unreachable');
  const rate = n / elapsed / 1e6;
  console.log(`${label}: ${rate.toFixed(2)} M translate()/s (${((elapsed * 1e9) / n).toFixed(0)} ns each)`);
  return rate;
}

mmu.satp = (8n << 60n) | BigInt(root / 4096);
run('warm-up', false, 0.5);
mmu.stats.reset();
run('Sv39 walks (TLB misses)', false, 2);
console.log(`  walks ${mmu.stats.walks}, misses ${mmu.stats.tlbMisses}, hits ${mmu.stats.tlbHits}`);

mmu.satp = 0n;
mmu.vsatp = (8n << 60n) | BigInt(root / 4096);
mmu.hgatp = (8n << 60n) | BigInt(groot / 4096);
mmu.virt = true;
run('warm-up', true, 0.5);
mmu.stats.reset();
run('two-stage walks Sv39 over Sv39x4', true, 2);
console.log(`  walks ${mmu.stats.walks}, misses ${mmu.stats.tlbMisses}, hits ${mmu.stats.tlbHits}`);
