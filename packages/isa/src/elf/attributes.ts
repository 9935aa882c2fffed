import type { ElfImage } from './types.js';

/** SHT_RISCV_ATTRIBUTES (RISC-V psABI, "RISC-V specific attributes"). */
export const SHT_RISCV_ATTRIBUTES = 0x70000003;
/** Tag_RISCV_arch: NTBS ISA string, e.g. "rv64i2p1_m2p0_a2p1_f2p2_d2p2_c2p0_zicsr2p0". */
const TAG_RISCV_ARCH = 5;
/** Tag_RISCV_priv_spec / _minor / _revision: ULEB128 version numbers. */
const TAG_RISCV_PRIV_SPEC = 8;
const TAG_RISCV_PRIV_SPEC_MINOR = 10;
const TAG_RISCV_PRIV_SPEC_REVISION = 12;

/** The file attributes the tools use. */
export interface RiscvAttributes {
  arch?: string;
  privSpec?: { major: number; minor: number; revision: number };
}

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

/** Tag_RISCV_arch string of the file, or undefined. */
export function riscvArch(image: ElfImage): string | undefined {
  return riscvAttributes(image).arch;
}

/**
 * The file attributes in .riscv.attributes. Malformed attribute data is ignored (attributes only
 * steer disassembly, never loading).
 */
export function riscvAttributes(image: ElfImage): RiscvAttributes {
  const out: RiscvAttributes = {};
  const sec = image.sections.find((s) => s.type === SHT_RISCV_ATTRIBUTES);
  if (!sec || sec.size < 1) return out;
  const b = image.bytes;
  const end = Math.min(sec.offset + sec.size, b.length);
  if (b[sec.offset] !== 0x41) return out; // format-version 'A'
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const priv = { major: 0, minor: 0, revision: 0 };
  let sawPriv = false;
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
        if (pos.at + 4 > subEnd) break;
        const size = view.getUint32(pos.at, true);
        const blockEnd = Math.min(p + size, subEnd);
        pos.at += 4;
        if (tag === 1) {
          // Tag_File: attributes for the whole file.
          while (pos.at < blockEnd) {
            const attr = uleb(b, pos, blockEnd);
            // Tag_RISCV_arch and (by the generic rule) odd tags above 32 are NTBS; the rest ULEB128.
            if (attr === TAG_RISCV_ARCH || (attr > 32 && attr % 2 === 1)) {
              let str = '';
              while (pos.at < blockEnd && b[pos.at] !== 0) str += String.fromCharCode(b[pos.at++]);
              pos.at++;
              if (attr === TAG_RISCV_ARCH) out.arch = str;
            } else {
              const value = uleb(b, pos, blockEnd);
              if (attr === TAG_RISCV_PRIV_SPEC) priv.major = value;
              if (attr === TAG_RISCV_PRIV_SPEC_MINOR) priv.minor = value;
              if (attr === TAG_RISCV_PRIV_SPEC_REVISION) priv.revision = value;
              if (attr === TAG_RISCV_PRIV_SPEC || attr === TAG_RISCV_PRIV_SPEC_MINOR || attr === TAG_RISCV_PRIV_SPEC_REVISION) sawPriv = true;
            }
          }
        }
        if (size === 0) break;
        p = blockEnd;
      }
    }
    if (subLen === 0) break;
    at = subEnd;
  }
  if (sawPriv) out.privSpec = priv;
  return out;
}
