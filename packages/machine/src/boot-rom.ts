/**
 * The reset vector QEMU's virt board places at 0x1000 (hw/riscv/boot.c, riscv_setup_rom_reset_vec):
 * a0 = mhartid, a1 = FDT address, a2 = &fw_dynamic_info, then jump to the start address in M-mode.
 * The instruction words are the RV64 encodings of the sequence below; the data follows them.
 */
const RESET_VECTOR = [
  0x0000_0297, // 1000: auipc t0, 0
  0x0282_8613, // 1004: addi  a2, t0, 40       (a2 = &fw_dynamic_info at 0x1028)
  0xf140_2573, // 1008: csrr  a0, mhartid
  0x0202_b583, // 100c: ld    a1, 32(t0)       (FDT address at 0x1020)
  0x0182_b283, // 1010: ld    t0, 24(t0)       (start address at 0x1018)
  0x0002_8067, // 1014: jr    t0
];

/** OpenSBI's fw_dynamic_info (include/sbi/fw_dynamic.h): magic "OSBI", version 2. */
const FW_DYNAMIC_INFO_MAGIC = 0x4942_534fn;
const FW_DYNAMIC_INFO_VERSION = 2n;
/** next_mode values of fw_dynamic_info. */
export const NEXT_MODE_S = 1n;
export const NEXT_MODE_M = 3n;

export interface ResetVectorOptions {
  /** Where the ROM jumps (firmware or kernel entry). */
  start: bigint;
  /** Address of the DTB in RAM. */
  fdt: bigint;
  /** What fw_dynamic starts next (the kernel), and in which mode. */
  nextAddr: bigint;
  nextMode?: bigint;
  bootHart?: bigint;
}

export function buildResetVector(o: ResetVectorOptions): Uint8Array {
  const rom = new Uint8Array(0x28 + 6 * 8);
  const v = new DataView(rom.buffer);
  RESET_VECTOR.forEach((w, i) => v.setUint32(4 * i, w, true));
  v.setBigUint64(0x18, o.start, true);
  v.setBigUint64(0x20, o.fdt, true);
  const info = [FW_DYNAMIC_INFO_MAGIC, FW_DYNAMIC_INFO_VERSION, o.nextAddr, o.nextMode ?? NEXT_MODE_S, 0n, o.bootHart ?? 0n];
  info.forEach((w, i) => v.setBigUint64(0x28 + 8 * i, w, true));
  return rom;
}
