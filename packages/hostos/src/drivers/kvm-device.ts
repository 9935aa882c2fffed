import type { GuestFile } from '@vm/core';
import type { VirtioDevice } from '@vm/devices';
import { captureVm, checkVmSnapshot, GUEST_RAM_BASE, loadVmState, ShadowPageTable, TrapEmulator, Vm, type VmSnapshot } from '@vm/hypervisor-native';
import { bootVirt } from '@vm/machine';
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

/** KVM.SNAPSHOT's object: the driver stores the VM's snapshot (board + VM header) here. */
export interface VcpuSnapshot {
  snapshot: VmSnapshot | undefined;
}

/** KVM.UART_INPUT's object: the bytes to type; the driver sets how many the UART's FIFO took. */
export interface UartInput {
  readonly bytes: Uint8Array;
  taken: number;
}

const PRIV_U = 0;
const PRIV_M = 3;
const MSTATUS_FS = 3 << 13;
const CSR_MIP = 0x344;
const CSR_MIE = 0x304;
const CSR_MCOUNTEREN = 0x306;
const SHADOW_PAGES = 1024;

/** The vCPU's boot: what the VMM hands to KVM_CREATE_VCPU (a native-process ioctl object). */
export interface KvmVcpuSetup {
  readonly kernel?: GuestFile;
  readonly bios?: GuestFile;
  readonly append?: string;
  /** Device models of the VMM plugged into the guest's virtio-mmio slots. */
  readonly virtio?: readonly VirtioDevice[];
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
}

/** Per-descriptor state. */
class KvmVm {
  window: { base: number; size: number; offset: number } | undefined;
  vcpu: KvmVcpu | undefined;
}

class KvmVcpu {
  waiting = false;
  constructor(readonly vm: Vm) {}
}

/**
 * /dev/vmm: the virtualisation driver, in the manner of KVM's /dev/kvm. A VM's RAM is memory of
 * the calling process (physically contiguous), its vCPU is @vm/hypervisor-native's `Vm`/`Vcpu`
 * machinery (trap-and-emulate with shadow page tables) run on the host OS's own hart, and
 * KVM_RUN returns to the process at every exit. Each entry and exit is a world switch.
 */
export class KvmDevice implements CharDevice {
  readonly name = 'vmm';
  readonly world: WorldSwitch;
  /** Exits returned to user space, by reason. */
  readonly exits = new Map<string, number>();
  /** Traps handled inside the driver (shadow fills, CSR emulation, injections). */
  inKernelExits = 0;
  guestInstructions = 0;
  private readonly emulator: TrapEmulator;

  constructor(private readonly kernel: HostKernel) {
    this.world = new WorldSwitch(kernel.machine.hart);
    this.emulator = new TrapEmulator(kernel.machine.hart);
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
        f.private = new KvmVm();
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
        if (!(state instanceof KvmVm) || state.window === undefined || state.vcpu !== undefined) return fail('EINVAL');
        const setup = object as KvmVcpuSetup | undefined;
        if (setup === undefined || (setup.kernel === undefined && setup.bios === undefined && setup.snapshot === undefined)) return fail('EINVAL');
        const pool = this.kernel.frames.allocateContiguous(SHADOW_PAGES);
        if (pool < 0) return fail('ENOMEM');
        const shadow = new ShadowPageTable(this.kernel.machine.ram, pool, SHADOW_PAGES);
        if (setup.snapshot !== undefined) return this.restoreVcpu(proc, state, setup, setup.snapshot, pool);
        try {
          const vm = new Vm({ name: `pid${proc.pid}`, memory: state.window.size, kernel: setup.kernel, bios: setup.bios, append: setup.append, console: setup.console }, state.window, this.kernel.machine.ram.bytes, shadow, this.kernel.machine.instructionsPerTick);
          if ((setup.virtio ?? []).length > 0) {
            // The VMM's device models go into the board's virtio-mmio slots; boot again so the
            // device tree lists them.
            for (const d of setup.virtio ?? []) vm.board.addVirtio(d);
            bootVirt(vm.board, { kernel: setup.kernel, bios: setup.bios, append: setup.append });
          }
          state.vcpu = new KvmVcpu(vm);
        } catch (e) {
          void e;
          return fail('EINVAL');
        }
        const f = new OpenFile('anon:vmm-vcpu', 2, undefined, this);
        f.private = state.vcpu;
        return BigInt(proc.allocateFd(f));
      }
      case KVM.RUN: {
        if (!(state instanceof KvmVcpu) || object === undefined) return fail('EINVAL');
        this.run(state, object as KvmRun);
        return 0n;
      }
      case KVM.SNAPSHOT: {
        const out = object as VcpuSnapshot | undefined;
        if (!(state instanceof KvmVcpu) || out === undefined) return fail('EINVAL');
        // Between KVM_RUNs the guest's registers are parked in the virtual hart (run() saves them).
        out.snapshot = captureVm(state.vm, state.waiting);
        return 0n;
      }
      case KVM.UART_INPUT: {
        const input = object as UartInput | undefined;
        if (!(state instanceof KvmVcpu) || input === undefined) return fail('EINVAL');
        input.taken = state.vm.sendInput(Buffer.from(input.bytes).toString('latin1'));
        if (input.taken > 0) state.waiting = false;
        return BigInt(input.taken);
      }
      default:
        return fail('ENOTTY');
    }
  }

  /** KVM_CREATE_VCPU from a snapshot: a VM board built like the snapshot's, loaded, not booted. */
  private restoreVcpu(proc: Process, state: KvmVm, setup: KvmVcpuSetup, s: VmSnapshot, pool: number): bigint {
    const window = state.window!;
    try {
      if (checkVmSnapshot(s, 'KVM_CREATE_VCPU', this.kernel.machine.instructionsPerTick).sbiMode !== 'firmware') return fail('EINVAL');
      const shadow = new ShadowPageTable(this.kernel.machine.ram, pool, SHADOW_PAGES);
      const vm = new Vm({ name: `pid${proc.pid}`, memory: window.size, console: setup.console, sbi: 'firmware', boot: false }, window, this.kernel.machine.ram.bytes, shadow, this.kernel.machine.instructionsPerTick);
      for (const d of setup.virtio ?? []) vm.board.addVirtio(d);
      const vc = new KvmVcpu(vm);
      vc.waiting = loadVmState(vm, s, false);
      state.vcpu = vc;
    } catch (e) {
      void e;
      return fail('EINVAL');
    }
    const f = new OpenFile('anon:vmm-vcpu', 2, undefined, this);
    f.private = state.vcpu;
    return BigInt(proc.allocateFd(f));
  }

  /** Enter the guest until an exit that user space must see, or the caller's time slice ends. */
  private run(vc: KvmVcpu, run: KvmRun): void {
    const vm = vc.vm;
    const real = this.kernel.machine.hart;
    const vcpu = vm.vcpu;
    run.message = '';
    if (vm.state === 'stopped') {
      run.exitReason = 'shutdown';
      run.status = vm.exitStatus ?? -1;
      return;
    }
    if (vc.waiting) {
      // WFI: time passes to the guest's next deadline (the host is idle meanwhile).
      const d = vm.board.clint.nextDeadline();
      const now = vm.board.clock.now();
      if (d !== undefined && d > now) vm.board.clock.skip(Number(d - now));
      vm.board.tickDevices();
      vcpu.hart.updateSstc();
      if ((vcpu.hart.readCsr(CSR_MIP) & vcpu.hart.readCsr(CSR_MIE)) === 0n) {
        run.exitReason = 'wfi';
        return;
      }
      vc.waiting = false;
    }
    this.world.enter();
    // Counters are the guest's (its VM board's clock and its own instret), not the host's: with
    // the host's mcounteren (7, for rdtime in libc) the guest would read host time, which a
    // snapshot restored on another host does not continue. Trap them; leave() restores it.
    real.writeCsr(CSR_MCOUNTEREN, 0n);
    vcpu.load(real);
    real.clearReservation();
    let generation = -1;
    const startInstructions = this.guestInstructions;
    let remaining = Math.max(1, this.kernel.sliceLeft);
    let reason: KvmExitReason = 'intr';
    try {
      while (remaining > 0) {
        vcpu.injectInterrupt();
        const satp = vm.shadow.satpFor(vcpu.viewKey());
        if (vm.shadow.generation !== generation || real.satp !== satp) {
          real.satp = satp;
          real.mmu.satp = satp;
          real.mmu.flushAll();
          generation = vm.shadow.generation;
        }
        real.setMstatus((real.mstatus & ~MSTATUS_FS) | (vcpu.fs << 13));
        real.pc = vcpu.hart.pc;
        real.priv = PRIV_U;
        real.translationChanged();
        const before = real.retired;
        let exit = real.run(remaining);
        if (exit.reason === 'budget' && real.priv === PRIV_M) exit = real.run(1);
        const ran = real.retired - before;
        vcpu.hart.retired += ran;
        vm.stats.direct += ran;
        this.guestInstructions += ran;
        remaining -= ran;
        if (exit.reason !== 'trap') {
          vcpu.hart.pc = real.pc;
          break;
        }
        vcpu.hart.pc = exit.epc;
        if (exit.cause >> 63n !== 0n) break;
        const cause = Number(exit.cause & 0xffn);
        const c = this.emulator.classify(vm, cause, exit.tval);
        this.inKernelExits++;
        vm.stats.count(`exit.${c.reason}`);
        if (c.action === 'fill') this.emulator.fill(vm, exit.tval, c.access!, c.gpa!);
        else if (c.action === 'inject') {
          const inj = TrapEmulator.injection(vm, cause, exit.tval, exit.epc, c);
          vcpu.inject(inj.cause, inj.tval, exit.epc);
        } else {
          const insn = Number(exit.tval & 0xffff_ffffn);
          const sfence = c.reason === 'privileged' && (insn & 0xfe00_7fff) === 0x1200_0073;
          const { exit: step, retired } = vcpu.step(real, exit.epc);
          if (retired) {
            vm.stats.emulated++;
            this.guestInstructions++;
            remaining--;
          }
          if (sfence) {
            vm.shadow.flush();
            real.mmu.flushAll();
          }
          if (step.reason === 'wfi') {
            vc.waiting = true;
            reason = 'wfi';
            break;
          }
          if (c.reason === 'mmio') {
            run.address = c.gpa ?? -1;
            reason = 'mmio';
            vm.board.clint.update();
            if (vm.board.requested !== undefined) reason = 'shutdown';
            break;
          }
        }
        vm.board.clint.update();
        if (vm.board.requested !== undefined) {
          reason = 'shutdown';
          break;
        }
      }
    } catch (e) {
      vm.stop('hypervisor-error', e instanceof Error ? e.message : String(e), vcpu.hart.pc);
      reason = 'internal-error';
      run.message = vm.describe();
    }
    if (reason !== 'shutdown' && reason !== 'internal-error') {
      // HTIF (riscv-tests' tohost): a plain store to RAM, seen when the guest leaves the CPU.
      const h = vm.board.htif?.poll();
      if (h?.kind === 'exit') {
        vm.board.requested = { reason: 'poweroff', code: h.code };
        reason = 'shutdown';
      }
    }
    vcpu.save(real);
    this.world.leave();
    this.kernel.sliceLeft -= this.guestInstructions - startInstructions;
    vm.board.tickDevices();
    if (reason === 'shutdown') {
      const req = vm.board.requested;
      vm.board.requested = undefined;
      vm.exitStatus = req?.reason === 'poweroff' ? req.code : undefined;
      vm.stop(req?.reason === 'reset' ? 'reset' : 'poweroff', `powered off with status ${vm.exitStatus ?? '?'}`, vcpu.hart.pc);
      run.status = vm.exitStatus ?? -1;
    }
    run.exitReason = reason;
    this.exits.set(reason, (this.exits.get(reason) ?? 0) + 1);
  }
}
