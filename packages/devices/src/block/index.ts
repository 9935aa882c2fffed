export type { BlockBackend } from './backend.js';
export { BlockBackendError } from './backend.js';
export { MemoryBlockBackend } from './memory.js';
export type { MemoryBlockBackendOptions } from './memory.js';
export { FileBlockBackend } from './file.js';
export type { FileBlockBackendOptions } from './file.js';
export { OverlayBlockBackend } from './overlay.js';
export type { OverlayBlockBackendOptions } from './overlay.js';
