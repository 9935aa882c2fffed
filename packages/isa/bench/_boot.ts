import { readFileSync } from 'node:fs';
import type { AccessWidth, MmioDevice } from '@vm/core';
import { Mmu, Ram, SystemBus } from '@vm/mmu';
import { Hart } from '/work/main/packages/isa/src/hart/hart.ts';
const ram = new Ram(0x8000_0000, 128 << 20);
const bus = new SystemBus(ram);
const mmu = new Mmu(bus);
let out = '';
let mtime = 0n;
const clock = { frequency: 10_000_000, now: (): bigint => mtime };
const hart: Hart = new Hart({ hartId: 0, bus, mmu, clock });
const uart: MmioDevice = { size: 0x100, accessWidths: [1], read: (o) => (o === 5 ? 0x60n : 0n), write: (o, _w, v) => { if (o === 0) out += String.fromCharCode(Number(v)); } };
let mtimecmp = 0n;
mtimecmp = (1n << 64n) - 1n;
const clint: MmioDevice = { size: 0x10000, accessWidths: [4, 8],
  read: (o, w) => { if (o === 0xbff8) return w === 8 ? mtime : mtime & 0xffffffffn; if (o === 0xbffc) return mtime >> 32n; if (o === 0x4000) return w === 8 ? mtimecmp : mtimecmp & 0xffffffffn; return 0n; },
  write: (o, w, v) => { if (o === 0) hart.setInterruptPending(3, (v & 1n) === 1n); if (o === 0x4000) { mtimecmp = w === 8 ? v : (mtimecmp & ~0xffffffffn) | v; } if (o === 0x4004) mtimecmp = (mtimecmp & 0xffffffffn) | (v << 32n); hart.setInterruptPending(7, mtime >= mtimecmp); } };
const plic: MmioDevice = { size: 0x600000, accessWidths: [4], read: () => 0n, write: () => {} };
const test: MmioDevice = { size: 0x1000, accessWidths: [4], read: () => 0n, write: (_o, _w, v) => hart.requestExit({ reason: 'poweroff', code: Number(v) }) };
bus.attach('uart', 0x1000_0000, uart);
bus.attach('clint', 0x200_0000, clint);
bus.attach('plic', 0xc00_0000, plic);
bus.attach('test', 0x10_0000, test);
ram.load(0x8000_0000, new Uint8Array(readFileSync('/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin')));
const dtb = new Uint8Array(readFileSync('/tmp/hb/virt.dtb')).subarray(0, 0x10000);
ram.load(0x8700_0000, dtb);
// S-mode payload at 0x80200000: SBI legacy putchar 'S', then loop
ram.load(0x8020_0000, new Uint8Array(readFileSync("/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin")));

hart.reset(0x8000_0000n);
hart.x[10] = 0n; hart.x[11] = 0x8700_0000n;
const t0 = performance.now();
for (let k = 0; k < 3000; k++) {
  const e = hart.run(100_000);
  mtime += 1000n;
  hart.setInterruptPending(7, mtime >= mtimecmp);
  if (e.reason === 'wfi') mtime += 100_000n;
  if (e.reason !== 'budget' && e.reason !== 'wfi') { console.log(e); break; }
}
console.log(out);
console.log('retired', hart.retired, 'pc', hart.pc.toString(16), 'priv', hart.priv, 'mcause', hart.mcause.toString(16), 'mtval', hart.mtval.toString(16), 'ms', ((performance.now() - t0) | 0));
