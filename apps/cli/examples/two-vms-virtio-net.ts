/**
 * Two VMs on the native hypervisor joined by virtio-net: each has a VirtioNet on one end of a
 * NetLink.pair() (a virtual crossover cable) and runs guests/netdemo/netdemo.elf in virtual M-mode.
 * The MAC its NIC reports picks the role: the pinger (…:01) sends 16 Ethernet frames and checks
 * each echo, the echoer (…:02) sends every frame back. An exit hook sorts the MMIO exits by device.
 *
 *   npx tsx --conditions=@vm/source apps/cli/examples/two-vms-virtio-net.ts
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NetLink, VirtioNet } from '@vm/devices';
import { NativeHypervisor, type Vm } from '@vm/hypervisor-native';

const path = fileURLToPath(new URL('../../../guests/netdemo/netdemo.elf', import.meta.url));
const kernel = { file: path, bytes: readFileSync(path) };
const FRAMES = 16;

const [cableA, cableB] = NetLink.pair();
const nics = [new VirtioNet({ backend: cableA, mac: '02:00:00:00:00:01' }), new VirtioNet({ backend: cableB, mac: '02:00:00:00:00:02' })];
const hv = new NativeHypervisor({ memory: 48 << 20 });
// sbi: 'firmware' — netdemo is an M-mode program: it runs in virtual M-mode, its own firmware.
const vms = ['pinger', 'echoer'].map((name, i) => hv.createVm({ name, memory: 16 << 20, kernel, sbi: 'firmware', devices: [nics[i]!] }));

// MMIO exits by device (the guest runs without paging, so tval is the guest-physical address).
// `exchange`: virtio exits after the driver's first QueueNotify (the end of its setup).
interface MmioCounts { rom: number; test: number; uart: number; virtio: number; notify: number; exchange: number; other: number }
const mmio = new Map<Vm, MmioCounts>(vms.map((v) => [v, { rom: 0, test: 0, uart: 0, virtio: 0, notify: 0, exchange: 0, other: 0 }]));
hv.onExit((vm, exit) => {
  const c = mmio.get(vm);
  if (exit.reason !== 'mmio' || c === undefined) return 'continue';
  const a = Number(exit.tval);
  if (a < 0x10_0000) c.rom++; // the boot ROM's reset vector reads its data words
  else if (a < 0x10_1000) c.test++; // sifive_test: the poweroff
  else if (a >= 0x1000_0000 && a < 0x1000_1000) c.uart++;
  else if (a >= 0x1000_1000 && a < 0x1000_9000) {
    c.virtio++;
    if (c.notify > 0) c.exchange++;
    if ((a & 0xfff) === 0x050) c.notify++; // QueueNotify
  } else c.other++;
  return 'continue';
});

while (hv.run(10_000_000).reason === 'budget');

for (const [i, vm] of vms.entries()) {
  console.log(`--- ${vm.name} console`);
  process.stdout.write(vm.console);
  const c = mmio.get(vm)!;
  const exits = Object.entries(vm.stats.events())
    .filter(([k]) => k.startsWith('exit.'))
    .map(([k, n]) => `${k.slice(5)}=${n}`)
    .join(' ');
  console.log(`--- ${vm.describe()}; exit status ${vm.exitStatus ?? 'none'}`);
  console.log(`exits: ${exits}`);
  console.log(
    `mmio exits: virtio ${c.virtio} (setup ${c.virtio - c.exchange}, exchange ${c.exchange} = ${(c.exchange / FRAMES).toFixed(1)} per frame), ` +
      `uart ${c.uart}, boot rom ${c.rom}, sifive_test ${c.test}, other ${c.other}`,
  );
  console.log(
    `nic: tx ${nics[i]!.stats.txFrames} rx ${nics[i]!.stats.rxFrames} dropped ${nics[i]!.stats.rxDropped}; ` +
      `${(vm.stats.exits('timer') / FRAMES).toFixed(1)} timer exits per frame (the other VM runs while this one polls)`,
  );
}
console.log(`${hv.worldSwitches} world switches, ${hv.executed} guest instructions`);
process.exitCode = vms.every((v) => v.exitStatus === 0) ? 0 : 1;
