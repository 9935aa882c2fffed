import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { assemble } from '@vm/isa';
import { vmArgs } from './test-support/vm-process.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');
const hello = join(root, 'packages/machine/fixtures/uart-hello.elf');
const kernel = join(root, 'guests/images/kernel-m.elf');
const dir = mkdtempSync(join(tmpdir(), 'vm-trace-'));

function vm(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, vmArgs(...args), { encoding: 'utf8', input: '', timeout: 120_000, cwd: root });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('-d / -D tracing', () => {
  it('in_asm, exec and cpu: every instruction of a program, disassembled, from the boot ROM at 0x1000 on', () => {
    const log = join(dir, 'hello.log');
    const r = vm('run', '-bios', 'none', '-kernel', hello, '-d', 'in_asm,exec,cpu', '-D', log);
    expect(r.stdout).toBe('hello from M-mode\n');
    expect(r.status).toBe(0);
    const t = readFileSync(log, 'utf8');
    expect(t).toMatch(/^----------------\nIN: \n0x0000000000001000: {2}00000297 +auipc +t0,0x0\n/);
    expect(t).toMatch(/0x0000000080000000: {2}10000437 +lui +s0,0x10000\n/);
    expect(t).toContain('Trace 0: 0x0 [00000000/0000000080000000/00000000/00000000] \n');
    expect(t).toContain(' pc       0000000080000000\n');
    expect(t).toContain(' x9/s1    ');
  });

  for (const [name, flags] of [['the bare board', []], ['a native VM', ['--hypervisor', 'native']]] as [string, string[]][]) {
    it(`int and mmu on ${name}: the guest's user ecalls and its page-table translations`, () => {
      const log = join(dir, `kernel-${flags.length}.log`);
      const r = vm('run', ...flags, '-bios', 'none', '-kernel', kernel, '--max-instructions', '1200000', '-d', 'int,mmu,unimp,guest_errors', '-D', log);
      expect(r.status).toBe(124);
      const t = readFileSync(log, 'utf8');
      expect(t).toMatch(/riscv_cpu_do_interrupt: hart:0, async:0, cause:0000000000000008, epc:0x00000020[0-9a-f]{8}, tval:0x0000000000000000, desc=user_ecall\n/);
      expect(t).toMatch(/satp: 0x0000000000000000 -> 0x8000000000080[0-9a-f]{3}\n/);
      expect(t).toMatch(/riscv_cpu_tlb_fill address=[0-9a-f]+ ret 0 physical 00000000800[0-9a-f]{5} prot [13]\n/);
    });
  }

  it('on SMP every line names its hart: Trace N, hart:N in int, CPU#N register dumps and IN: blocks', () => {
    // Both harts run the same program from the boot ROM: each takes one ecall, then waits.
    const prog = join(dir, 'ecall.bin');
    writeFileSync(prog, assemble('la t0, 1f\ncsrw mtvec, t0\necall\n1:\nwfi\nj 1b\n', { base: 0x8000_0000n }).bytes);
    const log = join(dir, 'smp.log');
    const r = vm('run', '-smp', '2', '-bios', 'none', '-kernel', prog, '-d', 'in_asm,exec,int,cpu', '-D', log);
    expect(r.stderr).toContain('the guest waits for input');
    const t = readFileSync(log, 'utf8');
    for (const hart of [0, 1]) {
      expect(t).toContain(`Trace ${hart}: 0x0 [00000000/0000000000001000/00000000/00000000] \n`);
      expect(t).toContain(`Trace ${hart}: 0x0 [00000000/0000000080000010/00000000/00000000] \n`);
      expect(t).toContain(`riscv_cpu_do_interrupt: hart:${hart}, async:0, cause:000000000000000b, epc:0x000000008000000c, tval:0x0000000000000000, desc=machine_ecall\n`);
      // The register dump of each hart under its heading: its own mhartid.
      expect(t).toMatch(new RegExp(`CPU#${hart}\\n V {6}= {3}0\\n pc {7}0000000000001000\\n mhartid  000000000000000${hart}\\n`));
    }
    expect(t).toMatch(/^----------------\nIN: CPU#0\n0x0000000000001000: {2}00000297 +auipc +t0,0x0\n/);
    // Each hart's lines follow its instruction: hart 1's trap is logged after its own ecall, not hart 0's.
    expect(t).toMatch(/Trace 1: 0x0 \[00000000\/000000008000000c\/00000000\/00000000\] \n(CPU#|riscv_cpu_do_interrupt: hart:1)/);
    // The waiting harts execute nothing more: the last instruction traced on each is the wfi.
    expect(t.match(/Trace 1: /g)!.length).toBe(t.match(/Trace 0: /g)!.length);
  });

  it('int logs the traps taken at CSR instructions: an unimplemented CSR, an interrupt before a csrr', () => {
    // QEMU 7.2 logs both, the interrupt's cause without mcause's bit 63 (an earlier tracer took
    // every trap at a CSR instruction for the instruction's own write of mcause/mepc and logged
    // neither).
    const prog = join(dir, 'csr-traps.bin');
    const src = [
      'la t0, handler', 'csrw mtvec, t0',
      'csrr t1, 0x7ff', // no such CSR: illegal instruction, tval the instruction
      'li t4, 0x200bff8', 'ld t3, 0(t4)', 'addi t3, t3, 20', 'li t4, 0x2004000', 'sd t3, 0(t4)',
      'li t0, 0x80', 'csrs mie, t0', 'csrsi mstatus, 8',
      'wait: csrr t0, mie', 'andi t0, t0, 0x80', 'bnez t0, wait', // the handler clears MTIE
      'li t0, 0x100000', 'li t1, 0x5555', 'sw t1, 0(t0)',
      'handler: csrr t5, mcause', 'bltz t5, irq', 'csrr t6, mepc', 'addi t6, t6, 4', 'csrw mepc, t6', 'mret',
      'irq: li t6, 0x80', 'csrc mie, t6', 'mret',
    ].join('\n');
    writeFileSync(prog, assemble(src, { base: 0x8000_0000n }).bytes);
    const log = join(dir, 'csr-traps.log');
    const r = vm('run', '-bios', 'none', '-kernel', prog, '-d', 'int', '-D', log);
    expect(r.status).toBe(0);
    const t = readFileSync(log, 'utf8');
    expect(t).toContain('riscv_cpu_do_interrupt: hart:0, async:0, cause:0000000000000002, epc:0x000000008000000c, tval:0x000000007ff02373, desc=illegal_instruction\n');
    expect(t).toMatch(/riscv_cpu_do_interrupt: hart:0, async:1, cause:0000000000000007, epc:0x00000000800000(2c|30|34|38), tval:0x0000000000000000, desc=m_timer\n/);
    expect(t.split('\n').length).toBe(3);
  });

  it('-d help lists the items; unknown items and -D alone are refused', () => {
    expect(vm('run', '-d', 'help').stdout).toContain('in_asm       show target assembly code');
    const bad = vm('run', '-d', 'nochain', '-bios', 'none', '-kernel', hello);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("-d nochain: 'nochain' is not a log item vm implements");
    expect(vm('run', '-D', join(dir, 'x.log'), '-bios', 'none', '-kernel', hello).stderr).toContain('give -d ITEMS too');
  });
});

describe('-serial, -version', () => {
  it('-serial file:F writes the guest console to F, -serial null drops it', () => {
    const f = join(dir, 'serial.txt');
    const r = vm('run', '-serial', `file:${f}`, '-bios', 'none', '-kernel', hello);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(readFileSync(f, 'utf8')).toBe('hello from M-mode\n');
    const n = vm('run', '--hypervisor', 'native', '-serial', 'null', '-bios', 'none', '-kernel', hello);
    expect(n.status).toBe(0);
    expect(n.stdout).toBe('');
    expect(vm('run', '--hypervisor', 'hosted', '-serial', 'null', '-bios', 'none', '-kernel', hello).stderr).toContain('-serial null: not implemented under --hypervisor hosted');
  });

  it('-version', () => {
    for (const args of [['-version'], ['run', '-version']]) {
      const r = vm(...args);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^vm version 0\.1\.0 /);
    }
  });
});
