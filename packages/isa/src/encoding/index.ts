export { INSTRUCTIONS, INSTRUCTION_BY_MNEMONIC } from './table.js';
export { decodeEntry, isReserved, instructionLength } from './decode.js';
export { FIELDS } from './fields.js';
export type { Field, FieldName } from './fields.js';
export { OPERANDS } from './operands.js';
export type { OperandKind, OperandClass, OperandInfo } from './operands.js';
export type { InsnEncoding, InsnFormat, Extension, ReservedWhen } from './types.js';
export { extensionsOf, DEFAULT_OBJDUMP_ARCH } from './isa-string.js';
export { expandCompressed } from './expand.js';
