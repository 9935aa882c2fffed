import { ConfigError, type GuestFile } from '@vm/core';
import { DEFAULT_WEIGHT } from '@vm/hostos';
import { hostedHost, type HostedGuest, type VmmMode } from '@vm/hypervisor-hosted';
import { HostConsole } from './console.js';
import { hostedDisk } from './hosted-config.js';
import { driveHostOs, vmmExits, vmmOutcome, vmmStatus, vmmSyscalls } from './hosted-loop.js';
import { LinePrefixer } from './line-prefixer.js';
import { readBootFile } from './run.js';
import type { StackSpec } from './stack-file.js';
import { Streams } from './up.js';

/** Stack-file weights are the native hypervisor's (default 256); the host OS's default is DEFAULT_WEIGHT. */
const WEIGHT_SCALE = DEFAULT_WEIGHT / 256;

function guestFile(path: string | undefined, what: string): GuestFile | undefined {
  return path === undefined ? undefined : readBootFile(path, what);
}

/**
 * `vm up` with `hypervisor: { type: hosted, mode: accel|soft }`: one host OS whose file system
 * holds every VM's images, one VMM process per VM scheduled by weight. Consoles are prefixed
 * `[name] ` line by line (the attached VM gets the terminal and the host console's input).
 */
export async function upHosted(spec: StackSpec, mode: VmmMode, attach: string | undefined, max: number, stats: boolean): Promise<number> {
  const con = new HostConsole();
  const streams = new Streams();
  const prefixers: LinePrefixer[] = [];
  const consoleOf = (name: string): ((b: number) => void) => {
    if (name === attach) return (b) => con.write(b);
    const p = new LinePrefixer(name, attach === undefined ? streams.stdout : streams.stderr);
    prefixers.push(p);
    return (b) => p.write(b);
  };
  const guests: HostedGuest[] = spec.vms.map((v, i) => {
    const where = `${spec.file}: vms[${i}]`;
    if (v.cap !== undefined) throw new ConfigError(`${where}.cap: the hosted hypervisor's scheduler has weights only (leave cap out)`);
    return {
      name: v.name,
      spec: {
        memory: v.memory,
        bios: guestFile(v.bios, `${where}.bios`),
        kernel: guestFile(v.kernel, `${where}.kernel`),
        append: v.append,
        disks: v.drives.map((d, j) => hostedDisk(d.file, d.bus, `${where}.drives[${j}]`)),
      },
      weight: v.weight === undefined ? undefined : v.weight * WEIGHT_SCALE,
      interactive: v.name === attach,
      // The guest's output as its VMM sees it; the VMMs' write(2)s to the host console are not shown.
      console: consoleOf(v.name),
    };
  });
  const { kernel, vmms } = hostedHost(guests, mode, { quantum: spec.hypervisor.quantum });
  const flush = (): void => {
    con.flush();
    streams.flush();
  };

  con.start();
  let end;
  try {
    end = await driveHostOs({ kernel, vmms, console: con, input: attach !== undefined, flush, max });
  } finally {
    for (const p of prefixers) p.end();
    flush();
    con.stop();
  }
  if (end.end === 'limit') process.stderr.write(`vm: stopped after ${end.instructions} instructions (--max-instructions)\n`);
  vmms.forEach(({ vmm, process: p }, i) => {
    const name = spec.vms[i]!.name;
    process.stderr.write(`vm: [${name}] ${vmmOutcome(vmm)}, ${vmm.guestInstructions} instructions, VMM pid ${p.pid} (hosted ${mode})\n`);
    if (stats) process.stderr.write(`vm: [${name}] exits: ${vmmExits(vmm) || 'none'}; ${vmmSyscalls(vmm)}\n`);
  });
  if (stats) process.stderr.write(`vm: host OS: ${kernel.vmm.world.entries + kernel.vmm.world.exits} world switches, ${kernel.scheduler.contextSwitches} context switches\n`);
  if (end.end === 'limit') return 124;
  if (end.end === 'quit') return 0;
  return vmms.every(({ vmm }) => vmmStatus(vmm) === 0) ? 0 : 1;
}
