export { Ram } from './ram.js';
export { SystemBus, BUS_FAULT } from './bus.js';
export type { BusMapping } from './bus.js';
export { Mmu } from './mmu.js';
export { Pmp } from './pmp.js';
export * from './access.js';
