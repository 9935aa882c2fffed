import { ConfigError, type EventCounts, type VmExit, COUNT_ZERO } from '@vm/core';
import { VirtioBlock } from '@vm/devices';
import { KVM, MAP_CONTIGUOUS, SYS, type KvmRun, type NativeProgram, type NativeStep, type NativeSyscalls, type UartInput, type VcpuSnapshot } from '@vm/hostos';
import { VirtMachine, applySnapshot, bootVirt, snapshotMachine, type MachineSnapshot, type PlacedVirtio } from '@vm/machine';
import type { VmmTurnState, VmSnapshot } from '@vm/vcpu';
import { HostFileBackend } from './host-file-backend.js';
import { checkVmmSnapshot, writeDiskContents } from './vmm-snapshot.js';

const GUEST_RAM_BASE = 0x8000_0000;
const PROT_RW = 3;
const MAP_PRIVATE_ANON = 0x22;
const O_RDONLY = 0;
const O_RDWR = 2;
const BUFFER = 64 << 10;
/** Traps in a row retiring nothing before the soft VMM stops its guest (the native default's order). */
const SOFT_TRAP_STORM_LIMIT = 10_000;
/**
 * Guest instructions per KVM_RUN of one vCPU when the VMM runs several in turns: the native
 * hypervisor's default quantum, so a vCPU spinning on a sibling (an IPI's answer, a lock) waits
 * about as long under both hypervisors.
 */
export const VCPU_QUANTUM = 100_000;

export type VmmMode = 'accel' | 'soft';

export interface VmmOptions {
  readonly mode: VmmMode;
  /** Host file-system paths of the guest's firmware (-bios; none when undefined), kernel and virtio-blk disk image. */
  readonly biosPath?: string;
  readonly kernelPath?: string;
  readonly diskPath?: string;
  /** The disk's virtio-mmio slot (QEMU's `bus=virtio-mmio-bus.N`); default the highest free one. */
  readonly diskSlot?: number;
  readonly initrdPath?: string;
  readonly append?: string;
  /** Who the kernel is without a bios (GuestSpec.sbi): accel only; soft interprets as the bare board does. */
  readonly sbi?: 'firmware' | 'hypervisor';
  /** Legacy (default, QEMU 7.2's) or modern virtio-mmio transports on the guest's board; a snapshot brings its own. */
  readonly virtioForceLegacy?: boolean;
  /** Guest RAM in bytes. */
  readonly memory: number;
  /**
   * vCPUs (QEMU's -smp N; default 1), 1..8. accel: one KVM_CREATE_VCPU each, run by this process in
   * turns (see stepAccel); several need the driver's SBI (`sbi: 'hypervisor'`), which starts, stops
   * and suspends them (SBI HSM) and carries their IPIs and remote fences, as KVM does in the kernel.
   * soft: harts of the interpreted board (its firmware, e.g. OpenSBI, starts them).
   */
  readonly vcpus?: number;
  /** Guest instructions per turn of one of several vCPUs (default VCPU_QUANTUM; a snapshot's turns bring theirs). */
  readonly vcpuQuantum?: number;
  /** Read standard input (fd 0, non-blocking) each step and type it into the guest's UART. */
  readonly interactive?: boolean;
  /** Every byte the guest prints, as the VMM sees it (before its write(2) to the host console). */
  readonly console?: (byte: number) => void;
  /**
   * Start from this snapshot (a native VM's, another VMM's or a bare board's) instead of booting:
   * its disk contents are written into the disk file first (vmm-snapshot.ts).
   */
  readonly snapshot?: MachineSnapshot;
  /** The host's instructions per timer tick (the VM's time base must match; default 10). */
  readonly instructionsPerTick?: number;
}

/**
 * The VMM: a native process of the host OS. Its guest's RAM is its own memory; the guest's
 * virtio-blk device model is its own, with the disk a host file read and written by system calls;
 * the guest's console goes to the host console through write(2). `accel` runs the vCPU through
 * /dev/vmm (KVM_RUN), `soft` interprets the guest itself on a private hart, within its time slices.
 */
export class VmmProgram implements NativeProgram {
  readonly name: string;
  /** The guest's console output. */
  private readonly out: number[] = [];
  private pending: number[] = [];
  private sys: NativeSyscalls | undefined;
  private phase: 'setup' | 'running' | 'done' = 'setup';
  /** The vCPUs' descriptors, vCPU 0 first. */
  private vcpuFds: number[] = [];
  /** Whose turn it is among several vCPUs (index into vcpuFds), and what it has run of it. */
  private turn = 0;
  private turnUsed = 0;
  /** Guest instructions per turn of one of several vCPUs. */
  private quantum: number;
  /** vCPUs in a row whose KVM_RUN said the whole VM waits with nothing to wake it (stillWaiting). */
  private stuck = 0;
  private buffer = 0;
  private soft: VirtMachine | undefined;
  private readonly typed: number[] = [];
  private backend: HostFileBackend | undefined;
  private readonly runState: KvmRun = { exitReason: 'intr', address: 0, status: 0, message: '' };
  exit: VmExit | undefined;
  guestInstructions = COUNT_ZERO;
  /**
   * Steps of the guest that took a trap and retired nothing (accel: KvmRun.trapSteps; soft: its
   * board's). They are bounded by a run's limit apart from instructions (SessionSlice.trapped), as
   * the native hypervisor's are, so a trap loop cannot run past `--max-instructions`.
   */
  trapSteps = 0;
  /**
   * Set by whoever feeds standard input when it has ended: an interactive guest waiting in WFI
   * with no timer deadline can then never wake, and the VMM stops it as a non-interactive one.
   */
  inputEnded = false;
  /** Steps of the soft VMM's board in a row that retired no instruction (traps only). */
  private idleTrapSteps = 0;
  /** Exits KVM_RUN returned to this process, by reason. */
  readonly exits: Record<string, number> = {};
  /** Host system calls made by this process (all of them, and those for the guest's disk / console). */
  syscalls = 0;
  consoleSyscalls = 0;

  constructor(readonly options: VmmOptions) {
    this.name = `vmm-${options.mode}`;
    const q = options.vcpuQuantum;
    if (q !== undefined && !(Number.isInteger(q) && q >= 1)) throw new ConfigError(`vcpuQuantum must be a positive integer, got ${q}`);
    this.quantum = q ?? VCPU_QUANTUM;
  }

  /** The guest exists (the first step created it: KVM_CREATE_VCPU, or the soft board). */
  get started(): boolean {
    return this.phase !== 'setup';
  }

  /** The soft VMM's board (its guest's harts, bus and devices); undefined in accel mode or before setup. */
  get softBoard(): VirtMachine | undefined {
    return this.soft;
  }

  get console(): string {
    return Buffer.from(this.out).toString('latin1');
  }

  get diskSyscalls(): number {
    return this.backend?.syscalls ?? 0;
  }

  /** Bytes the guest has written to its disk so far. */
  get diskBytesWritten(): number {
    return this.backend?.bytesWritten ?? 0;
  }

  get diskBytes(): number {
    return (this.backend?.bytesRead ?? 0) + (this.backend?.bytesWritten ?? 0);
  }

  step(sys: NativeSyscalls, budget: number): NativeStep {
    this.sys = sys;
    if (this.phase === 'setup') {
      const err = this.setup(sys);
      if (err !== undefined) {
        this.phase = 'done';
        this.exit = { reason: 'halt', message: err };
        return { kind: 'exit', used: 1, code: 1 };
      }
      this.phase = 'running';
      return { kind: 'ran', used: 1 };
    }
    if (this.phase === 'done') return { kind: 'exit', used: 0, code: 0 };
    if (this.options.interactive === true) this.pollInput(sys);
    return this.options.mode === 'accel' ? this.stepAccel(sys, budget) : this.stepSoft(budget);
  }

  private call(nr: number, ...args: (bigint | number)[]): number {
    this.syscalls++;
    return Number(this.sys!.syscall(nr, ...args));
  }

  private readFile(sys: NativeSyscalls, path: string): Uint8Array | undefined {
    sys.poke(this.buffer, Buffer.from(path + '\0'));
    const fd = this.call(SYS.openat, -100, this.buffer, O_RDONLY, 0);
    if (fd < 0) return undefined;
    const parts: Uint8Array[] = [];
    for (;;) {
      const n = this.call(SYS.read, fd, this.buffer, BUFFER);
      if (n <= 0) break;
      parts.push(sys.peek(this.buffer, n)!);
    }
    this.call(SYS.close, fd);
    return Buffer.concat(parts);
  }

  private setup(sys: NativeSyscalls): string | undefined {
    const o = this.options;
    this.buffer = this.call(SYS.mmap, 0, BUFFER, PROT_RW, MAP_PRIVATE_ANON, -1, 0);
    if (this.buffer < 0) return 'mmap of the I/O buffer failed';
    if (o.kernelPath === undefined && o.biosPath === undefined && o.snapshot === undefined) return 'no kernel and no bios to boot';
    const load = (path: string | undefined): { file: string; bytes: Uint8Array } | string | undefined => {
      if (path === undefined) return undefined;
      const bytes = this.readFile(sys, path);
      return bytes === undefined ? `cannot read ${path}` : { file: path, bytes };
    };
    const file = load(o.kernelPath);
    const bios = load(o.biosPath);
    const initrd = load(o.initrdPath);
    if (typeof file === 'string') return file;
    if (typeof bios === 'string') return bios;
    if (typeof initrd === 'string') return initrd;
    const guestRam = this.call(SYS.mmap, 0, o.memory, PROT_RW, MAP_PRIVATE_ANON | MAP_CONTIGUOUS, -1, 0);
    if (guestRam < 0) return 'no memory for the guest';
    const virtio: PlacedVirtio[] = [];
    if (o.diskPath !== undefined) {
      sys.poke(this.buffer, Buffer.from(o.diskPath + '\0'));
      const fd = this.call(SYS.openat, -100, this.buffer, O_RDWR, 0);
      if (fd < 0) return `cannot open ${o.diskPath}`;
      const size = this.call(SYS.lseek, fd, 0, 2);
      this.backend = new HostFileBackend(() => this.sys!, fd, size, this.buffer, BUFFER);
      virtio.push({ device: new VirtioBlock({ backend: this.backend }), slot: o.diskSlot });
    }
    if (o.snapshot !== undefined) {
      try {
        const disk = checkVmmSnapshot(o.snapshot, o.memory, this.backend !== undefined, o.instructionsPerTick ?? 10, o.mode);
        if (o.mode === 'accel') this.restoreTurns(o.snapshot);
        if (disk !== undefined) writeDiskContents(this.backend!, disk);
      } catch (e) {
        return e instanceof Error ? e.message : String(e);
      }
    }
    const tap = o.console;
    const console = (b: number): void => {
      this.out.push(b);
      this.pending.push(b);
      tap?.(b);
    };
    if (o.mode === 'soft') {
      // The soft VMM interprets a whole virt board, as QEMU's TCG does: no SBI of its own.
      if (o.sbi === 'hypervisor') return "an S-mode kernel needs a firmware in soft mode (give -bios, e.g. OpenSBI's fw_jump.bin)";
      const ram = sys.memoryRam(guestRam, o.memory, GUEST_RAM_BASE);
      if (ram === undefined) return 'guest RAM is not contiguous';
      const legacy = o.snapshot?.config.forceLegacy ?? o.virtioForceLegacy;
      const m = new VirtMachine({ ram, console, virtioForceLegacy: legacy, harts: o.snapshot?.config.harts ?? o.vcpus });
      for (const d of virtio) m.addVirtio(d.device, d);
      try {
        if (o.snapshot !== undefined) applySnapshot(m, o.snapshot, false, 'load');
        else bootVirt(m, { bios, kernel: file, initrd, append: o.append });
      } catch (e) {
        return e instanceof Error ? e.message : String(e);
      }
      this.soft = m;
      return undefined;
    }
    sys.poke(this.buffer, Buffer.from('/dev/vmm\0'));
    const dev = this.call(SYS.openat, -100, this.buffer, O_RDWR, 0);
    if (dev < 0) return 'cannot open /dev/vmm';
    this.syscalls++;
    const vmFd = Number(sys.syscall(SYS.ioctl, dev, KVM.CREATE_VM, 0));
    const region = new DataView(new ArrayBuffer(32));
    region.setBigUint64(8, BigInt(GUEST_RAM_BASE), true);
    region.setBigUint64(16, BigInt(o.memory), true);
    region.setBigUint64(24, BigInt(guestRam), true);
    sys.poke(this.buffer, new Uint8Array(region.buffer));
    this.syscalls++;
    if (sys.syscall(SYS.ioctl, vmFd, KVM.SET_USER_MEMORY_REGION, this.buffer) !== 0n) return 'KVM_SET_USER_MEMORY_REGION failed';
    // A snapshot brings its vCPUs (restoreTurns checked that `vcpus` agrees).
    const vcpus = o.snapshot?.config.harts ?? o.vcpus ?? 1;
    // vCPU 0 brings the board (its device tree lists `vcpus` cpus); the others are its further harts.
    for (let id = 0; id < vcpus; id++) {
      const setup = id === 0 ? { bios, kernel: file, initrd, append: o.append, sbi: o.sbi, virtioForceLegacy: o.virtioForceLegacy, virtio, console, snapshot: o.snapshot, vcpus } : undefined;
      this.syscalls++;
      const fd = Number(sys.ioctlObject(vmFd, KVM.CREATE_VCPU, setup, BigInt(id)));
      if (fd < 0) return `KVM_CREATE_VCPU ${id} failed`;
      this.vcpuFds.push(fd);
    }
    return undefined;
  }

  /**
   * The turns of a snapshot's several vCPUs become this VMM's, so that it hands out the same turns
   * at the same guest instructions as the VMM that took it. A snapshot without them (one vCPU, or a
   * native VM's, whose credit scheduler took other turns) starts at vCPU 0's turn.
   */
  private restoreTurns(s: VmSnapshot): void {
    const harts = s.config.harts;
    if (this.options.vcpus !== undefined && this.options.vcpus !== harts) throw new ConfigError(`vmm snapshot: it has ${harts} vCPUs, the VMM was given ${this.options.vcpus}`);
    const t = s.vm?.turns;
    if (t === undefined) return;
    const q = this.options.vcpuQuantum;
    if (q !== undefined && q !== t.quantum) throw new ConfigError(`vmm snapshot: its vCPUs took turns of ${t.quantum} instructions, the VMM was given ${q}`);
    this.quantum = t.quantum;
    this.turn = t.turn;
    this.turnUsed = t.used;
    this.stuck = t.stuck;
  }

  /**
   * Snapshot the guest between steps: soft — the VMM's own board; accel — KVM.SNAPSHOT (the VM's
   * board and header from /dev/vmm, every vCPU's state in it), with the VMM's turns when it runs
   * several vCPUs. Disk contents are read from the disk file into the snapshot.
   */
  snapshot(): MachineSnapshot {
    if (this.phase !== 'running' || this.sys === undefined) throw new ConfigError(`${this.name}: can snapshot only a running guest (phase ${this.phase})`);
    if (this.soft !== undefined) return snapshotMachine(this.soft);
    const turns: VmmTurnState | undefined = this.vcpuFds.length > 1 ? { version: 1, turn: this.turn, quantum: this.quantum, used: this.turnUsed, stuck: this.stuck } : undefined;
    const out: VcpuSnapshot = { snapshot: undefined, ...(turns === undefined ? {} : { turns }) };
    this.syscalls++;
    if (this.sys.ioctlObject(this.vcpuFds[0]!, KVM.SNAPSHOT, out) !== 0n || out.snapshot === undefined) throw new ConfigError(`${this.name}: KVM.SNAPSHOT failed`);
    return out.snapshot;
  }

  /** Standard input to the guest's UART: read(2) of fd 0, then the soft UART or KVM.UART_INPUT. */
  private pollInput(sys: NativeSyscalls): void {
    const n = this.call(SYS.read, 0, this.buffer, 256);
    if (n > 0) this.typed.push(...sys.peek(this.buffer, n)!);
    if (this.typed.length === 0) return;
    const bytes = Uint8Array.from(this.typed);
    let taken: number;
    if (this.soft !== undefined) taken = this.soft.uart.receive(bytes);
    else {
      const input: UartInput = { bytes, taken: 0 };
      this.syscalls++;
      sys.ioctlObject(this.vcpuFds[0]!, KVM.UART_INPUT, input);
      taken = input.taken;
    }
    this.typed.splice(0, taken);
  }

  /** Guest console bytes to the host console: one write(2) per batch. */
  private flushConsole(): void {
    if (this.pending.length === 0) return;
    const data = Uint8Array.from(this.pending);
    this.pending = [];
    this.sys!.poke(this.buffer, data.subarray(0, BUFFER));
    this.consoleSyscalls++;
    this.call(SYS.write, 1, this.buffer, Math.min(data.length, BUFFER));
  }

  /**
   * KVM_RUN until the time slice is spent or the guest waits. Several vCPUs run in turns within
   * this one process (the host OS has no threads), each for up to `quantum` instructions a turn,
   * the next one after each quantum or wait: deterministic, where QEMU would run one host thread
   * per vCPU. A turn is counted in guest instructions, not KVM_RUNs: a KVM_RUN cut short by the
   * end of the host's time slice (or an MMIO or SBI exit) leaves the rest of the turn to the next
   * KVM_RUN, so where the host's slices fall never changes the guest's interleaving (a snapshot,
   * a debugger's single steps and an uninterrupted run all give the same turns).
   */
  private stepAccel(sys: NativeSyscalls, budget: number): NativeStep {
    let used = 0;
    let ran = 0;
    const several = this.vcpuFds.length > 1;
    for (let i = 0; i < 100_000; i++) {
      this.runState.budget = several ? this.quantum - this.turnUsed : undefined;
      this.syscalls++;
      const before = this.sysInstructions();
      sys.ioctlObject(this.vcpuFds[this.turn]!, KVM.RUN, this.runState);
      const n = this.sysInstructions() - before;
      const traps = this.runState.trapSteps ?? 0;
      this.guestInstructions += n;
      this.trapSteps += traps;
      // Trap steps used the slice as instructions do (the driver charged them): a guest trapping
      // on every step gives the hart back after its slice, not after `budget` retired instructions.
      ran += n + traps;
      const r = this.runState.exitReason;
      this.exits[r] = (this.exits[r] ?? 0) + 1;
      used++;
      this.flushConsole();
      if (r === 'shutdown' || r === 'internal-error') {
        this.exit = r === 'shutdown' ? { reason: 'poweroff', code: this.runState.status } : { reason: 'halt', message: this.runState.message };
        this.phase = 'done';
        return { kind: 'exit', used, code: 0 };
      }
      if (several) {
        // Its turn is counted in steps, as the budget KVM_RUN ran it by: a vCPU in a trap loop yields its turn too.
        this.turnUsed += n + traps;
        if (r === 'wfi' || this.turnUsed >= this.quantum) {
          // Its quantum is spent or it waits (a WFI, an HSM suspend, STOPPED): the next vCPU's turn.
          this.stuck = r === 'wfi' && this.runState.stillWaiting === true ? this.stuck + 1 : 0;
          this.turn = (this.turn + 1) % this.vcpuFds.length;
          this.turnUsed = 0;
          // Every vCPU in a row found the whole VM waiting, its time already skipped: as with one vCPU.
          if (this.stuck >= this.vcpuFds.length) {
            if (this.options.interactive !== true || this.inputEnded) return this.stopWaiting(used);
            return this.waitForInput();
          }
        } else this.stuck = 0;
        if (ran >= budget) break;
        continue;
      }
      if (r === 'wfi') {
        // /dev/vmm already let time pass to the guest's next deadline: it still waits, so only
        // input can wake it. Without input it never will (interrupts off, no timer): stop the VM,
        // as the native hypervisor does, rather than spin in KVM_RUN and starve the other processes.
        // The first WFI exit comes before that time skip: only a vCPU still waiting after it is stuck.
        if (this.runState.stillWaiting === true) return this.options.interactive !== true || this.inputEnded ? this.stopWaiting(used) : this.waitForInput();
        break;
      }
      if (r === 'intr') break;
      // The slice is spent: after an MMIO or SBI exit at its very end another KVM_RUN would run
      // one more instruction beyond it (a debugger stepping the guest one instruction at a time
      // would see two).
      if (ran >= budget) break;
    }
    return { kind: 'ran', used };
  }

  /**
   * The guest waits for input alone (no timer, the time already skipped): the process sleeps until
   * input comes (HostedSession.input wakes it) rather than spin in KVM_RUN. A yield that used no
   * time blocks it (HostKernel.runNative); with every process asleep the host is idle and the
   * session says so, as the native hypervisor's does, and the driver waits for input.
   */
  private waitForInput(): NativeStep {
    return { kind: 'yield', used: 0 };
  }

  private stopWaiting(used: number): NativeStep {
    const why = this.options.interactive === true ? 'standard input has ended' : 'no input reaches it';
    this.exit = { reason: 'halt', message: `wfi: the guest waits for an interrupt that nothing will raise (no timer deadline, no interrupt it enabled can come; ${why})` };
    this.phase = 'done';
    return { kind: 'exit', used, code: 0 };
  }

  /** Guest instructions run by /dev/vmm so far (the kernel's count, read by the VMM for its stats). */
  private sysInstructions(): number {
    return this.accelCounter();
  }

  /** Set by the stack: how to read the driver's guest-instruction counter. */
  accelCounter: () => number = () => 0;

  private stepSoft(budget: number): NativeStep {
    const m = this.soft!;
    const hart = m.harts[0]!;
    // Every hart of the board (-smp N) is the guest's.
    const before = m.retired;
    const trapsBefore = m.trapSteps;
    const exit = m.run(budget);
    const traps = m.trapSteps - trapsBefore;
    // Traps that retired nothing are CPU time too: charged, so a trapping guest cannot starve others.
    const used = Math.max(1, m.retired - before + traps);
    this.guestInstructions += m.retired - before;
    this.trapSteps += traps;
    this.flushConsole();
    if (exit.reason === 'poweroff' || exit.reason === 'reset' || exit.reason === 'halt') {
      this.exit = exit;
      this.phase = 'done';
      return { kind: 'exit', used, code: 0 };
    }
    if (exit.reason === 'wfi') {
      if (this.options.interactive !== true || this.inputEnded) return this.stopWaiting(used);
      // Every hart waits and no timer will wake one: asleep until input, as in accel mode.
      if (m.retired === before && traps === 0) return this.waitForInput();
    }
    this.idleTrapSteps = m.retired === before ? this.idleTrapSteps + traps : 0;
    if (this.idleTrapSteps > SOFT_TRAP_STORM_LIMIT) {
      // The native hypervisor's trap-storm limit, in the soft VMM's terms: traps in a row, nothing retired.
      const hex = (v: bigint): string => `0x${v.toString(16)}`;
      this.exit = { reason: 'halt', message: `trap-storm at ${hex(hart.pc)}: ${this.idleTrapSteps} traps in a row without progress (mcause ${hart.mcause}, mtvec ${hex(hart.mtvec)})` };
      this.phase = 'done';
      return { kind: 'exit', used, code: 0 };
    }
    return { kind: 'ran', used };
  }

  events(): EventCounts {
    return { ...Object.fromEntries(Object.entries(this.exits).map(([k, v]) => [`vmm.exit.${k}`, v])), 'host.syscall': this.syscalls + this.diskSyscalls, 'host.syscall.disk': this.diskSyscalls, 'host.syscall.console': this.consoleSyscalls };
  }
}
