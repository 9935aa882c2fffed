/**
 * Translator on vs interpreter, register for register: generated programs over every instruction
 * the block compiler handles, with edge operands (INT64_MIN, -1, shifts ≥ 32, x0 as destination),
 * misaligned and page-crossing accesses, accesses that miss the page caches, faulting loads and
 * stores (precise mepc/mtval), compressed forms, short forward branches and jumps, and what blocks
 * hand to the hart mid-block (CSR accesses, counter reads, AMOs, LR/SC, F and D, their faults). Each program
 * loops so its blocks become hot, and runs in uneven slices so block entry meets the budget edge.
 */
import { describe, expect, it } from 'vitest';
import { Mmu, Ram, SystemBus } from '@vm/mmu';
import { assemble } from '../../asm/assemble.js';
import { Hart } from '../hart.js';
import { ManualClock, RAM_BASE } from '../test-support/machine.js';
import { TRANSLATE_NEVER } from './translation-cache.js';

const HANDLER = RAM_BASE + 0x8000;
const DATA_A = RAM_BASE + 0x20ffa; // 6 bytes below a page end: offsets cross it
const DATA_B = RAM_BASE + 0x30800;
const FAULT = 0x1000; // nothing there: access faults

const EDGE = [
  0n, 1n, 0xffff_ffff_ffff_ffffn, 0x8000_0000_0000_0000n, 0x7fff_ffff_ffff_ffffn, 0x8000_0000n, 0xffff_ffffn,
  0x7fff_ffffn, 0xffff_ffff_8000_0000n, 63n, 32n, 31n, 0x1234_5678_9abc_def0n,
];

/** xorshift32: a fixed sequence per seed. */
function rng(seed: number): () => number {
  let s = seed | 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}

const R_OPS = [
  'add', 'sub', 'sll', 'slt', 'sltu', 'xor', 'srl', 'sra', 'or', 'and', 'mul', 'mulh', 'mulhsu', 'mulhu', 'div',
  'divu', 'rem', 'remu', 'addw', 'subw', 'sllw', 'srlw', 'sraw', 'mulw', 'divw', 'divuw', 'remw', 'remuw',
];
const I_OPS = ['addi', 'slti', 'sltiu', 'xori', 'ori', 'andi', 'addiw'];
const SHIFTS: [string, number][] = [['slli', 64], ['srli', 64], ['srai', 64], ['slliw', 32], ['srliw', 32], ['sraiw', 32]];
const LOADS = ['lb', 'lh', 'lw', 'ld', 'lbu', 'lhu', 'lwu'];
const STORES = ['sb', 'sh', 'sw', 'sd'];
const AMOS = ['add', 'swap', 'xor', 'and', 'or', 'min', 'max', 'minu', 'maxu'].flatMap((op) => [`amo${op}.w`, `amo${op}.d`]);

function program(seed: number): string {
  const r = rng(seed);
  const pick = <T>(a: readonly T[]): T => a[r() % a.length]!;
  let last = 'x0';
  // x0..x15 (x0 as destination too); the destination is folded into two accumulators afterwards,
  // so a wrong result shows even when a later instruction overwrites the register.
  const reg = (): string => (last = `x${r() % 16}`);
  const src = (): string => `x${r() % 16}`;
  const lines: string[] = [seed % 2 === 0 ? '.option rvc' : '.option norvc', 'start:'];
  const count = 8 + (r() % 40);
  for (let i = 0; i < count; i++) {
    const k = r() % 100;
    if (k < 30) lines.push(`${pick(R_OPS)} ${reg()}, ${src()}, ${src()}`);
    else if (k < 45) lines.push(`${pick(I_OPS)} ${reg()}, ${src()}, ${(r() % 4096) - 2048}`);
    else if (k < 55) {
      const [op, w] = pick(SHIFTS);
      lines.push(`${op} ${reg()}, ${src()}, ${r() % w}`);
    } else if (k < 58) lines.push(`lui ${reg()}, ${r() % 0x100000}`);
    else if (k < 60) lines.push(`auipc ${reg()}, ${r() % 0x100000}`);
    else if (k < 72) lines.push(`${pick(LOADS)} ${reg()}, ${(r() % 24) - 8}(${pick(['x20', 'x19'])})`);
    else if (k < 82) lines.push(`${pick(STORES)} ${src()}, ${(r() % 24) - 8}(${pick(['x20', 'x19'])})`);
    else if (k < 84) lines.push(`${pick(LOADS)} ${reg()}, ${r() % 64}(x22)`);
    else if (k < 85) lines.push(`${pick(STORES)} ${src()}, ${r() % 64}(x22)`);
    else if (k < 92) {
      lines.push(`${pick(['beq', 'bne', 'blt', 'bge', 'bltu', 'bgeu'])} ${src()}, ${src()}, 1f`);
      lines.push(`${pick(I_OPS)} ${reg()}, ${src()}, ${(r() % 4096) - 2048}`, '1:');
    } else if (k < 94) {
      lines.push('jal x0, 1f', `addi ${reg()}, x0, 1`, '1:');
    } else if (k < 96) {
      // jalr whose link register is also its base (the target must use the old value).
      lines.push('auipc x27, 0', 'addi x27, x27, 16', 'jalr x27, 0(x27)', 'addi x1, x0, 5', 'addi x27, x0, 0');
    } else if (k < 97) {
      // Run by the hart from inside a WebAssembly block (Hart.jitExec): CSR accesses, counters
      // read mid-block, AMOs and LR/SC — aligned (x19), misaligned (x20) and faulting (x22).
      const j = r() % 8;
      if (j === 0) lines.push(`${pick(['csrrw', 'csrrs', 'csrrc'])} ${reg()}, mscratch, ${src()}`);
      else if (j === 1) lines.push(`${pick(['csrrwi', 'csrrsi', 'csrrci'])} ${reg()}, mscratch, ${r() % 32}`);
      else if (j === 2) lines.push(`csrr ${reg()}, ${pick(['minstret', 'mcycle', 'mstatus'])}`);
      else if (j === 3) lines.push(`${pick(AMOS)} ${reg()}, ${src()}, (x19)`);
      else if (j === 4) lines.push(`${pick(AMOS)} ${reg()}, ${src()}, (${pick(['x20', 'x22'])})`);
      else if (j === 5) lines.push(`lr.d ${reg()}, (x19)`, `sc.d ${reg()}, ${src()}, (x19)`);
      else if (j === 6) lines.push(`sc.w ${reg()}, ${src()}, (x19)`);
      else lines.push('fence');
    } else if (k < 99) {
      // F and D, which blocks hand to the hart's FP unit (Hart.jitExec): arithmetic with its
      // flags and rounding, conversions and moves to and from x (rd read back into the block),
      // loads and stores aligned, misaligned and faulting; with mstatus.FS off (some seeds below
      // 100, see run()) each one traps as illegal, tval the instruction (the parcel, when compressed).
      const f = (): string => `f${r() % 8}`;
      const j = r() % 9;
      if (j === 0) lines.push(`fmv.d.x ${f()}, ${src()}`, `fcvt.d.l ${f()}, ${src()}`);
      else if (j === 1) lines.push(`${pick(['fadd.d', 'fsub.d', 'fmul.d', 'fdiv.d', 'fmin.d', 'fsgnjx.d'])} ${f()}, ${f()}, ${f()}`);
      else if (j === 2) lines.push(`${pick(['fadd.s', 'fmul.s', 'fdiv.s', 'fmax.s'])} ${f()}, ${f()}, ${f()}${pick(['', ', rtz', ', rup'])}`);
      else if (j === 3) lines.push(`${pick(['fmadd.d', 'fnmsub.d', 'fmsub.s'])} ${f()}, ${f()}, ${f()}, ${f()}`, `fsqrt.d ${f()}, ${f()}`);
      else if (j === 4) lines.push(`${pick(['fcvt.l.d', 'fcvt.wu.d', 'fcvt.w.s', 'fmv.x.d', 'fclass.d'])} ${reg()}, ${f()}`);
      else if (j === 5) lines.push(`${pick(['feq.d', 'flt.d', 'fle.s'])} ${reg()}, ${f()}, ${f()}`, `frflags ${reg()}`);
      else if (j === 6) lines.push(`${pick(['fld', 'flw'])} ${f()}, ${(r() % 3) * 8}(${pick(['x19', 'x20', 'x22'])})`);
      else if (j === 7) lines.push(`${pick(['fsd', 'fsw'])} ${f()}, ${(r() % 3) * 8}(${pick(['x19', 'x20', 'x22'])})`);
      // fld/fsd of f8..f15 based on x8..x15, offsets 0..248 by 8, are compressed under rvc
      // (c.fld/c.fsd); f8..f15 also reach the other FP instructions through fmv.d.
      else lines.push('mv x8, x19', `${pick(['fld', 'fsd'])} f${8 + (r() % 8)}, 8(x8)`, `fmv.d ${f()}, f${8 + (r() % 8)}`);
    } else lines.push(`jal x${pick([0, 1, 5])}, 1f`, '1:');
    if (last !== 'x0') lines.push(`xor x24, x24, ${last}`, `srli x23, x24, 7`, `add x24, x24, x23`, `sub x25, x25, ${last}`);
    last = 'x0';
  }
  lines.push('addi x21, x21, -1', 'bne x21, x0, start', 'wfi');
  return lines.join('\n');
}

const HANDLER_SRC = [
  'csrr x30, mtval', 'csrr x29, mcause', 'add x28, x28, x29', 'slli x28, x28, 1', 'xor x28, x28, x30',
  'csrr x29, mepc', 'add x26, x26, x29', 'addi x29, x29, 4', 'csrw mepc, x29', 'mret',
].join('\n');

interface Outcome {
  x: bigint[];
  f?: bigint[];
  fcsr?: bigint;
  pc: bigint;
  retired: number;
  mcause: bigint;
  mtval: bigint;
  data: number[];
}

/**
 * false: interpreter only; else the translator with that back end; 'wasm-interp': WebAssembly
 * with a threshold no head reaches, so the interpreter in the dispatcher runs everything it can.
 */
type Mode = false | 'js' | 'wasm' | 'wasm-interp';

function run(src: string, seed: number, mode: Mode): Outcome {
  const ram = new Ram(RAM_BASE, 1 << 20);
  const bus = new SystemBus(ram);
  const mmu = new Mmu(bus);
  const hart = new Hart({
    hartId: 0, bus, mmu, clock: new ManualClock(), translate: mode !== false,
    translateBackend: mode === false ? undefined : mode === 'js' ? 'js' : 'wasm', translateThreshold: mode === 'wasm-interp' ? TRANSLATE_NEVER : 2,
  });
  ram.load(RAM_BASE, assemble(src, { base: BigInt(RAM_BASE) }).bytes);
  ram.load(HANDLER, assemble(HANDLER_SRC, { base: BigInt(HANDLER) }).bytes);
  hart.reset(BigInt(RAM_BASE));
  // PMP: everything to every mode (TOR over the whole space), as the test machine does.
  hart.writeCsr(0x3b0, ~0n);
  hart.writeCsr(0x3a0, 0x0fn);
  hart.writeCsr(0x305, BigInt(HANDLER));
  // mstatus.FS = Initial (FP on), except for seeds below 100 that are 2 or 3 mod 4 (FP
  // instructions trap; with RVC, on even seeds, the compressed ones' tval is their parcel).
  if (seed >= 100 || seed % 4 < 2) hart.writeCsr(0x300, 1n << 13n);
  const r = rng(seed * 7 + 3);
  for (let i = 1; i < 16; i++) hart.x[i] = r() % 3 === 0 ? BigInt(r()) * BigInt(r()) : EDGE[r() % EDGE.length]!;
  hart.x[20] = BigInt(DATA_A);
  hart.x[19] = BigInt(DATA_B);
  hart.x[22] = BigInt(FAULT);
  hart.x[21] = 24n;
  for (let i = 0; i < 64; i++) {
    ram.write8(DATA_A - 16 + i, r() & 0xff);
    ram.write8(DATA_B - 16 + i, r() & 0xff);
  }
  const slice = 5 + (seed % 50);
  for (let guard = 0; guard < 100_000; guard++) {
    if (hart.run(slice).reason === 'wfi') break;
  }
  const data: number[] = [];
  for (let i = 0; i < 64; i++) data.push(ram.read8(DATA_A - 16 + i), ram.read8(DATA_B - 16 + i));
  return {
    x: [...hart.x], f: [...hart.f], fcsr: hart.readCsr(0x003), pc: hart.pc, retired: hart.retired, mcause: hart.readCsr(0x342), mtval: hart.readCsr(0x343), data,
  };
}

describe('translator (JavaScript and WebAssembly back ends, and the WebAssembly interpreter) vs interpreter on generated programs', () => {
  for (let batch = 0; batch < 10; batch++) {
    it(`programs ${batch * 40}..${batch * 40 + 39} agree register for register`, () => {
      for (let seed = batch * 40 + 1; seed <= batch * 40 + 40; seed++) {
        const src = program(seed);
        const off = run(src, seed, false);
        expect(run(src, seed, 'js'), `JavaScript blocks, seed ${seed}:\n${src}`).toEqual(off);
        expect(run(src, seed, 'wasm'), `WebAssembly blocks, seed ${seed}:\n${src}`).toEqual(off);
        expect(run(src, seed, 'wasm-interp'), `the interpreter in the WebAssembly dispatcher, seed ${seed}:\n${src}`).toEqual(off);
      }
    });
  }

  it('takes an interrupt that a CSR write inside a block enables at the same instruction', () => {
    // SSIP pending and enabled in mie from the start; each pass enables interrupts (mstatus.MIE)
    // in the middle of a block: the trap comes right after that csrsi, as in the interpreter.
    const src = [
      'li x5, 200', 'li x6, 2', 'csrs mie, x6',
      'loop: csrs mip, x6', 'addi x7, x7, 1', 'csrr x9, minstret', 'csrsi mstatus, 8', 'addi x8, x8, 1', 'add x10, x10, x9',
      'addi x5, x5, -1', 'bnez x5, loop', 'wfi',
    ].join('\n');
    const handler = ['csrci mip, 2', 'csrr x11, mepc', 'add x12, x12, x11', 'csrr x13, minstret', 'add x14, x14, x13', 'li x15, 0x80', 'csrc mstatus, 8', 'csrs mstatus, x15', 'mret'].join('\n');
    const outcome = (mode: Mode): Outcome & { traps: bigint } => {
      const ram = new Ram(RAM_BASE, 1 << 20);
      const bus = new SystemBus(ram);
      const hart = new Hart({
        hartId: 0, bus, mmu: new Mmu(bus), clock: new ManualClock(), translate: mode !== false,
        translateBackend: mode === false ? undefined : mode === 'js' ? 'js' : 'wasm', translateThreshold: mode === 'wasm-interp' ? TRANSLATE_NEVER : 2,
      });
      ram.load(RAM_BASE, assemble(src, { base: BigInt(RAM_BASE) }).bytes);
      ram.load(HANDLER, assemble(handler, { base: BigInt(HANDLER) }).bytes);
      hart.reset(BigInt(RAM_BASE));
      hart.writeCsr(0x305, BigInt(HANDLER));
      for (let guard = 0; guard < 10_000; guard++) if (hart.run(7).reason === 'wfi') break;
      return { x: [...hart.x], pc: hart.pc, retired: hart.retired, mcause: hart.readCsr(0x342), mtval: hart.readCsr(0x343), data: [], traps: hart.x[12]! };
    };
    const off = outcome(false);
    expect(off.mcause).toBe((1n << 63n) | 1n); // supervisor software interrupt, taken in M
    expect(off.x[8]).toBe(200n);
    expect(outcome('wasm')).toEqual(off);
    expect(outcome('js')).toEqual(off);
    expect(outcome('wasm-interp')).toEqual(off);
  });

  it('runs D arithmetic inline in WebAssembly blocks as the FP unit does (NX set, RNE; fused multiply-adds near ties)', () => {
    // Operands in the inline range, fflags.NX set first (1/3), so blocks run FADD/FSUB/FMUL/FDIV/
    // FSQRT and the fused multiply-adds inline; half the fused cases put the product near half an
    // ulp of the addend, where rounding the low parts to nearest instead of to odd gives a tie
    // rounded the wrong way. Each result goes to x6 and into two accumulators.
    const r = rng(77);
    const f64 = new Float64Array(1);
    const u64 = new BigUint64Array(f64.buffer);
    const bits = (v: number): string => {
      f64[0] = v;
      return `0x${u64[0]!.toString(16)}`;
    };
    // Blocks of about ten instructions (run() enters a block only when its slice covers it).
    const lines = ['li x5, 0x2000', 'csrs mstatus, x5', 'li x5, 1', 'fcvt.d.l f9, x5', 'li x5, 3', 'fcvt.d.l f10, x5', 'fdiv.d f9, f9, f10', 'li x21, 4', 'start:', 'la x20, table'];
    const table: string[] = ['.balign 8', 'table:'];
    for (let n = 0; n < 240; n++) {
      const a = (1 + r() / 2 ** 32 + r() / 2 ** 53) * 2 ** ((r() % 40) - 20);
      const cv = (1 + (r() % 1_000_000) / 1_000_003) * 2 ** ((r() % 40) - 20) * (r() % 2 === 0 ? 1 : -1);
      // Half an ulp of the addend over a: the product is that within an ulp of its own.
      const half = 2 ** (Math.floor(Math.log2(Math.abs(cv))) - 53);
      const b = n % 2 === 0 ? (half * (r() % 2 === 0 ? 1 : -1)) / a : (1 + (r() % 999) / 1000) * 2 ** ((r() % 30) - 15);
      // Every tenth case a zero operand (±0 addend or factor: exact results, signed zeros).
      const z = n % 10 === 5 ? (r() % 2 === 0 ? 0 : -0) : undefined;
      const which = r() % 3;
      table.push(`.dword ${bits(z !== undefined && which === 0 ? z : a)}`, `.dword ${bits(z !== undefined && which === 1 ? z : b)}`, `.dword ${bits(z !== undefined && which !== 1 ? z : cv)}`);
      lines.push('fld f1, 0(x20)', 'fld f2, 8(x20)', 'fld f3, 16(x20)', 'addi x20, x20, 24');
      // Three fused multiply-adds to one of each of the others.
      const k = n % 12;
      const op = k < 9 ? ['fmadd.d', 'fmsub.d', 'fnmsub.d', 'fnmadd.d'][k % 4]! : ['fadd.d', 'fsub.d', 'fmul.d', 'fdiv.d', 'fsqrt.d'][(n >> 2) % 5]!;
      if (k < 9) lines.push(`${op} f4, f1, f2, f3`);
      else if (op === 'fsqrt.d') lines.push('fabs.d f1, f1', 'fsqrt.d f4, f1');
      else lines.push(`${op} f4, f1, f3`);
      lines.push('fmv.x.d x6, f4', 'xor x24, x24, x6', 'srli x23, x24, 7', 'add x24, x24, x23', 'sub x25, x25, x6', 'j 1f', '1:');
    }
    lines.push('addi x21, x21, -1', 'beq x21, x0, 1f', 'j start', '1:', 'frflags x26', 'wfi', ...table);
    const src = lines.join('\n');
    // Seed 1049: slices of 54 instructions; FS on.
    const off = run(src, 1049, false);
    expect(off.x[24]).not.toBe(0n);
    expect(run(src, 1049, 'wasm'), src).toEqual(off);
  });

  it('runs S arithmetic inline in WebAssembly blocks as the FP unit does (NX set, RNE; fused multiply-adds near ties)', () => {
    // As above for singles: products half an ulp (of a single) of the addend, zeros, conversions
    // between the formats, moves and compares; each result's bits folded into x24 and x25.
    const r = rng(91);
    const f32 = new Float32Array(1);
    const u32 = new Uint32Array(f32.buffer);
    const bits = (v: number): string => {
      f32[0] = v;
      return `0x${u32[0]!.toString(16)}`;
    };
    const lines = ['li x5, 0x2000', 'csrs mstatus, x5', 'li x5, 1', 'fcvt.s.l f9, x5', 'li x5, 3', 'fcvt.s.l f10, x5', 'fdiv.s f9, f9, f10', 'li x21, 4', 'start:', 'la x20, table'];
    const table: string[] = ['.balign 8', 'table:'];
    for (let n = 0; n < 240; n++) {
      const a = Math.fround((1 + r() / 2 ** 32) * 2 ** ((r() % 30) - 15));
      const cv = Math.fround((1 + r() / 2 ** 32) * 2 ** ((r() % 30) - 15) * (r() % 2 === 0 ? 1 : -1));
      const half = 2 ** (Math.floor(Math.log2(Math.abs(cv))) - 24);
      const b = Math.fround(n % 2 === 0 ? (half * (r() % 2 === 0 ? 1 : -1)) / a : (1 + (r() % 999) / 1000) * 2 ** ((r() % 20) - 10));
      const z = n % 10 === 5 ? (r() % 2 === 0 ? 0 : -0) : undefined;
      const which = r() % 3;
      table.push(`.word ${bits(z !== undefined && which === 0 ? z : a)}`, `.word ${bits(z !== undefined && which === 1 ? z : b)}`, `.word ${bits(z !== undefined && which !== 1 ? z : cv)}`);
      lines.push('flw f1, 0(x20)', 'flw f2, 4(x20)', 'flw f3, 8(x20)', 'addi x20, x20, 12');
      const k = n % 12;
      if (k < 6) lines.push(`${['fmadd.s', 'fmsub.s', 'fnmsub.s', 'fnmadd.s'][k % 4]!} f4, f1, f2, f3`);
      else if (k === 6) lines.push('fabs.s f1, f1', 'fsqrt.s f4, f1');
      else if (k === 7) lines.push('fcvt.d.s f5, f1', 'fmul.d f5, f5, f5', 'fmv.d.x f4, x0', 'fcvt.s.d f4, f5', 'fadd.s f4, f4, f1');
      else if (k === 8) lines.push('feq.s x7, f1, f3', 'flt.s x8, f1, f2', 'add x7, x7, x8', 'fmv.w.x f4, x7');
      else lines.push(`${['fadd.s', 'fsub.s', 'fmul.s', 'fdiv.s'][(n >> 2) % 4]!} f4, f1, f3`);
      lines.push('fmv.x.w x6, f4', 'xor x24, x24, x6', 'srli x23, x24, 7', 'add x24, x24, x23', 'sub x25, x25, x6', 'j 1f', '1:');
    }
    lines.push('addi x21, x21, -1', 'beq x21, x0, 1f', 'j start', '1:', 'frflags x26', 'wfi', ...table);
    const src = lines.join('\n');
    const off = run(src, 1049, false);
    expect(off.x[24]).not.toBe(0n);
    expect(run(src, 1049, 'wasm'), src).toEqual(off);
  });

  it.each(['js', 'wasm'] as const)('translates (%s): a hot loop retires through blocks', (backend) => {
    const ram = new Ram(RAM_BASE, 1 << 20);
    const bus = new SystemBus(ram);
    const hart = new Hart({ hartId: 0, bus, mmu: new Mmu(bus), clock: new ManualClock(), translate: true, translateBackend: backend, translateThreshold: 2 });
    ram.load(RAM_BASE, assemble('li x5, 1000\n1: addi x6, x6, 3\naddi x5, x5, -1\nbnez x5, 1b\nwfi', { base: BigInt(RAM_BASE) }).bytes);
    hart.reset(BigInt(RAM_BASE));
    expect(hart.run(100_000).reason).toBe('wfi');
    expect(hart.x[6]).toBe(3000n);
    expect(hart.retired).toBe(1 + 3000 + 1);
    expect(hart.translations!.stats.translated).toBeGreaterThan(0);
    // WebAssembly blocks need RAM in a WebAssembly arena (none with VM_WASM=0): else the JS back end.
    expect(hart.translations!.wasm !== undefined).toBe(backend === 'wasm' && ram.store.arena !== undefined);
  });
});
