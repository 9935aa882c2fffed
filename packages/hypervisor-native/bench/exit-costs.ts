/**
 * Exits per unit of work (issue 6, stage 4): per fork and per disk sector, in trap mode (shadow
 * page tables), PV mode (kernel-pv with the PV-MMU hypercalls) and hext mode (H extension,
 * two-stage translation). Each figure is a marginal cost: the difference between two runs that
 * differ only in the amount of work (fork.n, disk.sectors), divided by the extra work — so boot,
 * the other workloads and poweroff cancel out.
 *
 *   npx tsx --conditions=@vm/source bench/exit-costs.ts
 */
import { readFileSync } from 'node:fs';
import { NativeHypervisor } from '../src/hypervisor.js';
import type { VmConfig } from '@vm/vcpu';

const root = new URL('../../../', import.meta.url).pathname;
const file = (p: string) => ({ file: p, bytes: readFileSync(root + p) });

interface Config {
  readonly name: string;
  readonly kernel: string;
  readonly mode: 'trap' | 'hext';
  readonly pvMmu: boolean;
}
const CONFIGS: Config[] = [
  { name: 'trap (kernel-s, shadow tables)', kernel: 'guests/images/kernel-s.elf', mode: 'trap', pvMmu: false },
  { name: 'trap (kernel-pv, PV-MMU not offered)', kernel: 'guests/images/kernel-pv.elf', mode: 'trap', pvMmu: false },
  { name: 'pv (kernel-pv, PV-MMU hypercalls)', kernel: 'guests/images/kernel-pv.elf', mode: 'trap', pvMmu: true },
  { name: 'hext (kernel-s, two-stage)', kernel: 'guests/images/kernel-s.elf', mode: 'hext', pvMmu: false },
];

interface Work {
  readonly name: string;
  readonly unit: string;
  readonly append: (n: number) => string;
  readonly small: number;
  readonly large: number;
  /** Units of work per step of n (4 sector transfers per sector of disk.sectors). */
  readonly unitsPerN: number;
  readonly disks?: VmConfig['disks'];
}
const DISK = new Uint8Array(1 << 20);
const WORK: Work[] = [
  { name: 'fork', unit: 'fork', append: (n) => `workload=fork fork.n=${n}`, small: 20, large: 60, unitsPerN: 1 },
  { name: 'disk (legacy PIO)', unit: 'sector', append: (n) => `workload=disk disk.sectors=${n}`, small: 64, large: 192, unitsPerN: 4, disks: [{ bytes: DISK, bus: 'pio' }] },
  { name: 'disk (virtio-blk)', unit: 'sector', append: (n) => `workload=disk disk.sectors=${n}`, small: 64, large: 192, unitsPerN: 4, disks: [{ bytes: DISK, bus: 'virtio' }] },
];

function run(c: Config, w: Work, n: number): Record<string, number> {
  const hv = new NativeHypervisor({ memory: 72 << 20, mode: c.mode });
  const vm = hv.createVm({ name: 'b', memory: 64 << 20, kernel: file(c.kernel), append: w.append(n), disks: w.disks, pvMmu: c.pvMmu });
  for (let i = 0; i < 200 && vm.state !== 'stopped'; i++) if (hv.run(20_000_000).reason === 'idle') break;
  if (!vm.console.includes('DONE pass')) throw new Error(`${c.name} ${w.name} n=${n}: ${vm.describe()}\n${vm.console.slice(-400)}`);
  const ev = vm.stats.events();
  let exits = 0;
  for (const [k, v] of Object.entries(ev)) if (k.startsWith('exit.') && k !== 'exit.interrupt') exits += v;
  return { ...ev, exits, instructions: vm.stats.guestInstructions };
}

const KEYS = ['exits', 'exit.page-fault', 'exit.privileged', 'exit.csr', 'exit.ecall', 'exit.mmio', 'exit.sbi', 'exit.timer', 'shadow.flush', 'shadow.fill'];
const rows: string[] = [];
for (const w of WORK) {
  for (const c of CONFIGS) {
    const a = run(c, w, w.small);
    const b = run(c, w, w.large);
    const per = (k: string) => ((b[k] ?? 0) - (a[k] ?? 0)) / ((w.large - w.small) * w.unitsPerN);
    const detail = KEYS.slice(1).filter((k) => per(k) !== 0).map((k) => `${k.replace('exit.', '')} ${per(k).toFixed(1)}`).join(', ');
    rows.push(`| ${w.name} | ${c.name} | **${per('exits').toFixed(1)}** per ${w.unit} | ${detail} |`);
    console.error(rows.at(-1));
  }
}
console.log('| workload | mode | exits | breakdown (per unit) |\n|---|---|---|---|\n' + rows.join('\n'));
