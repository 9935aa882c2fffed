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
  /** Credit-scheduler weight (Xen's default 256). */
  readonly weight?: number;
  /** Credit-scheduler cap in percent of the CPU; 0 = no cap. */
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
 * DTB, boot ROM) and one vCPU, plus accounting and its scheduling parameters.
 */
export class Vm {
  readonly name: string;
  readonly board: VmBoard;
  /** The guest's architectural state: the virtual hart (privileged state, and x/f while not resident). */
  readonly vhart: VirtualHart;
  readonly ram: Ram;
  readonly stats = new VmStats();
  /** See VmConfig.sbi. */
  readonly sbiMode: 'firmware' | 'hypervisor';
  readonly mode: 'trap' | 'hext';
  /** The hypervisor's SBI for this VM (sbiMode 'hypervisor'). */
  sbi: SbiServer | undefined;
  /** Its H-extension vCPU state (mode 'hext'). */
  hext: HextContext | undefined;
  private cpu: Vcpu | undefined;
  state: VmState = 'running';
  /** Exit status once powered off (sifive_test / SBI SRST); undefined while it runs or on error. */
  exitStatus: number | undefined;
  report: VmReport | undefined;
  readonly weight: number;
  readonly cap: number;
  /** Credit-scheduler state. */
  credit = 0;
  usedThisPeriod = 0;
  lastRun = 0;
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
    // Guest RAM aliases the VM's partition of host memory: guest code runs on it directly.
    this.ram = hostRam.window(window.offset, window.size, GUEST_RAM_BASE);
    const sink = config.console;
    this.board = new VmBoard({
      ram: this.ram,
      instructionsPerTick,
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
      bootSPayload(this.board, this.board.harts[0]!, config.kernel, config.append, config.initrd);
    } else {
      if (mode === 'hext') throw new ConfigError(`${config.name}: mode 'hext' runs S-mode guests only (sbi: 'hypervisor')`);
      bootVirt(this.board, { bios: config.bios, kernel: config.kernel, initrd: config.initrd, append: config.append });
    }
    this.vhart = new VirtualHart(this.board.harts[0]!);
    // Any change of the guest's PMP changes what its shadows may allow (priv spec 3.7.2).
    const pmp = this.vhart.hart.mmu.pmp;
    const flushTlb = pmp.onChange;
    pmp.onChange = () => {
      flushTlb?.();
      this.shadow.flush();
    };
  }

  /** The vCPU that runs this VM (trap-and-emulate or H extension), once its hypervisor attached one. */
  get vcpu(): Vcpu {
    if (this.cpu === undefined) throw new ConfigError(`${this.name}: no vCPU attached`);
    return this.cpu;
  }

  /** Attach the vCPU back end (createTrapVcpu / createHextVcpu). */
  attach(vcpu: Vcpu): void {
    if (this.cpu !== undefined) throw new ConfigError(`${this.name}: a vCPU is attached already`);
    this.cpu = vcpu;
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
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.report = { reason, message, pc, vpriv: this.vhart.vpriv, lastExits: this.stats.lastExits() };
  }

  /** One line for logs: `name: reason at pc (vpriv): message`. */
  describe(): string {
    const r = this.report;
    if (r === undefined) return `${this.name}: ${this.state}`;
    return `${this.name}: ${r.reason} at ${hex(r.pc)} (v${'USHM'[r.vpriv]}): ${r.message}`;
  }
}
