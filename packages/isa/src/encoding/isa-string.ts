import type { Extension } from './types.js';

/**
 * Which table extensions an ISA string enables (Unprivileged ISA ch. 27 "ISA Extension Naming
 * Conventions": `rv64` + single letters, then `_`-separated multi-letter extensions; `g` is
 * `imafd_zicsr_zifencei`; version numbers like `2p1` are ignored). The privileged instructions
 * and DRET are always on (objdump decodes them in every ISA).
 */
export function extensionsOf(arch: string): (ext: Extension) => boolean {
  const parts = arch.toLowerCase().replace(/^rv(32|64|128)/, '').split('_');
  const letters = new Set<string>();
  const multi = new Set<string>();
  const first = parts.shift() ?? '';
  // Single-letter extensions may carry versions: i2p1m2p0... -> strip digits/'p'.
  for (const ch of first.replace(/\d+(p\d+)?/g, '')) letters.add(ch);
  for (const p of parts) {
    const name = p.replace(/\d+(p\d+)?$/, '');
    if (name.length === 1) letters.add(name);
    else multi.add(name);
  }
  if (letters.has('g')) for (const ch of 'imafd') letters.add(ch);
  if (letters.has('d')) letters.add('f');
  return (ext) => {
    switch (ext) {
      case 'Priv':
      case 'Sdext':
      case 'I':
      case 'Zicsr':
      case 'Zifencei':
        return true;
      default:
        return letters.has(ext.toLowerCase()) || multi.has(ext.toLowerCase());
    }
  };
}

/** GNU objdump's ISA when a file carries no Tag_RISCV_arch. */
export const DEFAULT_OBJDUMP_ARCH = 'rv64gc';
