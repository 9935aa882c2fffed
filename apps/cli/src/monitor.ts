import type { RiscvCpu } from '@vm/gdbstub';
import { CSR_NUMBERS, disassemble } from '@vm/isa';
import type { RunControl } from './run-control.js';

/** One region of the physical address map, for `info mtree` / `info qtree`. */
export interface MapEntry {
  readonly name: string;
  readonly base: number;
  readonly size: number;
  readonly kind: 'ram' | 'rom' | 'i/o';
}

/** One VM of a hypervisor, as the monitor's VM commands show and control it. */
export interface MonitorVm {
  readonly name: string;
  /** running / waiting / stopped / paused, with the guest instruction count and pc. */
  status(): string;
  /** Exits by reason, `reason count` per line. */
  exits(): string;
  /** Shadow page table (trap) or G-stage (hext) statistics, one `name value` per line. */
  mmuStats(): string;
  pause(): void;
  resume(): void;
}

/** What the monitor reaches of the machine: the bare board or a hypervisor and its VMs. */
export interface MonitorMachine {
  /** Every CPU, in order (`cpu N` picks the one `info registers`, `x` and `$reg` use; 0 first). */
  cpus(): RiscvCpu[];
  /** Physical memory (`xp`): RAM and ROM only, undefined where unreadable. */
  readPhysical(addr: bigint, length: number): Uint8Array | undefined;
  /** The physical address map (`info mtree`). */
  map(): MapEntry[];
  /** `system_reset`: an error text when it cannot. */
  reset(): string | undefined;
  /** `system_powerdown`. */
  powerdown(): void;
  /** `savevm FILE` / `loadvm FILE` in the .vmsnap format: the message to print. */
  savevm(file: string): string;
  loadvm(file: string): string;
  /** The VMs, under a hypervisor. */
  readonly vms?: readonly MonitorVm[];
}

const HELP: [string, string][] = [
  ['cont|c', 'resume emulation'],
  ['cpu index', 'set the default CPU'],
  ['help|? [cmd]', 'show the help'],
  ['info status', 'show the current VM status (running|paused)'],
  ['info cpus', 'show infos for each CPU'],
  ['info registers [-a|vcpu]', "show the cpu registers (-a: show register info for all cpus; vcpu: specific vCPU to query; show the current CPU's registers if omitted)"],
  ['info mtree', 'show memory tree'],
  ['info qtree', 'show device tree'],
  ['info vms', 'list the VMs of the hypervisor (vm run --hypervisor native)'],
  ['info exits [name]', "show a VM's exits by reason"],
  ['info shadow [name]', "show a VM's shadow page table / G-stage statistics"],
  ['loadvm file', 'restore the machine from a .vmsnap file'],
  ['quit|q', 'quit the emulator'],
  ['savevm file', 'save the machine to a .vmsnap file'],
  ['stop|s', 'stop emulation'],
  ['system_powerdown', 'send system power down event'],
  ['system_reset', 'reset the system'],
  ['vm_pause name', 'pause one VM (the others run on)'],
  ['vm_resume name', 'resume one VM'],
  ['x /fmt addr', 'virtual memory dump starting at addr'],
  ['xp /fmt addr', 'physical memory dump starting at addr'],
];

/**
 * The human monitor (QEMU's HMP): the commands QEMU has print what QEMU prints; the VM commands
 * (`info vms`, `info exits`, `info shadow`, `vm_pause`, `vm_resume`) are ours.
 */
export class Monitor {
  /** Defaults of `x`/`xp` as QEMU keeps them: the last format and size used. */
  private lastFormat = 'x';
  private lastSize = 4;
  /** The monitor's current CPU (QEMU's `cpu N`): what `info registers`, `x` and `$reg` use. */
  private current = 0;

  constructor(
    private readonly machine: MonitorMachine,
    private readonly control: RunControl,
    private readonly quit: () => void,
  ) {}

  /** Run one command line; the text to print (possibly empty). */
  execute(line: string): string {
    const words = line.trim().split(/\s+/).filter((w) => w !== '');
    const [cmd, ...rest] = words;
    if (cmd === undefined) return '';
    try {
      return this.command(cmd, rest, line.trim());
    } catch (e) {
      return `${e instanceof Error ? e.message : String(e)}\n`;
    }
  }

  private command(cmd: string, args: string[], line: string): string {
    switch (cmd) {
      case 'help':
      case '?':
        return HELP.filter(([c]) => args[0] === undefined || c.split(/[| ]/).includes(args[0])).map(([c, h]) => `${c} -- ${h}\n`).join('');
      case 'info':
        return this.info(args);
      case 'cpu': {
        const n = Number(args[0]);
        if (args[0] === undefined || !Number.isInteger(n) || n < 0 || n >= this.machine.cpus().length) return 'invalid CPU index\n';
        this.current = n;
        return '';
      }
      case 'stop':
      case 's':
        this.control.stop();
        return '';
      case 'cont':
      case 'c':
        this.control.cont();
        return '';
      case 'quit':
      case 'q':
        this.quit();
        return '';
      case 'x':
      case 'xp':
        return this.dump(cmd === 'xp', line.slice(cmd.length).trim());
      case 'system_reset':
        return withNewline(this.machine.reset() ?? '');
      case 'system_powerdown':
        this.machine.powerdown();
        return '';
      case 'savevm':
      case 'loadvm':
        if (args[0] === undefined) return `${cmd}: give a file name\n`;
        return withNewline(cmd === 'savevm' ? this.machine.savevm(args[0]) : this.machine.loadvm(args[0]));
      case 'vm_pause':
      case 'vm_resume': {
        const vm = this.vm(args[0]);
        if (typeof vm === 'string') return vm;
        if (cmd === 'vm_pause') vm.pause();
        else vm.resume();
        return '';
      }
      default:
        return `unknown command: '${cmd}'\n`;
    }
  }

  private info(args: string[]): string {
    switch (args[0]) {
      case 'status':
        return `VM status: ${this.control.status()}\n`;
      case 'registers': {
        // QEMU 7.2 (hmp_info_registers): the current CPU, `-a` every CPU, a number that CPU.
        const cpus = this.machine.cpus();
        if (args[1] === '-a') return cpus.map((c, i) => registers(c, i)).join('');
        const n = args[1] === undefined ? this.current : Number(args[1]);
        const cpu = Number.isInteger(n) ? cpus[n] : undefined;
        return cpu === undefined ? `CPU#${args[1] ?? n} not available\n` : registers(cpu, n);
      }
      case 'cpus':
        // QEMU's hmp_info_cpus; one host thread runs every CPU unless -accel tcg,thread=multi.
        return this.machine.cpus().map((_, i) => `${i === this.current ? '*' : ' '} CPU #${i}: thread_id=${process.pid}\n`).join('');
      case 'mtree':
        return mtree(this.machine.map());
      case 'qtree':
        return qtree(this.machine.map());
      case 'vms': {
        const vms = this.machine.vms;
        if (vms === undefined) return 'no hypervisor: the bare board runs (vm run --hypervisor native has VMs)\n';
        return vms.map((v) => `${v.name}: ${v.status()}\n`).join('');
      }
      case 'exits':
      case 'shadow': {
        const vm = this.vm(args[1]);
        if (typeof vm === 'string') return vm;
        return withNewline(args[0] === 'exits' ? vm.exits() : vm.mmuStats());
      }
      default:
        return args[0] === undefined ? HELP.filter(([c]) => c.startsWith('info ')).map(([c, h]) => `${c} -- ${h}\n`).join('') : `info: unknown item '${args[0]}'\n`;
    }
  }

  /** The current CPU (the first when the machine has fewer than `cpu N` chose, e.g. after a restore). */
  private cpu(): RiscvCpu {
    const cpus = this.machine.cpus();
    return cpus[this.current] ?? cpus[0]!;
  }

  /** The VM a command names (the only one when there is one), or the error text. */
  private vm(name: string | undefined): MonitorVm | string {
    const vms = this.machine.vms;
    if (vms === undefined) return 'no hypervisor: the bare board has no VMs\n';
    if (name === undefined) return vms.length === 1 ? vms[0]! : `name a VM: ${vms.map((v) => v.name).join(', ')}\n`;
    return vms.find((v) => v.name === name) ?? `no VM named '${name}' (${vms.map((v) => v.name).join(', ')})\n`;
  }

  /** `x /NFU addr` and `xp`: QEMU's memory_dump (monitor/hmp-cmds.c) formats. */
  private dump(physical: boolean, text: string): string {
    let fmt = this.lastFormat;
    let size = this.lastSize;
    let count = 1;
    let rest = text;
    if (rest.startsWith('/')) {
      const m = /^\/(\d*)([xduoci]?)([bhwg]?)([xduoci]?)\s*(.*)$/.exec(rest);
      if (!m) return `invalid format '${rest.split(/\s/)[0]}'\n`;
      if (m[1] !== '') count = Number(m[1]);
      const f = m[2] || m[4];
      if (f) fmt = f;
      if (m[3]) size = { b: 1, h: 2, w: 4, g: 8 }[m[3] as 'b']!;
      else if (f === 'c') size = 1;
      rest = m[5]!;
    }
    this.lastFormat = fmt;
    this.lastSize = size;
    const addrText = rest.trim();
    const addr = this.address(addrText);
    if (addr === undefined) return `invalid address '${addrText}'\n`;
    const cpu = this.cpu();
    const read = (a: bigint, n: number): Uint8Array | undefined => (physical ? this.machine.readPhysical(a, n) : cpu.readMemory(a, n));
    if (fmt === 'i') {
      let out = '';
      let pc = addr;
      for (let i = 0; i < count; i++) {
        const lo = read(pc, 2);
        if (lo === undefined) return out + 'Cannot access memory\n';
        let insn = lo[0]! | (lo[1]! << 8);
        let len: 2 | 4 = 2;
        if ((insn & 3) === 3) {
          const hi = read(pc + 2n, 2);
          if (hi === undefined) return out + 'Cannot access memory\n';
          insn = (insn | (hi[0]! << 16) | (hi[1]! << 24)) >>> 0;
          len = 4;
        }
        const d = disassemble(insn, pc, len);
        const word = len === 4 ? insn.toString(16).padStart(8, '0') : insn.toString(16).padStart(4, '0');
        out += `0x${pc.toString(16).padStart(16, '0')}:  ${word.padEnd(18)}${d.mnemonic.padEnd(24)}${d.operands}\n`;
        pc += BigInt(len);
      }
      return out;
    }
    const lineSize = fmt === 'c' ? 8 : 16;
    const digits = fmt === 'x' ? (size * 8 + 3) >> 2 : fmt === 'o' ? Math.floor((size * 8 + 2) / 3) : Math.floor((size * 8 * 10 + 32) / 33);
    let out = '';
    let a = addr;
    let left = count * size;
    while (left > 0) {
      out += `${a.toString(16).padStart(16, '0')}:`;
      const n = Math.min(left, lineSize);
      const bytes = read(a, n);
      if (bytes === undefined) return out + '\nCannot access memory\n';
      for (let i = 0; i < n; i += size) {
        let v = 0n;
        for (let k = size - 1; k >= 0; k--) v = (v << 8n) | BigInt(bytes[i + k] ?? 0);
        const signed = BigInt.asIntN(size * 8, v);
        if (fmt === 'x') out += ` 0x${v.toString(16).padStart(digits, '0')}`;
        else if (fmt === 'o') out += ` ${('0' + v.toString(8)).padStart(digits, ' ')}`;
        else if (fmt === 'u') out += ` ${v.toString().padStart(digits, ' ')}`;
        else if (fmt === 'd') out += ` ${signed.toString().padStart(digits, ' ')}`;
        else out += ` ${charOf(Number(v & 0xffn))}`;
      }
      out += '\n';
      a += BigInt(n);
      left -= n;
    }
    return out;
  }

  /** A number (0x hex, decimal) or $pc / $REG as QEMU's expression parser reads the common forms. */
  private address(text: string): bigint | undefined {
    if (/^0x[0-9a-f]+$/i.test(text)) return BigInt(text);
    if (/^\d+$/.test(text)) return BigInt(text);
    const m = /^\$(\w+)$/.exec(text);
    if (!m) return undefined;
    const cpu = this.cpu();
    if (m[1] === 'pc') return cpu.pc;
    const x = ABI.indexOf(m[1]!);
    if (x >= 0) return cpu.readX(x);
    const csr = CSR_NUMBERS.get(m[1]!);
    return csr === undefined ? undefined : cpu.readCsr(csr);
  }
}

const ABI = ['zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 's0', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6'];
const FABI = ['ft0', 'ft1', 'ft2', 'ft3', 'ft4', 'ft5', 'ft6', 'ft7', 'fs0', 'fs1', 'fa0', 'fa1', 'fa2', 'fa3', 'fa4', 'fa5', 'fa6', 'fa7', 'fs2', 'fs3', 'fs4', 'fs5', 'fs6', 'fs7', 'fs8', 'fs9', 'fs10', 'fs11', 'ft8', 'ft9', 'ft10', 'ft11'];
/** The CSRs QEMU 7.2's riscv_cpu_dump_state prints, in its order (those this CPU lacks are left out). */
const DUMP_CSRS = ['mhartid', 'mstatus', 'hstatus', 'vsstatus', 'mip', 'mie', 'mideleg', 'hideleg', 'medeleg', 'hedeleg', 'mtvec', 'stvec', 'vstvec', 'mepc', 'sepc', 'vsepc', 'mcause', 'scause', 'vscause', 'mtval', 'stval', 'htval', 'mtval2', 'mscratch', 'sscratch', 'satp'];

const h16 = (v: bigint): string => BigInt.asUintN(64, v).toString(16).padStart(16, '0');

/** `info registers` as QEMU 7.2 prints a riscv64 CPU (target/riscv/cpu.c riscv_cpu_dump_state). */
function registers(cpu: RiscvCpu, index: number): string {
  return `\nCPU#${index}\n${cpuState(cpu)}`;
}

/** The register dump of `info registers` and `-d cpu`. */
export function cpuState(cpu: RiscvCpu): string {
  let s = '';
  // QEMU prints V (the H extension's virtualisation mode) for CPUs with H; the debugged CPU is never in V=1 here.
  if (cpu.csrs.includes(0x600)) s += ' V      =   0\n';
  s += ` ${'pc'.padEnd(8)} ${h16(cpu.pc)}\n`;
  for (const name of DUMP_CSRS) {
    const n = CSR_NUMBERS.get(name);
    if (n === undefined || !cpu.csrs.includes(n)) continue;
    s += ` ${name.padEnd(8)} ${h16(cpu.readCsr(n))}\n`;
  }
  for (let i = 0; i < 32; i++) {
    s += ` ${`x${i}/${i === 8 ? 's0' : ABI[i]}`.padEnd(8)} ${h16(i === 0 ? 0n : cpu.readX(i))}`;
    if ((i & 3) === 3) s += '\n';
  }
  for (let i = 0; i < 32; i++) {
    s += ` ${`f${i}/${FABI[i]}`.padEnd(8)} ${h16(cpu.readF(i))}`;
    if ((i & 3) === 3) s += '\n';
  }
  return s;
}

/** `info mtree`: the system address space as QEMU prints it. */
function mtree(map: readonly MapEntry[]): string {
  let s = 'address-space: memory\n  0000000000000000-ffffffffffffffff (prio 0, i/o): system\n';
  for (const e of [...map].sort((a, b) => a.base - b.base)) {
    s += `    ${e.base.toString(16).padStart(16, '0')}-${(e.base + e.size - 1).toString(16).padStart(16, '0')} (prio 0, ${e.kind}): ${e.name}\n`;
  }
  return s + '\n';
}

/** `info qtree`: the devices on the system bus with their MMIO windows, in QEMU's layout. */
function qtree(map: readonly MapEntry[]): string {
  let s = 'bus: main-system-bus\n  type System\n';
  for (const e of [...map].sort((a, b) => a.base - b.base)) {
    if (e.kind === 'ram') continue;
    s += `  dev: ${e.name}, id ""\n    mmio ${e.base.toString(16).padStart(16, '0')}/${e.size.toString(16).padStart(16, '0')}\n`;
  }
  return s;
}

function charOf(b: number): string {
  if (b >= 0x20 && b < 0x7f) return `'${String.fromCharCode(b)}'`;
  return `'\\x${b.toString(16).padStart(2, '0')}'`;
}

function withNewline(s: string): string {
  return s === '' || s.endsWith('\n') ? s : s + '\n';
}
