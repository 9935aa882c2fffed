export { parseElf, isElf } from './parse.js';
export type { ElfImage, ElfSegment, ElfSection, ElfSymbol } from './types.js';
export * as elfConstants from './constants.js';
export { riscvArch, riscvAttributes } from './attributes.js';
export type { RiscvAttributes } from './attributes.js';
