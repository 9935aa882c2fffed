import type { Clock, IrqLine, MmioDevice, VmExit } from '@vm/core';
import { ConfigError, COUNT_ZERO } from '@vm/core';
import { Ram, RamStore, SystemBus, Mmu } from '@vm/mmu';
import { arenaTailBytes, Hart } from '@vm/isa';
// Board wires drive mip bits by interrupt number (priv spec 3.1.9): the MIP_* names here are bit
// positions, not @vm/isa's 64-bit MIP_* masks.
import { CSR_MENVCFG, CSR_MIE, CSR_MIP, CSR_STIMECMP, IRQ_MEI as MIP_MEIP, IRQ_MSI as MIP_MSIP, IRQ_MTI as MIP_MTIP, IRQ_SEI as MIP_SEIP } from '@vm/isa';
// Interrupt causes as the `interrupts-extended` cells of the CPU interrupt controllers use them.
import { IRQ_MEI, IRQ_MSI, IRQ_MTI, IRQ_SEI } from '@vm/isa';
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
import { DeviceRegistry, type BoardDevice, type BoardDeviceSpec } from './device-registry.js';
import type { Htif } from './htif.js';
import type { SharedBoard } from './threads/shared-board.js';
import type { MachineSnapshot } from './snapshot/machine-snapshot.js';
import { snapshotMachine } from './snapshot/capture.js';
import { restoreMachineInPlace, rewindMachine } from './snapshot/apply.js';

/**
 * The scheduling state VirtMachine keeps outside its harts and devices: `timeline` counts the steps
 * run (version 1: the rounds' lengths; either way only differences matter). Version 2 adds the
 * round in progress (run() may return inside a hart's turn): `current` is the hart whose turn it
 * is, `used` the steps it has run of that turn (0: not begun), `ranAny` whether any hart has run
 * in the round. Version 1 (no round in progress) is still read.
 */
export interface VirtBoardState {
  readonly version: 1 | 2;
  readonly timeline: number;
  readonly current: number;
  readonly waiting: readonly boolean[];
  readonly used?: number;
  readonly ranAny?: boolean;
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
  /**
   * Run hot guest code through the hart's block translator (HartOptions.translate); default on,
   * unless VM_TRANSLATE=0 in the environment (what `vm --no-translate` sets).
   */
  translate?: boolean;
  /** HartOptions.translateThreshold (tests lower it so more code runs through blocks). */
  translateThreshold?: number;
  /**
   * QEMU's `-global virtio-mmio.force-legacy`: true (the default, as on QEMU 7.2) gives legacy
   * virtio-mmio transports (Version 1, virtio 1.2 §4.2.4); false modern ones (Version 2).
   */
  virtioForceLegacy?: boolean;
  /**
   * The harts run on worker threads (`-accel tcg,thread=multi`, threads/threaded-board.ts): RAM is
   * allocated shared (@vm/mmu RamStore.shared), the devices' interrupt wires and virtual time go
   * through this shared memory, and the board's own Hart objects only hold the harts' state between
   * runs (boot, snapshots). Nothing changes on the board's single-thread path.
   */
  threads?: SharedBoard;
}

/** Where addVirtio puts a device. */
export interface VirtioPlacement {
  /** The virtio-mmio slot, 0..7 (QEMU's `bus=virtio-mmio-bus.N`); default the highest free one. */
  readonly slot?: number;
}

/** A virtio device and where it goes: how a VMM hands a board its devices before boot. */
export interface PlacedVirtio extends VirtioPlacement {
  readonly device: VirtioDevice;
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
 * goldfish RTC and eight virtio-mmio transports (empty until a device is plugged in), all on one
 * SystemBus and in one device registry. The board runs its harts in
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
  /** virtio-mmio transports are legacy (version 1), QEMU's `-global virtio-mmio.force-legacy`. */
  readonly virtioForceLegacy: boolean;
  readonly quantum: number;
  /** HTIF for programs with `tohost` (riscv-tests); set by the loader. */
  htif: Htif | undefined;
  /** The legacy PIO disk and its backend, when attached (checkpoints save the backend's contents). */
  pioDisk: { readonly device: PioDisk; readonly backend: PioDiskBackend } | undefined;

  readonly consoleOutput: (byte: number) => void;
  private timeline = COUNT_ZERO;
  /**
   * Steps of the harts' run loops that retired no instruction (a trap taken instead), all harts,
   * since power-on. A trap to an unmapped `mtvec` retires nothing forever; these steps count
   * toward run()'s budget so control always comes back to the caller.
   */
  trapSteps = 0;
  /** The round in progress (VirtBoardState): whose turn, how far into it, whether any hart ran. */
  private current = 0;
  private used = 0;
  private ranAny = false;
  /**
   * Hart `current`'s retired count when the board state was last set (restoreBoardState). A VM's
   * board never goes through run() (the hypervisor runs its harts): its time is the timeline plus
   * hart 0's progress since then (captureVm reads this field).
   */
  private currentStart = COUNT_ZERO;
  private readonly waiting: boolean[] = [];
  private pendingExit: VmExit | undefined;

  constructor(readonly options: VirtMachineOptions = {}) {
    const memory = options.ram?.size ?? options.memory ?? 128 << 20;
    const harts = options.harts ?? 1;
    if (!Number.isInteger(harts) || harts < 1 || harts > 8) throw new ConfigError(`-smp ${harts}: the virt board has 1 to 8 harts`);
    if (memory < 1 << 20 || memory % 4096 !== 0) throw new ConfigError(`-m ${memory}: memory must be at least 1 MiB and a multiple of 4 KiB`);
    this.quantum = options.quantum ?? 10_000;
    this.virtioForceLegacy = options.virtioForceLegacy ?? true;
    this.consoleOutput = options.console ?? ((b) => process.stdout.write(String.fromCharCode(b)));
    if (options.ram !== undefined && options.ram.base !== VIRT.dram.base) throw new ConfigError('virt: RAM must start at 0x80000000');
    const threads = options.threads;
    if (threads !== undefined) {
      if (options.ram !== undefined) throw new ConfigError('virt: harts on threads allocate their own shared RAM');
      if (options.clock === 'wall') throw new ConfigError('--clock wall: not with -accel tcg,thread=multi (harts on threads share virtual time)');
      if (threads.harts !== harts) throw new ConfigError(`virt: shared memory for ${threads.harts} harts, the board has ${harts}`);
    }
    this.ram = options.ram ?? (threads === undefined ? new Ram(VIRT.dram.base, memory) : new Ram(VIRT.dram.base, memory, { store: RamStore.shared(memory, arenaTailBytes(harts)), offset: 0 }));
    this.bus = new SystemBus(this.ram);
    this.clock =
      options.clock === 'wall'
        ? new WallClock()
        : threads === undefined
          ? new VirtualClock(() => this.instructionsNow(), options.instructionsPerTick ?? 10)
          : new VirtualClock(() => threads.retiredTotal(), options.instructionsPerTick ?? 10, threads.skipCell);

    const mmuOf = (): Mmu => new Mmu(this.bus);
    for (let id = 0; id < harts; id++) {
      const translate = threads === undefined ? options.translate : false;
      this.harts.push(new Hart({ hartId: id, bus: this.bus, mmu: mmuOf(), clock: this.clock, hExtension: options.hExtension, translate, translateThreshold: options.translateThreshold }));
      this.waiting.push(false);
    }
    const wire = (hart: number, bit: number): IrqLine =>
      threads === undefined ? { set: (level) => this.harts[hart]!.setInterruptPending(bit, level) } : { set: (level) => threads.setIrq(hart, bit, level) };

    this.rom = new Rom(VIRT.mrom.size);
    this.bus.attach('mrom', VIRT.mrom.base, this.rom);
    this.devices = new DeviceRegistry(this.bus);
    this.test = new SifiveTest({ onExit: (exit) => this.requestExit(exit) });
    this.clint = new Clint({
      harts,
      clock: this.clock,
      msip: this.harts.map((_, h) => wire(h, MIP_MSIP)),
      mtip: this.harts.map((_, h) => wire(h, MIP_MTIP)),
    });
    // PLIC contexts: 2h = hart h M-mode (MEIP), 2h+1 = S-mode (SEIP) — QEMU virt's order.
    const contexts: IrqLine[] = [];
    for (let h = 0; h < harts; h++) contexts.push(wire(h, MIP_MEIP), wire(h, MIP_SEIP));
    this.plic = new Plic({ sources: VIRT_PLIC_NDEV + 1, contexts });
    this.uart = new Uart16550({ irq: this.plic.source(VIRT_IRQ.uart0), output: this.consoleOutput });
    this.rtc = new GoldfishRtc({ clock: this.clock, irq: this.plic.source(VIRT_IRQ.rtc), epochNs: options.rtcEpochNs });
    // Registered in the order QEMU 7.2's DTB lists them under /soc (rtc, serial, test, the
    // virtio-mmio slots, plic, clint); snapshot ids are the keys .vmsnap files have always used.
    const version = this.virtioForceLegacy ? 1 : 2;
    for (const spec of standardDevices(this)) {
      this.devices.add(spec);
      // QEMU creates all eight transports, empty until a device is plugged in; its DTB lists them
      // from the highest address down, between the test device and the PLIC.
      if (spec.name === 'test') {
        for (let slot = VIRT.virtio.count - 1; slot >= 0; slot--) this.devices.add(virtioSlotSpec(slot, VirtioMmioTransport.empty(version)));
      }
    }
  }

  /** The board's device registry: bus attachment, device tree, time and checkpoints (device-registry.ts). */
  readonly devices: DeviceRegistry;

  /**
   * Add a device to the board: maps it, gives it a node in the device tree (when `fdt` is given),
   * calls its `tick` between instruction batches and puts its state in checkpoints under
   * `snapshotId` (default: its name). See docs/device-model-guide.md.
   */
  addDevice(spec: BoardDeviceSpec): BoardDevice {
    return this.devices.add(spec);
  }

  /** Move every time-driven device (CLINT, RTC, added devices with `tick`) to the clock's present. */
  tickDevices(): void {
    this.devices.tick();
  }

  /**
   * Plug a virtio device into a virtio-mmio slot: `slot` (QEMU's `bus=virtio-mmio-bus.N`), or else
   * the highest free one — QEMU fills slots from the top, so the first device sits at
   * 0x1000_8000 (IRQ 8). The transport is legacy or modern as the board's `virtioForceLegacy` says.
   */
  addVirtio(device: VirtioDevice, placement: VirtioPlacement = {}): VirtioSlot {
    const used = new Set(this.virtio.map((v) => v.slot));
    let slot: number;
    if (placement.slot !== undefined) {
      slot = placement.slot;
      if (!Number.isInteger(slot) || slot < 0 || slot >= VIRT.virtio.count) {
        throw new ConfigError(`virtio-mmio-bus.${slot}: no such bus (the virt board has virtio-mmio-bus.0 to .${VIRT.virtio.count - 1})`);
      }
      if (used.has(slot)) throw new ConfigError(`virtio-mmio-bus.${slot} is already in use`);
    } else {
      slot = VIRT.virtio.count - 1;
      while (slot >= 0 && used.has(slot)) slot--;
      if (slot < 0) throw new ConfigError(`no free virtio-mmio slot: the virt board has ${VIRT.virtio.count}`);
    }
    const base = VIRT.virtio.base + slot * VIRT.virtio.size;
    const irq = VIRT_IRQ.virtio(slot);
    const transport = new VirtioMmioTransport({
      device,
      memory: this.ram,
      irq: this.plic.source(irq),
      version: this.virtioForceLegacy ? 1 : 2,
    });
    const spec = virtioSlotSpec(slot, transport);
    this.devices.replace(spec.name, spec);
    const entry = { slot, base, irq, transport, device };
    this.virtio.push(entry);
    return entry;
  }

  /** Extra device-tree edits run after every device's node is written (anything addDevice cannot express). */
  readonly fdtExtensions: ((fdt: Fdt, at: { soc: FdtNode; plicPhandle: number }) => void)[] = [];

  /**
   * The short form of addDevice: map `device` at `base` and, with `describe`, give it the node
   * `/soc/<name>@<base>`. Its state is checkpointed when it implements Snapshottable.
   */
  attachDevice(name: string, base: number, device: MmioDevice, describe?: (node: FdtNode, plicPhandle: number) => void): void {
    this.addDevice({ name, base, device, fdt: describe === undefined ? undefined : (node, at) => describe(node, at.plicPhandle) });
  }

  /**
   * Attach the legacy PIO disk (an ATA-PIO-like controller: every data word through one MMIO
   * register) at 0x1000_9000, PLIC source 12, with its `vm,pio-disk` device-tree node.
   */
  addPioDisk(backend: PioDiskBackend): PioDisk {
    const disk = new PioDisk({ backend, irq: this.plic.source(VIRT_IRQ.pioDisk) });
    this.pioDisk = { device: disk, backend };
    this.addDevice({
      name: 'disk',
      base: VIRT.pioDisk.base,
      device: disk,
      irq: VIRT_IRQ.pioDisk,
      snapshotId: 'pioDisk',
      fdt: (node, at) => {
        node
          .string('compatible', 'vm,pio-disk')
          .u64s('reg', [VIRT.pioDisk.base, VIRT.pioDisk.size])
          .u32('interrupts', VIRT_IRQ.pioDisk)
          .u32('interrupt-parent', at.plicPhandle);
      },
    });
    return disk;
  }

  /** A device (or HTIF) asks the machine to stop: run() returns this exit. */
  requestExit(exit: VmExit): void {
    this.pendingExit = exit;
    this.harts[this.current]!.requestExit(exit);
  }

  /** Whether a device has asked the machine to stop (takeRequestedExit not called since). */
  get exitRequested(): boolean {
    return this.pendingExit !== undefined;
  }

  /** The exit a device requested since the last call (harts on threads: the main thread asks). */
  takeRequestedExit(): VmExit | undefined {
    const e = this.pendingExit;
    this.pendingExit = undefined;
    return e;
  }

  /** Total instructions retired by all harts. */
  get retired(): number {
    let n = 0;
    for (const h of this.harts) n += h.retired;
    return n;
  }

  /**
   * Virtual time's instruction count: every instruction retired on the board, by all harts, so far.
   * The board runs its harts one after another, so this total only grows, whichever hart reads
   * it: `time` is one counter shared by all harts (priv spec 3.2.1 `mtime`; unpriv spec, Zicntr:
   * the harts' real-time clocks are synchronized). Counting only the running hart's progress
   * into its round (each hart starting again from the round's start time) let a hart read a time
   * earlier than one another hart had read before it — up to a quantum behind — and Linux, whose
   * timekeeping takes `now - cycle_last` modulo 2^64 (clocksource_delta without
   * CONFIG_CLOCKSOURCE_VALIDATE_LAST_CYCLE), saw time jump forward by centuries: jiffies-based
   * waits such as __cpu_up's one second for a secondary CPU expired at once ("CPUn: failed to
   * come online"). With one hart this equals the round timeline, as before.
   */
  private instructionsNow(): number {
    return this.retired;
  }

  /** The board's own scheduling state (between run() calls): checkpoints save and restore it. */
  boardState(): VirtBoardState {
    return { version: 2, timeline: this.timeline, current: this.current, waiting: [...this.waiting], used: this.used, ranAny: this.ranAny };
  }

  /** Take back boardState(); the harts must already hold their restored retired counts. */
  restoreBoardState(s: VirtBoardState): void {
    if (s.version !== 1 && s.version !== 2) throw new ConfigError(`virt board: unknown snapshot version ${String(s.version)}`);
    if (s.waiting.length !== this.harts.length || s.current < 0 || s.current >= this.harts.length) {
      throw new ConfigError(`virt board: snapshot is for ${s.waiting.length} harts, this board has ${this.harts.length}`);
    }
    this.timeline = s.timeline;
    this.current = s.current;
    this.currentStart = this.harts[s.current]!.retired;
    this.used = s.used ?? 0;
    this.ranAny = s.ranAny ?? false;
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

  /**
   * Back to a checkpoint this board gave (snapshot()), e.g. its state just after boot, for a board
   * reused instead of rebuilt (the fuzzer's): exact, cheaper than restore() (no shape checks, no
   * rollback copy, RAM zeroed only where written). See rewindMachine.
   */
  rewind(s: MachineSnapshot): void {
    rewindMachine(this, s);
  }

  /** Reset every hart to the boot ROM, as at power-on. */
  reset(): void {
    // Hart.reset zeroes the retired counts that virtual time is made of: keep the time reached.
    if (this.clock instanceof VirtualClock) this.clock.skip(Math.floor(this.retired / this.clock.instructionsPerTick));
    for (const h of this.harts) h.reset(BigInt(VIRT.mrom.base));
    this.waiting.fill(false);
    this.endRound();
    this.pendingExit = undefined;
  }

  /**
   * Run `budget` steps of the board's harts (all together). Returns 'budget' when it ran them all,
   * 'wfi' when every hart waits for an interrupt that no timer will raise (the caller feeds input
   * or gives up), or the exit a device requested (poweroff, reset).
   *
   * The board runs in rounds: each hart in turn runs `quantum` steps (one retired instruction or
   * one trap each; less when it waits for an interrupt), then devices are serviced. Where a budget
   * ends inside a turn, the turn is cut there and the next call goes on with it: which hart runs
   * when, and where devices are serviced, depend on the guest alone, not on how callers slice its
   * run — the same guest gives the same instruction counts and output whatever the budgets (the
   * CLI sizes them by wall time), and run(1) is one step of one hart (a debugger's).
   */
  run(budget: number): VmExit {
    const n = this.harts.length;
    const end = this.timeline + budget;
    for (;;) {
      for (; this.current < n; this.current++, this.used = 0) {
        if (this.timeline >= end) return { reason: 'budget' };
        const i = this.current;
        const hart = this.harts[i]!;
        const resume = this.used > 0;
        if (!resume) {
          if (this.waiting[i]) {
            if (!hasEnabledPending(hart)) continue;
            this.waiting[i] = false;
          }
          this.ranAny = true;
          if (n > 1) hart.clearReservation();
        }
        const grant = Math.min(this.quantum - this.used, end - this.timeline);
        const before = hart.retired;
        const exit = hart.run(grant, resume);
        const retired = hart.retired - before;
        // Hart.run(n) returns 'budget' after exactly n steps; a trap loop retires none of them.
        const steps = exit.reason === 'budget' ? grant : retired;
        this.trapSteps += steps - retired;
        this.used += steps;
        this.timeline += steps;
        if (exit.reason !== 'budget' && exit.reason !== 'wfi') return this.finish(exit);
        if (exit.reason === 'wfi') this.waiting[i] = true;
        if (this.pendingExit !== undefined) return this.finish(this.pendingExit);
        // The caller's budget ended inside this turn: it goes on at the next call.
        if (exit.reason === 'budget' && this.used < this.quantum) return { reason: 'budget' };
      }
      const ranAny = this.ranAny;
      this.endRound();
      const polled = this.service();
      if (polled !== undefined) return polled;
      // Idle only when no waiting hart has an interrupt to wake it: one hart's IPI (a CLINT msip
      // write) or a passed Sstc deadline can reach a hart that went to WFI earlier in the round.
      if ((!ranAny || this.waiting.every(Boolean)) && !this.anyWakes()) {
        if (!this.skipToDeadline()) return { reason: 'wfi' };
      }
      if (this.timeline >= end) return { reason: 'budget' };
    }
  }

  /** An exit ends the round where it is: the next run() begins a new one. */
  private finish(exit: VmExit): VmExit {
    this.endRound();
    this.pendingExit = undefined;
    return exit;
  }

  private endRound(): void {
    this.current = 0;
    this.used = 0;
    this.ranAny = false;
  }

  /** Devices whose state moves with time, and HTIF. */
  private service(): VmExit | undefined {
    this.devices.tick();
    if (this.htif !== undefined) {
      const r = this.htif.poll();
      if (r.kind === 'exit') return { reason: 'poweroff', code: r.code };
    }
    return undefined;
  }

  /** Whether a waiting hart has an interrupt pending and enabled (the next round runs it). */
  private anyWakes(): boolean {
    for (let i = 0; i < this.harts.length; i++) if (this.waiting[i] && hasEnabledPending(this.harts[i]!)) return true;
    return false;
  }

  /** All harts wait: jump virtual time to the next timer deadline. False when there is none. */
  private skipToDeadline(): boolean {
    if (this.options.clock === 'wall') return false;
    const now = this.clock.now();
    let next: bigint | undefined = this.devices.nextDeadline();
    for (const h of this.harts) {
      const d = sstcDeadline(h);
      if (d !== undefined && (next === undefined || d < next)) next = d;
    }
    // A deadline already reached that woke nobody (its interrupt is masked) cannot help either.
    if (next === undefined || next <= now) return false;
    this.clock.skip(Number(next - now));
    this.devices.tick();
    for (let i = 0; i < this.harts.length; i++) if (this.waiting[i] && hasEnabledPending(this.harts[i]!)) this.waiting[i] = false;
    return true;
  }
}

/** WFI wakes on any interrupt pending and enabled in mie, whatever the global enables (priv spec 3.3.3). */
export function hasEnabledPending(h: Hart): boolean {
  return (h.readCsr(CSR_MIP) & h.readCsr(CSR_MIE)) !== 0n;
}

/** The Sstc deadline of a hart that has stimecmp enabled, if any. */
export function sstcDeadline(h: Hart): bigint | undefined {
  if ((h.readCsr(CSR_MENVCFG) >> 63n) === 0n) return undefined;
  if ((h.readCsr(CSR_MIE) & (1n << 5n)) === 0n) return undefined;
  const cmp = h.readCsr(CSR_STIMECMP);
  return cmp === (1n << 64n) - 1n ? undefined : cmp;
}

/** The standard devices of QEMU's virt board, in QEMU 7.2's DTB order under /soc. */
function standardDevices(m: VirtMachine): BoardDeviceSpec[] {
  return [
    {
      name: 'rtc',
      base: VIRT.rtc.base,
      device: m.rtc,
      irq: VIRT_IRQ.rtc,
      tick: () => m.rtc.update(),
      nextDeadline: () => m.rtc.nextDeadline(),
      fdt: (node, at) => {
        node
          .u32('interrupts', VIRT_IRQ.rtc)
          .u32('interrupt-parent', at.plicPhandle)
          .u64s('reg', [VIRT.rtc.base, VIRT.rtc.size])
          .string('compatible', 'google,goldfish-rtc');
      },
    },
    {
      name: 'uart0',
      fdtName: 'serial',
      snapshotId: 'uart',
      base: VIRT.uart0.base,
      device: m.uart,
      irq: VIRT_IRQ.uart0,
      fdt: (node, at) => {
        node
          .u32('interrupts', VIRT_IRQ.uart0)
          .u32('interrupt-parent', at.plicPhandle)
          .u32('clock-frequency', UART_CLOCK_HZ)
          .u64s('reg', [VIRT.uart0.base, VIRT.uart0.size])
          .string('compatible', 'ns16550a');
      },
    },
    {
      name: 'test',
      base: VIRT.test.base,
      device: m.test,
      fdt: (node, at) => {
        const ph = node.phandle();
        node.strings('compatible', ['sifive,test1', 'sifive,test0', 'syscon']).u64s('reg', [VIRT.test.base, VIRT.test.size]);
        // syscon-poweroff/-reboot drivers write these values through the test device (QEMU virt).
        at.root.node('poweroff').u32('value', 0x5555).u32('offset', 0).u32('regmap', ph).string('compatible', 'syscon-poweroff');
        at.root.node('reboot').u32('value', 0x7777).u32('offset', 0).u32('regmap', ph).string('compatible', 'syscon-reboot');
      },
    },
    {
      name: 'plic',
      base: VIRT.plic.base,
      device: m.plic,
      fdt: (node, at) => {
        node
          .u32('#interrupt-cells', 1)
          .u32('#address-cells', 0)
          .strings('compatible', ['sifive,plic-1.0.0', 'riscv,plic0'])
          .empty('interrupt-controller')
          .cells('interrupts-extended', at.cpuIntc.flatMap((ph) => [ph, IRQ_MEI, ph, IRQ_SEI]))
          .u64s('reg', [VIRT.plic.base, VIRT.plic.size])
          .u32('riscv,ndev', VIRT_PLIC_NDEV);
      },
    },
    {
      name: 'clint',
      base: VIRT.clint.base,
      device: m.clint,
      tick: () => m.clint.update(),
      nextDeadline: () => m.clint.nextDeadline(),
      fdt: (node, at) => {
        node
          .strings('compatible', ['sifive,clint0', 'riscv,clint0'])
          .u64s('reg', [VIRT.clint.base, VIRT.clint.size])
          .cells('interrupts-extended', at.cpuIntc.flatMap((ph) => [ph, IRQ_MSI, ph, IRQ_MTI]));
      },
    },
  ];
}

/** The registry entry of virtio-mmio slot `slot` (0x1000_1000 + slot·0x1000, PLIC source 1 + slot). */
function virtioSlotSpec(slot: number, transport: VirtioMmioTransport): BoardDeviceSpec {
  const base = VIRT.virtio.base + slot * VIRT.virtio.size;
  const irq = VIRT_IRQ.virtio(slot);
  return {
    name: `virtio-mmio@${base.toString(16)}`,
    fdtName: 'virtio_mmio',
    base,
    device: transport,
    irq,
    // An empty transport ignores every write: nothing to keep.
    snapshot: transport.isEmpty ? null : transport,
    fdt: (node, at) => {
      node.u32('interrupts', irq).u32('interrupt-parent', at.plicPhandle).u64s('reg', [base, VIRT.virtio.size]).string('compatible', 'virtio,mmio');
    },
  };
}

/** The UART's input clock QEMU advertises (3.6864 MHz), which drivers use to compute divisors. */
const UART_CLOCK_HZ = 3_686_400;
