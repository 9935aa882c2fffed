import { ConfigError } from '@vm/core';
import type { HostKernel } from '@vm/hostos';
import { HostedSession, hostedHost, type VmmProgram } from '@vm/hypervisor-hosted';
import { one, parseProps, type ParsedArgs } from './args.js';
import { boolProp } from './globals.js';
import { hostConsoleFor, refuseSerialRedirect } from './console-setup.js';
import { GuestStepper, hostedGuest, type HostedGuestView } from './hosted-guest.js';
import type { MonitorSpec } from './machine-flags.js';
import type { Monitor } from './monitor.js';
import { attachMonitor, hostedMonitorMachine } from './monitor-machines.js';
import { gdbEndpoint, RunControl } from './run-control.js';
import { hostedMode, hostedSpecFromArgs } from './hosted-config.js';
import { endStatus, runInteractive } from './session-run.js';
import { ImageWriteBack } from './image-write-back.js';

/**
 * `vm run --hypervisor hosted [--mode accel|soft] ...`: a host OS (@vm/hostos) boots with the
 * guest's images in its file system, and one VMM process runs the guest — through /dev/vmm
 * (accel) or by interpreting it (soft). The guest's console reaches the terminal through the
 * VMM's write(2) to the host's console; typed input goes the other way through read(2). Exit
 * status is the guest's poweroff code (sifive_test, SBI SRST or HTIF tohost). `-s`/`-gdb`, `-S`,
 * `-d`/`-D` and the monitor debug the guest of the VMM, as `vm run --hypervisor native` does a VM's.
 */
export async function runHosted(args: ParsedArgs): Promise<number> {
  const mode = hostedMode(one(args, 'mode'), '--mode');
  const maxText = one(args, 'max-instructions');
  const max = maxText === undefined ? Infinity : Number(maxText);
  if (!(max > 0)) throw new ConfigError(`--max-instructions ${maxText}: not a positive number`);
  // The guest's output is the host OS console's: not redirected to a file (or nowhere) yet.
  refuseSerialRedirect(args, 'under --hypervisor hosted');
  const spec = hostedSpecFromArgs(args, mode);
  const { con, monitor: monitorSpec, close: closeSerial } = hostConsoleFor(args);
  const host = hostedHost([{ name: 'guest', spec, interactive: true }], mode, { console: (b) => con.write(b) });
  const disk = diskWriteBack(args, host.kernel, host.vmms[0]!.vmm);
  const session = new HostedSession(host, { closeDisks: () => disk?.close() });
  // The gdbstub, the monitor and -d reach the guest from outside its VMM process (hosted-guest.ts),
  // through the same RunControl, Monitor and Tracer as the bare board and a native VM.
  const late: { monitor?: Monitor } = {};
  let control: RunControl | undefined;
  let mon: { monitor: Monitor | undefined; close: () => void } = { monitor: undefined, close: () => undefined };
  let view: HostedGuestView | undefined;
  if (wantsDebugging(args, monitorSpec, con.muxed)) {
    try {
      view = hostedGuest(host);
      // Without a guest the VMM has already ended with its report: the run below prints it.
      if (view !== undefined) {
        const v = view;
        control = (await RunControl.fromArgs(args, () => v.cpus(), (cmd) => late.monitor?.execute(cmd), () => v.guestErrors()))!;
        const c = control;
        // One guest: vm_pause holds it as `stop` does.
        mon = await attachMonitor(monitorSpec, con, c, hostedMonitorMachine([{ name: 'guest', view: v, paused: () => c.paused, pause: () => c.stop(), resume: () => c.cont() }]));
        late.monitor = mon.monitor;
      }
    } catch (e) {
      control?.close();
      session.close();
      closeSerial();
      throw e;
    }
  }
  const monitorLink = mon;
  // The image first: a write the guest reported done is on it before the console shows that.
  const end = await runInteractive({
    session,
    console: con,
    max,
    stats: args.flags.has('stats'),
    stderr: process.stderr,
    flush: () => disk?.sync(),
    control,
    stepper: view === undefined || control === undefined ? undefined : new GuestStepper(view.progress),
    cleanup: () => {
      monitorLink.close();
      closeSerial();
    },
  });
  return endStatus(end, session, process.stderr);
}

/**
 * Some flag asks for the gdbstub, -S, -d or a monitor (-monitor, or -nographic's Ctrl-A C): without
 * one the hosted run is exactly as before (no control, no stepper).
 */
function wantsDebugging(args: ParsedArgs, monitor: MonitorSpec, muxed: boolean): boolean {
  const monitorOn = monitor.kind === 'stdio' || monitor.kind === 'tcp' || (monitor.kind === 'mux' && muxed);
  return gdbEndpoint(args) !== undefined || args.flags.has('S') || args.values.has('d') || args.values.has('D') || monitorOn;
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
