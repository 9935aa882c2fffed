/**
 * The one generator of wild guests (hypervisor-native's fuzz.test.ts and machine's
 * wild-guest.test.ts had copies; both are gone, their checks run here through guest-runners.ts): seeded random instruction streams mixing random
 * words, CSR accesses on any CSR, loads and stores aimed at every device page of the virt board,
 * RAM edges and beyond RAM, privileged instructions and compressed pairs. The same seed always
 * gives the same bytes (xorshift32), so any failure is replayed from its seed alone.
 */

/** xorshift32 (Marsaglia 2003): deterministic per seed, never 0. */
export function rng(seed: number): () => number {
  let s = Math.imul(seed, 2654435761) >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}

// RV64 base encodings (unprivileged spec ch. 2/34): I-type, S-type, U-type (LUI).
const iType = (op: number, rd: number, f3: number, rs1: number, imm: number): number => ((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op;
const sType = (f3: number, rs1: number, rs2: number, imm: number): number => (((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 31) << 7) | 0x23;
const lui = (rd: number, imm20: number): number => ((imm20 & 0xfffff) << 12) | (rd << 7) | 0x37;

/**
 * Addresses a wild guest likes: the boot ROM, test/RTC, CLINT (msip, mtimecmp, mtime), PLIC
 * (priorities, enables, contexts), UART, the eight virtio-mmio slots, the PIO disk, RAM's first
 * page, and addresses beyond RAM or nowhere. `ramEnd` pages are added per guest.
 */
const DEVICE_TARGETS = [0x0, 0x1000, 0x10_0000, 0x10_1000, 0x200_0000, 0x200_4000, 0x200_bff8, 0xc00_0000, 0xc00_2000, 0xc20_0000, 0x1000_0000, 0x1000_1000, 0x1000_6000, 0x1000_7000, 0x1000_8000, 0x1000_9000, 0x8000_0000, 0x9000_0000, 0xffff_f000];

/** The privileged instructions: mret, sret, wfi, ecall, ebreak, sfence.vma, fence.i. */
const PRIVILEGED = [0x30200073, 0x10200073, 0x10500073, 0x00000073, 0x00100073, 0x12000073, 0x0000100f];

export interface GuestShape {
  /** Program length in 32-bit words. */
  readonly words: number;
  /** The guest's RAM size: its last page and the first page beyond it are targets. */
  readonly ram: number;
  /** The privilege it starts in: M (an M-mode program, -bios none) or S (an S-mode payload under the hypervisor's SBI). */
  readonly priv?: 'M' | 'S';
}

export const DEFAULT_SHAPE: GuestShape = { words: 1024, ram: 4 << 20 };

/**
 * The program of `seed`: it first points mtvec (stvec for an S-mode guest) into itself (so traps keep running random code),
 * then `words - 4` random instructions. Loaded at the DRAM base as an M-mode raw image, or at
 * 0x8020_0000 as an S-mode payload.
 */
export function wildProgram(seed: number, shape: GuestShape = DEFAULT_SHAPE): Uint8Array {
  const r = rng(seed);
  const targets = [...DEVICE_TARGETS, 0x8000_0000 + shape.ram - 0x1000, 0x8000_0000 + shape.ram];
  const out: number[] = [];
  // lui sign-extends bit 31, so base + off is built as 2 × (base / 2) + off. The base is where
  // the program is loaded: the DRAM base for an M-mode image, 0x8020_0000 for an S-mode payload
  // (its trap vector must land in its own code, not in the zero RAM below it: an S guest whose
  // stvec pointed there looped on its first trap after a handful of instructions).
  out.push(lui(5, shape.priv === 'S' ? 0x40100 : 0x40000), 0x005282b3 /* add t0, t0, t0 */, iType(0x13, 5, 0, 5, 4 * (8 + (r() % 256))), iType(0x73, 0, 1, 5, shape.priv === 'S' ? 0x105 : 0x305) /* csrw mtvec|stvec, t0 */);
  while (out.length < shape.words) {
    const k = r() % 10;
    const rd = 1 + (r() % 31);
    const rs = 1 + (r() % 31);
    if (k < 3) out.push(r());
    else if (k < 5) out.push(iType(0x73, rd, 1 + (r() % 3) + (r() % 2) * 4, rs, r() % 0x1000)); // csrr{w,s,c}[i] on any CSR
    else if (k < 8) {
      const t = targets[r() % targets.length]! + (r() % 64) * 4;
      out.push(lui(6, (t >>> 12) + (t & 0x800 ? 1 : 0)));
      out.push(r() % 2 ? iType(0x03, rd, r() % 7, 6, t & 0xfff) : sType(r() % 4, 6, rs, t & 0xfff));
    } else if (k < 9) out.push(PRIVILEGED[r() % PRIVILEGED.length]!);
    else out.push((((r() & 0xffff) << 16) | (r() & 0xfffc)) | (r() % 3)); // compressed pairs (low bits ≠ 11)
  }
  const bytes = new Uint8Array(out.length * 4);
  const v = new DataView(bytes.buffer);
  out.forEach((w, i) => v.setUint32(i * 4, w >>> 0, true));
  return bytes;
}
