import { writeFileSync } from 'node:fs';
import { ConfigError } from '@vm/core';
import type { HostKernel } from '@vm/hostos';
import { hostedHost } from '@vm/hypervisor-hosted';
import { one, parseProps, type ParsedArgs } from './args.js';
import { boolProp } from './globals.js';
import { HostConsole } from './console.js';
import { refuseDebugFlags } from './console-setup.js';
import { hostedMode, hostedSpecFromArgs } from './hosted-config.js';
import { driveHostOs, vmmExits, vmmOutcome, vmmStatus, vmmSyscalls } from './hosted-loop.js';

/**
 * `vm run --hypervisor hosted [--mode accel|soft] ...`: a host OS (@vm/hostos) boots with the
 * guest's images in its file system, and one VMM process runs the guest — through /dev/vmm
 * (accel) or by interpreting it (soft). The guest's console reaches the terminal through the
 * VMM's write(2) to the host's console; typed input goes the other way through read(2). Exit
 * status is the guest's poweroff code (sifive_test, SBI SRST or HTIF tohost).
 */
export async function runHosted(args: ParsedArgs): Promise<number> {
  const mode = hostedMode(one(args, 'mode'), '--mode');
  const maxText = one(args, 'max-instructions');
  const max = maxText === undefined ? Infinity : Number(maxText);
  if (!(max > 0)) throw new ConfigError(`--max-instructions ${maxText}: not a positive number`);
  refuseDebugFlags(args, 'under --hypervisor hosted');
  const spec = hostedSpecFromArgs(args);
  const con = new HostConsole();
  const { kernel, vmms } = hostedHost([{ name: 'guest', spec, interactive: true }], mode, { console: (b) => con.write(b) });
  const { vmm } = vmms[0]!;

  con.start();
  const started = process.hrtime.bigint();
  let end;
  try {
    end = await driveHostOs({ kernel, vmms, console: con, input: true, flush: () => con.flush(), max });
  } finally {
    con.flush();
    con.stop();
    writeDiskBack(args, kernel);
  }
  if (args.flags.has('stats')) {
    const secs = Number(process.hrtime.bigint() - started) / 1e9;
    const n = vmm.guestInstructions;
    const world = kernel.vmm.world.entries + kernel.vmm.world.exits;
    process.stderr.write(`vm: ${n} guest instructions in ${secs.toFixed(2)} s (${(n / secs / 1e6).toFixed(1)} MIPS), hosted ${mode}: ${world} world switches, ${vmmSyscalls(vmm)}\n`);
    process.stderr.write(`vm: exits: ${vmmExits(vmm) || 'none'}; in the driver: ${kernel.vmm.inKernelExits}\n`);
  }
  if (end.end === 'quit') return 0;
  if (end.end === 'limit') {
    process.stderr.write(`\nvm: stopped after ${end.instructions} instructions (--max-instructions)\n`);
    return 124;
  }
  const e = vmm.exit;
  if (e?.reason === 'halt') process.stderr.write(`\nvm: the VMM stopped the guest: ${e.message}\n`);
  else if (e?.reason === 'reset') process.stderr.write('vm: the guest asked for a reset (a VM does not reboot): exiting\n');
  else if (e === undefined) process.stderr.write(`\nvm: the VMM process ended without a guest exit (${vmmOutcome(vmm)})\n`);
  return vmmStatus(vmm);
}

/**
 * The guest's disk is a file of the host OS's file system while it runs (the VMM reads and writes
 * it with pread/pwrite); at the end its contents go back to the image on the real host — unless
 * `snapshot=on` / `-snapshot` asked to leave the image untouched. Data is never lost.
 */
function writeDiskBack(args: ParsedArgs, kernel: HostKernel): void {
  const drive = args.values.get('drive')?.[0];
  if (drive === undefined) return;
  const props = parseProps(drive, '-drive');
  const file = props.get('file');
  if (file === undefined || args.flags.has('snapshot') || boolProp(props, 'snapshot', `-drive ${drive}`)) return;
  const inode = kernel.fs.lookup('/images/guest/disk.img');
  if (inode === undefined) return;
  writeFileSync(file, kernel.fs.readAll(inode));
}
