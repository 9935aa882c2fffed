import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NativeHypervisor } from './hypervisor.js';

/**
 * issue 5 "Fuzzing": seeded random instruction streams and random MMIO/CSR sequences as guests
 * (bounded in count and time) never raise an exception in the host, never touch memory outside
 * their VM's partition, and always end in a reported guest state — while a healthy VM beside them
 * keeps its result.
 */
const root = new URL('../../../', import.meta.url).pathname;
const HELLO = { file: 'uart-hello.elf', bytes: new Uint8Array(readFileSync(root + 'packages/machine/fixtures/uart-hello.elf')) };

/** xorshift32: deterministic per seed. */
function rng(seed: number): () => number {
  let s = seed * 2654435761 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}

const iType = (op: number, rd: number, f3: number, rs1: number, imm: number): number => ((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op;
const sType = (f3: number, rs1: number, rs2: number, imm: number): number => (((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 31) << 7) | 0x23;
const lui = (rd: number, imm20: number): number => ((imm20 & 0xfffff) << 12) | (rd << 7) | 0x37;

/** Addresses a wild guest likes: device pages of the board, RAM edges, beyond RAM, nonsense. */
const TARGETS = [0x0, 0x1000, 0x10_0000, 0x10_1000, 0x200_0000, 0x200_4000, 0x200_bff8, 0xc00_0000, 0xc20_0000, 0x1000_0000, 0x1000_1000, 0x1000_8000, 0x1000_9000, 0x8000_0000, 0x803f_f000, 0x8040_0000, 0x9000_0000, 0xffff_f000];

/** A program of `words` instructions mixing random words, CSR accesses, MMIO/RAM loads and stores, and privileged instructions. */
function program(seed: number, words: number): Uint8Array {
  const r = rng(seed);
  const out: number[] = [];
  // First: point mtvec somewhere into the program, so traps keep running random code.
  // (lui sign-extends bit 31, so build 0x8000_0000 + off as 2 × 0x4000_0000 + off.)
  out.push(lui(5, 0x40000), 0x005282b3 /* add t0, t0, t0 */, iType(0x13, 5, 0, 5, 4 * (8 + (r() % 256))), iType(0x73, 0, 1, 5, 0x305));
  while (out.length < words) {
    const k = r() % 10;
    const rd = 1 + (r() % 31);
    const rs = 1 + (r() % 31);
    if (k < 3) out.push(r());
    else if (k < 5) out.push(iType(0x73, rd, 1 + (r() % 3) + (r() % 2) * 4, rs, r() % 0x1000)); // csrr{w,s,c}[i] on any CSR
    else if (k < 8) {
      const t = TARGETS[r() % TARGETS.length]! + (r() % 64) * 4;
      out.push(lui(6, (t >>> 12) + ((t & 0x800) ? 1 : 0)));
      out.push(r() % 2 ? iType(0x03, rd, r() % 7, 6, t & 0xfff) : sType(r() % 4, 6, rs, t & 0xfff));
    } else if (k < 9) out.push([0x30200073, 0x10200073, 0x10500073, 0x00000073, 0x00100073, 0x12000073, 0x0000100f][r() % 7]!);
    else out.push(((r() & 0xffff) << 16) | (r() & 0xffff) & ~3 | (r() % 3)); // compressed pairs (low bits ≠ 11)
  }
  const bytes = new Uint8Array(out.length * 4);
  const v = new DataView(bytes.buffer);
  out.forEach((w, i) => v.setUint32(i * 4, w >>> 0, true));
  return bytes;
}

describe('fuzzing the hypervisor with wild guests', () => {
  it.each(Array.from({ length: 16 }, (_, i) => i + 1))('seed %i: no host exception, no escape, a reported state', (seed) => {
    const hv = new NativeHypervisor({ memory: 40 << 20, quantum: 20_000 });
    const wild = hv.createVm({ name: `fuzz-${seed}`, memory: 4 << 20, kernel: { file: `fuzz-${seed}.bin`, bytes: program(seed, 1024) }, sbi: 'firmware' });
    const healthy = hv.createVm({ name: 'healthy', memory: 4 << 20, kernel: HELLO, sbi: 'firmware' });
    // Host memory nobody owns holds a canary: a guest reaching it would show.
    const ram = hv.host.ram;
    const free = hv.host.free;
    const canaryStart = ram.size - free;
    const canary = (i: number): number => (i * 131) & 0xff;
    for (let i = canaryStart; i < ram.size; i++) ram.write8(ram.base + i, canary(i));

    let result;
    expect(() => {
      result = hv.run(3_000_000);
    }).not.toThrow();
    expect(result).toBeDefined();

    let intact = true;
    for (let i = canaryStart; i < ram.size && intact; i++) intact = ram.read8(ram.base + i) === canary(i);
    expect(intact).toBe(true);
    expect(healthy.console).toBe('hello from M-mode\n');
    expect(healthy.exitStatus).toBe(0);
    // The wild VM is either still running (bounded by the budget) or stopped with a report.
    expect(['running', 'waiting', 'stopped']).toContain(wild.state);
    if (wild.state === 'stopped') expect(wild.report ?? wild.exitStatus).toBeDefined();
    expect(wild.describe()).toContain(`fuzz-${seed}`);
    if (process.env.FUZZ_VERBOSE) console.log(wild.describe(), wild.stats.guestInstructions, JSON.stringify(wild.stats.events()));
  });
});
