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
  const serial = one(args, 'serial');
  if (serial !== undefined && serial !== 'stdio' && serial !== 'mon:stdio') {
    throw new ConfigError(`-serial ${serial}: only stdio and mon:stdio (the guest's UART is this terminal)`);
  }
  const display = one(args, 'display');
  if (display !== undefined && display !== 'none') throw new ConfigError(`-display ${display}: only none (vm has no graphical display)`);
  const monitor = one(args, 'monitor');
  if (monitor !== undefined && monitor !== 'none') throw new ConfigError(`-monitor ${monitor}: no monitor is implemented (only -monitor none)`);
  return { dumpDtb };
}
