import { hex } from '@vm/core';
import type { Vm } from '@vm/hypervisor-native';
import type { HvLoopEnd } from './hv-loop.js';

const PRIV = 'USHM';

/** Exit status of a stopped VM: its poweroff code; 0 for a reset; 1 when it was stopped. */
export function vmStatus(vm: Vm): number {
  const r = vm.report;
  if (r?.reason === 'poweroff') return vm.exitStatus ?? 1;
  if (r?.reason === 'reset') return 0;
  return 1;
}

/** True when the hypervisor (not the guest's poweroff or reset) stopped the VM. */
export function stoppedByHypervisor(vm: Vm): boolean {
  const r = vm.report;
  return r !== undefined && r.reason !== 'poweroff' && r.reason !== 'reset';
}

/** The fault report: reason, pc, virtual privilege, message and the last exits. */
export function formatReport(vm: Vm): string {
  const r = vm.report;
  if (r === undefined) return `vm: ${vm.name}: ${vm.state}\n`;
  const lines = [`vm: VM '${vm.name}' stopped: ${r.reason} at pc ${hex(r.pc)} (virtual ${PRIV[r.vpriv] ?? r.vpriv}-mode): ${r.message}`];
  if (r.lastExits.length > 0) lines.push(`vm: last ${r.lastExits.length} exits (oldest first):`);
  for (const e of r.lastExits) {
    lines.push(`  ${e.reason.padEnd(11)} epc ${hex(e.epc)} v${PRIV[e.vpriv] ?? e.vpriv} cause ${hex(e.cause)} tval ${hex(e.tval)} at ${e.at}`);
  }
  return lines.join('\n') + '\n';
}

/** Total exits of a VM (every `exit.*` event). */
export function totalExits(vm: Vm): number {
  let n = 0;
  for (const [k, v] of Object.entries(vm.stats.events())) if (k.startsWith('exit.')) n += v;
  return n;
}

/** `exit.csr 12, exit.mmio 3, ...` for --stats. */
export function exitsByReason(vm: Vm): string {
  return Object.entries(vm.stats.events())
    .filter(([k]) => k.startsWith('exit.'))
    .map(([k, v]) => `${k.slice(5)} ${v}`)
    .join(', ');
}

/** One line per VM for `vm up`: name, how it ended, instructions, exits. */
export function summaryLine(vm: Vm): string {
  const r = vm.report;
  const how = r === undefined ? vm.state : r.reason === 'poweroff' ? `exit ${vm.exitStatus ?? '?'}` : r.reason === 'reset' ? 'reset' : `${r.reason} at ${hex(r.pc)}`;
  return `vm: [${vm.name}] ${how}, ${vm.stats.guestInstructions} instructions, ${totalExits(vm)} exits`;
}

/**
 * The exit status of a `vm run`/`vm restore` of one native VM once the run loop ended, with the
 * message that explains it on stderr: 0 for Ctrl-A X, 124 at --max-instructions, 1 when the guest
 * waits for input that will never come or the hypervisor stopped it (its report is printed), else
 * the guest's poweroff code.
 */
export function nativeEndStatus(end: { end: HvLoopEnd; instructions: number }, vm: Vm, stderr: { write(text: string): unknown }): number {
  switch (end.end) {
    case 'quit':
      return 0;
    case 'killed':
      stderr.write('vm: terminated via GDBstub\n');
      return 0;
    case 'limit':
      stderr.write(`\nvm: stopped after ${end.instructions} instructions (--max-instructions)\n`);
      return 124;
    case 'stuck':
      stderr.write('\nvm: the guest waits for input and standard input has ended\n');
      return 1;
    default:
      if (stoppedByHypervisor(vm)) stderr.write(formatReport(vm));
      else if (vm.report?.reason === 'reset') stderr.write('vm: the guest asked for a reset (a VM does not reboot): exiting\n');
      return vmStatus(vm);
  }
}
