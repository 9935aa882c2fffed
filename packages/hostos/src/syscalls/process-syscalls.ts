import type { HostKernel } from '../kernel.js';
import { SYS, fail } from '../linux-abi.js';
import type { Process } from '../process.js';
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
    const pid = int32(a[0]);
    const zombie = p.children.find((c) => c.state === 'zombie' && (pid <= 0 || c.pid === pid));
    if (zombie !== undefined) {
      const st = zombie.exit?.signal !== undefined ? zombie.exit.signal : (zombie.exit?.status ?? 0) << 8;
      if (addr(a[1]) !== 0) p.memory.write(addr(a[1]), new Uint8Array(new Int32Array([st]).buffer));
      k.reap(zombie);
      return BigInt(zombie.pid);
    }
    if (!p.children.some((c) => pid <= 0 || c.pid === pid)) return fail('ECHILD');
    k.block(p, 'child');
    return RESTART;
  });
}

function killCall(k: HostKernel, p: Process, pid: number, signal: number): bigint {
  const target = pid === p.pid ? p : k.processes.find((x) => x.pid === pid);
  if (target === undefined) return fail('ESRCH');
  if (signal !== 0) k.kill(target, signal, `killed by signal ${signal} from pid ${p.pid}`);
  return 0n;
}
