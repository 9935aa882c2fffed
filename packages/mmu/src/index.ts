export { Ram, RamStore, MAX_RAM_BYTES, RAM_CHUNK_SIZE, ARENA_TAIL_BYTES, ARENA_MAX_BYTES } from './ram.js';
export type { RamWriteWatcher, RamArena, SharedRam } from './ram.js';
export { wasmApi } from './wasm-api.js';
export type { WasmApi, WasmMemory, WasmTable, WasmInstance } from './wasm-api.js';
export { SystemBus, BUS_FAULT } from './bus.js';
export type { BusMapping } from './bus.js';
export { Mmu, LEAF_UNTRANSLATED, LEVEL_UNKNOWN } from './mmu.js';
export { Pmp } from './pmp.js';
export * from './access.js';
export type { MmuState, MmuOptions } from './mmu.js';
export { PMP_R, PMP_W, PMP_X, PMP_L, PMP_A_SHIFT, PMP_A_MASK, PMP_OFF, PMP_TOR, PMP_NA4, PMP_NAPOT } from './pmp.js';
export type { PmpState } from './pmp.js';
export { MmuStats } from './stats.js';
export { leafAllows } from './permissions.js';
export { PTE_V, PTE_R, PTE_W, PTE_X, PTE_U, PTE_G, PTE_A, PTE_D, PAGE_SIZE, PAGE_SHIFT, LEVEL_BITS } from './pte.js';
export { pagingLevels, SATP_MODE_BARE, SATP_MODE_SV39, SATP_MODE_SV48, satpMode } from './satp.js';
export { HGATP_MODE_BARE, HGATP_MODE_SV39X4, HGATP_MODE_SV48X4, VMID_BITS, legalizeHgatp, gpaLimit } from './gstage.js';
export {
  PageTableWalker, BusPteMemory, walkPageTable, PSEUDO_PTE_READ_64, PSEUDO_PTE_WRITE_64, PTE_WRITTEN, PTE_CHANGED, PTE_WRITE_FAULT,
} from './walk.js';
export type { WalkStage, PteMemory, PteWriteResult, WalkResult } from './walk.js';
