export { Hart } from './hart.js';
export type { HartOptions } from './hart.js';
export {
  resetHartState, HART_STATE_FIELDS, HART_BASE_FIELDS, HART_HEXT_FIELDS, DERIVE_ROOTS, DERIVE_TRANSLATION, DERIVE_SSTC,
  DERIVE_ATTENTION, DERIVE_ALL,
} from './hart-state.js';
export type { HartState, HartStateField, HartBaseField, HartHextField } from './hart-state.js';
export * from './csr-numbers.js';
export * from './causes.js';
export * from './privilege.js';
