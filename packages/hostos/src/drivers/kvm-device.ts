import { COUNT_ZERO } from '@vm/core';
import type { GuestFile } from '@vm/core';
import type { PlacedVirtio } from '@vm/machine';
import { CSR_MCOUNTEREN } from '@vm/isa';
import { captureVm, checkVmSnapshot, GUEST_RAM_BASE, loadVmState, ShadowPageTable, TrapVcpu, Vm, type VcpuExit, type VmmTurnState, type VmSnapshot } from '@vm/vcpu';
import { PAGE_SIZE } from '@vm/mmu';
import type { HostKernel } from '../kernel.js';
import { fail } from '../linux-abi.js';
import { OpenFile, type CharDevice } from '../open-file.js';
import type { Process } from '../process.js';
import { WorldSwitch } from './world-switch.js';

/** ioctl numbers of /dev/vmm, as KVM's. */
export const KVM = {
  CREATE_VM: 0xae01,
  CREATE_VCPU: 0xae41,
  SET_USER_MEMORY_REGION: 0x4020ae46,
  RUN: 0xae80,
  /** Ours (KVM has no UART): type bytes into the vCPU's UART; the object is a UartInput. */
  UART_INPUT: 0xaef0,
  /** Ours: snapshot the vCPU's VM between KVM_RUNs; the object is a VcpuSnapshot (set by the driver). */
  SNAPSHOT: 0xaef1,
} as const;

/**
 * KVM.SNAPSHOT's object: the driver stores the VM's snapshot (board + VM header) here. A VMM that
 * runs several vCPUs in turns gives its turns (`turns`): which vCPU runs next is the VMM's, not the
 * driver's, and a restored VM must get the same turns to run the same way.
 */
export interface VcpuSnapshot {
  snapshot: VmSnapshot | undefined;
  readonly turns?: VmmTurnState;
}

/** KVM.UART_INPUT's object: the bytes to type; the driver sets how many the UART's FIFO took. */
export interface UartInput {
  readonly bytes: Uint8Array;
  taken: number;
}

const SHADOW_PAGES = 1024;

/**
 * The VM's boot: what the VMM hands to KVM_CREATE_VCPU of vCPU 0 (a native-process ioctl object).
 * Further vCPUs (KVM_CREATE_VCPU 1..vcpus-1) take no object: they are harts of the board vCPU 0
 * built. (Real KVM leaves the board to user space; here the driver builds it, device tree included,
 * so it must know the hart count up front: `vcpus`.)
 */
export interface KvmVcpuSetup {
  /**
   * Harts of the VM's board (QEMU's -smp N; default 1): its device tree lists N cpus, vCPU 0 boots
   * and the others are SBI HSM STOPPED until the guest starts them. Several need `sbi: 'hypervisor'`.
   */
  readonly vcpus?: number;
  readonly kernel?: GuestFile;
  readonly bios?: GuestFile;
  readonly initrd?: GuestFile;
  readonly append?: string;
  /** Who the kernel is without a bios (VmConfig.sbi): an S-mode payload on the driver's SBI, or an M-mode program. */
  readonly sbi?: 'firmware' | 'hypervisor';
  /** Legacy (default) or modern virtio-mmio transports (VmConfig.virtioForceLegacy); a snapshot brings its own. */
  readonly virtioForceLegacy?: boolean;
  /** Device models of the VMM plugged into the guest's virtio-mmio slots. */
  readonly virtio?: readonly PlacedVirtio[];
  /** Bytes the guest writes to its UART. */
  readonly console?: (byte: number) => void;
  /**
   * Start from this snapshot instead of booting (kernel/bios unused): the board must match it
   * (RAM size, the VMM's virtio devices); the VMM has already put the disk contents in place.
   */
  readonly snapshot?: VmSnapshot;
}

export type KvmExitReason = 'mmio' | 'sbi' | 'wfi' | 'shutdown' | 'intr' | 'internal-error';

/** The shared run structure (KVM's kvm_run): filled by KVM_RUN. */
export interface KvmRun {
  exitReason: KvmExitReason;
  /** Guest-physical address of an MMIO exit, exit status of a shutdown, message of an error. */
  address: number;
  status: number;
  message: string;
  /**
   * A `wfi` exit from a vCPU that was already waiting: time has passed to its next deadline and it
   * still cannot wake, so only input from user space can wake it (false for the first WFI exit).
   */
  stillWaiting?: boolean;
  /**
   * Ours: the most guest instructions this KVM_RUN may run (undefined: the caller's time slice).
   * A VMM running several vCPUs in turns gives each a quantum, where KVM's vCPU threads would be
   * preempted by the host scheduler.
   */
  budget?: number;
  /**
   * Ours: steps of this KVM_RUN that took a trap inside the guest and retired nothing (the vCPU's
   * VmStats.trapSteps). They are CPU time as instructions are: the driver charges them to the
   * caller's time slice, and a VMM counts them against its guest's limits, so a guest trapping on
   * every step ends its slices as real work does instead of running free beside its neighbours.
   */
  trapSteps?: number;
}

/** Per-descriptor state of a VM: its RAM window, its board (made by KVM_CREATE_VCPU 0) and its vCPUs. */
class KvmVm {
  window: { base: number; size: number; offset: number } | undefined;
  vm: Vm | undefined;
  readonly vcpus: KvmVcpu[] = [];
  /** The shadow page tables' frames (SHADOW_PAGES from here), once vCPU 0 made the board. */
  pool: number | undefined;
  /** Open descriptors of the VM and its vCPUs: the last one closed frees it, as KVM's refcount does. */
  descriptors = 1;
  constructor(readonly pid: number) {}
}

/** A vCPU's descriptor: hart `index` of its VM, run by a trap-and-emulate vCPU on the host's hart. */
class KvmVcpu {
  readonly vcpu: TrapVcpu;
  constructor(
    readonly owner: KvmVm,
    readonly vm: Vm,
    real: HostKernel['machine'],
    readonly index: number,
  ) {
    this.vcpu = new TrapVcpu(vm, { hart: real.hart, ram: real.ram }, {}, { index });
    vm.attach(this.vcpu);
  }
}

/**
 * /dev/vmm: the virtualisation driver, in the manner of KVM's /dev/kvm. A VM's RAM is memory of
 * the calling process (physically contiguous), its vCPU is @vm/vcpu's trap-and-emulate `TrapVcpu`
 * (shadow page tables) run on the host OS's own hart — the same vCPU the native hypervisor
 * schedules — and KVM_RUN returns to the process at every exit the vCPU returns. Each entry and
 * exit is a world switch.
 */
export class KvmDevice implements CharDevice {
  readonly name = 'vmm';
  readonly world: WorldSwitch;
  /** Exits returned to user space, by reason. */
  readonly exits = new Map<string, number>();
  /** Exits the vCPU recorded (every trap and preemption, those also returned to user space included). */
  inKernelExits = 0;
  guestInstructions = COUNT_ZERO;
  /** The VM each process created, by pid (a process has at most one VM here; it may have several vCPUs). */
  private readonly vmsByPid = new Map<number, Vm>();
  constructor(private readonly kernel: HostKernel) {
    this.world = new WorldSwitch(kernel.machine.hart);
  }

  /**
   * The VM process `pid` created (undefined before its KVM_CREATE_VCPU): the host's view of a guest
   * for a debugger or monitor outside the VMM, where QEMU's gdbstub would ask KVM_GET_REGS and read
   * guest memory through its own mapping. Between KVM_RUNs the guest's registers are in the VM's
   * virtual hart (run() saves them there), every vCPU's in its own: a debugger or monitor
   * reads each vCPU of a VM with several through `vm.vharts[i]`, not the VM's current vCPU.
   */
  vmOf(pid: number): Vm | undefined {
    return this.vmsByPid.get(pid);
  }

  read(): Uint8Array {
    return new Uint8Array(0);
  }

  write(): number {
    return -22;
  }

  ioctl(proc: Process, file: OpenFile, request: number, arg: bigint, object?: object): bigint {
    const state = file.private;
    switch (request) {
      case KVM.CREATE_VM: {
        const f = new OpenFile('anon:vmm-vm', 2, undefined, this);
        f.private = new KvmVm(proc.pid);
        return BigInt(proc.allocateFd(f));
      }
      case KVM.SET_USER_MEMORY_REGION: {
        if (!(state instanceof KvmVm)) return fail('EINVAL');
        const region = proc.memory.read(Number(arg), 32);
        if (region === undefined) return fail('EFAULT');
        const v = new DataView(region.buffer);
        const gpa = Number(v.getBigUint64(8, true));
        const size = Number(v.getBigUint64(16, true));
        const uaddr = Number(v.getBigUint64(24, true));
        const area = proc.memory.findArea(uaddr);
        if (gpa !== GUEST_RAM_BASE || area?.physical === undefined || uaddr + size > area.end || size % PAGE_SIZE !== 0) return fail('EINVAL');
        const base = area.physical + (uaddr - area.start);
        state.window = { base, size, offset: base - this.kernel.machine.ram.base };
        return 0n;
      }
      case KVM.CREATE_VCPU: {
        if (!(state instanceof KvmVm) || state.window === undefined) return fail('EINVAL');
        // KVM_CREATE_VCPU's argument is the vCPU id; ids come in order, 0 first (0 builds the board).
        if (arg !== BigInt(state.vcpus.length)) return fail('EINVAL');
        if (state.vm !== undefined) return this.addVcpu(proc, state, state.vm);
        const setup = object as KvmVcpuSetup | undefined;
        if (setup === undefined || (setup.kernel === undefined && setup.bios === undefined && setup.snapshot === undefined)) return fail('EINVAL');
        // A failed KVM_CREATE_VCPU 0 keeps its pool for the next try (freed with the VM).
        const pool = state.pool ?? this.kernel.frames.allocateContiguous(SHADOW_PAGES);
        if (pool < 0) return fail('ENOMEM');
        state.pool = pool;
        const shadow = new ShadowPageTable(this.kernel.machine.ram, pool, SHADOW_PAGES);
        if (setup.snapshot !== undefined) return this.restoreVcpu(proc, state, setup, setup.snapshot, pool);
        try {
          // The VMM's device models go into the board's virtio-mmio slots before boot, so the device tree lists them.
          // One set of shadow tables for all the VM's vCPUs (as the native hypervisor's): a remote
          // sfence.vma (SBI RFENCE) drops the entries every vCPU walks through (TrapVcpu.fenceShadows).
          const vm = new Vm({ name: `pid${proc.pid}`, memory: state.window.size, kernel: setup.kernel, bios: setup.bios, initrd: setup.initrd, append: setup.append, sbi: setup.sbi, virtioForceLegacy: setup.virtioForceLegacy, devices: setup.virtio, console: setup.console, vcpus: setup.vcpus }, state.window, this.kernel.machine.ram, shadow, this.kernel.machine.instructionsPerTick);
          state.vm = vm;
          this.vmsByPid.set(proc.pid, vm);
        } catch {
          return fail('EINVAL');
        }
        return this.addVcpu(proc, state, state.vm);
      }
      case KVM.RUN: {
        if (!(state instanceof KvmVcpu) || object === undefined) return fail('EINVAL');
        this.run(state, object as KvmRun);
        return 0n;
      }
      case KVM.SNAPSHOT: {
        const out = object as VcpuSnapshot | undefined;
        if (!(state instanceof KvmVcpu) || out === undefined) return fail('EINVAL');
        // Several vCPUs: each one's run state is the VM's (captureVm reads it), their turns the VMM's.
        if (state.vm.vcpuCount > 1 && out.turns === undefined) return fail('EINVAL');
        // Between KVM_RUNs every vCPU's registers are parked in its virtual hart (run() saves them).
        try {
          out.snapshot = captureVm(state.vm, undefined, state.vm.vcpuCount > 1 ? out.turns : undefined);
        } catch {
          return fail('EINVAL');
        }
        return 0n;
      }
      case KVM.UART_INPUT: {
        const input = object as UartInput | undefined;
        if (!(state instanceof KvmVcpu) || input === undefined) return fail('EINVAL');
        const vm = state.vm;
        input.taken = vm.sendInput(Buffer.from(input.bytes).toString('latin1'));
        if (input.taken > 0) {
          // One vCPU: it waits for this input. Several: the UART's interrupt wakes whichever vCPU it
          // is routed to (PLIC), as after any device event.
          if (vm.vcpuCount === 1 && vm.state === 'waiting') vm.state = 'running';
          else if (vm.vcpuCount > 1) this.service(vm);
        }
        return BigInt(input.taken);
      }
      default:
        return fail('ENOTTY');
    }
  }

  /**
   * KVM_CREATE_VCPU from a snapshot: a VM board built like the snapshot's (its harts are the VM's
   * vCPUs, on the SBI it was taken with), loaded, not booted; each vCPU in its recorded run state.
   * The VMM creates the further vCPUs as it would for a boot.
   */
  private restoreVcpu(proc: Process, state: KvmVm, setup: KvmVcpuSetup, s: VmSnapshot, pool: number): bigint {
    const window = state.window!;
    try {
      const info = checkVmSnapshot(s, 'KVM_CREATE_VCPU', this.kernel.machine.instructionsPerTick);
      if (info.mode === 'hext' || s.config.harts !== (setup.vcpus ?? 1)) return fail('EINVAL');
      const shadow = new ShadowPageTable(this.kernel.machine.ram, pool, SHADOW_PAGES);
      const vm = new Vm({ name: `pid${proc.pid}`, memory: window.size, console: setup.console, sbi: info.sbiMode, vcpus: s.config.harts, virtioForceLegacy: s.config.forceLegacy, boot: false }, window, this.kernel.machine.ram, shadow, this.kernel.machine.instructionsPerTick);
      for (const d of setup.virtio ?? []) vm.board.addVirtio(d.device, d);
      const vc = new KvmVcpu(state, vm, this.kernel.machine, 0);
      loadVmState(vm, s, false);
      state.vm = vm;
      state.vcpus.push(vc);
      this.vmsByPid.set(proc.pid, vm);
      return this.vcpuFd(proc, vc);
    } catch (e) {
      void e;
      return fail('EINVAL');
    }
  }

  /** The next vCPU of the VM (its hart `state.vcpus.length`), as a new descriptor. */
  private addVcpu(proc: Process, state: KvmVm, vm: Vm): bigint {
    if (state.vcpus.length >= vm.vcpuCount) return fail('EINVAL');
    const vc = new KvmVcpu(state, vm, this.kernel.machine, state.vcpus.length);
    state.vcpus.push(vc);
    return this.vcpuFd(proc, vc);
  }

  private vcpuFd(proc: Process, vc: KvmVcpu): bigint {
    const f = new OpenFile('anon:vmm-vcpu', 2, undefined, this);
    f.private = vc;
    vc.owner.descriptors++;
    return BigInt(proc.allocateFd(f));
  }

  /**
   * A descriptor's last reference is gone (close, or its process exited). When it was the VM's
   * last, the VM goes: its shadow page tables' frames back to the host and the VM out of vmOf.
   * Without this every VMM that ended left 4 MiB of host RAM allocated and its VM reachable.
   */
  release(file: OpenFile): void {
    const state = file.private;
    const vm = state instanceof KvmVm ? state : state instanceof KvmVcpu ? state.owner : undefined;
    if (vm === undefined || --vm.descriptors > 0) return;
    if (vm.pool !== undefined) for (let i = 0; i < SHADOW_PAGES; i++) this.kernel.frames.free(vm.pool + i * PAGE_SIZE);
    vm.pool = undefined;
    if (vm.vm !== undefined && this.vmsByPid.get(vm.pid) === vm.vm) this.vmsByPid.delete(vm.pid);
    vm.vm?.destroy();
  }

  /** Enter the guest until an exit that user space must see, or the caller's time slice ends. */
  private run(vc: KvmVcpu, run: KvmRun): void {
    const vm = vc.vm;
    run.message = '';
    run.stillWaiting = false;
    run.trapSteps = 0;
    if (vm.vcpuCount > 1) {
      vm.select(vc.index);
      if (vm.state !== 'stopped' && vm.cpuState(vc.index) !== 'running' && !this.runnable(vc)) {
        // It stays in WFI, suspended or STOPPED: KVM would block this thread until it is kicked;
        // here KVM_RUN returns so the VMM runs its other vCPUs in turn. stillWaiting: no vCPU of
        // the VM runs and none woke after the time skip, so only input can wake the VM now.
        run.stillWaiting = vm.idle;
        this.finish(run, 'wfi');
        vm.select(0);
        return;
      }
    } else if (vm.state === 'waiting') {
      // WFI: time passes to the guest's next deadline (the host is idle meanwhile).
      const d = vc.vcpu.deadline();
      const now = vm.board.clock.now();
      if (d !== undefined && d > now) vm.board.clock.skip(Number(d - now));
      vm.board.tickDevices();
      if (!vc.vcpu.wakeable()) {
        run.stillWaiting = true;
        this.finish(run, 'wfi');
        return;
      }
      vm.state = 'running';
    }
    if (vm.state === 'stopped') {
      run.exitReason = 'shutdown';
      run.status = vm.exitStatus ?? -1;
      vm.select(0);
      return;
    }
    const real = this.kernel.machine.hart;
    this.world.enter();
    // Counters are the guest's (its VM board's clock and its own instret), not the host's: with
    // the host's mcounteren (7, for rdtime in libc) the guest would read host time, which a
    // snapshot restored on another host does not continue. Trap them; leave() restores it.
    real.writeCsr(CSR_MCOUNTEREN, 0n);
    vc.vcpu.load();
    const before = vm.stats.guestInstructions;
    const exits = vm.stats.exitCount;
    const trapsBefore = vm.stats.trapSteps;
    const exit = vc.vcpu.run(Math.max(1, Math.min(this.kernel.sliceLeft, run.budget ?? Number.MAX_SAFE_INTEGER)));
    vc.vcpu.save();
    this.world.leave();
    const ran = vm.stats.guestInstructions - before;
    const traps = vm.stats.trapSteps - trapsBefore;
    this.guestInstructions += ran;
    run.trapSteps = traps;
    // Both use the caller's slice: a trap loop that retires nothing must end it too.
    this.kernel.sliceLeft -= ran + traps;
    this.kernel.guestTrapSteps += traps;
    this.inKernelExits += vm.stats.exitCount - exits;
    if (vm.vcpuCount > 1) {
      // Its devices ran, its IPIs are latched: the VM's waiting vCPUs that can now wake do
      // (kvm_vcpu_kick); vCPU 0 is the current one again for a debugger between runs (vmOf).
      this.service(vm);
      vm.select(0);
    } else vm.board.tickDevices();
    this.finish(run, kvmReason(exit));
    if (exit.kind === 'mmio') run.address = exit.gpa;
    else if (exit.kind === 'shutdown') run.status = vm.exitStatus ?? -1;
    else if (exit.kind === 'internal-error') run.message = vm.describe();
  }

  /**
   * Whether a waiting or STOPPED vCPU of a VM of several can run now: its devices ticked, it wakes
   * if an interrupt it waits for is pending (or, for a non-retentive suspend, resumes: SBI 9.4). When
   * no vCPU of the VM runs, its time jumps to its earliest deadline first, as the native
   * hypervisor's does when nothing can run (the host is idle meanwhile): time never jumps under a
   * running sibling, whose instructions are the VM's clock.
   */
  private runnable(vc: KvmVcpu): boolean {
    const vm = vc.vm;
    this.service(vm);
    if (vm.cpuState(vc.index) === 'running') return true;
    if (!vm.idle) return false;
    let d: bigint | undefined;
    for (let i = 0; i < vm.vcpuCount; i++) {
      if (vm.cpuState(i) === 'offline') continue;
      const t = vm.vcpus[i]!.deadline();
      if (t !== undefined && (d === undefined || t < d)) d = t;
    }
    const now = vm.board.clock.now();
    if (d !== undefined && d > now) vm.board.clock.skip(Number(d - now));
    this.service(vm);
    return vm.cpuState(vc.index) === 'running';
  }

  /** The VM's devices tick; each waiting vCPU an enabled pending interrupt wakes becomes runnable (priv spec 3.3.3). */
  private service(vm: Vm): void {
    vm.board.tickDevices();
    const platform = vm.sbiPlatform;
    for (let i = 0; i < vm.vcpuCount; i++) {
      if (vm.cpuState(i) !== 'waiting') continue;
      if (platform !== undefined) platform.wake(i);
      else if (vm.vcpus[i]!.wakeable()) vm.setCpuState(i, 'running');
    }
  }

  private finish(run: KvmRun, reason: KvmExitReason): void {
    run.exitReason = reason;
    this.exits.set(reason, (this.exits.get(reason) ?? 0) + 1);
  }
}

/** KVM_RUN's exit reason for a vCPU exit. */
function kvmReason(exit: VcpuExit): KvmExitReason {
  switch (exit.kind) {
    case 'budget':
    case 'interrupt':
      return 'intr';
    default:
      return exit.kind;
  }
}
