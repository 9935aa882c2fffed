import type { HostKernel } from '../kernel.js';
import { SIGCHLD, SYS } from '../linux-abi.js';
import type { Process } from '../process.js';
import { RESTART, type SyscallTable } from '../syscall-table.js';
import { VMK_ERROR, VMK_HEAP_MAX, VMK_SYS, VMK_TICKS_PER_SECOND } from '../vmkernel-abi.js';
import { addr, int, int32 } from './arguments.js';
import { absolute, stringVector, waitChild } from './process-syscalls.js';

/** The guest kernel's exec takes at most 32 arguments (guests/kernel/syscall.c). */
const VMK_MAX_ARGS = 32;

/** Run hostos's own (Linux-numbered) system call `nr` for a vmkernel-personality process. */
function host(k: HostKernel, p: Process, nr: number, args: readonly bigint[]): bigint | typeof RESTART {
  const h = k.syscalls.lookup(nr);
  return h === undefined ? VMK_ERROR : h(k, p, args);
}

/** A hostos result in the guest ABI: every negative errno becomes -1. */
function guest(r: bigint | typeof RESTART): bigint | typeof RESTART {
  return r !== RESTART && r < 0n ? VMK_ERROR : r;
}

/**
 * The vmkernel personality: our guest kernel's system calls (guests/include/syscall.h,
 * guests/kernel/syscall.c) translated to hostos's. Console I/O, exit, getpid, sbrk (onto brk),
 * uptime/time_us (onto the board clock), yield, bootargs, fork (onto clone(SIGCHLD)), exec (onto
 * execve) and wait (onto wait4) are served; the disk calls fail with -1 (no raw disks for
 * processes: disk_info reports "absent").
 */
export function defineVmkernelSyscalls(t: SyscallTable): void {
  t.define(VMK_SYS.exit, (k, p, a) => host(k, p, SYS.exit_group, [BigInt(int32(a[0]) & 0xff)]));
  t.define(VMK_SYS.fork, (k, p) => guest(host(k, p, SYS.clone, [BigInt(SIGCHLD), 0n, 0n, 0n, 0n])));
  t.define(VMK_SYS.exec, (k, p, a) => {
    // exec(name, argv): the guest kernel finds `name` among the programs linked into it; here a
    // bare name is looked up next to the caller's program, then in /vmk and /bin.
    const name = p.memory.readString(addr(a[0]), 256);
    const argv = stringVector(p, addr(a[1]));
    if (name === undefined || name === '' || typeof argv === 'bigint' || argv.length > VMK_MAX_ARGS) return VMK_ERROR;
    const dir = p.path.slice(0, p.path.lastIndexOf('/'));
    const candidates = name.includes('/') ? [absolute(p, name)] : [`${dir}/${name}`, `/vmk/${name}`, `/bin/${name}`];
    for (const path of candidates) {
      const inode = k.fs.lookup(path);
      if (inode === undefined || inode.type !== 'file') continue;
      const r = k.execProcess(p, path, argv, []);
      return r === undefined ? BigInt(argv.length) : VMK_ERROR;
    }
    return VMK_ERROR;
  });
  t.define(VMK_SYS.wait, (k, p, a) => {
    // The guest's wait stores the child's exit(status) as is (wait4 stores status << 8), -1 if killed.
    const r = waitChild(k, p, -1);
    if (typeof r !== 'object') return guest(r);
    const status = r.exit === undefined || r.exit.signal !== undefined ? -1 : r.exit.status;
    const scratch = new Uint8Array(4);
    new DataView(scratch.buffer).setInt32(0, status, true);
    const at = addr(a[0]);
    if (at !== 0 && !p.memory.write(at, scratch)) return VMK_ERROR;
    return BigInt(r.pid);
  });
  t.define(VMK_SYS.getpid, (k, p) => host(k, p, SYS.getpid, []));
  t.define(VMK_SYS.write, (k, p, a) => {
    const fd = int(a[0]);
    if (fd !== 1 && fd !== 2) return VMK_ERROR;
    return guest(host(k, p, SYS.write, [a[0] ?? 0n, a[1] ?? 0n, a[2] ?? 0n]));
  });
  t.define(VMK_SYS.read, (k, p, a) => {
    if (int(a[0]) !== 0) return VMK_ERROR;
    return guest(host(k, p, SYS.read, [0n, a[1] ?? 0n, a[2] ?? 0n]));
  });
  t.define(VMK_SYS.sbrk, (k, p, a) => {
    const incr = int(a[0]);
    const old = p.memory.brk;
    const want = old + incr;
    if (incr < 0 || want > VMK_HEAP_MAX) return VMK_ERROR; // the guest kernel only grows the heap
    const r = host(k, p, SYS.brk, [BigInt(want)]);
    return r === BigInt(want) ? BigInt(old) : VMK_ERROR;
  });
  t.define(VMK_SYS.disk_info, () => VMK_ERROR);
  t.define(VMK_SYS.disk_read, () => VMK_ERROR);
  t.define(VMK_SYS.disk_write, () => VMK_ERROR);
  t.define(VMK_SYS.uptime, (k) => (k.machine.clock.now() * BigInt(VMK_TICKS_PER_SECOND)) / BigInt(k.machine.clock.frequency));
  t.define(VMK_SYS.time_us, (k) => (k.machine.clock.now() * 1_000_000n) / BigInt(k.machine.clock.frequency));
  t.define(VMK_SYS.yield, (k, p) => guest(host(k, p, SYS.sched_yield, [])));
  t.define(VMK_SYS.bootargs, (_k, p, a) => {
    const line = Buffer.from(p.bootargs + '\0', 'utf8');
    if (addr(a[1]) < line.length) return VMK_ERROR;
    return p.memory.write(addr(a[0]), line) ? BigInt(line.length - 1) : VMK_ERROR;
  });
}
