import { describe, expect, it } from 'vitest';
import { expandCompressed } from '../encoding/expand.js';
import { compressedTable, expandParcel } from './compressed.js';

/**
 * [compressed, 32-bit equivalent, source]: produced once with riscv64-unknown-elf-as (.option rvc
 * vs .option norvc on the same source), so the expected words come from an independent encoder.
 */
const PAIRS: [number, number, string][] = [
  [0x0040, 0x00410413, "addi s0, sp, 4"],
  [0x1ffc, 0x3fc10793, "addi a5, sp, 1020"],
  [0x3fe8, 0x0f87b507, "fld fa0, 248(a5)"],
  [0x5ce8, 0x07c4a503, "lw a0, 124(s1)"],
  [0x4144, 0x00452483, "lw s1, 4(a0)"],
  [0x7ef0, 0x0f86b603, "ld a2, 248(a3)"],
  [0xa480, 0x0084b427, "fsd fs0, 8(s1)"],
  [0xc3b8, 0x04e7a023, "sw a4, 64(a5)"],
  [0xfc68, 0x0ea43c23, "sd a0, 248(s0)"],
  [0x1501, 0xfe050513, "addi a0, a0, -32"],
  [0x037d, 0x01f30313, "addi t1, t1, 31"],
  [0x357d, 0xfff5051b, "addiw a0, a0, -1"],
  [0x2f95, 0x005f8f9b, "addiw t6, t6, 5"],
  [0x5501, 0xfe000513, "li a0, -32"],
  [0x40fd, 0x01f00093, "li ra, 31"],
  [0x7101, 0xe0010113, "addi sp, sp, -512"],
  [0x617d, 0x1f010113, "addi sp, sp, 496"],
  [0x0141, 0x01010113, "addi sp, sp, 16"],
  [0x657d, 0x0001f537, "lui a0, 0x1f"],
  [0x7281, 0xfffe02b7, "lui t0, 0xfffe0"],
  [0x6905, 0x00001937, "lui s2, 1"],
  [0x917d, 0x03f55513, "srli a0, a0, 63"],
  [0x8085, 0x0014d493, "srli s1, s1, 1"],
  [0x9781, 0x4207d793, "srai a5, a5, 32"],
  [0x9afd, 0xfff6f693, "andi a3, a3, -1"],
  [0x887d, 0x01f47413, "andi s0, s0, 31"],
  [0x8d0d, 0x40b50533, "sub a0, a0, a1"],
  [0x8c3d, 0x00f44433, "xor s0, s0, a5"],
  [0x8e55, 0x00d66633, "or a2, a2, a3"],
  [0x8f7d, 0x00f77733, "and a4, a4, a5"],
  [0x9d05, 0x4095053b, "subw a0, a0, s1"],
  [0x9fb9, 0x00e787bb, "addw a5, a5, a4"],
  [0xaffd, 0x7fe0006f, "j .+2046"],
  [0xb001, 0x801ff06f, "j .-2048"],
  [0xa001, 0x0000006f, "j .+0"],
  [0xcd7d, 0x0e050f63, "beqz a0, .+254"],
  [0xf081, 0xf00490e3, "bnez s1, .-256"],
  [0x157e, 0x03f51513, "slli a0, a0, 63"],
  [0x0086, 0x00109093, "slli ra, ra, 1"],
  [0x3ffe, 0x1f813f87, "fld f31, 504(sp)"],
  [0x557e, 0x0fc12503, "lw a0, 252(sp)"],
  [0x4f82, 0x00012f83, "lw t6, 0(sp)"],
  [0x70fe, 0x1f813083, "ld ra, 504(sp)"],
  [0x6422, 0x00813403, "ld s0, 8(sp)"],
  [0x8082, 0x00008067, "jr ra"],
  [0x8f82, 0x000f8067, "jr t6"],
  [0x852e, 0x00b00533, "mv a0, a1 (spec: add rd, x0, rs2)"],
  [0x8dfe, 0x01f00db3, "mv s11, t6 (spec: add rd, x0, rs2)"],
  [0x9002, 0x00100073, "ebreak"],
  [0x9502, 0x000500e7, "jalr a0"],
  [0x9f82, 0x000f80e7, "jalr t6"],
  [0x952e, 0x00b50533, "add a0, a0, a1"],
  [0x9fa6, 0x009f8fb3, "add t6, t6, s1"],
  [0xbfa6, 0x1e913c27, "fsd f9, 504(sp)"],
  [0xdfaa, 0x0ea12e23, "sw a0, 252(sp)"],
  [0xffa2, 0x1e813c23, "sd s0, 504(sp)"],
  [0xe006, 0x00113023, "sd ra, 0(sp)"],
];

describe('RVC expansion (unpriv spec ch. 16)', () => {
  it.each(PAIRS)('%s expands to %s (%s)', (c, full) => {
    expect(expandCompressed(c)! >>> 0).toBe(full >>> 0);
  });

  it('treats the all-zero halfword and reserved encodings as illegal', () => {
    const reserved = [
      0x0000, // c.addi4spn with nzuimm = 0 (also the defined-illegal all-zero instruction)
      0x8000, // quadrant 0 funct3 100
      0x2001, // c.addiw rd = 0
      0x6101, // c.addi16sp with nzimm = 0
      0x6501, // c.lui a0, 0 (nzimm = 0)
      0x4002, // c.lwsp rd = 0
      0x6002, // c.ldsp rd = 0
      0x8002, // c.jr x0
      0x9c41, // c.subw/c.addw space funct2 = 10 (reserved)
      0x9c61, // funct2 = 11 (reserved)
    ];
    for (const c of reserved) expect(expandCompressed(c), c.toString(16)).toBeUndefined();
    for (const c of reserved) expect(expandParcel(compressedTable(), c), c.toString(16)).toBe(0);
  });

  it('builds a table that agrees with the expander, each entry on first use', () => {
    const t = compressedTable();
    expect(t.length).toBe(65536);
    const [c0, full0] = PAIRS[0]!;
    expect(t[c0]).toBe(1); // not expanded yet: what a reader's (v & 3) !== 3 test sends to expandParcel
    for (const [c, full] of PAIRS) expect(expandParcel(t, c) >>> 0).toBe(full >>> 0);
    expect(t[c0]! >>> 0).toBe(full0 >>> 0); // now filled
    expect(expandParcel(t, 0x0003)).toBe(0); // low bits 11 are not compressed
  });

  it('gives every expansion as the signed word the table holds, on first use as on later ones', () => {
    // A fresh table (PENDING everywhere): each halfword's first use expands it.
    const t = new Int32Array(65536).fill(1);
    let negative = 0;
    for (let c = 0; c < 65536; c++) {
      if ((c & 3) === 3) continue;
      const first = expandParcel(t, c);
      // Signed: the unsigned form of a word with bit 31 set (c.j back, c.lui of a negative
      // immediate) is not a V8 small integer, which cost the interpreter's optimized code.
      expect(first, c.toString(16)).toBe(first | 0);
      expect(expandParcel(t, c), c.toString(16)).toBe(first);
      if (first < 0) negative++;
    }
    expect(negative).toBeGreaterThan(1000);
  });
});
