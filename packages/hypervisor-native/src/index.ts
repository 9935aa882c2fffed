export { NativeHypervisor } from './hypervisor.js';
export type { NativeHypervisorOptions, HypervisorRunResult, ExitHook } from './hypervisor.js';
export { CreditScheduler } from './credit-scheduler.js';
export type { Schedulable, SchedDomain } from './credit-scheduler.js';
export { HostBoard, HOST_RAM_BASE } from './host-board.js';
export { NativeSession } from './native-session.js';
export type { NativeSessionOptions } from './native-session.js';
export { vmStatus, stoppedByHypervisor, formatReport, totalExits, exitsByReason, summaryLine } from './vm-report.js';
export { nativeTrapStack, nativePvStack, nativeHextStack, nativeStack } from './native-stacks.js';
// The VM and its vCPU come from the vCPU layer; re-exported so a stack can be composed from this package alone.
export { Vm, GUEST_RAM_BASE, MAX_VCPUS, VmStats, EXIT_HISTORY, sbiModeOf, vcpusOf, captureVm, checkVmSnapshot, disksOf, loadVmState } from '@vm/vcpu';
export type { VmConfig, VmDisk, VmState, VcpuState, VmReport, HostRegion, ExitReason, GuestExit, ExitVerdict, VmSnapshot, VmSnapshotInfo, VcpuSnapshotInfo, VmScheduleState, Vcpu, VcpuExit } from '@vm/vcpu';
// VMs on worker threads (-accel tcg,thread=multi).
export { RemoteVm, ParallelSession, runConsolidatedOnThreads, createSpecVm } from './parallel/index.js';
export type { ParallelSessionOptions, WorkerVm, WorkerVmFactory, WorkerVmSource, RemoteStatus, RemoteInfo, SpecVmArgs } from './parallel/index.js';
