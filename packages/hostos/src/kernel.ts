import {
  CAUSE_BREAKPOINT, CAUSE_ECALL_U, CAUSE_FETCH_PAGE_FAULT, CAUSE_ILLEGAL_INSTRUCTION, CAUSE_LOAD_PAGE_FAULT, CAUSE_MISALIGNED_FETCH,
  CAUSE_MISALIGNED_LOAD, CAUSE_MISALIGNED_STORE, CAUSE_STORE_PAGE_FAULT, IRQ_MTI, MSTATUS_FS, PRIV_M, PRIV_U,
} from '@vm/isa';
import { PAGE_SIZE } from '@vm/mmu';
import { AddressSpace } from './address-space.js';
import { ConsoleDevice, NullDevice } from './drivers/console-device.js';
import { KvmDevice } from './drivers/kvm-device.js';
import { ExecError, detectPersonality, loadProgram, type LoadedProgram } from './elf-loader.js';
import { FrameAllocator } from './frame-allocator.js';
import { SimpleFs } from './fs/simple-fs.js';
import { HostMachine } from './host-machine.js';
import { O_CLOEXEC, SIGBUS, SIGILL, SIGSEGV, SIGTRAP, fail } from './linux-abi.js';
import type { NativeProgram, NativeSyscalls } from './native-program.js';
import type { CharDevice, OpenFile } from './open-file.js';
import { Process, type ExitReport, type Personality } from './process.js';
import { DEFAULT_WEIGHT, Scheduler } from './scheduler.js';
import { RESTART, SyscallTable } from './syscall-table.js';
import { openPath } from './syscalls/file-syscalls.js';
import { defineFileSyscalls } from './syscalls/file-syscalls.js';
import { defineMemorySyscalls } from './syscalls/memory-syscalls.js';
import { defineProcessSyscalls } from './syscalls/process-syscalls.js';
import { defineVmkernelSyscalls } from './syscalls/vmkernel-syscalls.js';
import { VMK_ERROR } from './vmkernel-abi.js';

export interface HostKernelOptions {
  /** Physical RAM of the board (default 64 MiB). */
  readonly memory?: number;
  /** The disk image with the root file system (see mkfs). */
  readonly disk: Uint8Array;
  /** Scheduler quantum in instructions (default 50 000). */
  readonly quantum?: number;
  /** Every byte the UART transmits. */
  readonly console?: (byte: number) => void;
}

export interface SpawnOptions {
  readonly argv?: readonly string[];
  readonly env?: readonly string[];
  readonly weight?: number;
  readonly parent?: Process;
  /**
   * The system-call interface the program was built for (default 'auto': 'vmkernel' when the ELF
   * is one of our guest kernel's user programs, linked at 0x20_0000_0000 by guests/user/user.ld,
   * else 'linux'; see detectPersonality).
   */
  readonly personality?: Personality | 'auto';
  /**
   * vmkernel personality: the guest kernel's command line (SYS_bootargs). Under our kernel a
   * program gets argv = [name, ...bootargs split at spaces]; when only one of argv and bootargs is
   * given, the other is derived that way.
   */
  readonly bootargs?: string;
}

/** Registers at a freshly loaded image's entry. */
function startContext(p: Process, loaded: LoadedProgram): void {
  p.context.pc = loaded.entry;
  p.context.x[2] = loaded.sp;
  if (p.personality === 'vmkernel') {
    // guests/user/crt0.S: the guest kernel starts a program with a0 = argc, a1 = argv.
    p.context.x[10] = BigInt(loaded.argc);
    p.context.x[11] = loaded.argv;
  }
}

/** Why `run` returned. */
export interface KernelRunResult {
  readonly reason: 'budget' | 'idle' | 'no-processes';
  readonly instructions: number;
}

/**
 * The host OS kernel: TypeScript in the board's M-mode. It owns the bare board (RAM, MMU, the
 * host-trapping hart, clock, CLINT, UART, disk), runs RISC-V ELF processes in U-mode on their own
 * Sv39 address spaces and native TypeScript processes, schedules them preemptively by weight and
 * serves the Linux riscv64 system calls over its own file system.
 */
export class HostKernel {
  readonly machine: HostMachine;
  readonly frames: FrameAllocator;
  readonly fs: SimpleFs;
  readonly scheduler: Scheduler;
  readonly syscalls = new SyscallTable();
  /** The vmkernel personality's calls (guests/include/syscall.h), translated to hostos's. */
  readonly vmkernelSyscalls = new SyscallTable(VMK_ERROR, VMK_ERROR);
  readonly processes: Process[] = [];
  readonly console: ConsoleDevice;
  /** /dev/vmm. */
  readonly vmm: KvmDevice;
  /** Kernel event counts: syscall, page-fault, timer-interrupt, context-switch... */
  readonly events = new Map<string, number>();
  private readonly devices = new Map<string, CharDevice>();
  private readonly out: number[] = [];
  private nextPid = 1;
  private current: Process | undefined;
  private residentSatp = -1n;
  private seed = 0x9e3779b9;
  /** Instructions the running process may still use in its slice (read by drivers such as /dev/vmm). */
  sliceLeft = 0;
  /**
   * Steps of guest code run on the hart for processes (/dev/vmm's KVM_RUN) that took a trap and
   * retired nothing. The hart's `retired` does not see them, yet they are CPU time: runNative
   * charges them to the process, so a VMM whose guest traps on every step uses up its slice and
   * its fair share as one doing real work does, instead of being charged next to nothing.
   */
  guestTrapSteps = 0;

  constructor(options: HostKernelOptions) {
    const sink = options.console;
    this.machine = new HostMachine({
      memory: options.memory ?? 64 << 20,
      disk: options.disk,
      console: (b) => {
        this.out.push(b);
        sink?.(b);
      },
    });
    this.frames = new FrameAllocator(this.machine.ram);
    this.fs = new SimpleFs(this.machine.disk);
    this.scheduler = new Scheduler(options.quantum ?? 50_000);
    this.console = new ConsoleDevice(this.machine);
    this.registerDevice(5, 1, this.console);
    this.registerDevice(1, 3, new NullDevice());
    this.vmm = new KvmDevice(this);
    this.registerDevice(10, 232, this.vmm);
    defineFileSyscalls(this.syscalls);
    defineMemorySyscalls(this.syscalls);
    defineProcessSyscalls(this.syscalls);
    defineVmkernelSyscalls(this.vmkernelSyscalls);
  }

  /** Everything written to the console. */
  get consoleText(): string {
    return Buffer.from(this.out).toString('utf8');
  }

  registerDevice(major: number, minor: number, device: CharDevice): void {
    this.devices.set(`${major}:${minor}`, device);
  }

  device(major: number, minor: number): CharDevice | undefined {
    return this.devices.get(`${major}:${minor}`);
  }

  count(event: string, n = 1): void {
    this.events.set(event, (this.events.get(event) ?? 0) + n);
  }

  /** The process whose slice is running (the caller of a system call). */
  get running(): Process | undefined {
    return this.current;
  }

  // ------------------------------------------------------------------ processes

  /** Start a RISC-V ELF program from the file system. */
  spawn(path: string, options: SpawnOptions = {}): Process {
    const inode = this.fs.lookup(path);
    if (inode === undefined || inode.type !== 'file') throw new ExecError(`${path}: no such program`);
    const bytes = this.fs.readAll(inode);
    const name = path.split('/').pop() ?? path;
    const personality = options.personality === undefined || options.personality === 'auto' ? detectPersonality(bytes) : options.personality;
    let argv = options.argv ?? [path];
    let bootargs = '';
    if (personality === 'vmkernel') {
      bootargs = options.bootargs ?? argv.slice(1).join(' ');
      if (options.argv === undefined) argv = [name, ...bootargs.split(' ').filter((w) => w !== '')];
    }
    const as = new AddressSpace(this.machine.ram, this.frames);
    let loaded;
    try {
      const env = options.env ?? (personality === 'linux' ? ['PATH=/bin', 'HOME=/'] : []);
      loaded = loadProgram(as, bytes, argv, env, this.random(16));
    } catch (e) {
      as.destroy();
      throw e;
    }
    const p = new Process(this.nextPid++, name, as, options.weight ?? DEFAULT_WEIGHT, undefined, options.parent);
    p.personality = personality;
    p.bootargs = bootargs;
    p.path = path;
    startContext(p, loaded);
    this.admit(p);
    return p;
  }

  /**
   * fork: a new process with a copy-on-write copy of `p`'s address space (AddressSpace.fork), its
   * open-file table (shared descriptions), its registers (a0 = 0 in the child) and identity. The
   * child returns from the system call `p` is in. Undefined when memory runs out.
   */
  forkProcess(p: Process): Process | undefined {
    if (p.kind !== 'user') return undefined;
    const copy = p.memory.fork();
    if (copy === undefined) return undefined;
    const child = new Process(this.nextPid++, p.name, copy.space, p.weight, undefined, p);
    child.personality = p.personality;
    child.bootargs = p.bootargs;
    child.path = p.path;
    child.cwd = p.cwd;
    const c = child.context;
    if (p === this.current) {
      // The parent is in its system call: its live registers are on the hart.
      const hart = this.machine.hart;
      c.x.set(hart.x);
      c.f.set(hart.f);
      c.fflags = hart.fp.fflags;
      c.frm = hart.fp.frm;
    } else {
      c.x.set(p.context.x);
      c.f.set(p.context.f);
      c.fflags = p.context.fflags;
      c.frm = p.context.frm;
    }
    c.pc = p.context.pc + 4n; // p.context.pc is the ecall (set before dispatch)
    c.x[10] = 0n;
    for (let fd = 0; fd < p.files.length; fd++) {
      const f = p.files[fd];
      if (f === undefined) continue;
      f.refs++;
      child.files[fd] = f;
    }
    p.children.push(child);
    this.processes.push(child);
    this.scheduler.add(child);
    this.flushTranslations(p); // its writable pages became read-only (copy-on-write)
    this.count('fork');
    this.count('fork.pages-shared', copy.pagesShared);
    return child;
  }

  /**
   * execve: replace `p`'s image with the ELF at `path` (argv, envp as given). On success the old
   * address space is freed, close-on-exec descriptors are closed, the personality is detected
   * anew and the process continues at the new entry (result undefined); otherwise a negative errno
   * and `p` is untouched.
   */
  execProcess(p: Process, path: string, argv: readonly string[], envp: readonly string[]): bigint | undefined {
    if (p.kind !== 'user') return fail('EINVAL');
    let bytes: Uint8Array;
    let personality: Personality;
    try {
      const inode = this.fs.lookup(path);
      if (inode === undefined) return fail('ENOENT');
      if (inode.type !== 'file') return fail('EACCES');
      bytes = this.fs.readAll(inode);
      personality = detectPersonality(bytes);
    } catch (e) {
      return e instanceof ExecError ? fail('ENOEXEC') : fail('EIO');
    }
    const as = new AddressSpace(this.machine.ram, this.frames);
    let loaded;
    try {
      loaded = loadProgram(as, bytes, argv, envp, this.random(16));
    } catch (e) {
      as.destroy();
      return e instanceof ExecError && !e.message.startsWith('out of memory') ? fail('ENOEXEC') : fail('ENOMEM');
    }
    p.memory.destroy();
    p.memory = as;
    p.personality = personality;
    p.path = path;
    p.name = path.split('/').pop() ?? path;
    p.context.x.fill(0n);
    p.context.f.fill(0n);
    p.context.fflags = 0;
    p.context.frm = 0;
    startContext(p, loaded);
    for (let fd = 0; fd < p.files.length; fd++) {
      const f = p.files[fd];
      if (f !== undefined && (f.flags & O_CLOEXEC) !== 0) {
        this.releaseFile(f);
        p.files[fd] = undefined;
      }
    }
    p.imageReplaced = true;
    if (this.current === p) this.residentSatp = -1n;
    this.count('exec');
    return undefined;
  }

  /** Start a native (TypeScript) program as a process. */
  spawnNative(program: NativeProgram, options: SpawnOptions = {}): Process {
    const as = new AddressSpace(this.machine.ram, this.frames);
    const p = new Process(this.nextPid++, program.name, as, options.weight ?? DEFAULT_WEIGHT, program, options.parent);
    this.admit(p);
    return p;
  }

  private admit(p: Process): void {
    for (const path of ['/dev/console', '/dev/console', '/dev/console']) {
      const f = openPath(this, path, 2);
      if (typeof f !== 'bigint') p.allocateFd(f);
    }
    p.parent?.children.push(p);
    this.processes.push(p);
    this.scheduler.add(p);
  }

  exitProcess(p: Process, report: ExitReport): void {
    if (p.state === 'zombie') return;
    p.exit = report;
    p.state = 'zombie';
    this.count('exit');
    // Orphans go to the root of p's process tree (Linux: to init); with none, zombies are dropped.
    let adopter = p.parent;
    while (adopter?.parent !== undefined) adopter = adopter.parent;
    for (const c of p.children) {
      c.parent = adopter;
      if (adopter !== undefined) {
        adopter.children.push(c);
        if (c.state === 'zombie' && adopter.state === 'blocked' && adopter.waitingFor === 'child') this.scheduler.wake(adopter);
      } else if (c.state === 'zombie') this.forget(c);
    }
    p.children.length = 0;
    if (p.personality === 'vmkernel' && p.parent === undefined && p.name === 'init') {
      // Our guest kernel turns init's exit into DONE pass|fail (guests/kernel/proc.c).
      for (const b of Buffer.from(`DONE ${report.status === 0 && report.signal === undefined ? 'pass' : 'fail'}\n`)) this.machine.putc(b);
    }
    for (let fd = 0; fd < p.files.length; fd++) {
      const f = p.files[fd];
      if (f !== undefined) this.releaseFile(f);
      p.files[fd] = undefined;
    }
    this.scheduler.remove(p);
    p.memory.destroy();
    if (this.current === p) this.residentSatp = -1n;
    if (p.parent !== undefined && p.parent.state === 'blocked' && p.parent.waitingFor === 'child') this.scheduler.wake(p.parent);
  }

  /** Kill a process by a signal, with a report (guest misbehaviour never throws in the host). */
  kill(p: Process, signal: number, message: string): void {
    this.count(`signal.${signal}`);
    this.exitProcess(p, { status: 128 + signal, signal, message });
  }

  /** A zombie's exit was collected by its parent (wait4): it is gone. */
  reap(p: Process): void {
    const parent = p.parent;
    if (parent !== undefined) {
      const i = parent.children.indexOf(p);
      if (i >= 0) parent.children.splice(i, 1);
    }
    this.forget(p);
  }

  private forget(p: Process): void {
    const i = this.processes.indexOf(p);
    if (i >= 0) this.processes.splice(i, 1);
    this.count('reaped');
  }

  block(p: Process, on: 'child' | 'event' | 'stop'): void {
    p.state = 'blocked';
    p.waitingFor = on;
  }

  wake(p: Process): void {
    this.scheduler.wake(p);
  }

  releaseFile(f: OpenFile): void {
    f.refs--;
    if (f.refs === 0) f.device?.release?.(f);
  }

  /** Deterministic pseudo-random bytes (getrandom, AT_RANDOM). */
  random(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      this.seed = (Math.imul(this.seed, 1664525) + 1013904223) >>> 0;
      b[i] = this.seed >>> 24;
    }
    return b;
  }

  /** The process's page tables changed: drop stale translations if it is resident. */
  flushTranslations(p: Process): void {
    if (p.memory.satp === this.residentSatp || p.kind === 'native') {
      this.machine.hart.mmu.flushAll();
      this.machine.hart.translationChanged();
    }
  }

  // ------------------------------------------------------------------ system calls

  /** Dispatch one system call of `p`. */
  syscall(p: Process, nr: number, args: readonly bigint[], object?: object): bigint | typeof RESTART {
    p.stats.syscalls++;
    p.stats.byNumber.set(nr, (p.stats.byNumber.get(nr) ?? 0) + 1);
    this.count('syscall');
    const table = p.personality === 'vmkernel' ? this.vmkernelSyscalls : this.syscalls;
    if (p.personality !== 'linux') this.count(`syscall.${p.personality}`);
    const h = table.lookup(nr);
    if (h === undefined) return table.noSuchCall;
    try {
      return h(this, p, args, object);
    } catch (e) {
      // A kernel bug reached from a system call fails the call, never the host.
      this.count('syscall.internal-error');
      void e;
      return table.internalError;
    }
  }

  private nativeSyscalls(p: Process): NativeSyscalls {
    return {
      pid: p.pid,
      syscall: (nr, ...args) => {
        const r = this.syscall(p, nr, args.map((a) => BigInt(a)));
        return r === RESTART ? -11n : r;
      },
      ioctlObject: (fd, request, object, arg = 0n) => {
        const r = this.syscall(p, 29, [BigInt(fd), BigInt(request), arg], object);
        return r === RESTART ? -11n : r;
      },
      peek: (va, length) => p.memory.read(va, length),
      poke: (va, data) => p.memory.write(va, data),
      memoryRam: (va, length, base) => {
        const area = p.memory.findArea(va);
        if (area?.physical === undefined || va + length > area.end) return undefined;
        const off = area.physical + (va - area.start) - this.machine.ram.base;
        const window = this.machine.ram.window(off, length, base);
        p.memory.windows.push(window);
        return window;
      },
    };
  }

  // ------------------------------------------------------------------ scheduling

  /** Run processes for up to `budget` instructions in total. */
  run(budget: number): KernelRunResult {
    let done = 0;
    while (done < budget) {
      if (this.processes.every((p) => p.state === 'zombie')) return { reason: 'no-processes', instructions: done };
      const p = this.scheduler.pick();
      if (p === undefined) return { reason: 'idle', instructions: done };
      const slice = Math.min(this.scheduler.quantum, budget - done);
      this.current = p;
      p.stats.slices++;
      const n = p.kind === 'user' ? this.runUser(p, slice) : this.runNative(p, slice);
      this.current = undefined;
      p.stats.instructions += n;
      this.scheduler.charge(p, Math.max(n, 1));
      done += n;
    }
    this.count('context-switch', 0);
    return { reason: 'budget', instructions: done };
  }

  private runNative(p: Process, slice: number): number {
    const hart = this.machine.hart;
    const before = hart.retired;
    const trapsBefore = this.guestTrapSteps;
    this.sliceLeft = slice;
    let step;
    try {
      step = p.native!.step(this.nativeSyscalls(p), slice);
    } catch (e) {
      this.kill(p, SIGSEGV, `native program threw: ${e instanceof Error ? e.message : String(e)}`);
      return Math.max(1, hart.retired - before + this.guestTrapSteps - trapsBefore);
    }
    // Guest code run on the hart on the process's behalf (/dev/vmm) is the process's time too,
    // its trap steps included.
    const used = step.used + (hart.retired - before) + (this.guestTrapSteps - trapsBefore);
    this.machine.nativeInstructions += step.used;
    if (step.kind === 'exit') this.exitProcess(p, { status: step.code & 0xff, message: `native exit(${step.code})` });
    else if (step.kind === 'yield' && p.state === 'runnable' && used === 0) this.block(p, 'event');
    return used;
  }

  private enterUser(p: Process): void {
    const hart = this.machine.hart;
    const c = p.context;
    hart.setRegisters(c.x, c.f, c.fflags, c.frm);
    const satp = p.memory.satp;
    if (hart.satp !== satp || this.residentSatp !== satp) {
      hart.setSatp(satp);
      hart.mmu.flushAll();
      this.residentSatp = satp;
      this.count('address-space-switch');
    }
    hart.setMstatus(hart.mstatus | MSTATUS_FS);
    hart.enter(PRIV_U, c.pc, false);
    hart.clearReservation();
  }

  private saveUser(p: Process): void {
    const hart = this.machine.hart;
    const c = p.context;
    c.x.set(hart.x);
    c.f.set(hart.f);
    c.fflags = hart.fp.fflags;
    c.frm = hart.fp.frm;
  }

  private runUser(p: Process, slice: number): number {
    const m = this.machine;
    const hart = m.hart;
    const start = hart.retired;
    this.enterUser(p);
    m.armTimer(Math.ceil(slice / m.instructionsPerTick));
    while (p.state === 'runnable') {
      const remaining = slice - (hart.retired - start);
      let exit = hart.run(Math.max(1, remaining));
      if (exit.reason === 'budget' && hart.priv === PRIV_M) exit = hart.run(1);
      m.clint.update();
      if (exit.reason === 'budget') {
        p.context.pc = hart.pc;
        continue; // the timer interrupt is pending now: the next run takes it at once
      }
      if (exit.reason !== 'trap') {
        this.kill(p, SIGILL, `unexpected hart exit ${exit.reason}`);
        break;
      }
      const interrupt = exit.cause >> 63n !== 0n;
      const cause = Number(exit.cause & 0xffn);
      if (interrupt) {
        p.context.pc = exit.epc;
        if (cause === IRQ_MTI) {
          p.stats.timerInterrupts++;
          this.count('timer-interrupt');
        }
        break;
      }
      if (!this.userTrap(p, cause, exit.tval, exit.epc)) break;
      hart.enter(PRIV_U, p.context.pc, false);
    }
    m.disarmTimer();
    if (p.state !== 'zombie') this.saveUser(p);
    if (p.state === 'zombie') this.residentSatp = -1n;
    return hart.retired - start;
  }

  /** One synchronous trap from U-mode; true when the process continues at context.pc. */
  private userTrap(p: Process, cause: number, tval: bigint, epc: bigint): boolean {
    const hart = this.machine.hart;
    const where = `pc 0x${epc.toString(16)}`;
    switch (cause) {
      case CAUSE_ECALL_U: {
        const nr = Number(hart.x[17]);
        const args = [hart.x[10]!, hart.x[11]!, hart.x[12]!, hart.x[13]!, hart.x[14]!, hart.x[15]!];
        p.context.pc = epc;
        const r = this.syscall(p, nr, args);
        if (p.state === 'zombie') return false;
        if (p.imageReplaced) {
          // execve: the new image's registers, address space and entry go onto the hart.
          p.imageReplaced = false;
          this.enterUser(p);
          return p.state === 'runnable';
        }
        if (r === RESTART) {
          p.context.pc = epc;
          return false;
        }
        hart.setX(10, r);
        p.context.pc = epc + 4n;
        return p.state === 'runnable';
      }
      case CAUSE_FETCH_PAGE_FAULT:
      case CAUSE_LOAD_PAGE_FAULT:
      case CAUSE_STORE_PAGE_FAULT: {
        const va = Number(tval);
        p.stats.pageFaults++;
        this.count('page-fault');
        const present = p.memory.physical(va - (va % PAGE_SIZE)) >= 0;
        // Not present: demand paging. A store to a present page: copy-on-write after fork.
        if ((!present && p.memory.fault(va) >= 0) || (present && cause === CAUSE_STORE_PAGE_FAULT && p.memory.breakCow(va) >= 0)) {
          hart.mmu.sfence(tval, undefined);
          hart.translationChanged();
          p.context.pc = epc;
          return true;
        }
        this.kill(p, SIGSEGV, `segmentation fault: ${cause === CAUSE_STORE_PAGE_FAULT ? 'store to' : cause === CAUSE_LOAD_PAGE_FAULT ? 'load from' : 'fetch at'} 0x${tval.toString(16)} at ${where}`);
        return false;
      }
      case CAUSE_ILLEGAL_INSTRUCTION:
        this.kill(p, SIGILL, `illegal instruction 0x${tval.toString(16)} at ${where}`);
        return false;
      case CAUSE_BREAKPOINT:
        this.kill(p, SIGTRAP, `breakpoint at ${where}`);
        return false;
      case CAUSE_MISALIGNED_FETCH:
      case CAUSE_MISALIGNED_LOAD:
      case CAUSE_MISALIGNED_STORE:
        this.kill(p, SIGBUS, `misaligned access 0x${tval.toString(16)} at ${where}`);
        return false;
      default:
        this.kill(p, SIGSEGV, `access fault (cause ${cause}) at 0x${tval.toString(16)}, ${where}`);
        return false;
    }
  }
}
