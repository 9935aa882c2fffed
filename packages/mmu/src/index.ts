export { Ram } from './ram.js';
export { SystemBus, BUS_FAULT } from './bus.js';
export type { BusMapping } from './bus.js';
