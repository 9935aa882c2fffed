import { readFileSync } from 'node:fs';
import { VirtMachine, bootVirt } from '@vm/machine';
const file = process.argv[2]!; const append = process.argv[3] ?? '';
const m = new VirtMachine({ memory: 256 << 20, console: () => {} });
bootVirt(m, { kernel: { file, bytes: new Uint8Array(readFileSync(file)) }, append });
const t0 = performance.now();
let exit;
for (let i = 0; i < 2000; i++) { exit = m.run(1_000_000); if (exit.reason !== 'budget') break; }
const dt = (performance.now() - t0) / 1000;
const h = m.harts[0]!;
console.log(JSON.stringify(exit), 'retired', h.retired, 'MIPS', (h.retired / dt / 1e6).toFixed(1), JSON.stringify(h.translations?.stats));
