/**
 * One decode source of truth: the instruction table (encoding/table.ts) against the hart.
 *
 * - Every table entry, several random encodings each (fixed seed): the hart executes it as that
 *   instruction, not as illegal. Integer ALU ops, loads, stores and control transfers are checked
 *   against a small BigInt model; compressed entries against the hart running their 32-bit
 *   expansion; the rest must retire (or raise the trap they architecturally raise).
 * - Encodings outside the table (uniform random words, table words with fixed bits flipped, every
 *   16-bit parcel the table rejects, and the reserved corner cases of Unprivileged ISA 16.8): the
 *   hart raises illegal instruction with mtval = the instruction bits (priv spec 3.1.16).
 */
import { describe, expect, it } from 'vitest';
import { decodeEntry } from '../encoding/decode.js';
import { expandCompressed } from '../encoding/expand.js';
import { FIELDS, type FieldName } from '../encoding/fields.js';
import { INSTRUCTIONS } from '../encoding/table.js';
import type { InsnEncoding } from '../encoding/types.js';
import { CAUSE_BREAKPOINT, CAUSE_ECALL_M, CAUSE_ILLEGAL_INSTRUCTION } from './causes.js';
import { compressedTable, expandParcel } from './compressed.js';
import { CSR_MSCRATCH, CSR_SSCRATCH } from './csr-numbers.js';
import { HANDLER, machine, pmpAllowAll, RAM_BASE, type TestMachine } from './test-support/machine.js';

const SAMPLES_PER_ENTRY = 24;
const OUTSIDE_RANDOM = 20_000;
const OUTSIDE_MUTATED = 20_000;

/** The data window the address registers point into (see ADDRESS_REGS). */
const DATA = RAM_BASE + 0x8_0000;
const DATA_LO = DATA - 0x1000;
const DATA_BYTES = 0x2000;
const RETURN_TO = BigInt(RAM_BASE + 0x100);
const M64 = (1n << 64n) - 1n;

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

// ---------------------------------------------------------------- the hart under test

let shared: TestMachine | undefined;

let sharedNoH: TestMachine | undefined;
const dataBytes = Uint8Array.from({ length: DATA_BYTES }, (_, i) => (i * 0x9e + 0x37) & 0xff);

/** x[i] = DATA + 8i: every base+imm12 address lands in RAM, aligned for AMOs. */
const ADDRESS_REGS: readonly bigint[] = Array.from({ length: 32 }, (_, i) => (i === 0 ? 0n : BigInt(DATA + 8 * i)));

interface Setup {
  /** x0..x31 before the step. */
  readonly x?: readonly bigint[];
  /** mstatus.FS (0 = Off, 1 = Initial). */
  readonly fs?: number;
  readonly hExtension?: boolean;
  /**
   * Where the instruction runs (default M). Below M, illegal-instruction traps are delegated to
   * the mode that handles them, HS (medeleg) or VS (medeleg + hedeleg), and read back from there.
   */
  readonly mode?: Mode;
}

type Mode = 'M' | 'S' | 'U' | 'VS' | 'VU';
const MODES: Record<Mode, { priv: number; virt: boolean }> = {
  M: { priv: 3, virt: false }, S: { priv: 1, virt: false }, U: { priv: 0, virt: false },
  VS: { priv: 1, virt: true }, VU: { priv: 0, virt: true },
};

/** A hart at RAM_BASE in M-mode, FS=Initial, registers set, the data window refilled. */
function fresh(setup: Setup): TestMachine {
  const h = setup.hExtension ?? true;
  const m = h ? (shared ??= machine([], 1 << 20, { hExtension: true })) : (sharedNoH ??= machine([], 1 << 20));
  m.hart.reset(BigInt(RAM_BASE));
  m.hart.writeCsr(0x300, BigInt(setup.fs ?? 1) << 13n);
  m.hart.writeCsr(0x305, BigInt(HANDLER));
  m.hart.mepc = RETURN_TO;
  m.hart.sepc = RETURN_TO;
  const x = setup.x ?? ADDRESS_REGS;
  for (let i = 1; i < 32; i++) {
    m.hart.x[i] = x[i];
    m.hart.f[i] = 0xffff_ffff_3f80_0000n + BigInt(i); // NaN-boxed singles near 1.0
  }
  m.ram.load(DATA_LO, dataBytes);
  const mode = MODES[setup.mode ?? 'M'];
  if (mode.priv !== 3) {
    pmpAllowAll(m);
    m.hart.writeCsr(0x302, 1n << BigInt(CAUSE_ILLEGAL_INSTRUCTION)); // medeleg
    m.hart.writeCsr(0x105, BigInt(HANDLER)); // stvec
    if (mode.virt) {
      m.hart.hedeleg = 1 << CAUSE_ILLEGAL_INSTRUCTION;
      m.hart.vstvec = BigInt(HANDLER);
    }
    m.hart.enter(mode.priv, m.hart.pc, mode.virt === true);
  }
  return m;
}

interface Outcome {
  retired: number;
  cause: bigint;
  tval: bigint;
  pc: bigint;
  x: bigint[];
  f: bigint[];
  data: Uint8Array;
}

function execute(bits: number, length: 2 | 4, setup: Setup = {}): Outcome {
  const m = fresh(setup);
  if (length === 2) m.ram.write16(RAM_BASE, bits);
  else m.ram.write32(RAM_BASE, bits);
  m.hart.run(1);
  const mode = setup.mode ?? 'M';
  const h = m.hart;
  return {
    retired: h.retired,
    cause: mode === 'M' ? h.mcause : mode === 'S' || mode === 'U' ? h.scause : h.vscause,
    tval: mode === 'M' ? h.mtval : mode === 'S' || mode === 'U' ? h.stval : h.vstval,
    pc: m.hart.pc,
    x: [...m.hart.x],
    f: [...m.hart.f],
    data: m.ram.slice(DATA_LO, DATA_BYTES),
  };
}

// ---------------------------------------------------------------- encodings of an entry

const hasOperand = (e: InsnEncoding, op: string): boolean => e.operands.includes(op as never);
const field = (name: FieldName, w: number): number => FIELDS[name].decode(w);
const withField = (name: FieldName, w: number, value: number): number =>
  ((w & ~FIELDS[name].bits) | FIELDS[name].encode(value)!) >>> 0;

/** CSRs any Zicsr op may read and write in M-mode without side effects on the next step. */
const SCRATCH_CSRS = [CSR_MSCRATCH, CSR_SSCRATCH, 0x341, 0x141, 0x343, 0x143];

/**
 * A random encoding of `e`: random operand bits, then the few constraints that make an encoding
 * executable here rather than legitimately trapping: a CSR that exists, a rounding mode that is
 * not reserved (unpriv spec 11.2), a memory base register other than x0 (x0+imm is not RAM).
 */
function sample(e: InsnEncoding, next: () => number): number | undefined {
  for (let attempt = 0; attempt < 500; attempt++) {
    const random = e.length === 2 ? next() & 0xffff : next();
    let w = ((random & ~e.mask) | e.match) >>> 0;
    if (hasOperand(e, 'csr')) w = withField('csr', w, SCRATCH_CSRS[next() % SCRATCH_CSRS.length]);
    if (hasOperand(e, 'rm') && (field('rm', w) === 5 || field('rm', w) === 6)) w = withField('rm', w, 7);
    if (e.operands.some((o) => o.endsWith('(rs1)')) && field('rs1', w) === 0) w = withField('rs1', w, 1 + (next() % 31));
    if (decodeEntry(w, e.length) === e) return w;
  }
  return undefined;
}

// ---------------------------------------------------------------- a model of the integer ops

const s64 = (v: bigint): bigint => BigInt.asIntN(64, v);
const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);
const w32 = (v: bigint): bigint => u64(BigInt.asIntN(32, v));
const s32 = (v: bigint): bigint => BigInt.asIntN(32, v);
const u32 = (v: bigint): bigint => BigInt.asUintN(32, v);
const div = (a: bigint, b: bigint, bits: 32 | 64): bigint => {
  const min = -(1n << BigInt(bits - 1));
  if (b === 0n) return -1n;
  if (a === min && b === -1n) return a;
  return a / b;
};
const rem = (a: bigint, b: bigint, bits: 32 | 64): bigint => {
  const min = -(1n << BigInt(bits - 1));
  if (b === 0n) return a;
  if (a === min && b === -1n) return 0n;
  return a % b;
};

/** rd as a function of rs1's value a and the second operand b (rs2's value, or the immediate). */
const ALU: Record<string, (a: bigint, b: bigint) => bigint> = {
  add: (a, b) => u64(a + b), sub: (a, b) => u64(a - b), sll: (a, b) => u64(a << (b & 63n)),
  slt: (a, b) => (s64(a) < s64(b) ? 1n : 0n), sltu: (a, b) => (u64(a) < u64(b) ? 1n : 0n),
  xor: (a, b) => u64(a ^ b), srl: (a, b) => u64(a) >> (b & 63n), sra: (a, b) => u64(s64(a) >> (b & 63n)),
  or: (a, b) => u64(a | b), and: (a, b) => u64(a & b),
  addw: (a, b) => w32(a + b), subw: (a, b) => w32(a - b), sllw: (a, b) => w32(a << (b & 31n)),
  srlw: (a, b) => w32(u32(a) >> (b & 31n)), sraw: (a, b) => w32(s32(a) >> (b & 31n)),
  mul: (a, b) => u64(a * b), mulh: (a, b) => u64((s64(a) * s64(b)) >> 64n),
  mulhsu: (a, b) => u64((s64(a) * u64(b)) >> 64n), mulhu: (a, b) => u64((u64(a) * u64(b)) >> 64n),
  div: (a, b) => u64(div(s64(a), s64(b), 64)), divu: (a, b) => (u64(b) === 0n ? M64 : u64(a) / u64(b)),
  rem: (a, b) => u64(rem(s64(a), s64(b), 64)), remu: (a, b) => (u64(b) === 0n ? u64(a) : u64(a) % u64(b)),
  mulw: (a, b) => w32(a * b), divw: (a, b) => w32(div(s32(a), s32(b), 32)),
  divuw: (a, b) => (u32(b) === 0n ? M64 : w32(u32(a) / u32(b))),
  remw: (a, b) => w32(rem(s32(a), s32(b), 32)), remuw: (a, b) => (u32(b) === 0n ? w32(a) : w32(u32(a) % u32(b))),
};
const IMMEDIATE_OPS: Record<string, string> = {
  addi: 'add', slti: 'slt', sltiu: 'sltu', xori: 'xor', ori: 'or', andi: 'and', slli: 'sll', srli: 'srl', srai: 'sra',
  addiw: 'addw', slliw: 'sllw', srliw: 'srlw', sraiw: 'sraw',
};
const LOADS: Record<string, [width: number, signed: boolean]> = {
  lb: [1, true], lh: [2, true], lw: [4, true], ld: [8, true], lbu: [1, false], lhu: [2, false], lwu: [4, false],
};
const STORES: Record<string, number> = { sb: 1, sh: 2, sw: 4, sd: 8 };
const BRANCHES: Record<string, (a: bigint, b: bigint) => boolean> = {
  beq: (a, b) => a === b, bne: (a, b) => a !== b, blt: (a, b) => s64(a) < s64(b),
  bge: (a, b) => s64(a) >= s64(b), bltu: (a, b) => a < b, bgeu: (a, b) => a >= b,
};

const PC0 = BigInt(RAM_BASE);
const readData = (at: bigint, width: number): bigint => {
  let v = 0n;
  for (let i = width - 1; i >= 0; i--) v = (v << 8n) | BigInt(dataBytes[Number(at) - DATA_LO + i]);
  return v;
};

/**
 * What the model says of `w` (an entry of the 32-bit base or M): the register written and its
 * value, the next pc, and a store's effect; undefined when the model does not cover the entry.
 */
function model(
  e: InsnEncoding,
  w: number,
  x: readonly bigint[],
): { rd?: [number, bigint]; pc: bigint; store?: [bigint, number, bigint] } | undefined {
  const rd = field('rd', w);
  const a = x[field('rs1', w)];
  const b = x[field('rs2', w)];
  const next = PC0 + 4n;
  const name = e.mnemonic;
  if (name in ALU) return { rd: [rd, ALU[name](a, b)], pc: next };
  if (name in IMMEDIATE_OPS) {
    const imm = e.operands.includes('imm12') ? BigInt(field('imm12', w)) : BigInt(field(name.endsWith('w') ? 'shamtw' : 'shamtd', w));
    return { rd: [rd, ALU[IMMEDIATE_OPS[name]](a, u64(imm))], pc: next };
  }
  if (name === 'lui') return { rd: [rd, w32(BigInt(w & 0xffff_f000))], pc: next };
  if (name === 'auipc') return { rd: [rd, u64(PC0 + BigInt.asIntN(32, BigInt(w & 0xffff_f000)))], pc: next };
  if (name === 'jal') return { rd: [rd, next], pc: u64(PC0 + BigInt(field('jimm20', w))) };
  if (name === 'jalr') return { rd: [rd, next], pc: u64(a + BigInt(field('imm12', w))) & ~1n };
  if (name in BRANCHES) return { pc: BRANCHES[name](a, b) ? u64(PC0 + BigInt(field('bimm12', w))) : next };
  if (name in LOADS) {
    const [width, signed] = LOADS[name];
    const v = readData(a + BigInt(field('imm12', w)), width);
    return { rd: [rd, signed ? u64(BigInt.asIntN(8 * width, v)) : v], pc: next };
  }
  if (name in STORES) {
    const width = STORES[name];
    return { pc: next, store: [a + BigInt(field('simm12', w)), width, BigInt.asUintN(8 * width, b)] };
  }
  return undefined;
}

/** The trap an entry raises by definition when executed in M-mode with the setup above. */
function architecturalTrap(e: InsnEncoding): number | undefined {
  if (e.mnemonic === 'ecall') return CAUSE_ECALL_M;
  if (e.mnemonic === 'ebreak' || e.mnemonic === 'c.ebreak') return CAUSE_BREAKPOINT;
  // Debug spec 4.8.2: DRET outside Debug Mode is illegal; this hart has no Debug Mode.
  if (e.mnemonic === 'dret') return CAUSE_ILLEGAL_INSTRUCTION;
  return undefined;
}

/** A 64-bit value biased toward the corners (0, -1, sign bits, small numbers) where ALU bugs hide. */
function randomValue(next: () => number): bigint {
  const corners = [0n, 1n, M64, 1n << 63n, (1n << 63n) - 1n, 0x8000_0000n, 0xffff_ffff_8000_0000n, 0x7fff_ffffn];
  const pick = next() % 4;
  if (pick === 0) return corners[next() % corners.length];
  if (pick === 1) return u64(BigInt((next() % 64) - 32));
  return (BigInt(next()) << 32n) | BigInt(next());
}

const hex = (v: number): string => `0x${(v >>> 0).toString(16).padStart(8, '0')}`;

/** Disagreements, collected so that one run lists them all. */
function checkEntry(e: InsnEncoding, w: number, next: () => number): string[] {
  const bad: string[] = [];
  const where = `${e.mnemonic} ${hex(w)}`;
  // Random register values where no operand is an address (those keep x[i] = DATA + 8i).
  const x = e.operands.some((o) => o.includes('(')) ? ADDRESS_REGS : ADDRESS_REGS.map((_, i) => (i === 0 ? 0n : randomValue(next)));
  const got = execute(w, e.length, { x });
  const trap = architecturalTrap(e);
  if (trap !== undefined) {
    if (got.retired !== 0 || got.cause !== BigInt(trap)) bad.push(`${where}: expected trap ${trap}, got mcause ${got.cause} retired ${got.retired}`);
    return bad;
  }
  if (got.retired !== 1) {
    bad.push(`${where}: did not retire (mcause ${got.cause}, mtval 0x${got.tval.toString(16)})`);
    return bad;
  }
  if (e.length === 2) {
    // One RVC instruction behaves as its 32-bit expansion, but for pc + 2 (Unprivileged ISA 16.1).
    const full = expandCompressed(w)!;
    const ref = execute(full, 4, { x });
    // The expansion falls through to pc + 4 where the parcel falls through to pc + 2; a jump or a
    // taken branch goes to the same target (which may itself be pc + 4).
    const branch = e.mnemonic === 'c.beqz' || e.mnemonic === 'c.bnez';
    const taken = branch && (x[field('c_rs1p', w)] === 0n) === (e.mnemonic === 'c.beqz');
    const jumps = taken || e.mnemonic === 'c.j' || e.mnemonic === 'c.jr' || e.mnemonic === 'c.jalr';
    const pc = jumps ? ref.pc : ref.pc === PC0 + 4n ? PC0 + 2n : ref.pc;
    const xs = ref.x.map((v, i) => (e.mnemonic === 'c.jalr' && i === 1 ? PC0 + 2n : v));
    if (ref.retired !== 1) bad.push(`${where}: expansion ${hex(full)} does not retire`);
    if (got.pc !== pc) bad.push(`${where}: pc 0x${got.pc.toString(16)}, expansion gives 0x${pc.toString(16)}`);
    for (let i = 0; i < 32; i++) {
      if (got.x[i] !== xs[i]) bad.push(`${where}: x${i} = 0x${got.x[i].toString(16)}, expansion gives 0x${xs[i].toString(16)}`);
      if (got.f[i] !== ref.f[i]) bad.push(`${where}: f${i} differs from the expansion's`);
    }
    if (!got.data.every((v, i) => v === ref.data[i])) bad.push(`${where}: memory differs from the expansion's`);
    return bad;
  }
  const expected = model(e, w, x);
  const pc = expected?.pc ?? (e.mnemonic === 'mret' || e.mnemonic === 'sret' ? RETURN_TO : PC0 + 4n);
  if (got.pc !== pc) bad.push(`${where}: pc 0x${got.pc.toString(16)}, expected 0x${pc.toString(16)}`);
  if (expected?.rd !== undefined) {
    const [rd, value] = expected.rd;
    const want = rd === 0 ? 0n : value;
    if (got.x[rd] !== want) bad.push(`${where}: x${rd} = 0x${got.x[rd].toString(16)}, expected 0x${want.toString(16)}`);
  }
  if (expected?.store !== undefined) {
    const [at, width, value] = expected.store;
    let v = 0n;
    for (let i = width - 1; i >= 0; i--) v = (v << 8n) | BigInt(got.data[Number(at) - DATA_LO + i]);
    if (v !== value) bad.push(`${where}: stored 0x${v.toString(16)}, expected 0x${value.toString(16)}`);
  }
  return bad;
}

function expectIllegal(bits: number, length: 2 | 4, setup: Setup = {}): string | undefined {
  const got = execute(bits, length, setup);
  const want = BigInt(bits >>> 0);
  if (got.retired === 0 && got.cause === BigInt(CAUSE_ILLEGAL_INSTRUCTION) && got.tval === want && got.pc === BigInt(HANDLER)) {
    return undefined;
  }
  const what = got.retired === 1 ? 'retired' : `cause ${got.cause} tval 0x${got.tval.toString(16)}`;
  const mode = setup.mode ?? 'M';
  return `${mode}: ${length === 2 ? 'parcel' : 'word'} ${hex(bits)}: ${what}, expected illegal with tval ${hex(bits)}`;
}

/**
 * 32-bit words no table entry matches: uniform random words (low bits 11), then table words with
 * one to three fixed bits flipped, the near misses a decoder that checks too few bits would accept.
 */
function outsideWords(next: () => number, random: number, mutated: number): number[] {
  const candidates: number[] = [];
  for (let i = 0; i < random; i++) candidates.push((next() | 3) >>> 0);
  const wide = INSTRUCTIONS.filter((e) => e.length === 4);
  for (let i = 0; i < mutated; i++) {
    const e = wide[next() % wide.length];
    let w = ((next() & ~e.mask) | e.match) >>> 0;
    const fixed = [...Array(32).keys()].filter((b) => ((e.mask >>> b) & 1) === 1 && b > 1);
    for (let k = 1 + (next() % 3); k > 0; k--) w = (w ^ (1 << fixed[next() % fixed.length])) >>> 0;
    candidates.push(w);
  }
  return candidates.filter((w) => decodeEntry(w, 4) === undefined);
}

// ---------------------------------------------------------------- the tests

describe('the hart against every entry of the instruction table', () => {
  it(`executes ${SAMPLES_PER_ENTRY} random encodings of each of the ${INSTRUCTIONS.length} entries as that instruction`, () => {
    const next = rng(0x5eed_0001);
    const bad: string[] = [];
    let samples = 0;
    for (const e of INSTRUCTIONS) {
      const seen = new Set<number>();
      for (let s = 0; s < SAMPLES_PER_ENTRY; s++) {
        const w = sample(e, next);
        if (w === undefined) {
          bad.push(`${e.mnemonic}: no encoding that decodes back to it`);
          break;
        }
        if (seen.has(w)) continue;
        seen.add(w);
        samples += 1;
        bad.push(...checkEntry(e, w, next));
      }
    }
    expect(bad).toEqual([]);
    expect(samples).toBeGreaterThan(INSTRUCTIONS.length * 4);
  });

  it('raises illegal instruction with mtval = the bits for random words outside the table', () => {
    const bad: string[] = [];
    const words = outsideWords(rng(0x5eed_0002), OUTSIDE_RANDOM, OUTSIDE_MUTATED);
    for (const w of words) {
      const problem = expectIllegal(w, 4);
      if (problem !== undefined) bad.push(problem);
    }
    expect(bad.slice(0, 40)).toEqual([]);
    expect(words.length).toBeGreaterThan(20_000);
  });

  it('raises illegal instruction for every 16-bit parcel the table rejects, with mtval = the parcel', () => {
    const bad: string[] = [];
    let rejected = 0;
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 3) === 3 || decodeEntry(h, 2) !== undefined) continue;
      rejected += 1;
      const problem = expectIllegal(h, 2);
      if (problem !== undefined) bad.push(problem);
    }
    expect(bad.slice(0, 40)).toEqual([]);
    expect(rejected).toBeGreaterThan(1000);
  });

  it('raises illegal instruction for the reserved corner cases (Unprivileged ISA 16.8, Table 16.5-16.7)', () => {
    const cases: [string, number, 2 | 4][] = [
      ['all-zero parcel (c.addi4spn, nzuimm=0: defined illegal)', 0x0000, 2],
      ['all-ones word', 0xffff_ffff, 4],
      ['c.addi4spn x9, sp, 0', 0x0004, 2],
      ['c.addi4spn x15, sp, 0', 0x001c, 2],
      ['c.lui x1, 0 (nzimm=0 reserved)', 0x6081, 2],
      ['c.lui x0, 0', 0x6001, 2],
      ['c.addi16sp sp, 0 (nzimm=0 reserved)', 0x6101, 2],
      ['c.jr x0 (rs1=0 reserved)', 0x8002, 2],
      ['c.lwsp x0 (rd=0 reserved)', 0x4002, 2],
      ['c.ldsp x0 (rd=0 reserved)', 0x6002, 2],
      ['c.addiw x0 (rd=0 reserved)', 0x2001, 2],
      ['quadrant 0, funct3=100 (reserved)', 0x8000, 2],
      ['c.subw-space reserved (funct2=10, bit 12 set)', 0x9c41, 2],
      ['c.subw-space reserved (funct2=11, bit 12 set)', 0x9c61, 2],
      ['fadd.s with rm=5 (reserved rounding mode)', 0x0000_5053, 4],
      ['fadd.s with rm=6 (reserved rounding mode)', 0x0000_6053, 4],
    ];
    const bad: string[] = [];
    for (const [what, bits, length] of cases) {
      const problem = expectIllegal(bits, length);
      if (problem !== undefined) bad.push(`${what}: ${problem}`);
    }
    expect(bad).toEqual([]);
  });

  it('raises illegal instruction outside the table from S, U, VS and VU too, tval = the bits', () => {
    // Below M the trap is delegated, so stval / vstval carry the bits. A reserved encoding is
    // illegal even at V=1: only what HS-mode could execute becomes a virtual instruction (priv
    // spec 8.6.1); the hart once raised virtual instruction for reserved HLV/HSV encodings.
    const words = outsideWords(rng(0x5eed_0004), 2_000, 4_000);
    const parcels = [...Array(0x10000).keys()].filter((h) => (h & 3) !== 3 && decodeEntry(h, 2) === undefined);
    const bad: string[] = [];
    for (const mode of ['S', 'U', 'VS', 'VU'] as const) {
      for (const w of words) {
        const problem = expectIllegal(w, 4, { mode });
        if (problem !== undefined) bad.push(problem);
      }
      for (const h of parcels.filter((_, i) => i % 4 === 0)) {
        const problem = expectIllegal(h, 2, { mode });
        if (problem !== undefined) bad.push(problem);
      }
    }
    expect(bad.slice(0, 40)).toEqual([]);
  });

  it('raises illegal instruction, mtval = the bits (16 for RVC), for entries whose extension or state is off', () => {
    const next = rng(0x5eed_0003);
    const bad: string[] = [];
    let tried = 0;
    for (const e of INSTRUCTIONS) {
      // F and D with mstatus.FS=Off (priv spec 3.1.6.6), c.fld & co. included; H on a hart without it.
      const setup: Setup | undefined = e.ext === 'F' || e.ext === 'D' ? { fs: 0 } : e.ext === 'H' ? { hExtension: false } : undefined;
      if (setup === undefined) continue;
      for (let s = 0; s < 4; s++) {
        const w = sample(e, next)!;
        tried += 1;
        const problem = expectIllegal(w, e.length, setup);
        if (problem !== undefined) bad.push(`${e.mnemonic}: ${problem}`);
      }
    }
    // A write to a read-only CSR (mhartid) is illegal too (priv spec 2.1).
    const problem = expectIllegal(0xf140_9073, 4); // csrrw x0, mhartid, x1
    if (problem !== undefined) bad.push(`csrrw to mhartid: ${problem}`);
    expect(bad).toEqual([]);
    expect(tried).toBeGreaterThan(300);
  });

  it('the hart expands every 16-bit parcel exactly as the table does (one RVC expander)', () => {
    const table = compressedTable();
    const bad: string[] = [];
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 3) === 3) continue;
      const want = expandCompressed(h) ?? 0;
      const got = expandParcel(table, h);
      if (got >>> 0 !== want >>> 0) bad.push(`parcel ${hex(h)}: hart ${hex(got)}, table ${hex(want)}`);
    }
    expect(bad.slice(0, 40)).toEqual([]);
  });
});
