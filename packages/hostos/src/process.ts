import { COUNT_ZERO } from '@vm/core';
import type { AddressSpace } from './address-space.js';
import type { NativeProgram } from './native-program.js';
import type { OpenFile } from './open-file.js';

export type ProcessState = 'runnable' | 'blocked' | 'zombie';

/**
 * Whose system-call interface a user process was built for: `linux` (Linux riscv64 numbers, the
 * default) or `vmkernel` (our guest kernel's, guests/include/syscall.h, translated to hostos's).
 */
export type Personality = 'linux' | 'vmkernel';

/** The user registers of a RISC-V process while it is not on the hart. */
export class UserContext {
  readonly x = new BigUint64Array(32);
  readonly f = new BigUint64Array(32);
  fflags = 0;
  frm = 0;
  pc = 0n;
}

/** How a process ended. */
export interface ExitReport {
  /** exit(code) status, or 128 + signal when killed. */
  readonly status: number;
  readonly signal?: number;
  readonly message: string;
}

/** Per-process accounting. */
export class ProcessStats {
  /** Instructions executed (user code on the hart, or charged by a native program). */
  instructions = COUNT_ZERO;
  syscalls = 0;
  slices = 0;
  pageFaults = 0;
  timerInterrupts = 0;
  readonly byNumber = new Map<number, number>();
}

/** A process of the host OS: a RISC-V ELF program in U-mode, or a native TypeScript program. */
export class Process {
  state: ProcessState = 'runnable';
  readonly context = new UserContext();
  readonly files: (OpenFile | undefined)[] = [];
  readonly stats = new ProcessStats();
  readonly children: Process[] = [];
  exit: ExitReport | undefined;
  /** Scheduler: virtual runtime (instructions × 1024 / weight). */
  vruntime = 0;
  /**
   * What a blocked process waits for: a child's exit, an event (a native program's yield: e.g. a
   * VMM whose guest waits for input), or to be let go by whoever stopped it from outside (a
   * debugger or monitor holding a VMM, as SIGSTOP would), whom nothing else wakes.
   */
  waitingFor: 'child' | 'event' | 'stop' | undefined;
  /** Pending wait4 arguments while blocked in wait4. */
  wait: { pid: number; status: number } | undefined;
  cwd = '/';
  tidAddress = 0;
  /** The system-call interface the program was built for. */
  personality: Personality = 'linux';
  /** vmkernel personality: what SYS_bootargs returns (the guest kernel's command line). */
  bootargs = '';
  /** The file the running image was loaded from (spawn, execve). */
  path = '';
  /**
   * execve replaced the image while the process was in a system call: the kernel loads the new
   * context onto the hart instead of returning a result.
   */
  imageReplaced = false;

  constructor(
    readonly pid: number,
    public name: string,
    public memory: AddressSpace,
    public weight: number,
    public native: NativeProgram | undefined,
    public parent: Process | undefined,
  ) {}

  get kind(): 'user' | 'native' {
    return this.native === undefined ? 'user' : 'native';
  }

  /** Lowest free descriptor at or above `from`. */
  allocateFd(file: OpenFile, from = 0): number {
    let fd = from;
    while (this.files[fd] !== undefined) fd++;
    this.files[fd] = file;
    return fd;
  }
}
