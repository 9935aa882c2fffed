import type { ElfImage } from './types.js';

/** SHT_RISCV_ATTRIBUTES (RISC-V psABI, "RISC-V specific attributes"). */
export const SHT_RISCV_ATTRIBUTES = 0x70000003;
/** Tag_RISCV_arch: NTBS ISA string, e.g. "rv64i2p1_m2p0_a2p1_f2p2_d2p2_c2p0_zicsr2p0". */
const TAG_RISCV_ARCH = 5;

function uleb(bytes: Uint8Array, pos: { at: number }, end: number): number {
  let value = 0;
  let scale = 1;
  while (pos.at < end) {
    const b = bytes[pos.at++];
    value += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) break;
    scale *= 128;
  }
  return value;
}

/**
 * The Tag_RISCV_arch string of the file's .riscv.attributes section, or undefined. Malformed
 * attribute data is ignored (it only steers disassembly, never loading).
 */
export function riscvArch(image: ElfImage): string | undefined {
  const sec = image.sections.find((s) => s.type === SHT_RISCV_ATTRIBUTES);
  if (!sec || sec.size < 1) return undefined;
  const b = image.bytes;
  const end = Math.min(sec.offset + sec.size, b.length);
  if (b[sec.offset] !== 0x41) return undefined; // format-version 'A'
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let at = sec.offset + 1;
  while (at + 4 <= end) {
    const subLen = view.getUint32(at, true);
    const subEnd = Math.min(at + subLen, end);
    let p = at + 4;
    let vendor = '';
    while (p < subEnd && b[p] !== 0) vendor += String.fromCharCode(b[p++]);
    p++;
    if (vendor === 'riscv') {
      while (p + 5 <= subEnd) {
        const pos = { at: p };
        const tag = uleb(b, pos, subEnd);
        const size = view.getUint32(pos.at, true);
        const blockEnd = Math.min(p + size, subEnd);
        pos.at += 4;
        if (tag === 1) {
          // Tag_File: attributes for the whole file.
          while (pos.at < blockEnd) {
            const attr = uleb(b, pos, blockEnd);
            if (attr === TAG_RISCV_ARCH) {
              let s = '';
              while (pos.at < blockEnd && b[pos.at] !== 0) s += String.fromCharCode(b[pos.at++]);
              return s;
            }
            // Other RISC-V tags are ULEB128 except the odd ones above 32 (NTBS by the generic rule).
            if (attr > 32 && attr % 2 === 1) {
              while (pos.at < blockEnd && b[pos.at] !== 0) pos.at++;
              pos.at++;
            } else uleb(b, pos, blockEnd);
          }
        }
        if (size === 0) break;
        p = blockEnd;
      }
    }
    if (subLen === 0) break;
    at = subEnd;
  }
  return undefined;
}
