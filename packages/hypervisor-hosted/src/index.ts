export { VCPU_QUANTUM, VmmProgram } from './vmm-process.js';
export type { VmmMode, VmmOptions } from './vmm-process.js';
export { HostFileBackend } from './host-file-backend.js';
export { HOST_RESERVE, hostedAccelStack, hostedHost, hostedKernel, hostedSoftStack, hostedSetup, spawnVmm, vcpusProblem } from './hosted-stack.js';
export type { HostedGuest, HostedHost, HostedHostOptions, HostedImages, HostedSetup } from './hosted-stack.js';
export { HostedSession, vmmStatus, vmmOutcome, vmmExits, vmmSyscalls } from './hosted-session.js';
export type { HostedSessionOptions } from './hosted-session.js';
export { checkVmmHeader } from './vmm-snapshot.js';
