import { ConfigError } from '@vm/core';
import type { HostKernel } from '@vm/hostos';
import { HostedSession, hostedHost, type VmmProgram } from '@vm/hypervisor-hosted';
import { one, parseProps, type ParsedArgs } from './args.js';
import { boolProp } from './globals.js';
import { hostConsoleFor, refuseDebugFlags } from './console-setup.js';
import { hostedMode, hostedSpecFromArgs } from './hosted-config.js';
import { endStatus, runInteractive } from './session-run.js';
import { ImageWriteBack } from './image-write-back.js';

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
  // -nographic: QEMU's mux on pipes too (Ctrl-A X, Ctrl-A H); Ctrl-A C says there is no monitor.
  const { con } = hostConsoleFor(args, 'not implemented under --hypervisor hosted (vm run and vm run --hypervisor native have it)');
  const host = hostedHost([{ name: 'guest', spec, interactive: true }], mode, { console: (b) => con.write(b) });
  const disk = diskWriteBack(args, host.kernel, host.vmms[0]!.vmm);
  const session = new HostedSession(host, { closeDisks: () => disk?.close() });
  // The image first: a write the guest reported done is on it before the console shows that.
  const end = await runInteractive({ session, console: con, max, stats: args.flags.has('stats'), stderr: process.stderr, flush: () => disk?.sync() });
  return endStatus(end, session, process.stderr);
}

/**
 * The guest's disk is a file of the host OS's file system while it runs (the VMM reads and writes
 * it with pread/pwrite); what the guest writes goes back to the image on the real host after each
 * host OS slice in which it wrote, and at exit or a signal (image-write-back.ts) — unless
 * `snapshot=on` / `-snapshot` asked to leave the image untouched.
 */
function diskWriteBack(args: ParsedArgs, kernel: HostKernel, vmm: VmmProgram): ImageWriteBack | undefined {
  const drive = args.values.get('drive')?.[0];
  if (drive === undefined) return undefined;
  const props = parseProps(drive, '-drive');
  const file = props.get('file');
  if (file === undefined || args.flags.has('snapshot') || boolProp(props, 'snapshot', `-drive ${drive}`)) return undefined;
  const path = '/images/guest/disk.img';
  const inode = kernel.fs.lookup(path);
  if (inode === undefined) return undefined;
  return new ImageWriteBack(kernel, path, file, () => vmm.diskBytesWritten, kernel.fs.readAll(inode));
}
