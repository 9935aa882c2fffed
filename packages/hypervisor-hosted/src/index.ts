export { VCPU_QUANTUM, VmmProgram } from './vmm-process.js';
export type { VmmMode, VmmOptions } from './vmm-process.js';
export { HostFileBackend } from './host-file-backend.js';
export { HOST_RESERVE, hostedAccelStack, hostedHost, hostedSoftStack, hostedSetup, vcpusProblem } from './hosted-stack.js';
export type { HostedGuest, HostedHost, HostedHostOptions, HostedSetup } from './hosted-stack.js';
export { HostedSession, vmmStatus, vmmOutcome, vmmExits, vmmSyscalls } from './hosted-session.js';
export type { HostedSessionOptions } from './hosted-session.js';
export { checkVmmHeader } from './vmm-snapshot.js';
