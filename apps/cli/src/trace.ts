import { closeSync, openSync, writeSync } from 'node:fs';
import { ConfigError } from '@vm/core';
import { dataAccessAt, type RiscvCpu } from '@vm/gdbstub';
import { CSR_MCAUSE, CSR_MEPC, CSR_MINSTRET, CSR_MTVAL, CSR_MTVEC, CSR_SCAUSE, CSR_SEPC, CSR_SATP, CSR_STVAL, CSR_STVEC, disassemble } from '@vm/isa';
import { one, type ParsedArgs } from './args.js';
import { cpuState } from './monitor.js';

/** QEMU's -d items vm implements (`-d help` lists them). */
const ITEMS: Record<string, string> = {
  in_asm: 'show target assembly code for each compiled TB (here: each instruction the first time it runs, grouped in blocks)',
  exec: 'show trace before each executed TB (here: each instruction, as with one instruction per TB)',
  cpu: 'show CPU registers before entering a TB (here: before each instruction)',
  int: 'show interrupts/exceptions in short format',
  mmu: 'log MMU-related activities (here: each new translation of a data access, as a TLB fill)',
  guest_errors: 'log when the guest OS does something invalid (access to unmapped addresses, virtio register misuse)',
  unimp: 'log unimplemented functionality (here: accesses to CSRs this hart lacks)',
};

const EXCEPTIONS = ['misaligned_fetch', 'fetch_access_fault', 'illegal_instruction', 'breakpoint', 'misaligned_load', 'load_access_fault', 'misaligned_store', 'store_access_fault', 'user_ecall', 'supervisor_ecall', 'hypervisor_ecall', 'machine_ecall', 'exec_page_fault', 'load_page_fault', 'reserved', 'store_page_fault', 'reserved', 'reserved', 'reserved', 'reserved', 'exec_guest_page_fault', 'load_guest_page_fault', 'virtual_instruction', 'store_guest_page_fault'];
const INTERRUPTS = ['u_software', 's_software', 'vs_software', 'm_software', 'u_timer', 's_timer', 'vs_timer', 'm_timer', 'u_external', 's_external', 'vs_external', 'm_external'];

const hex16 = (v: bigint): string => BigInt.asUintN(64, v).toString(16).padStart(16, '0');

/** What the tracer remembers of one hart between steps. */
interface HartTrace {
  lastPc: bigint;
  inBlock: boolean;
  readonly filled: Set<string>;
  lastSatp: bigint;
}

/** One hart's state captured before a step, logged once the step shows the hart executed. */
interface Before {
  readonly pc: bigint;
  readonly insn: { word: number; len: 2 | 4 } | undefined;
  readonly instret: bigint | undefined;
  /** A vCPU of a VM that was not running (WFI, suspended, STOPPED) before the step. */
  readonly idle: boolean;
  readonly trap: TrapState | undefined;
  readonly mmu: MmuProbe | undefined;
  readonly text: string;
}

/** What `-d mmu` needs of a hart before its step. */
interface MmuProbe {
  readonly priv: number;
  readonly satp: bigint;
  readonly sfence: boolean;
  readonly access: { readonly addr: bigint; readonly write: boolean; readonly pa: number | undefined } | undefined;
}

/**
 * QEMU's `-d ITEMS` and `-D FILE`. When any item is on, the run loop's batches go through `run`,
 * which executes one step at a time (one instruction on each hart that runs) and looks at the
 * harts between them (disassembling with @vm/isa's disassembler); when none is on there is no
 * tracer and no cost at all. On SMP every line names its hart: QEMU's own fields where its
 * format has one (`Trace N:`, `hart:N`), a `CPU#N` heading for register dumps and `IN:` blocks
 * (as QEMU's `info registers -a`), a `CPU#N: ` prefix on the others.
 */
export class Tracer {
  private readonly items: Set<string>;
  private readonly fd: number;
  /** Instructions already shown by in_asm: one set for all harts, as QEMU's translation cache. */
  private readonly seen = new Set<bigint>();
  private harts: HartTrace[] = [];
  private errors = 0;

  private constructor(items: Set<string>, file: string | undefined, private readonly guestErrors: () => number) {
    this.items = items;
    if (file === undefined) this.fd = 2;
    else {
      try {
        this.fd = openSync(file, 'w');
      } catch (e) {
        throw new ConfigError(`-D ${file}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    this.errors = guestErrors();
  }

  /** From `-d` / `-D`; undefined when no item is asked for. `-d help` is answered by `helpText`. */
  static fromArgs(args: ParsedArgs, guestErrors: () => number): Tracer | undefined {
    const text = one(args, 'd');
    const file = one(args, 'D');
    if (text === undefined) {
      if (file !== undefined) throw new ConfigError(`-D ${file}: give -d ITEMS too (nothing is logged otherwise)`);
      return undefined;
    }
    const items = new Set(text.split(',').filter((i) => i !== ''));
    for (const i of items) if (!(i in ITEMS)) throw new ConfigError(`-d ${text}: '${i}' is not a log item vm implements (-d help lists them)`);
    return new Tracer(items, file, guestErrors);
  }

  /** `-d help`. */
  static helpText(): string {
    return 'Log items (comma separated):\n' + Object.entries(ITEMS).map(([k, v]) => `${k.padEnd(13)}${v}`).join('\n') + '\n';
  }

  close(): void {
    if (this.fd !== 2) closeSync(this.fd);
  }

  private log(text: string): void {
    writeSync(this.fd, text);
  }

  /**
   * Execute up to `budget` steps one by one through `exec` (`exec(1)`: one instruction on every
   * hart that runs), logging around each for every hart of `cpus` that executed in it.
   */
  run<E>(cpus: readonly RiscvCpu[], budget: number, exec: (n: number) => E | undefined): E | undefined {
    const it = this.items;
    const smp = cpus.length > 1;
    while (this.harts.length < cpus.length) this.harts.push({ lastPc: -1n, inBlock: false, filled: new Set(), lastSatp: -1n });
    const traps = it.has('int') || it.has('guest_errors') || it.has('unimp');
    for (let n = 0; n < budget; n++) {
      const before: Before[] = cpus.map((cpu, i) => {
        const pc = cpu.pc;
        const insn = fetch(cpu, pc);
        // The state before the step, logged (and remembered) only once we know the hart ran.
        const text = it.has('cpu') ? (smp ? `CPU#${i}\n` : '') + cpuState(cpu) : '';
        return { pc, insn, instret: smp ? instret(cpu) : undefined, idle: cpu.retired !== undefined && cpu.halted === true, trap: traps ? trapState(cpu) : undefined, mmu: it.has('mmu') ? mmuProbe(cpu) : undefined, text };
      });
      const exit = exec(1);
      const ran: number[] = [];
      cpus.forEach((cpu, i) => {
        const b = before[i]!;
        // On SMP a hart waiting for an interrupt does not run in a step: it logs nothing.
        if (smp && cpu.pc === b.pc && instret(cpu) === b.instret) return;
        // A VM's vCPU that was idle executed nothing even if its pc moved (a sibling's SBI
        // hart_start set it, or the interrupt that woke it was delivered): only a trap is logged.
        if (smp && b.idle && instret(cpu) === b.instret) {
          if (b.trap !== undefined) this.afterStep(i, cpu, b.pc, b.insn, b.trap, smp);
          return;
        }
        ran.push(i);
        let text = it.has('in_asm') ? this.inAsm(i, b.pc, b.insn, smp) : '';
        text += b.text;
        if (it.has('exec')) text += `Trace ${i}: 0x0 [00000000/${hex16(b.pc)}/00000000/00000000] \n`;
        if (b.mmu !== undefined) text += this.mmu(i, b.mmu, smp);
        if (text !== '') this.log(text);
        if (b.trap !== undefined) this.afterStep(i, cpu, b.pc, b.insn, b.trap, smp);
        this.harts[i]!.lastPc = b.pc;
      });
      if (it.has('guest_errors')) {
        const e = this.guestErrors();
        const where = ran.map((i) => `${smp ? `CPU#${i} ` : ''}pc 0x${hex16(before[i]!.pc)}`).join(', ');
        if (e !== this.errors) this.log(`virtio-mmio: ${e - this.errors} invalid register access(es) by the guest (${where})\n`);
        this.errors = e;
      }
      if (exit !== undefined) return exit;
    }
    return undefined;
  }

  private inAsm(i: number, pc: bigint, insn: { word: number; len: 2 | 4 } | undefined, smp: boolean): string {
    const h = this.harts[i]!;
    if (this.seen.has(pc)) {
      h.inBlock = false;
      return '';
    }
    this.seen.add(pc);
    let out = '';
    if (!h.inBlock || h.lastPc < 0n || pc < h.lastPc || pc > h.lastPc + 4n) out += `----------------\nIN: ${smp ? `CPU#${i}` : ''}\n`;
    h.inBlock = true;
    if (insn === undefined) return out + `0x${hex16(pc)}:  (unreadable)\n`;
    const d = disassemble(insn.word, pc, insn.len);
    const w = insn.word.toString(16).padStart(insn.len * 2, '0');
    return out + `0x${hex16(pc)}:  ${w.padEnd(18)}${d.mnemonic.padEnd(24)}${d.operands}\n`;
  }

  /** A data access to a page not translated since the last satp change or SFENCE.VMA: QEMU's TLB-fill lines. */
  private mmu(i: number, probe: MmuProbe, smp: boolean): string {
    if (probe.priv === 3) return '';
    const h = this.harts[i]!;
    const tag = smp ? `CPU#${i}: ` : '';
    const satp = probe.satp;
    let out = '';
    if (satp !== h.lastSatp) {
      h.filled.clear();
      if (h.lastSatp >= 0n) out += `${tag}satp: 0x${hex16(h.lastSatp)} -> 0x${hex16(satp)}\n`;
      h.lastSatp = satp;
    }
    if (satp >> 60n === 0n) return out;
    if (probe.sfence) h.filled.clear();
    const a = probe.access;
    if (a === undefined) return out;
    const key = `${a.addr >> 12n}/${a.write ? 1 : 0}`;
    if (h.filled.has(key)) return out;
    h.filled.add(key);
    const pa = a.pa;
    const rw = a.write ? 1 : 0;
    out += `${tag}riscv_cpu_tlb_fill ad ${a.addr.toString(16)} rw ${rw} mmu_idx ${probe.priv}\n`;
    out += `${tag}riscv_cpu_tlb_fill address=${a.addr.toString(16)} ret ${pa === undefined ? 1 : 0} physical ${pa === undefined ? '0000000000000000' : pa.toString(16).padStart(16, '0')} prot ${pa === undefined ? 0 : a.write ? 3 : 1}\n`;
    return out;
  }

  private afterStep(hart: number, cpu: RiscvCpu, pc: bigint, insn: { word: number; len: 2 | 4 } | undefined, before: TrapState, smp: boolean): void {
    const tag = smp ? `CPU#${hart}: ` : '';
    const after = trapState(cpu);
    // A CSR instruction may write these registers itself; a trap writes cause and epc together.
    // Such an instruction that completed went on to the next one; one that trapped (an
    // unimplemented CSR, or an interrupt taken before it) went to the trap vector instead.
    const csrWrite = insn !== undefined && (insn.word & 0x7f) === 0x73 && ((insn.word >>> 12) & 7) !== 0 && cpu.pc === pc + BigInt(insn.len);
    for (const level of ['m', 's'] as const) {
      const b = before[level];
      const a = after[level];
      if (b === undefined || a === undefined || csrWrite) continue;
      if (a.cause === b.cause && a.epc === b.epc && a.tval === b.tval) continue;
      const async = a.cause >> 63n !== 0n;
      const code = Number(a.cause & 0xffn);
      if (this.items.has('int')) {
        const desc = (async ? INTERRUPTS[code] : EXCEPTIONS[code]) ?? 'reserved';
        // QEMU logs the cause without mcause's interrupt bit (async says which kind).
        this.log(`riscv_cpu_do_interrupt: hart:${hart}, async:${async ? 1 : 0}, cause:${hex16(BigInt.asUintN(63, a.cause))}, epc:0x${hex16(a.epc)}, tval:0x${hex16(a.tval)}, desc=${desc}\n`);
      }
      // An access fault on an address that translates: nothing answers at that physical address.
      if (!async && this.items.has('guest_errors') && (code === 1 || code === 5 || code === 7) && cpu.translate(a.tval) !== undefined) {
        this.log(`${tag}Invalid access at addr 0x${a.tval.toString(16)}, pc 0x${pc.toString(16)}, reason: rejected\n`);
      }
      if (!async && code === 2 && this.items.has('unimp') && insn !== undefined && (insn.word & 0x7f) === 0x73 && ((insn.word >>> 12) & 3) !== 0) {
        const csr = insn.word >>> 20;
        if (!cpu.csrs.includes(csr) && csr > 3) this.log(`${tag}unimplemented CSR 0x${csr.toString(16)} at pc 0x${pc.toString(16)}\n`);
      }
    }
  }
}

interface TrapRegs {
  readonly cause: bigint;
  readonly epc: bigint;
  readonly tval: bigint;
  readonly tvec: bigint;
}
interface TrapState {
  readonly m: TrapRegs | undefined;
  readonly s: TrapRegs | undefined;
}

function trapState(cpu: RiscvCpu): TrapState {
  const regs = (cause: number, epc: number, tval: number, tvec: number): TrapRegs | undefined => {
    try {
      return { cause: cpu.readCsr(cause), epc: cpu.readCsr(epc), tval: cpu.readCsr(tval), tvec: cpu.readCsr(tvec) };
    } catch {
      return undefined;
    }
  };
  return { m: regs(CSR_MCAUSE, CSR_MEPC, CSR_MTVAL, CSR_MTVEC), s: regs(CSR_SCAUSE, CSR_SEPC, CSR_STVAL, CSR_STVEC) };
}

/** The translation state and next data access of a CPU below M-mode (undefined: M-mode or no satp). */
function mmuProbe(cpu: RiscvCpu): MmuProbe | undefined {
  if (cpu.priv === 3) return undefined;
  let satp: bigint;
  try {
    satp = cpu.readCsr(CSR_SATP);
  } catch {
    return undefined;
  }
  if (satp >> 60n === 0n) return { priv: cpu.priv, satp, sfence: false, access: undefined };
  const insn = fetch(cpu, cpu.pc);
  const a = dataAccessAt(cpu);
  return {
    priv: cpu.priv,
    satp,
    sfence: insn !== undefined && (insn.word & 0xfe007fff) === 0x12000073, // sfence.vma
    access: a === undefined ? undefined : { addr: a.addr, write: a.write, pa: a === undefined ? undefined : cpu.translate(a.addr) },
  };
}

/** minstret as the CPU's software reads it (undefined: not readable). */
function instret(cpu: RiscvCpu): bigint | undefined {
  try {
    return cpu.readCsr(CSR_MINSTRET);
  } catch {
    return undefined;
  }
}

function fetch(cpu: RiscvCpu, pc: bigint): { word: number; len: 2 | 4 } | undefined {
  const lo = cpu.readMemory(pc, 2);
  if (lo === undefined) return undefined;
  const h = lo[0]! | (lo[1]! << 8);
  if ((h & 3) !== 3) return { word: h, len: 2 };
  const hi = cpu.readMemory(pc + 2n, 2);
  if (hi === undefined) return undefined;
  return { word: (h | (hi[0]! << 16) | (hi[1]! << 24)) >>> 0, len: 4 };
}
