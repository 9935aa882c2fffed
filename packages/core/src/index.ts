export type { AccessWidth, MmioDevice } from './mmio.js';
export type { IrqLine } from './irq.js';
export { LevelIrqLine } from './irq.js';
export type { Snapshottable, VersionedState } from './snapshot.js';
export type { GuestMemory } from './guest-memory.js';
export type { Clock } from './clock.js';
export type { VmExit, VmExitReason } from './exit.js';
export { VmError, FormatError, ConfigError, GuestMemoryError } from './errors.js';
export { MASK64, MASK32, u64, s64, sext32, hex, parseSize } from './bits.js';
