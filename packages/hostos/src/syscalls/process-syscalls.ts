import type { HostKernel } from '../kernel.js';
import { CLONE_CHILD_CLEARTID, CLONE_CHILD_SETTID, CLONE_PARENT_SETTID, CSIGNAL, SIGCHLD, SYS, WNOHANG, fail } from '../linux-abi.js';
import type { ExitReport, Process } from '../process.js';
import { RESTART, type SyscallTable } from '../syscall-table.js';
import { addr, int, int32, u64le } from './arguments.js';

const NS_PER_TICK = 100n;

function field(s: string): Uint8Array {
  const b = new Uint8Array(65);
  b.set(Buffer.from(s).subarray(0, 64));
  return b;
}

/** Process, identity, time and signal system calls. */
export function defineProcessSyscalls(t: SyscallTable): void {
  t.define(SYS.exit, (k, p, a) => {
    k.exitProcess(p, { status: int(a[0]) & 0xff, message: `exit(${int(a[0]) & 0xff})` });
    return 0n;
  });
  t.define(SYS.exit_group, (k, p, a) => {
    k.exitProcess(p, { status: int(a[0]) & 0xff, message: `exit_group(${int(a[0]) & 0xff})` });
    return 0n;
  });
  t.define(SYS.getpid, (_k, p) => BigInt(p.pid));
  t.define(SYS.gettid, (_k, p) => BigInt(p.pid));
  t.define(SYS.getppid, (_k, p) => BigInt(p.parent?.pid ?? 0));
  for (const nr of [SYS.getuid, SYS.geteuid, SYS.getgid, SYS.getegid]) t.define(nr, () => 0n);
  t.define(SYS.set_tid_address, (_k, p, a) => {
    p.tidAddress = addr(a[0]);
    return BigInt(p.pid);
  });
  t.define(SYS.set_robust_list, () => 0n);
  t.define(SYS.rseq, () => fail('ENOSYS'));
  t.define(SYS.futex, () => 0n);
  t.define(SYS.sched_yield, () => 0n);
  t.define(SYS.rt_sigaction, (_k, p, a) => {
    const old = addr(a[2]);
    if (old !== 0 && !p.memory.write(old, new Uint8Array(32))) return fail('EFAULT');
    return 0n;
  });
  t.define(SYS.rt_sigprocmask, (_k, p, a) => {
    const old = addr(a[2]);
    if (old !== 0 && !p.memory.write(old, new Uint8Array(8))) return fail('EFAULT');
    return 0n;
  });
  t.define(SYS.kill, (k, p, a) => killCall(k, p, int32(a[0]), int32(a[1])));
  t.define(SYS.tgkill, (k, p, a) => killCall(k, p, int32(a[1]), int32(a[2])));
  t.define(SYS.clock_gettime, (k, p, a) => {
    const ns = k.machine.clock.now() * NS_PER_TICK;
    return p.memory.write(addr(a[1]), u64le([ns / 1_000_000_000n, ns % 1_000_000_000n])) ? 0n : fail('EFAULT');
  });
  t.define(SYS.nanosleep, () => 0n);
  t.define(SYS.uname, (_k, p, a) => {
    const parts = ['Linux', 'hostos', '6.1.0-hostos', '#1 vm hostos', 'riscv64', '(none)'].map(field);
    const b = new Uint8Array(65 * 6);
    parts.forEach((f, i) => b.set(f, i * 65));
    return p.memory.write(addr(a[0]), b) ? 0n : fail('EFAULT');
  });
  t.define(SYS.prlimit64, (_k, p, a) => {
    const old = addr(a[3]);
    if (old !== 0 && !p.memory.write(old, u64le([8 << 20, -1n]))) return fail('EFAULT');
    return 0n;
  });
  t.define(SYS.getrandom, (k, p, a) => {
    const n = Math.min(int(a[1]), 256);
    return p.memory.write(addr(a[0]), k.random(n)) ? BigInt(n) : fail('EFAULT');
  });
  t.define(SYS.wait4, (k, p, a) => {
    const r = waitChild(k, p, int32(a[0]), int32(a[2]));
    if (typeof r !== 'object') return r;
    if (addr(a[1]) !== 0 && !p.memory.write(addr(a[1]), new Uint8Array(new Int32Array([r.status]).buffer))) return fail('EFAULT');
    if (addr(a[3]) !== 0 && !p.memory.write(addr(a[3]), new Uint8Array(RUSAGE_SIZE))) return fail('EFAULT');
    return BigInt(r.pid);
  });
  t.define(SYS.clone, (k, p, a) => {
    const flags = Number(BigInt.asUintN(64, a[0] ?? 0n) & 0xffff_ffffn);
    const stack = addr(a[1]);
    // Only fork-style clones: an exit signal (SIGCHLD or none), no new stack, the tid flags glibc's fork uses.
    const extra = flags & ~(CSIGNAL | CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID);
    if (extra !== 0 || stack !== 0 || BigInt.asUintN(64, a[0] ?? 0n) > 0xffff_ffffn) return fail('EINVAL');
    if ((flags & CSIGNAL) !== SIGCHLD && (flags & CSIGNAL) !== 0) return fail('EINVAL');
    if (p.kind !== 'user') return fail('ENOSYS');
    const child = k.forkProcess(p);
    if (child === undefined) return fail('ENOMEM');
    const tid = new Uint8Array(new Int32Array([child.pid]).buffer);
    if ((flags & CLONE_PARENT_SETTID) !== 0) p.memory.write(addr(a[2]), tid);
    if ((flags & CLONE_CHILD_SETTID) !== 0) child.memory.write(addr(a[4]), tid);
    if ((flags & CLONE_CHILD_CLEARTID) !== 0) child.tidAddress = addr(a[4]);
    return BigInt(child.pid);
  });
  t.define(SYS.execve, (k, p, a) => {
    const path = p.memory.readString(addr(a[0]));
    if (path === undefined) return fail('EFAULT');
    const argv = stringVector(p, addr(a[1]));
    const envp = stringVector(p, addr(a[2]));
    if (typeof argv === 'bigint') return argv;
    if (typeof envp === 'bigint') return envp;
    const r = k.execProcess(p, absolute(p, path), argv, envp);
    return r ?? 0n;
  });
}

const RUSAGE_SIZE = 144;
const MAX_VECTOR = 256;

/** A path relative to the process's working directory made absolute. */
export function absolute(p: Process, path: string): string {
  return path.startsWith('/') ? path : `${p.cwd === '/' ? '' : p.cwd}/${path}`;
}

/** A NULL-terminated vector of string pointers in user memory (argv, envp); NULL is empty. */
export function stringVector(p: Process, at: number): string[] | bigint {
  const out: string[] = [];
  if (at === 0) return out;
  for (let i = 0; ; i++) {
    if (i >= MAX_VECTOR) return fail('E2BIG');
    const word = p.memory.read(at + i * 8, 8);
    if (word === undefined) return fail('EFAULT');
    const ptr = addr(new DataView(word.buffer).getBigUint64(0, true));
    if (ptr === 0) return out;
    const s = p.memory.readString(ptr);
    if (s === undefined) return fail('EFAULT');
    out.push(s);
  }
}

/** What wait collected: the child's pid, and its status in wait4's encoding. */
export interface Collected {
  readonly pid: number;
  readonly status: number;
  readonly exit: ExitReport | undefined;
}

/**
 * wait4's core: reap a zombie child (`pid` > 0: that child; otherwise any), or block the caller
 * until one exits (RESTART; exit wakes it and the call runs again), or -ECHILD with no such
 * child, or 0 with WNOHANG while children still run. Status: exit code << 8, or the signal.
 */
export function waitChild(k: HostKernel, p: Process, pid: number, options = 0): Collected | bigint | typeof RESTART {
  const mine = (c: Process): boolean => pid <= 0 || c.pid === pid;
  const zombie = p.children.find((c) => c.state === 'zombie' && mine(c));
  if (zombie !== undefined) {
    const exit = zombie.exit;
    const status = exit?.signal !== undefined ? exit.signal & 0x7f : ((exit?.status ?? 0) & 0xff) << 8;
    k.reap(zombie);
    return { pid: zombie.pid, status, exit };
  }
  if (!p.children.some(mine)) return fail('ECHILD');
  if ((options & WNOHANG) !== 0) return 0n;
  k.block(p, 'child');
  return RESTART;
}

function killCall(k: HostKernel, p: Process, pid: number, signal: number): bigint {
  const target = pid === p.pid ? p : k.processes.find((x) => x.pid === pid);
  if (target === undefined) return fail('ESRCH');
  if (signal !== 0) k.kill(target, signal, `killed by signal ${signal} from pid ${p.pid}`);
  return 0n;
}
