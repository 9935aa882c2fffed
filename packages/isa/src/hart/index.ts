export { Hart } from './hart.js';
export type { HartOptions, HartState } from './hart.js';
export * from './csr-numbers.js';
export * from './causes.js';
export * from './privilege.js';
