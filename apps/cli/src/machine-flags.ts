import { ConfigError } from '@vm/core';
import { one, parseProps, type ParsedArgs } from './args.js';

/**
 * QEMU's front-end flags that every stack reads the same way: `-M`/`-machine` (the board and its
 * properties), `-serial`, `-display`, `-monitor`. What `vm` does not implement is refused with the
 * flag named — never accepted and ignored.
 */
export function machineFlags(args: ParsedArgs, stack: 'bare' | 'native' | 'hosted'): { readonly dumpDtb: string | undefined } {
  const text = one(args, 'M') ?? one(args, 'machine') ?? 'virt';
  const props = parseProps(text, '-M');
  if (props.get('') !== 'virt') throw new ConfigError(`-M ${text}: only the 'virt' board exists`);
  let dumpDtb: string | undefined;
  for (const [k, v] of props) {
    if (k === '') continue;
    if (k !== 'dumpdtb') throw new ConfigError(`-M ${text}: property '${k}' is not supported (virt takes dumpdtb=FILE)`);
    if (stack !== 'bare') throw new ConfigError(`-M ${text}: dumpdtb writes the bare board's device tree (a VM's is built by its hypervisor)`);
    if (v === '' || v === 'on') throw new ConfigError(`-M ${text}: dumpdtb needs a file name`);
    dumpDtb = v;
  }
  consoleFlags(args);
  const display = one(args, 'display');
  if (display !== undefined && display !== 'none') throw new ConfigError(`-display ${display}: only none (vm has no graphical display)`);
  return { dumpDtb };
}

export type SerialSpec = { readonly kind: 'stdio' | 'mon:stdio' | 'null' } | { readonly kind: 'file'; readonly path: string };
export type MonitorSpec = { readonly kind: 'none' | 'stdio' | 'mux' } | { readonly kind: 'tcp'; readonly host: string | undefined; readonly port: number };

/**
 * `-serial` (where the guest's first UART goes) and `-monitor` (where the human monitor is), as
 * QEMU spells them; the forms vm does not implement are refused with the flag named. Without
 * -monitor the monitor is on the console's mux (Ctrl-A C), as with QEMU's -nographic.
 */
export function consoleFlags(args: ParsedArgs): { serial: SerialSpec; monitor: MonitorSpec } {
  const serialText = one(args, 'serial') ?? 'stdio';
  let serial: SerialSpec;
  if (serialText === 'stdio' || serialText === 'mon:stdio' || serialText === 'null') serial = { kind: serialText };
  else if (serialText.startsWith('file:') && serialText.length > 5) serial = { kind: 'file', path: serialText.slice(5) };
  else throw new ConfigError(`-serial ${serialText}: only stdio, mon:stdio, file:FILE or null (tcp:, pty, telnet and other chardevs are not implemented)`);
  const monText = one(args, 'monitor');
  let monitor: MonitorSpec = { kind: 'mux' };
  if (monText === 'none') monitor = { kind: 'none' };
  else if (monText === 'stdio') {
    if (serial.kind === 'stdio' && one(args, 'serial') !== undefined) throw new ConfigError('-monitor stdio with -serial stdio: cannot use stdio by multiple character devices (as QEMU)');
    if (serial.kind === 'mon:stdio') throw new ConfigError('-monitor stdio with -serial mon:stdio: the monitor is already on stdio (Ctrl-A C)');
    monitor = { kind: 'stdio' };
  } else if (monText !== undefined) {
    const m = /^tcp:([^:,]*):(\d+)((?:,[a-z=]+)*)$/.exec(monText);
    const opts = m ? m[3]!.split(',').filter((o) => o !== '') : [];
    if (!m || !opts.includes('server') || opts.some((o) => !['server', 'server=on', 'nowait', 'wait=off'].includes(o)) || Number(m[2]) > 65535) {
      throw new ConfigError(`-monitor ${monText}: only none, stdio or tcp:HOST:PORT,server[,nowait] (vm listens; vc, telnet and other chardevs are not implemented)`);
    }
    monitor = { kind: 'tcp', host: m[1] === '' ? undefined : m[1], port: Number(m[2]) };
  }
  return { serial, monitor };
}
