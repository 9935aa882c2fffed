import { describe, expect, it } from 'vitest';
import { MemoryBlockBackend, VirtioBlock, VirtioNet, NetLoopback, VirtioRng } from '@vm/devices';
import { bootVirt } from './boot.js';
import { VirtMachine } from './virt.js';

/**
 * A guest can never crash the host: seeded random instruction streams — random words, CSR
 * accesses, loads and stores aimed at every device of the board and beyond RAM, privileged
 * instructions — run on the bare board with every kind of device attached. The run must end
 * normally (budget, WFI or a guest-requested exit), never with a host exception.
 */
function rng(seed: number): () => number {
  let s = seed * 2654435761 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}

const TARGETS = [0x0, 0x1000, 0x10_0000, 0x10_1000, 0x200_0000, 0x200_4000, 0x200_bff8, 0xc00_0000, 0xc00_2000, 0xc20_0000, 0x1000_0000, 0x1000_1000, 0x1000_6000, 0x1000_7000, 0x1000_8000, 0x1000_9000, 0x8000_0000, 0x80ff_f000, 0x9000_0000];

function program(seed: number): Uint8Array {
  const r = rng(seed);
  const words: number[] = [0x400002b7, 0x005282b3, 0x30529073]; // t0 = 0x8000_0000; mtvec = t0
  while (words.length < 2048) {
    const k = r() % 10;
    const rd = 1 + (r() % 31);
    const rs = 1 + (r() % 31);
    if (k < 3) words.push(r());
    else if (k < 5) words.push(((r() % 0x1000) << 20) | (rs << 15) | ((1 + (r() % 3)) << 12) | (rd << 7) | 0x73);
    else if (k < 8) {
      const t = TARGETS[r() % TARGETS.length]! + (r() % 256) * 4;
      words.push((((t >>> 12) + ((t & 0x800) ? 1 : 0)) << 12) | (6 << 7) | 0x37); // lui x6
      const imm = t & 0xfff;
      words.push(r() % 2 ? (imm << 20) | (6 << 15) | ((r() % 7) << 12) | (rd << 7) | 0x03 : (((imm >> 5) & 0x7f) << 25) | (rs << 20) | (6 << 15) | ((r() % 4) << 12) | ((imm & 31) << 7) | 0x23);
    } else words.push([0x30200073, 0x10200073, 0x10500073, 0x00000073, 0x00100073, 0x12000073, 0x0000100f][r() % 7]!);
  }
  const bytes = new Uint8Array(words.length * 4);
  const v = new DataView(bytes.buffer);
  words.forEach((w, i) => v.setUint32(i * 4, w >>> 0, true));
  return bytes;
}

describe('wild guests on the bare board', () => {
  it.each(Array.from({ length: 24 }, (_, i) => i + 1))('seed %i never raises a host exception', (seed) => {
    const m = new VirtMachine({ memory: 16 << 20, console: () => {} });
    m.addVirtio(new VirtioBlock({ backend: new MemoryBlockBackend(1 << 20) }));
    m.addVirtio(new VirtioNet({ backend: new NetLoopback() }));
    m.addVirtio(new VirtioRng({}));
    m.addPioDisk(new MemoryBlockBackend(1 << 20));
    bootVirt(m, { kernel: { file: `wild-${seed}.bin`, bytes: program(seed) } });
    let exit;
    for (let i = 0; i < 20; i++) {
      exit = m.run(100_000);
      if (exit.reason !== 'budget') break;
    }
    expect(['budget', 'wfi', 'poweroff', 'reset']).toContain(exit!.reason);
  });
});
