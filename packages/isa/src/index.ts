export {};
export { parseElf, isElf } from './elf/index.js';
export type { ElfImage, ElfSegment, ElfSection, ElfSymbol } from './elf/index.js';
export { executeFp } from './fp/index.js'; export type { FpState } from './fp/index.js';
export { INSTRUCTIONS, INSTRUCTION_BY_MNEMONIC, decodeEntry, isReserved, instructionLength, FIELDS, OPERANDS } from './encoding/index.js';
export type { InsnEncoding, InsnFormat, Extension, ReservedWhen, Field, FieldName, OperandKind, OperandClass, OperandInfo } from './encoding/index.js';
export { Hart } from './hart/index.js';
export type { HartOptions, HartState } from './hart/index.js';
