import type { GuestFile } from '@vm/core';
import { ConfigError, hex } from '@vm/core';
import { MemoryBlockBackend, VirtioBlock, type BlockBackend, type VirtioDevice } from '@vm/devices';
import { bootVirt, type BoardDeviceSpec, type PlacedVirtio } from '@vm/machine';
import type { Ram } from '@vm/mmu';
import type { GuestExit } from './exit-reason.js';
import type { SbiServer } from '@vm/paravirt';
import type { HextContext } from './hext-context.js';
import { bootSPayload, looksLikeSPayload } from './s-payload-boot.js';
import type { ShadowPageTable } from './shadow-page-table.js';
import { VirtualHart } from './virtual-hart.js';
import type { VmSbiPlatform } from './vm-sbi-platform.js';
import type { Vcpu } from './vcpu.js';
import { VmBoard } from './vm-board.js';
import { VmStats } from './vm-stats.js';

/** A contiguous piece of host RAM (a VM's RAM window, a shadow-table pool). */
export interface HostRegion {
  /** Physical address on the host bus. */
  readonly base: number;
  readonly size: number;
  /** Offset into the host RAM's bytes. */
  readonly offset: number;
}

/** Guest RAM starts at the virt board's DRAM base. */
export const GUEST_RAM_BASE = 0x8000_0000;

/**
 * A disk of a VM: an image copied into memory (the guest's writes stay there: `snapshot=on`), or a
 * block back end used as given — a file back end writes the guest's data back on flush and close.
 */
export type VmDisk = (
  | { readonly bytes: Uint8Array; readonly bus: 'virtio' | 'pio' }
  | { readonly backend: BlockBackend; readonly bus: 'virtio' | 'pio' }
) & {
  /** virtio: the virtio-mmio slot 0..7 (QEMU's `bus=virtio-mmio-bus.N`); default the highest free one. */
  readonly slot?: number;
};

/** What to run in a VM: QEMU's -bios/-kernel/-append/-m and disks. */
export interface VmConfig {
  readonly name: string;
  /** Guest RAM in bytes (a multiple of 4 KiB). */
  readonly memory: number;
  /** M-mode firmware; undefined = `-bios none` (the kernel runs in virtual M-mode). */
  readonly bios?: GuestFile;
  readonly kernel?: GuestFile;
  readonly append?: string;
  /** An initial RAM disk (QEMU's -initrd): loaded as bytes, named in the device tree's /chosen. */
  readonly initrd?: GuestFile;
  readonly disks?: readonly VmDisk[];
  /** Further virtio devices (e.g. a VirtioNet), plugged in after the disks, before boot (so the DTB lists them). */
  readonly devices?: readonly (VirtioDevice | PlacedVirtio)[];
  /**
   * Further devices of the VM's board (VirtMachine.addDevice): mapped, in its device tree, ticked
   * by the hypervisor and in the VM's snapshots, like the board's own.
   */
  readonly boardDevices?: readonly BoardDeviceSpec[];
  /** QEMU's `-global virtio-mmio.force-legacy` for the VM's board (VirtMachineOptions.virtioForceLegacy; default true). */
  readonly virtioForceLegacy?: boolean;
  /** Called with every byte the guest prints (the text is also kept in `Vm.console`). */
  readonly console?: (byte: number) => void;
  /**
   * vCPUs (QEMU's `-smp N`), 1..8; default 1. Each is a hart of the VM's board (its own virtual
   * hart, CLINT and PLIC contexts, device-tree cpu node) run by its own vCPU back end. Several
   * need the hypervisor's SBI (`sbi: 'hypervisor'`): vCPU 0 boots, the others are STOPPED until
   * the guest starts them (SBI HSM hart_start), as under OpenSBI or KVM.
   */
  readonly vcpus?: number;
  /** Credit-scheduler weight (Xen's default 256): the VM's, shared by its runnable vCPUs. */
  readonly weight?: number;
  /** Credit-scheduler cap in percent of the CPU, for all its vCPUs together; 0 = no cap. */
  readonly cap?: number;
  /**
   * Who answers the guest's S-mode ecalls: 'firmware' — an M-mode firmware in the VM (the `bios`,
   * or an M-mode kernel), ecalls are injected into virtual M; 'hypervisor' — the hypervisor itself
   * (`-bios none -kernel S-payload`, as QEMU under KVM): the kernel starts in virtual S-mode and
   * the hypervisor's SbiServer handles its ecalls. Default, as QEMU under KVM: 'hypervisor' when
   * there is no bios and the kernel is a raw image, a Linux `Image` or an ELF linked above the DRAM
   * base (an S-mode payload); 'firmware' otherwise (an ELF linked at the DRAM base is an M-mode
   * program; give 'firmware' to run a raw image as one).
   */
  readonly sbi?: 'firmware' | 'hypervisor';
  /** Execution mode: 'trap' (trap-and-emulate, shadow page tables) or 'hext' (H extension); default: the hypervisor's. */
  readonly mode?: 'trap' | 'hext';
  /** Offer the paravirtual-MMU hypercalls (trap mode with hypervisor SBI only; default true). */
  readonly pvMmu?: boolean;
  /** false: build the board but do not boot it (its state comes from a snapshot: NativeHypervisor.restoreVm). */
  readonly boot?: boolean;
}

/** The SBI choice a config implies (see VmConfig.sbi). */
export function sbiModeOf(config: VmConfig): 'firmware' | 'hypervisor' {
  return config.sbi ?? (config.bios === undefined && looksLikeSPayload(config.kernel) ? 'hypervisor' : 'firmware');
}

export type VmState = 'running' | 'waiting' | 'stopped';

/**
 * Where one vCPU of a running VM is: running (or runnable), waiting for an interrupt (WFI, SBI
 * retentive or non-retentive suspend), or offline (SBI HSM STOPPED: not started yet, or hart_stop).
 */
export type VcpuState = 'running' | 'waiting' | 'offline';

/** The most vCPUs a VM has (the virt board's harts). */
export const MAX_VCPUS = 8;

/** The vCPU count a config asks for, checked (1..8). */
export function vcpusOf(config: Pick<VmConfig, 'name' | 'vcpus'>): number {
  const n = config.vcpus ?? 1;
  if (!Number.isInteger(n) || n < 1 || n > MAX_VCPUS) throw new ConfigError(`${config.name}: vcpus must be an integer from 1 to ${MAX_VCPUS}, got ${n}`);
  return n;
}

/** Why a VM stopped, for its owner. */
export interface VmReport {
  readonly reason: 'poweroff' | 'reset' | 'guest-error' | 'hypervisor-error' | 'hook' | 'trap-storm';
  readonly message: string;
  readonly pc: bigint;
  readonly vpriv: number;
  readonly lastExits: readonly GuestExit[];
}

/**
 * One virtual machine: a window of host RAM as its guest-physical RAM, its own virt board (devices,
 * DTB, boot ROM) and its vCPUs (one per hart of the board), plus accounting and its scheduling
 * parameters.
 *
 * The vCPUs of a VM run one at a time on the host's hart; `select(i)` makes vCPU i the VM's
 * current one, and what is per vCPU — `vhart`, `hext`, `vcpu`, `state` — is the current vCPU's,
 * so the code that handles an exit sees the vCPU that exited. The hypervisor selects a vCPU
 * before running it (its `load()` and `run()` do).
 */
export class Vm {
  readonly name: string;
  readonly board: VmBoard;
  /** Each vCPU's architectural state: its virtual hart (privileged state, and x/f while not resident). */
  readonly vharts: readonly VirtualHart[];
  readonly ram: Ram;
  readonly stats = new VmStats();
  /** See VmConfig.sbi. */
  readonly sbiMode: 'firmware' | 'hypervisor';
  readonly mode: 'trap' | 'hext';
  /** The hypervisor's SBI for this VM (sbiMode 'hypervisor'), one for all its vCPUs. */
  sbi: SbiServer | undefined;
  /** What that SBI acts on: the VM, per calling vCPU. */
  sbiPlatform: VmSbiPlatform | undefined;
  /** Each vCPU's H-extension state (mode 'hext'). */
  readonly hexts: (HextContext | undefined)[] = [];
  private readonly cpus: Vcpu[] = [];
  /** Each vCPU's run state. */
  private readonly cpuStates: VcpuState[];
  /** The VM is stopped (powered off, reset, error). */
  private halted = false;
  /** The current vCPU (see the class comment). */
  current = 0;
  /** Exit status once powered off (sifive_test / SBI SRST); undefined while it runs or on error. */
  exitStatus: number | undefined;
  report: VmReport | undefined;
  readonly weight: number;
  readonly cap: number;
  /** Credit-scheduler state of the VM as a whole (its vCPUs' share and cap). */
  usedThisPeriod = 0;
  /** Exits in a row during which the real hart retired nothing (trap-storm detection). */
  idleExits = 0;
  /** Trap steps in a row taken inside the guest with no instruction retired (trap-loop detection). */
  idleSteps = 0;
  private readonly out: number[] = [];
  private readonly sink: ((byte: number) => void) | undefined;

  constructor(
    config: VmConfig,
    readonly window: HostRegion,
    hostRam: Ram,
    readonly shadow: ShadowPageTable,
    instructionsPerTick: number,
    mode: 'trap' | 'hext' = 'trap',
  ) {
    this.name = config.name;
    this.mode = mode;
    this.sbiMode = sbiModeOf(config);
    this.weight = config.weight ?? 256;
    this.cap = config.cap ?? 0;
    const vcpus = vcpusOf(config);
    if (vcpus > 1 && this.sbiMode !== 'hypervisor') throw new ConfigError(`${config.name}: ${vcpus} vCPUs need the hypervisor's SBI (-bios none -kernel S-payload): a VM firmware on several vCPUs is not supported`);
    // vCPU 0 boots; the others wait, STOPPED, for an SBI hart_start (SBI spec 9).
    this.cpuStates = Array.from({ length: vcpus }, (_, i): VcpuState => (i === 0 ? 'running' : 'offline'));
    // Guest RAM aliases the VM's partition of host memory: guest code runs on it directly.
    this.ram = hostRam.window(window.offset, window.size, GUEST_RAM_BASE);
    const sink = config.console;
    this.board = new VmBoard({
      ram: this.ram,
      instructionsPerTick,
      harts: vcpus,
      virtioForceLegacy: config.virtioForceLegacy,
      console: (b) => {
        this.out.push(b);
        sink?.(b);
      },
    });
    this.sink = sink;
    for (const d of config.disks ?? []) {
      // A backend is used as given (e.g. a file written back on flush); bare bytes are copied.
      const backend = 'backend' in d ? d.backend : new MemoryBlockBackend(d.bytes.slice());
      if (d.bus === 'virtio') this.board.addVirtio(new VirtioBlock({ backend }), { slot: d.slot });
      else this.board.addPioDisk(backend);
    }
    for (const dev of config.devices ?? []) {
      if ('device' in dev) this.board.addVirtio(dev.device, dev);
      else this.board.addVirtio(dev);
    }
    for (const dev of config.boardDevices ?? []) this.board.addDevice(dev);
    if (config.boot === false) {
      // Restored from a snapshot: the caller loads the board's state.
    } else if (this.sbiMode === 'hypervisor') {
      if (config.kernel === undefined || config.bios !== undefined) throw new ConfigError(`${config.name}: the hypervisor's SBI needs a kernel and no bios`);
      bootSPayload(this.board, this.board.harts, config.kernel, config.append, config.initrd);
    } else {
      if (mode === 'hext') throw new ConfigError(`${config.name}: mode 'hext' runs S-mode guests only (sbi: 'hypervisor')`);
      bootVirt(this.board, { bios: config.bios, kernel: config.kernel, initrd: config.initrd, append: config.append });
    }
    this.vharts = this.board.harts.map((h) => new VirtualHart(h));
    for (const v of this.vharts) {
      // Any change of the guest's PMP changes what its shadows may allow (priv spec 3.7.2).
      const pmp = v.hart.mmu.pmp;
      const flushTlb = pmp.onChange;
      pmp.onChange = () => {
        flushTlb?.();
        this.shadow.flush();
      };
    }
  }

  /**
   * The VM is gone (its hypervisor freed its partition): its RAM window is retired, so the
   * translations of its code and their watch on the host's RAM go with it. It must not run again.
   */
  destroy(): void {
    this.ram.retire();
  }

  /** The current vCPU's virtual hart. */
  get vhart(): VirtualHart {
    return this.vharts[this.current]!;
  }

  /** The current vCPU's H state (mode 'hext'). */
  get hext(): HextContext | undefined {
    return this.hexts[this.current];
  }

  /** How many vCPUs the VM has. */
  get vcpuCount(): number {
    return this.vharts.length;
  }

  /** Make vCPU `i` the current one. */
  select(i: number): void {
    this.current = i;
  }

  /**
   * The VM's state: 'stopped' once stopped; otherwise the current vCPU's ('offline' reads as
   * 'waiting': it waits for a hart_start). Setting 'running' or 'waiting' sets the current vCPU's.
   */
  get state(): VmState {
    if (this.halted) return 'stopped';
    return this.cpuStates[this.current] === 'running' ? 'running' : 'waiting';
  }

  set state(s: VmState) {
    if (s === 'stopped') this.halted = true;
    else this.cpuStates[this.current] = s;
  }

  /** The run state of vCPU `i`. */
  cpuState(i: number): VcpuState {
    return this.cpuStates[i]!;
  }

  setCpuState(i: number, s: VcpuState): void {
    this.cpuStates[i] = s;
  }

  /** True when no vCPU of the (not stopped) VM is running: its time passes only by skipping. */
  get idle(): boolean {
    return !this.cpuStates.includes('running');
  }

  /** The current vCPU (trap-and-emulate or H extension), once its hypervisor attached them. */
  get vcpu(): Vcpu {
    const c = this.cpus[this.current];
    if (c === undefined) throw new ConfigError(`${this.name}: no vCPU attached`);
    return c;
  }

  /** Every vCPU, in hart order. */
  get vcpus(): readonly Vcpu[] {
    return this.cpus;
  }

  /** Attach the next vCPU back end (TrapVcpu / HextVcpu), vCPU 0 first. */
  attach(vcpu: Vcpu): void {
    if (this.cpus.length >= this.vharts.length) throw new ConfigError(`${this.name}: all ${this.vharts.length} vCPUs are attached already`);
    this.cpus.push(vcpu);
  }

  /** Everything the guest printed. */
  get console(): string {
    return Buffer.from(this.out).toString('latin1');
  }

  /** A byte of console output that did not go through the UART (SBI DBCN / legacy putchar). */
  print(byte: number): void {
    this.out.push(byte);
    this.sink?.(byte);
  }

  /** Type into the guest's UART. Returns how many bytes the FIFO took. */
  sendInput(text: string): number {
    return this.board.uart.receive(Buffer.from(text, 'latin1'));
  }

  /** Host physical address of a guest-physical RAM address. */
  hostAddress(gpa: number): number {
    return this.window.base + (gpa - GUEST_RAM_BASE);
  }

  stop(reason: VmReport['reason'], message: string, pc: bigint): void {
    if (this.halted) return;
    this.halted = true;
    this.report = { reason, message, pc, vpriv: this.vhart.vpriv, lastExits: this.stats.lastExits() };
  }

  /** One line for logs: `name: reason at pc (vpriv): message`. */
  describe(): string {
    const r = this.report;
    if (r === undefined) return `${this.name}: ${this.state}`;
    return `${this.name}: ${r.reason} at ${hex(r.pc)} (v${'USHM'[r.vpriv]}): ${r.message}`;
  }
}
