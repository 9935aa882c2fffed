export * from './legacy/index.js';
export * from './fdt/index.js';
export * from './virtio/index.js';
export * from './block/index.js';
