export { RemoteVm } from './remote-vm.js';
export { ParallelSession } from './parallel-session.js';
export type { ParallelSessionOptions } from './parallel-session.js';
export type { WorkerVm, WorkerVmFactory, WorkerVmSource, RemoteStatus, RemoteInfo } from './protocol.js';
export { runConsolidatedOnThreads } from './consolidated.js';
export { createSpecVm } from './spec-vm.js';
export type { SpecVmArgs } from './spec-vm.js';
