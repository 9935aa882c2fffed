import type { Clock, IrqLine, MmioDevice, VmExit } from '@vm/core';
import { ConfigError } from '@vm/core';
import { Ram, SystemBus, Mmu } from '@vm/mmu';
import { Hart } from '@vm/isa';
// Board wires drive mip bits by interrupt number (priv spec 3.1.9): the MIP_* names here are bit
// positions, not @vm/isa's 64-bit MIP_* masks.
import { CSR_MENVCFG, CSR_MIE, CSR_MIP, CSR_STIMECMP, IRQ_MEI as MIP_MEIP, IRQ_MSI as MIP_MSIP, IRQ_MTI as MIP_MTIP, IRQ_SEI as MIP_SEIP } from '@vm/isa';
import {
  Clint,
  GoldfishRtc,
  PioDisk,
  Plic,
  type PioDiskBackend,
  SifiveTest,
  Uart16550,
  VirtioMmioTransport,
  type Fdt,
  type FdtNode,
  type VirtioDevice,
} from '@vm/devices';
import { VirtualClock, WallClock } from './clock.js';
import { Rom } from './rom.js';
import { VIRT, VIRT_IRQ, VIRT_PLIC_NDEV } from './memory-map.js';
import type { Htif } from './htif.js';
import type { MachineSnapshot } from './snapshot/machine-snapshot.js';
import { snapshotMachine } from './snapshot/capture.js';
import { restoreMachineInPlace } from './snapshot/apply.js';

/** The scheduling state VirtMachine keeps outside its harts and devices. */
export interface VirtBoardState {
  readonly version: 1;
  readonly timeline: number;
  readonly current: number;
  readonly waiting: readonly boolean[];
}

export interface VirtMachineOptions {
  /** RAM size in bytes (QEMU's default for virt: 128 MiB). */
  memory?: number;
  /** Number of harts, 1..8. */
  harts?: number;
  /** 'virtual' (default, deterministic) or 'wall'. */
  clock?: 'virtual' | 'wall';
  /** Virtual time: instructions per 100 ns timer tick (default 10, a 100 MIPS machine). */
  instructionsPerTick?: number;
  /** Called with every byte the guest writes to UART0 (and HTIF/other consoles). */
  console?: (byte: number) => void;
  /** Nanoseconds since the Unix epoch that the RTC starts from (virtual clock: fixed by default). */
  rtcEpochNs?: bigint;
  /** Instructions each hart runs before the board services devices and switches harts. */
  quantum?: number;
  /**
   * Guest RAM to use instead of allocating it (at 0x8000_0000; its size overrides `memory`): a
   * hypervisor builds a VM's board over a window of host memory this way.
   */
  ram?: Ram;
  /** Give the harts the hypervisor extension (QEMU's `-cpu rv64,h=true`); off by default. */
  hExtension?: boolean;
}

/** One occupied virtio-mmio slot. */
export interface VirtioSlot {
  readonly slot: number;
  readonly base: number;
  readonly irq: number;
  readonly transport: VirtioMmioTransport;
  readonly device: VirtioDevice;
}

/**
 * QEMU's `virt` board: harts, RAM at 0x8000_0000, boot ROM, CLINT, PLIC, UART0, sifive_test,
 * goldfish RTC and eight virtio-mmio slots, all on one SystemBus. The board runs its harts in
 * batches (`run(budget) → exit`) and services time-driven devices between batches.
 */
export class VirtMachine {
  readonly ram: Ram;
  readonly bus: SystemBus;
  readonly harts: Hart[] = [];
  readonly clock: Clock & { skip(ticks: number): void };
  readonly rom: Rom;
  readonly uart: Uart16550;
  readonly clint: Clint;
  readonly plic: Plic;
  readonly test: SifiveTest;
  readonly rtc: GoldfishRtc;
  readonly virtio: VirtioSlot[] = [];
  readonly quantum: number;
  /** HTIF for programs with `tohost` (riscv-tests); set by the loader. */
  htif: Htif | undefined;
  /** The legacy PIO disk and its backend, when attached (checkpoints save the backend's contents). */
  pioDisk: { readonly device: PioDisk; readonly backend: PioDiskBackend } | undefined;

  readonly consoleOutput: (byte: number) => void;
  private timeline = 0;
  private current = 0;
  private currentStart = 0;
  private readonly waiting: boolean[] = [];
  private pendingExit: VmExit | undefined;

  constructor(readonly options: VirtMachineOptions = {}) {
    const memory = options.ram?.size ?? options.memory ?? 128 << 20;
    const harts = options.harts ?? 1;
    if (!Number.isInteger(harts) || harts < 1 || harts > 8) throw new ConfigError(`-smp ${harts}: the virt board has 1 to 8 harts`);
    if (memory < 1 << 20 || memory % 4096 !== 0) throw new ConfigError(`-m ${memory}: memory must be at least 1 MiB and a multiple of 4 KiB`);
    this.quantum = options.quantum ?? 10_000;
    this.consoleOutput = options.console ?? ((b) => process.stdout.write(String.fromCharCode(b)));
    if (options.ram !== undefined && options.ram.base !== VIRT.dram.base) throw new ConfigError('virt: RAM must start at 0x80000000');
    this.ram = options.ram ?? new Ram(VIRT.dram.base, memory);
    this.bus = new SystemBus(this.ram);
    this.clock =
      options.clock === 'wall' ? new WallClock() : new VirtualClock(() => this.instructionsNow(), options.instructionsPerTick ?? 10);

    const mmuOf = (): Mmu => new Mmu(this.bus);
    for (let id = 0; id < harts; id++) {
      this.harts.push(new Hart({ hartId: id, bus: this.bus, mmu: mmuOf(), clock: this.clock, hExtension: options.hExtension }));
      this.waiting.push(false);
    }
    const wire = (hart: number, bit: number): IrqLine => ({ set: (level) => this.harts[hart]!.setInterruptPending(bit, level) });

    this.rom = new Rom(VIRT.mrom.size);
    this.bus.attach('mrom', VIRT.mrom.base, this.rom);
    this.test = new SifiveTest({ onExit: (exit) => this.requestExit(exit) });
    this.bus.attach('test', VIRT.test.base, this.test);
    this.clint = new Clint({
      harts,
      clock: this.clock,
      msip: this.harts.map((_, h) => wire(h, MIP_MSIP)),
      mtip: this.harts.map((_, h) => wire(h, MIP_MTIP)),
    });
    this.bus.attach('clint', VIRT.clint.base, this.clint);
    // PLIC contexts: 2h = hart h M-mode (MEIP), 2h+1 = S-mode (SEIP) — QEMU virt's order.
    const contexts: IrqLine[] = [];
    for (let h = 0; h < harts; h++) contexts.push(wire(h, MIP_MEIP), wire(h, MIP_SEIP));
    this.plic = new Plic({ sources: VIRT_PLIC_NDEV + 1, contexts });
    this.bus.attach('plic', VIRT.plic.base, this.plic);
    this.uart = new Uart16550({ irq: this.plic.source(VIRT_IRQ.uart0), output: this.consoleOutput });
    this.bus.attach('uart0', VIRT.uart0.base, this.uart);
    this.rtc = new GoldfishRtc({ clock: this.clock, irq: this.plic.source(VIRT_IRQ.rtc), epochNs: options.rtcEpochNs });
    this.bus.attach('rtc', VIRT.rtc.base, this.rtc);
  }

  /**
   * Plug a virtio device into the next free virtio-mmio slot. As on QEMU, slots fill from the
   * highest address down: the first device sits at 0x1000_8000 (IRQ 8).
   */
  addVirtio(device: VirtioDevice): VirtioSlot {
    const used = new Set(this.virtio.map((v) => v.slot));
    let slot = VIRT.virtio.count - 1;
    while (slot >= 0 && used.has(slot)) slot--;
    if (slot < 0) throw new ConfigError(`no free virtio-mmio slot: the virt board has ${VIRT.virtio.count}`);
    const base = VIRT.virtio.base + slot * VIRT.virtio.size;
    const irq = VIRT_IRQ.virtio(slot);
    const transport = new VirtioMmioTransport({ device, memory: this.ram, irq: this.plic.source(irq) });
    this.bus.attach(`virtio-mmio@${base.toString(16)}`, base, transport);
    const entry = { slot, base, irq, transport, device };
    this.virtio.push(entry);
    return entry;
  }

  /** Extra device-tree nodes for devices added outside the standard set (legacy disk, examples). */
  readonly fdtExtensions: ((fdt: Fdt, at: { soc: FdtNode; plicPhandle: number }) => void)[] = [];

  /**
   * Attach a board-level MMIO device that is not part of QEMU's set (e.g. the legacy PIO disk):
   * map it and describe it in the device tree. One line per device — see docs/device-model-guide.md.
   */
  attachDevice(name: string, base: number, device: MmioDevice, describe?: (node: FdtNode, plicPhandle: number) => void): void {
    this.bus.attach(name, base, device);
    if (describe !== undefined) {
      this.fdtExtensions.push((_fdt, at) => describe(at.soc.node(`${name}@${base.toString(16)}`), at.plicPhandle));
    }
  }

  /**
   * Attach the legacy PIO disk (an ATA-PIO-like controller: every data word through one MMIO
   * register) at 0x1000_9000, PLIC source 12, with its `vm,pio-disk` device-tree node.
   */
  addPioDisk(backend: PioDiskBackend): PioDisk {
    const disk = new PioDisk({ backend, irq: this.plic.source(VIRT_IRQ.pioDisk) });
    this.pioDisk = { device: disk, backend };
    this.attachDevice('disk', VIRT.pioDisk.base, disk, (node, plic) => {
      node
        .string('compatible', 'vm,pio-disk')
        .u64s('reg', [VIRT.pioDisk.base, VIRT.pioDisk.size])
        .u32('interrupts', VIRT_IRQ.pioDisk)
        .u32('interrupt-parent', plic);
    });
    return disk;
  }

  /** A device (or HTIF) asks the machine to stop: run() returns this exit. */
  requestExit(exit: VmExit): void {
    this.pendingExit = exit;
    this.harts[this.current]!.requestExit(exit);
  }

  /** Total instructions retired by all harts. */
  get retired(): number {
    let n = 0;
    for (const h of this.harts) n += h.retired;
    return n;
  }

  private instructionsNow(): number {
    const h = this.harts[this.current];
    return h === undefined ? this.timeline : this.timeline + (h.retired - this.currentStart);
  }

  /** The board's own scheduling state (between run() calls): checkpoints save and restore it. */
  boardState(): VirtBoardState {
    return { version: 1, timeline: this.timeline, current: this.current, waiting: [...this.waiting] };
  }

  /** Take back boardState(); the harts must already hold their restored retired counts. */
  restoreBoardState(s: VirtBoardState): void {
    if (s.version !== 1) throw new ConfigError(`virt board: unknown snapshot version ${String(s.version)}`);
    if (s.waiting.length !== this.harts.length || s.current < 0 || s.current >= this.harts.length) {
      throw new ConfigError(`virt board: snapshot is for ${s.waiting.length} harts, this board has ${this.harts.length}`);
    }
    this.timeline = s.timeline;
    this.current = s.current;
    this.currentStart = this.harts[s.current]!.retired;
    for (let i = 0; i < this.waiting.length; i++) this.waiting[i] = s.waiting[i]!;
    this.pendingExit = undefined;
  }

  /** A checkpoint of the whole board (harts, devices, RAM, disks): see src/snapshot/README.md. */
  snapshot(): MachineSnapshot {
    return snapshotMachine(this);
  }

  /** Load a checkpoint of a board built the same way; on any error the board is left as it was. */
  restore(s: MachineSnapshot): void {
    restoreMachineInPlace(this, s);
  }

  /** Reset every hart to the boot ROM, as at power-on. */
  reset(): void {
    for (const h of this.harts) h.reset(BigInt(VIRT.mrom.base));
    this.waiting.fill(false);
    this.pendingExit = undefined;
  }

  /**
   * Run up to `budget` instructions on the board's timeline. Returns 'budget' when it ran them
   * all, 'wfi' when every hart waits for an interrupt that no timer will raise (the caller feeds
   * input or gives up), or the exit a device requested (poweroff, reset).
   */
  run(budget: number): VmExit {
    const end = this.timeline + budget;
    while (this.timeline < end) {
      let ranAny = false;
      let roundMax = 0;
      for (let i = 0; i < this.harts.length; i++) {
        const hart = this.harts[i]!;
        if (this.waiting[i]) {
          if (!hasEnabledPending(hart)) continue;
          this.waiting[i] = false;
        }
        ranAny = true;
        this.current = i;
        this.currentStart = hart.retired;
        if (this.harts.length > 1) hart.clearReservation();
        const exit = hart.run(Math.min(this.quantum, end - this.timeline));
        roundMax = Math.max(roundMax, hart.retired - this.currentStart);
        if (exit.reason === 'wfi') this.waiting[i] = true;
        else if (exit.reason !== 'budget') return this.finish(exit, roundMax);
        if (this.pendingExit !== undefined) return this.finish(this.pendingExit, roundMax);
      }
      this.timeline += roundMax;
      this.currentStart = this.harts[this.current]!.retired;
      const polled = this.service();
      if (polled !== undefined) return polled;
      if (!ranAny || this.waiting.every(Boolean)) {
        if (!this.skipToDeadline()) return { reason: 'wfi' };
      }
    }
    return { reason: 'budget' };
  }

  private finish(exit: VmExit, roundMax: number): VmExit {
    this.timeline += roundMax;
    this.currentStart = this.harts[this.current]!.retired;
    this.pendingExit = undefined;
    return exit;
  }

  /** Devices whose state moves with time, and HTIF. */
  private service(): VmExit | undefined {
    this.clint.update();
    this.rtc.update();
    if (this.htif !== undefined) {
      const r = this.htif.poll();
      if (r.kind === 'exit') return { reason: 'poweroff', code: r.code };
    }
    return undefined;
  }

  /** All harts wait: jump virtual time to the next timer deadline. False when there is none. */
  private skipToDeadline(): boolean {
    if (this.options.clock === 'wall') return false;
    const now = this.clock.now();
    let next: bigint | undefined = this.clint.nextDeadline();
    for (const h of this.harts) {
      const d = sstcDeadline(h);
      if (d !== undefined && (next === undefined || d < next)) next = d;
    }
    // A deadline already reached that woke nobody (its interrupt is masked) cannot help either.
    if (next === undefined || next <= now) return false;
    this.clock.skip(Number(next - now));
    this.clint.update();
    this.rtc.update();
    for (let i = 0; i < this.harts.length; i++) if (this.waiting[i] && hasEnabledPending(this.harts[i]!)) this.waiting[i] = false;
    return true;
  }
}

/** WFI wakes on any interrupt pending and enabled in mie, whatever the global enables (priv spec 3.3.3). */
function hasEnabledPending(h: Hart): boolean {
  return (h.readCsr(CSR_MIP) & h.readCsr(CSR_MIE)) !== 0n;
}

/** The Sstc deadline of a hart that has stimecmp enabled, if any. */
function sstcDeadline(h: Hart): bigint | undefined {
  if ((h.readCsr(CSR_MENVCFG) >> 63n) === 0n) return undefined;
  if ((h.readCsr(CSR_MIE) & (1n << 5n)) === 0n) return undefined;
  const cmp = h.readCsr(CSR_STIMECMP);
  return cmp === (1n << 64n) - 1n ? undefined : cmp;
}
