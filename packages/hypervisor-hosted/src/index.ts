export { VmmProgram } from './vmm-process.js';
export type { VmmMode, VmmOptions } from './vmm-process.js';
export { HostFileBackend } from './host-file-backend.js';
export { hostedAccelStack, hostedSoftStack, hostedSetup } from './hosted-stack.js';
export type { HostedSetup } from './hosted-stack.js';
