import { createServer, type Server } from 'node:net';
import { exitsByReason, type NativeHypervisor, type Vm } from '@vm/hypervisor-native';
import { readSnapshot, writeSnapshot, type VirtMachine } from '@vm/machine';
import type { SystemBus } from '@vm/mmu';
import type { Hart } from '@vm/isa';
import { vmmExits, vmmSyscalls } from '@vm/hypervisor-hosted';
import type { HostedGuestView } from './hosted-guest.js';
import { hartCpu, vmCpus } from './debug-cpu.js';
import { ConfigError } from '@vm/core';
import type { HostConsole } from './console.js';
import type { MonitorSpec } from './machine-flags.js';
import { Monitor, type MapEntry, type MonitorMachine, type MonitorVm } from './monitor.js';
import type { RunControl } from './run-control.js';

/** The bus's map as `info mtree` lists it: RAM first, then the devices. */
function mapOf(bus: SystemBus, prefix: string): MapEntry[] {
  const out: MapEntry[] = [{ name: `${prefix}.ram`, base: bus.ram.base, size: bus.ram.size, kind: 'ram' }];
  for (const m of bus.mappings) out.push({ name: m.name, base: m.base, size: m.device.size, kind: m.name === 'mrom' ? 'rom' : 'i/o' });
  return out;
}

/** RAM and the boot ROM, as `xp` reads them (no device register is read: that could change it). */
function physical(bus: SystemBus, addr: bigint, length: number): Uint8Array | undefined {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const pa = Number(addr) + i;
    if (bus.ram.contains(pa, 1)) out[i] = bus.ram.read8(pa);
    else if (bus.find(pa)?.name === 'mrom') out[i] = Number(bus.read(pa, 1) & 0xffn);
    else return undefined;
  }
  return out;
}

/** The bare board for the monitor. */
export function bareMonitorMachine(machine: VirtMachine): MonitorMachine {
  return {
    cpus: () => machine.harts.map((h) => hartCpu(h)),
    readPhysical: (addr, length) => physical(machine.bus, addr, length),
    map: () => mapOf(machine.bus, 'riscv_virt_board'),
    reset: () => {
      // Taken by the run loop as a guest reset: it reboots (or, with -no-reboot, exits), as QEMU.
      machine.requestExit({ reason: 'reset' });
      return undefined;
    },
    powerdown: () => machine.requestExit({ reason: 'poweroff', code: 0 }),
    savevm: (file) => {
      writeSnapshot(file, machine.snapshot());
      return '';
    },
    loadvm: (file) => {
      machine.restore(readSnapshot(file));
      return '';
    },
  };
}

/** One VM of `vm run --hypervisor native` for the monitor: the guest's view, and the VM commands. */
export function nativeMonitorMachine(hv: NativeHypervisor, vm: Vm, control: () => RunControl | undefined): MonitorMachine {
  const vmEntry: MonitorVm = {
    name: vm.name,
    status: () => `${control()?.paused ? 'paused' : vm.state}, ${vm.mode}, ${vm.stats.guestInstructions} guest instructions, ${vm.stats.exitCount} exits, pc 0x${vm.vhart.hart.pc.toString(16)}`,
    exits: () => exitsByReason(vm).split(', ').join('\n') || 'no exits',
    mmuStats: () => mmuStats(hv.host, vm),
    pause: () => control()?.stop(),
    resume: () => control()?.cont(),
  };
  return {
    cpus: () => vmCpus(hv.host, vm),
    readPhysical: (addr, length) => physical(vm.board.bus, addr, length),
    map: () => mapOf(vm.board.bus, `${vm.name}`),
    reset: () => {
      vm.stop('reset', 'system_reset from the monitor', vm.vhart.hart.pc);
      return undefined;
    },
    powerdown: () => {
      vm.exitStatus = 0;
      vm.stop('poweroff', 'system_powerdown from the monitor', vm.vhart.hart.pc);
    },
    savevm: (file) => {
      writeSnapshot(file, hv.snapshotVm(vm));
      return '';
    },
    loadvm: () => 'loadvm: a VM is restored by starting it from the file: vm restore FILE --hypervisor native',
    vms: [vmEntry],
  };
}

/** One VM of a hypervisor for the monitor's VM commands; vm_pause holds it in the hypervisor (the others run on). */
function monitorVm(hv: NativeHypervisor, vm: Vm): MonitorVm {
  return {
    name: vm.name,
    status: () => `${hv.isPaused(vm) ? 'paused' : vm.state}, ${vm.mode}, ${vm.stats.guestInstructions} guest instructions, ${vm.stats.exitCount} exits, pc 0x${vm.vhart.hart.pc.toString(16)}`,
    exits: () => exitsByReason(vm).split(', ').join('\n') || 'no exits',
    mmuStats: () => mmuStats(hv.host, vm),
    pause: () => hv.pause(vm),
    resume: () => hv.resume(vm),
  };
}

/** A VM's shadow page table (trap) or G-stage (hext) statistics; `host` is the machine whose hart runs it. */
function mmuStats(host: { readonly hart: Hart }, vm: Vm): string {
  const lines: string[] = [];
  if (vm.mode === 'trap') {
    lines.push(`shadow fills ${vm.shadow.fills}`, `shadow flushes ${vm.shadow.flushes}`, `shadow generation ${vm.shadow.generation}`, `shadow views ${vm.shadow.viewCount}`);
  } else lines.push(`G-stage hgatp 0x${(vm.hext?.csr(host.hart, 0x680) ?? 0n).toString(16)}`);
  for (const [k, v] of Object.entries(vm.stats.events())) if (/shadow|gstage|pv-mmu|tlb|guest-page/.test(k)) lines.push(`${k} ${v}`);
  return lines.join('\n');
}

/** One guest of a hosted stack for the monitor: what it is, and how `vm_pause` holds it. */
export interface HostedMonitorGuest {
  readonly name: string;
  readonly view: HostedGuestView;
  paused(): boolean;
  pause(): void;
  resume(): void;
}

/** `info vms` line, `info exits` and `info shadow` of one hosted guest. */
function hostedMonitorVm(g: HostedMonitorGuest): MonitorVm {
  const t = g.view.target;
  const vmm = g.view.vmm;
  return {
    name: g.name,
    status: () => {
      const state = g.paused() ? 'paused' : t.kind === 'accel' ? t.vm.state : vmm.exit === undefined ? 'running' : 'stopped';
      const exits = t.kind === 'accel' ? `, ${t.vm.stats.exitCount} exits` : '';
      return `${state}, hosted ${t.kind}, ${vmm.guestInstructions} guest instructions${exits}, pc 0x${g.view.cpus()[0]!.pc.toString(16)}`;
    },
    exits: () => {
      if (t.kind === 'soft') return `none: the soft VMM interprets its guest (${vmmSyscalls(vmm)})`;
      const lines = exitsByReason(t.vm).split(', ').filter((l) => l !== '');
      return [...(lines.length === 0 ? ['no exits'] : lines), `KVM_RUN returned to the VMM: ${vmmExits(vmm) || 'nothing yet'}`].join('\n');
    },
    mmuStats: () => (t.kind === 'accel' ? mmuStats(t.host, t.vm) : 'none: the soft VMM interprets its guest (no shadow page tables)'),
    pause: () => g.pause(),
    resume: () => g.resume(),
  };
}

/**
 * The guests of the hosted stack for the monitor (`vm run --hypervisor hosted`: one; `vm up`: one
 * per VMM, CPU#i is guest i, x and xp look at the first): their CPUs, memory and maps as the
 * debugger sees them (hosted-guest.ts), and the VM commands: `info exits` lists what the vCPU
 * exited for and what KVM_RUN returned to the VMM process (accel); a soft VMM interprets its guest,
 * with no exits and no shadow tables.
 */
export function hostedMonitorMachine(guests: readonly HostedMonitorGuest[]): MonitorMachine {
  const first = guests[0]!.view;
  const pc = (v: HostedGuestView): bigint => v.cpus()[0]!.pc;
  return {
    cpus: () => guests.flatMap((g) => g.view.cpus()),
    readPhysical: (addr, length) => physical(first.bus, addr, length),
    map: () => mapOf(first.bus, guests[0]!.name),
    reset: () => {
      // Each VMM ends as on its guest's own reset request: a VM does not reboot.
      for (const { view } of guests) {
        const t = view.target;
        if (t.kind === 'soft') t.board.requestExit({ reason: 'reset' });
        else t.vm.stop('reset', 'system_reset from the monitor', pc(view));
      }
      return undefined;
    },
    powerdown: () => {
      for (const { view } of guests) {
        const t = view.target;
        if (view.vmm.exit !== undefined) continue;
        if (t.kind === 'soft') t.board.requestExit({ reason: 'poweroff', code: 0 });
        else if (t.vm.state !== 'stopped') {
          t.vm.exitStatus = 0;
          t.vm.stop('poweroff', 'system_powerdown from the monitor', pc(view));
        }
      }
    },
    savevm: (file) => {
      if (guests.length > 1) return 'savevm: a stack snapshots its VMs with snapshot: { at, file } in the stack file';
      writeSnapshot(file, first.vmm.snapshot());
      return '';
    },
    loadvm: () => (guests.length > 1 ? 'loadvm: a stack starts a VM from a snapshot with restore: FILE in the stack file' : 'loadvm: a hosted guest is restored by starting it from the file: vm restore FILE --hypervisor hosted'),
    vms: guests.map(hostedMonitorVm),
  };
}

/** The VMs of `vm up` for the monitor: CPU#i is VM i's guest; x and xp look at the first VM. */
export function stackMonitorMachine(hv: NativeHypervisor, vms: readonly Vm[]): MonitorMachine {
  const first = vms[0]!;
  return {
    cpus: () => vms.flatMap((vm) => vmCpus(hv.host, vm)),
    readPhysical: (addr, length) => physical(first.board.bus, addr, length),
    map: () => mapOf(first.board.bus, first.name),
    reset: () => {
      for (const vm of vms) vm.stop('reset', 'system_reset from the monitor', vm.vhart.hart.pc);
      return undefined;
    },
    powerdown: () => {
      for (const vm of vms) {
        if (vm.state === 'stopped') continue;
        vm.exitStatus = 0;
        vm.stop('poweroff', 'system_powerdown from the monitor', vm.vhart.hart.pc);
      }
    },
    savevm: () => 'savevm: a stack snapshots its VMs with snapshot: { at, file } in the stack file',
    loadvm: () => 'loadvm: a stack starts a VM from a snapshot with restore: FILE in the stack file',
    vms: vms.map((vm) => monitorVm(hv, vm)),
  };
}

/** -monitor tcp:HOST:PORT,server: the monitor on every connection (QEMU's banner and prompt). */
export function listenMonitor(host: string | undefined, port: number, execute: (line: string) => string, quitting: () => boolean): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((s) => {
      s.write("vm monitor - type 'help' for more information\r\n(qemu) ");
      let pending = '';
      s.on('error', () => undefined);
      s.on('data', (chunk: Buffer) => {
        pending += chunk.toString('latin1');
        let nl: number;
        while ((nl = pending.search(/\r?\n/)) >= 0) {
          const line = pending.slice(0, nl);
          pending = pending.slice(pending[nl] === '\r' ? nl + 2 : nl + 1);
          s.write(execute(line).replace(/\n/g, '\r\n'));
          if (quitting()) {
            s.end();
            return;
          }
          s.write('(qemu) ');
        }
      });
    });
    server.once('error', reject);
    server.listen({ host, port }, () => resolve(server));
  });
}

/**
 * Put the monitor where -monitor says: on the console's mux (Ctrl-A C) or stdin (-monitor stdio),
 * or on a TCP port. Returns what ends it.
 */
export async function attachMonitor(spec: MonitorSpec, con: HostConsole, control: RunControl, machine: MonitorMachine): Promise<{ monitor: Monitor | undefined; close: () => void }> {
  if (spec.kind === 'none') return { monitor: undefined, close: () => undefined };
  const monitor = new Monitor(machine, control, () => con.quit());
  if (spec.kind === 'tcp') {
    let server: Server;
    try {
      server = await listenMonitor(spec.host, spec.port, (line) => monitor.execute(line), () => con.quitRequested);
    } catch (e) {
      throw new ConfigError(`-monitor tcp:${spec.host ?? ''}:${spec.port},server: cannot listen (${e instanceof Error ? e.message : String(e)})`);
    }
    con.onQuit(() => control.quit());
    return { monitor, close: () => server.close() };
  }
  con.attachMonitor((line) => monitor.execute(line), () => control.quit());
  return { monitor, close: () => undefined };
}
