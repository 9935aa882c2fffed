import { VmError } from '@vm/core';
import { InternalFault, internalErrorLine } from './internal-error.js';
import { RUN_OPTIONS, UP_OPTIONS } from './options.js';
import { VERSION } from './version.js';

/**
 * The `vm` command without the process around it (main.ts): `main(argv)` gives the exit status
 * or throws; `failure(err)` is what any error becomes — the one stderr line and the status. Tests
 * run commands in-process through these (bad-input.test.ts), exactly as main.ts does.
 */
export const USAGE = `vm — a RISC-V virt machine and virtualisation stack

usage:
  vm run [QEMU-style options]     run the virt board (see options below)
  vm run --hypervisor native [--mode trap|hext] [vm run options]
                                  the same guest as one VM of the type-1 hypervisor
  vm up STACK.yaml [--attach NAME] [--stats] [--max-instructions N] [--monitor stdio|tcp:H:P,server]
                                  run a composed stack of VMs (see apps/cli/README.md)
  vm bench [--quick] [--json F] [--html F] [--cost-model NAME] [--stacks a,b] [--workloads a,b]
                                  the overhead benchmark: every stack against bare metal
  vm snapshot -o FILE --at N [--hypervisor native|hosted [--mode trap|accel|soft]] [vm run options]
                                  run N (guest) instructions, then checkpoint the board or VM into FILE
  vm restore FILE [--hypervisor none|native|hosted] [--mode accel|soft] [--max-instructions N] [--stats]
                                  continue a checkpoint on the bare board, as a native VM or in a
                                  hosted VMM (any snapshot on any of them: migration)
  vm migrate --listen PORT | --to HOST:PORT [vm run options]   live migration over TCP
  vm matrix [--out FILE] [--guests a,b] [--stacks x,y] [--timeout S]
                                  boot every guest on every stack and on QEMU, one run at a time;
                                  writes the guest x stack table (default docs/guest-matrix.md)
  vm disasm FILE.elf              objdump-style listing of the text sections
  vm -version                     the version
  vm help                         this text

vm run options:
${RUN_OPTIONS.map((o) => `  -${o.name}${o.value ? ' VALUE' : ''}`.padEnd(26) + o.help).join('\n')}

vm up options:
${UP_OPTIONS.map((o) => `  --${o.name}${o.value ? ' VALUE' : ''}`.padEnd(26) + o.help).join('\n')}

virtio-mmio: the eight transports of QEMU's virt board (0x10001000 + n*0x1000, IRQ 1+n, n = 0..7)
always exist; empty ones read DeviceID 0. They are legacy (Version 1) as on QEMU 7.2 unless
-global virtio-mmio.force-legacy=off (modern, Version 2). A device without bus= takes the highest
free slot; -drive file=F,if=none,id=ID -device virtio-blk-device,drive=ID,bus=virtio-mmio-bus.N
puts a disk in slot N. In vm up files: 'force-legacy: false' per VM, 'slot: N' per drive.

Debugging (vm run, bare board or --hypervisor native): -s / -gdb tcp::PORT start a GDB remote stub
(gdb-multiarch: target remote :PORT; registers, memory through the current translation, break,
hbreak, watch/rwatch/awatch, stepi, continue, Ctrl-C, kill, detach); -S holds the CPU until GDB or
the monitor's cont. With -smp N each hart is a GDB thread (info threads, thread N; all-stop).
Under --hypervisor native and --hypervisor hosted the stub, monitor and -d see the guest of the VM
(hosted: of the VMM process); in vm up, gdb: PORT per VM and --monitor.
Monitor: Ctrl-A C on the console (Ctrl-A H lists the keys), -monitor stdio or -monitor
tcp:HOST:PORT,server: info status|registers|mtree|qtree|vms|exits|shadow, stop, cont, x, xp,
system_reset, system_powerdown, savevm/loadvm FILE (.vmsnap), vm_pause/vm_resume, quit, help.
Tracing: -d in_asm,exec,cpu,int,mmu,guest_errors,unimp [-D FILE] (-d help); with -smp N every
hart, each line naming it (Trace N:, hart:N, CPU#N).
Serial: -serial stdio|mon:stdio|file:FILE|null.

Exit status: the guest's poweroff code (sifive_test / SBI SRST), or the HTIF exit code of a
riscv-tests program (0 = pass). Console: Ctrl-A X quits.

Translation: hot guest code runs through a block translator (same output and instruction counts
as the interpreter). --no-translate or -accel interp: interpreter only; -accel tcg: the default.
-accel tcg,thread=multi: each hart of the bare board (-smp N), and each VM of --hypervisor native /
vm up, on its own worker thread (host core), guest RAM shared; the translator is off on a hart's
thread, and the gdbstub, monitor and -d tracing are refused. thread=single (default) runs
everything on one thread, deterministically.
`;

/**
 * The translator switch, for every command and stack: `--no-translate` or `-accel interp` for the
 * interpreter only; `-accel tcg[,...]` (QEMU's spelling) is the default and accepted. Off becomes
 * VM_TRANSLATE=0 in the environment, which every hart reads at
 * construction (HartOptions.translate's default) — bare board, native and hosted hypervisors,
 * and the processes `vm bench` / `vm matrix` start.
 */
function takeTranslateFlags(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--no-translate') {
      process.env['VM_TRANSLATE'] = '0';
    } else if (a === '-accel' || a === '--accel') {
      const v = argv[++i] ?? '';
      const [name, ...props] = v.split(',');
      if (name === 'interp') process.env['VM_TRANSLATE'] = '0';
      else if (name !== 'tcg') throw new VmError(`-accel ${v}: 'tcg' (the block translator, default) or 'interp' (interpreter only)`);
      // QEMU's thread=single|multi (MTTCG): multi runs each hart of the bare board (@vm/machine
      // threads/) or each VM (parallel-run.ts) on its own worker thread; read by `vm run` and
      // `vm up` through VM_ACCEL_THREAD.
      for (const p of props) {
        const [k, val] = p.split('=');
        if (k !== 'thread' || (val !== 'single' && val !== 'multi')) throw new VmError(`-accel ${v}: '${p}': only thread=single (default) or thread=multi`);
        process.env['VM_ACCEL_THREAD'] = val;
      }
    } else {
      out.push(a);
    }
  }
  return out;
}

const GUEST_COMMANDS = new Set(['run', 'up', 'snapshot', 'restore', 'migrate']);

export async function main(argvIn: string[]): Promise<number> {
  const argv = takeTranslateFlags(argvIn);
  const [cmd, ...rest] = argv;
  if (process.env['VM_ACCEL_THREAD'] === 'multi' && cmd !== 'run' && cmd !== 'up' && cmd !== 'snapshot') {
    // restore/migrate drive one guest on the main thread; vm snapshot runs the bare board's harts
    // on threads to its point, vm up's snapshot: points work on threads.
    throw new VmError(`-accel tcg,thread=multi: only for vm run, vm snapshot (the bare board) and vm up, not vm ${cmd ?? ''} (use vm up with snapshot:/restore: for VMs on threads)`);
  }
  // Commands that run guests on this thread first run the hart's warm-up program (@vm/machine
  // warmUp: ~20 ms, a Linux boot ~15 % sooner); VM_WARM_UP=0 leaves it out, for comparisons.
  // On threads the harts run in workers, which this thread's warm-up would not reach.
  if (GUEST_COMMANDS.has(cmd ?? '') && process.env['VM_ACCEL_THREAD'] !== 'multi' && process.env['VM_WARM_UP'] !== '0') (await import('@vm/machine')).warmUp();
  switch (cmd) {
    case 'run':
      return (await import('./run.js')).runCommand(rest);
    case 'up':
      return (await import('./up.js')).upCommand(rest);
    case 'snapshot':
      return (await import('./snapshot-command.js')).snapshotCommand(rest);
    case 'restore':
      return (await import('./snapshot-command.js')).restoreCommand(rest);
    case 'migrate':
      return (await import('./snapshot-command.js')).migrateCommand(rest);
    case 'bench':
      return (await import('./bench.js')).benchCommand(rest);
    case 'matrix':
      return (await import('./matrix.js')).matrixCommand(rest);
    case 'disasm':
      return (await import('./disasm.js')).disasmCommand(rest);
    case '-version':
    case '--version':
    case 'version':
      process.stdout.write(VERSION);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
    default:
      // One line (the usage is `vm help`): a typo must not scroll the terminal.
      process.stderr.write(`vm: unknown command '${cmd}' (vm help lists the commands)\n`);
      return 2;
  }
}


/** What an error ends as: bad input (a VmError) is one line and status 2; anything else is an internal fault, one line and status 1. */
export function failure(err: unknown): { readonly status: number; readonly line: string } {
  if (err instanceof VmError) return { status: 2, line: `vm: ${err.message.split('\n')[0]}\n` };
  return { status: 1, line: internalErrorLine(err) };
}

/** The stack of an internal fault, for VM_DEBUG=1. */
export function debugTrace(err: unknown): string {
  const e = err instanceof InternalFault ? err.fault : err;
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}
