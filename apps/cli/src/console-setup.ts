import { closeSync, openSync, writeSync } from 'node:fs';
import { ConfigError } from '@vm/core';
import type { ParsedArgs } from './args.js';
import { HostConsole } from './console.js';
import { consoleFlags, type MonitorSpec } from './machine-flags.js';

/**
 * The host console from `-serial`, `-monitor` and `-nographic`: where the guest's UART goes
 * (the terminal, a file, nowhere), whether Ctrl-A escapes work on pipes (QEMU's mux), and whether
 * stdin belongs to the monitor (-monitor stdio). `close` ends a -serial file.
 */
export function hostConsoleFor(args: ParsedArgs, noMonitor?: string): { con: HostConsole; monitor: MonitorSpec; close: () => void } {
  const { serial, monitor } = consoleFlags(args);
  let fd: number | undefined;
  let serialOut: ((b: Buffer) => void) | null | undefined;
  if (serial.kind === 'file') {
    try {
      fd = openSync(serial.path, 'w');
    } catch (e) {
      throw new ConfigError(`-serial file:${serial.path}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const out = fd;
    serialOut = (b) => {
      let done = 0;
      while (done < b.length) done += writeSync(out, b, done, b.length - done);
    };
  } else if (serial.kind === 'null') serialOut = null;
  const con = new HostConsole(process.stdin, process.stdout, {
    escapes: args.flags.has('nographic') || serial.kind === 'mon:stdio',
    serialOut,
    guestInput: serial.kind === 'stdio' || serial.kind === 'mon:stdio',
    monitorOnly: monitor.kind === 'stdio',
    noMonitor,
  });
  return {
    con,
    monitor,
    close: () => {
      if (fd !== undefined) closeSync(fd);
    },
  };
}

/** Flags only `vm run` on the bare board or a native VM implements: refused elsewhere, naming the flag. */
export function refuseDebugFlags(args: ParsedArgs, where: string): void {
  for (const f of ['s', 'S']) if (args.flags.has(f)) throw new ConfigError(`-${f}: not implemented ${where} (vm run and vm run --hypervisor native have the gdbstub)`);
  for (const f of ['gdb', 'd', 'D']) if (args.values.has(f)) throw new ConfigError(`-${f}: not implemented ${where} (vm run and vm run --hypervisor native have it)`);
  refuseSerialRedirect(args, where);
  const { monitor } = consoleFlags(args);
  if (monitor.kind === 'stdio' || monitor.kind === 'tcp') throw new ConfigError(`-monitor: not implemented ${where} (vm run and vm run --hypervisor native have the monitor)`);
}

/** `-serial file:F` and `-serial null`: refused where the guest's console output cannot be redirected. */
export function refuseSerialRedirect(args: ParsedArgs, where: string): void {
  const { serial } = consoleFlags(args);
  if (serial.kind === 'file' || serial.kind === 'null') throw new ConfigError(`-serial ${serial.kind === 'file' ? `file:${serial.path}` : 'null'}: not implemented ${where} (only stdio)`);
}
